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
    if type(expr) is Formula and _numbers_only(expr):
        return _formula(expr)
    from ._printers import text as sympy_text

    return sympy_text(expr)


def _numbers_only(expr: Any) -> bool:
    if type(expr) is Formula:
        return all(_numbers_only(a) for a in expr.args)
    return type(expr) is int and expr >= 0


def _formula(expr: Any, inside_product: bool = False) -> str:
    if type(expr) is int:
        return str(expr)
    if expr.op == "*":
        return "·".join(_formula(a, inside_product=True) for a in expr.args)
    written = " + ".join(_formula(a) for a in expr.args)
    return f"({written})" if inside_product else written
