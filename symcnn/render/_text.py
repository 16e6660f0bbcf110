"""Text for people, without sympy where the values are Python numbers.

A numeric network is evaluated with ``int`` and :class:`symcnn._math.Formula`; its text
table, JSON and CSV need no sympy, and importing sympy is most of a command-line run's time. Any
other value goes to the sympy printer of ``_printers``.
"""

from __future__ import annotations

from typing import Any

from .._math import Formula


def text(expr: Any) -> str:
    """For people: ``⌊(n + 2p − k)/s⌋ + 1``, ``(5·5·1 + 1)·32``."""
    return printed(expr, "text")


def plain(expr: Any) -> str:
    """In symcnn's expression syntax, ASCII: ``floor((n + 2*p - k)/s) + 1``."""
    return printed(expr, "plain")


def latex(expr: Any) -> str:
    r"""LaTeX math: ``\left\lfloor \frac{n + 2 p - k}{s} \right\rfloor + 1``."""
    return printed(expr, "latex")


def printed(expr: Any, form: str) -> str:
    """``expr`` as the printer ``form`` of ``_printers`` writes it: numbers and their
    formulas here (:func:`numeric`), anything else by sympy, imported only then."""
    written = numeric(expr, form)
    if written is None:
        from . import _printers

        written = getattr(_printers, form)(expr)
    return written


# each printer's product sign and parentheses (see ``_printers``: ``text`` for people,
# ``plain`` in the language's own syntax, ``latex``)
_FORMS = {"text": ("·", "({})"), "plain": ("*", "({})"),
          "latex": (r" \cdot ", r"\left({}\right)")}


def numeric(expr: Any, form: str) -> str | None:
    """A non-negative integer, or a formula of them, as the sympy printer ``form``
    (``text``, ``plain`` or ``latex``) writes it, without sympy; ``None`` for any other
    value, which is sympy's to print."""
    if type(expr) is int:
        return str(expr) if expr >= 0 else None
    if type(expr) is Formula and expr.args:
        return _formula(expr, False, *_FORMS[form])
    return None


def _formula(expr: Any, inside_product: bool, times: str, parentheses: str) -> str | None:
    parts = []
    for arg in expr.args:
        if type(arg) is int:
            if arg < 0:
                return None
            parts.append(str(arg))
        elif type(arg) is Formula:
            part = _formula(arg, expr.op == "*", times, parentheses)
            if part is None:
                return None
            parts.append(part)
        else:
            return None
    if expr.op == "*":
        return times.join(parts)
    return parentheses.format(" + ".join(parts)) if inside_product else " + ".join(parts)
