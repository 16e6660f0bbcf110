"""The small pieces of exact arithmetic the layer rules share: free symbols with their
assumptions, floor and ceiling division that keep expressions small, and products and
sums built without Python's quadratic ``+`` chains."""

from __future__ import annotations

import re
from functools import lru_cache

import sympy
from sympy import Expr
from sympy.printing.precedence import PRECEDENCE

ZERO = sympy.Integer(0)
ONE = sympy.Integer(1)

# Paddings may be zero; every other free name is a size, a count or a channel number.
_PADDING = re.compile(r"^(p|op|pad|padding)(_?[0-9]+|_\w+)?$")


@lru_cache(maxsize=None)
def symbol(name: str) -> sympy.Symbol:
    """The one Symbol for a free name, with the assumptions sympy needs to simplify:
    integer, and positive, or non-negative for paddings (``p``, ``p1``, ``p_2``, ``op``)."""
    if _PADDING.match(name):
        return sympy.Symbol(name, integer=True, nonnegative=True)
    return sympy.Symbol(name, integer=True, positive=True)


def is_number(value: Expr) -> bool:
    return bool(value.is_number)


def floor_div(numerator: Expr, denominator: Expr) -> Expr:
    """``floor(numerator / denominator)`` for an integer numerator and a positive integer
    denominator, with nested floors merged: ``floor((floor(x) + i) / m)`` equals
    ``floor((x + i) / m)`` for integers i and m > 0, so a chain of poolings stays one
    floor instead of a tower."""
    if denominator == 1:
        return numerator
    if numerator.is_Integer and denominator.is_Integer:
        return sympy.Integer(int(numerator) // int(denominator))
    return sympy.floor(_unfloor(numerator) / denominator)


def ceil_div(numerator: Expr, denominator: Expr) -> Expr:
    """``ceil(numerator / denominator)``, as :func:`floor_div`."""
    if denominator == 1:
        return numerator
    if numerator.is_Integer and denominator.is_Integer:
        return sympy.Integer(-(-int(numerator) // int(denominator)))
    return sympy.ceiling(_unceil(numerator) / denominator)


def _unfloor(expr: Expr) -> Expr:
    floors = [t for t in sympy.Add.make_args(expr) if isinstance(t, sympy.floor)]
    if len(floors) != 1:
        return expr
    rest = expr - floors[0]
    return floors[0].args[0] + rest if rest.is_integer else expr


def _unceil(expr: Expr) -> Expr:
    ceils = [t for t in sympy.Add.make_args(expr) if isinstance(t, sympy.ceiling)]
    if len(ceils) != 1:
        return expr
    rest = expr - ceils[0]
    return ceils[0].args[0] + rest if rest.is_integer else expr


def product(values) -> Expr:
    return sympy.Mul(*values)


def total(values) -> Expr:
    """The sum of many terms in one step: ``sum()`` would rebuild a growing expression
    for every term."""
    values = list(values)
    if all(v.is_Integer for v in values):
        return sympy.Integer(sum(int(v) for v in values))
    return sympy.Add(*values)


class Written(Expr):
    """An expression kept as a textbook writes it: operands in their order, equal
    numbers not multiplied out (``(5·5·1 + 1)·32``). sympy's own ``Mul`` and ``Add``
    sort their arguments even with ``evaluate=False``, so formulas are built from these
    instead; the renderers print them, :func:`evaluated` gives their value."""

    is_commutative = True
    operation: type = sympy.Basic

    def __new__(cls, *operands: Expr) -> Written:
        return Expr.__new__(cls, *operands)  # type: ignore[no-any-return]

    @property
    def value(self) -> Expr:
        return self.operation(*(evaluated(a) for a in self.args))  # type: ignore[no-any-return]

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


def evaluated(expr: Expr) -> Expr:
    """The value of a textbook formula (see :class:`Written`)."""
    return expr.value if isinstance(expr, Written) else expr
