"""Text for people, without sympy where the values are Python numbers.

A numeric network is evaluated with ``int`` and :class:`symcnn._math.Formula`; its text
table needs no sympy, and importing sympy is most of a command-line run's time. Any
other value goes to the sympy printer of ``_printers``.
"""

from __future__ import annotations

from typing import Any

from .._math import Formula


def text(expr: Any) -> str:
    """For people: ``⌊(n + 2p − k)/s⌋ + 1``, ``(5·5·1 + 1)·32``."""
    if type(expr) is int and expr >= 0:
        return str(expr)
    if type(expr) is Formula:
        written = _formula(expr, False)
        if written is not None:
            return written
    from ._printers import text as sympy_text

    return sympy_text(expr)


def _formula(expr: Any, inside_product: bool) -> str | None:
    """A formula of non-negative integers as text, or ``None`` for any other formula
    (the sympy printer's)."""
    parts = []
    for arg in expr.args:
        if type(arg) is int:
            if arg < 0:
                return None
            parts.append(str(arg))
        elif type(arg) is Formula:
            part = _formula(arg, expr.op == "*")
            if part is None:
                return None
            parts.append(part)
        else:
            return None
    if expr.op == "*":
        return "·".join(parts)
    return f"({' + '.join(parts)})" if inside_product else " + ".join(parts)
