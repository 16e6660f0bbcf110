"""Formulas as a textbook writes them, for networks evaluated with sympy (``_math``
builds them; the renderers print them).

Kept apart from ``_math`` because defining sympy classes needs sympy, and a numeric
network is evaluated without importing it (its formulas are ``_math.Formula`` until
someone asks for sympy values).
"""

from __future__ import annotations

import sympy
from sympy import Expr
from sympy.printing.precedence import PRECEDENCE



class Written(Expr):
    """An expression kept as a textbook writes it: operands in their order, equal
    numbers not multiplied out (``(5·5·1 + 1)·32``). sympy's own ``Mul`` and ``Add``
    sort their arguments even with ``evaluate=False``, so formulas are built from these
    instead; the renderers print them, ``value`` (and :func:`symcnn._math.evaluated`)
    gives their value."""

    is_commutative = True
    operation: type = sympy.Basic

    def __new__(cls, *operands: Expr) -> Written:
        return Expr.__new__(cls, *operands)

    @property
    def value(self) -> Expr:
        return self.operation(*(a.value if isinstance(a, Written) else a for a in self.args))

    def doit(self, **hints: object) -> Expr:
        return self.value

    def _eval_is_integer(self) -> bool | None:
        return self.value.is_integer


class WrittenProduct(Written):
    operation = sympy.Mul
    precedence = PRECEDENCE["Mul"]  # where printers put parentheses


class WrittenSum(Written):
    operation = sympy.Add
    precedence = PRECEDENCE["Add"]


def written_product(*factors: Expr | int) -> Expr:
    """A product kept as written (``5·5·1``), numbers and all; a symbol that repeats
    is written once, as a power (``k·k·c`` is ``k²·c``)."""
    given: list[Expr] = []
    for f in factors:
        if isinstance(f, WrittenProduct):
            given.extend(f.args)
        else:
            given.append(sympy.Integer(f) if isinstance(f, int) else f)
    kept: list[Expr] = []
    for i, factor in enumerate(given):
        if factor.is_number:
            kept.append(factor)
        elif factor not in given[:i]:
            kept.append(factor ** given.count(factor))
    return kept[0] if len(kept) == 1 else WrittenProduct(*kept)


def written_sum(*terms: Expr | int) -> Expr:
    kept = [sympy.Integer(t) if isinstance(t, int) else t for t in terms]
    return kept[0] if len(kept) == 1 else WrittenSum(*kept)
