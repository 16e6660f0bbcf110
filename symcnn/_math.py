"""The small pieces of exact arithmetic the layer rules share: free symbols with their
assumptions, floor and ceiling division that keep expressions small, comparisons, and
products and sums built without Python's quadratic ``+`` chains.

Every function here takes two kinds of values. A network without free symbols is
evaluated with Python's ``int`` and ``Fraction``, which is exact, many times faster and
needs no sympy at all (importing sympy alone costs a command-line run about 0.3 s); a
network with symbols is evaluated with sympy. Comparisons therefore answer ``True`` or
``False`` for numbers and a sympy relation otherwise; :func:`truth` reads either.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sympy
    from sympy import Expr

ZERO = 0
ONE = 1
# The values of a numeric network. Tested with ``type(v) in NUMBER``: ``isinstance``
# with Fraction, an abstract-base-class subclass, is slow enough to show in profiles.
NUMBER = frozenset((int, Fraction))

# Paddings may be zero; every other free name is a size, a count or a channel number.
_PADDING = re.compile(r"^(p|op|pad|padding)(_?[0-9]+|_\w+)?$")


@lru_cache(maxsize=None)
def symbol(name: str) -> sympy.Symbol:
    """The one Symbol for a free name, with the assumptions sympy needs to simplify:
    integer, and positive, or non-negative for paddings (``p``, ``p1``, ``p_2``, ``op``)."""
    import sympy

    if _PADDING.match(name):
        return sympy.Symbol(name, integer=True, nonnegative=True)
    return sympy.Symbol(name, integer=True, positive=True)


def is_number(value: Any) -> bool:
    return type(value) in NUMBER or bool(value.is_number)


def is_integer(value: Any) -> bool:
    """Whether ``value`` is an integer number (not merely an integer symbol)."""
    return type(value) is int or bool(getattr(value, "is_Integer", False))


def truth(condition: Any) -> bool | None:
    """``True`` or ``False`` when a condition is decided, ``None`` when it depends on
    the values of symbols."""
    if condition is True or condition is False:
        return condition
    import sympy

    if condition == sympy.true:
        return True
    if condition == sympy.false:
        return False
    return None


def _numbers(*values: Any) -> bool:
    return NUMBER.issuperset(map(type, values))


def ge(a: Any, b: Any) -> Any:
    if _numbers(a, b):
        return a >= b
    if type(b) in NUMBER:
        least = lower_bound(a)
        if least is not None and least >= b:
            return True  # a size that grows with its symbols, at least b at their least
    import sympy

    return sympy.Ge(a, b)


def lower_bound(expr: Any) -> int | Fraction | None:
    """The least value of ``expr`` over its symbols' values (integers from 1, or from 0
    for a padding), where ``expr`` never decreases as one of them grows: built from them
    by +, by · with non-negative factors, by powers, floors and ceilings of such terms,
    and min and max. ``None`` for any other expression (sympy is asked instead).

    Deciding that an output size such as ``⌊(n − 1)/2⌋ + 1`` is at least 1 this way
    costs microseconds, where sympy's assumptions take about two milliseconds."""
    if type(expr) in NUMBER:
        return expr
    if expr.is_Rational:
        return Fraction(int(expr.p), int(expr.q))
    if expr.is_Symbol:
        return 1 if expr.is_integer and expr.is_positive else (
            0 if expr.is_nonnegative else None)
    name = expr.func.__name__
    if expr.is_Add or expr.is_Mul or name in ("Max", "Min"):
        parts: list[int | Fraction] = []
        for arg in expr.args:
            part = lower_bound(arg)
            if part is None:
                return None
            parts.append(part)
        if expr.is_Add:
            return sum(parts)
        if expr.is_Mul:
            if any(p < 0 for p in parts):
                return None  # a negative factor: the product falls as the others grow
            return math.prod(parts)
        return max(parts) if name == "Max" else min(parts)
    if expr.is_Pow:
        base, exponent = lower_bound(expr.base), expr.exp
        if base is None or base < 0 or not (exponent.is_Integer and exponent > 0):
            return None
        return base ** int(exponent)
    if name in ("floor", "ceiling"):
        inner = lower_bound(expr.args[0])
        if inner is None:
            return None
        return math.floor(inner) if name == "floor" else math.ceil(inner)
    return None


def le(a: Any, b: Any) -> Any:
    if _numbers(a, b):
        return a <= b
    import sympy

    return sympy.Le(a, b)


def lt(a: Any, b: Any) -> Any:
    if _numbers(a, b):
        return a < b
    import sympy

    return sympy.Lt(a, b)


def eq(a: Any, b: Any) -> Any:
    if _numbers(a, b):
        return a == b
    import sympy

    return sympy.Eq(a, b)


def maximum(*values: Any) -> Any:
    if _numbers(*values):
        return max(values)
    import sympy

    return sympy.Max(*values)


def minimum(*values: Any) -> Any:
    if _numbers(*values):
        return min(values)
    import sympy

    return sympy.Min(*values)


def divide(numerator: Any, denominator: Any) -> Any:
    """``numerator / denominator``, exactly: an ``int`` where the division is even."""
    if _numbers(numerator, denominator):
        quotient = Fraction(numerator, denominator)
        return quotient.numerator if quotient.denominator == 1 else quotient
    return numerator / denominator


def floor_div(numerator: Expr, denominator: Expr) -> Expr:
    """``floor(numerator / denominator)`` for an integer numerator and a positive integer
    denominator, with nested floors merged: ``floor((floor(x) + i) / m)`` equals
    ``floor((x + i) / m)`` for integers i and m > 0, so a chain of poolings stays one
    floor instead of a tower."""
    if denominator == 1:
        return numerator
    if _numbers(numerator, denominator):
        return numerator // denominator
    import sympy

    if is_integer(numerator) and is_integer(denominator):
        return sympy.Integer(int(numerator) // int(denominator))
    return _rounded(sympy.floor, _unfloor(numerator, sympy.floor) / denominator)


def ceil_div(numerator: Expr, denominator: Expr) -> Expr:
    """``ceil(numerator / denominator)``, as :func:`floor_div`."""
    if denominator == 1:
        return numerator
    if _numbers(numerator, denominator):
        return -(-numerator // denominator)
    import sympy

    if is_integer(numerator) and is_integer(denominator):
        return sympy.Integer(-(-int(numerator) // int(denominator)))
    return _rounded(sympy.ceiling, _unfloor(numerator, sympy.ceiling) / denominator)


def _rounded(kind: type, argument: Expr) -> Expr:
    """``kind(argument)`` for sympy's floor or ceiling, evaluated as sympy does, but
    without sympy's attempt to prove the value constant (``0 <= argument < 1`` and the
    like, through assumptions) where it cannot succeed: when the argument grows without
    bound in one of its symbols. That attempt cost most of a symbolic network's
    evaluation."""
    import sympy

    if not _unbounded(argument):
        return kind(argument)
    whole: list[Any] = []
    numbers: list[Any] = []
    rest: list[Any] = []
    for term in sympy.Add.make_args(argument):
        (whole if term.is_integer else numbers if term.is_Number else rest).append(term)
    if not rest:  # as sympy does: a number's floor is a number
        return sympy.Add(*whole, kind(sympy.Add(*numbers)))
    inner = sympy.Add(*rest, *numbers)
    if isinstance(inner, (sympy.floor, sympy.ceiling)):
        return sympy.Add(*whole, inner)
    return sympy.Add(*whole, kind(inner, evaluate=False))


def _unbounded(argument: Expr) -> bool:
    """Whether ``argument`` grows without bound as one positive symbol grows: a term
    ``c·x`` of its numerator with ``c > 0``, and ``x`` nowhere else. Every constant value
    sympy tries to prove for a floor or ceiling needs an upper bound."""
    import sympy

    numerator, denominator = argument.as_numer_denom()
    if denominator.is_positive is not True:
        return False
    terms = sympy.Add.make_args(numerator)
    for i, term in enumerate(terms):
        coefficient, x = term.as_coeff_Mul()
        if (coefficient > 0 and x.is_Symbol and x.is_positive
                and x not in denominator.free_symbols
                and not any(x in t.free_symbols for j, t in enumerate(terms) if j != i)):
            return True
    return False


def _unfloor(expr: Expr, kind: type) -> Expr:
    import sympy

    floors: list[Any] = [t for t in sympy.Add.make_args(expr) if isinstance(t, kind)]
    if len(floors) != 1:
        return expr
    rest = expr - floors[0]
    return floors[0].args[0] + rest if rest.is_integer else expr


def ceil_mode_steps(span: Any, n: Any, k: Any, s: Any, p: Any) -> Any:
    """The windows after the first of PyTorch's ceil-mode pooling, one floor deep.

    PyTorch takes ``m = ceil(span/s)`` with ``span = n + 2p - k``, less one where the last
    window would start past the input and its left padding (``m·s >= n + p``). With
    ``2p <= k`` (a pool's padding is at most half its kernel) ``m`` is at most
    ``ceil((n + p)/s)``, so the corrected value is ``min(m, ceil((n + p)/s) - 1)``, and,
    as floor is monotonic, ``floor((n + min(2p - k + s - 1, p - 1))/s)``: one floor
    whose ``min`` holds only the layer's own arguments. A chain of such pools stays one
    floor where a ``Piecewise`` per pool would nest, doubling at every pool. The
    correction matters only when ``p + s > k`` (then the ``min`` is ``p - 1``);
    otherwise this is ``ceil(span/s)``, and written so."""
    if truth(le(p + s - k, 0)) is True:
        return ceil_div(span, s)
    return floor_div(n + minimum(span - n + s - 1, p - 1), s)


def floor(value: Any) -> Any:
    """The language's ``floor(x)``; as :func:`floor_div`, without sympy's slow attempt to
    prove the value constant where it cannot be (7 ms a floor of ``x/1001``)."""
    if type(value) in NUMBER:
        return math.floor(value)
    import sympy

    return _rounded(sympy.floor, value)


def ceiling(value: Any) -> Any:
    if type(value) in NUMBER:
        return math.ceil(value)
    import sympy

    return _rounded(sympy.ceiling, value)


def mod(a: Any, b: Any) -> Any:
    if _numbers(a, b):
        return a % b
    import sympy

    return sympy.Mod(a, b)


def divisible(value: Any, divisor: Any) -> Any:
    """The condition that ``divisor`` divides ``value``: ``True`` or ``False`` for
    numbers, else ``Eq(Mod(value, divisor), 0)``. A divisor that values could make 0
    (``floor(b/2)`` at ``b = 1``) is written ``value = divisor·floor(value/divisor)``
    instead, which then reads False where sympy's ``Mod`` would raise
    ``ZeroDivisionError`` in the caller's ``constraint.subs(...)``."""
    if _numbers(value, divisor):
        return divisor != 0 and value % divisor == 0
    import sympy

    if (divisor != 0) if type(divisor) in NUMBER else divisor.is_zero is False:
        return sympy.Eq(sympy.Mod(value, divisor), 0)
    return sympy.Eq(value, divisor * sympy.floor(value / divisor))


def product(values: Any) -> Expr:
    values = list(values)
    if _numbers(*values):
        return math.prod(values)
    import sympy

    return sympy.Mul(*values)


def total(values: Any) -> Expr:
    """The sum of many terms in one step: ``sum()`` would rebuild a growing expression
    for every term."""
    values = list(values)
    if _numbers(*values):
        return sum(values)
    import sympy

    if all(v.is_Integer for v in values):
        return sympy.Integer(sum(int(v) for v in values))
    return sympy.Add(*values)


class Formula:
    """A sum or product kept as written, ``(3·3·64 + 1)·128``, in a numeric network: the
    numbers-only twin of ``_written.Written``, made without sympy. :func:`evaluated`
    gives its value and :func:`to_sympy` the ``Written`` formula a sympy evaluation
    would have built."""

    __slots__ = ("op", "args", "value")

    def __init__(self, op: str, args: tuple[Any, ...]) -> None:
        self.op = op  # "+" or "*"
        self.args = args
        values = [a.value if type(a) is Formula else a for a in args]
        self.value: int | Fraction = sum(values) if op == "+" else math.prod(values)

    def __repr__(self) -> str:
        return f"Formula({self.op!r}, {self.args!r})"


def formula(op: str, parts: tuple[Any, ...]) -> Any:
    """A sum (``op="+"``) or product (``"*"``) that keeps its parts as written; ``None``
    parts, and zeros in a sum, are left out."""
    kept = tuple([p for p in parts if p is not None and not (op == "+" and p == 0)])
    if len(kept) == 1:
        return kept[0]
    if _FORMULA_PARTS.issuperset(map(type, kept)):
        return Formula(op, kept)
    written = _written()
    converted = [to_sympy(p) for p in kept]
    return (written.written_sum(*converted) if op == "+"
            else written.written_product(*converted))


_FORMULA_PARTS = NUMBER | {Formula}


def evaluated(expr: Any) -> Any:
    """The value of a textbook formula (:class:`Formula`, or ``_written.Written``)."""
    if type(expr) in NUMBER:
        return expr
    if type(expr) is Formula:
        return expr.value
    return expr.value if isinstance(expr, _written().Written) else expr


def to_sympy(value: Any) -> Any:
    """A value as sympy has it: numbers, formulas and tuples of them are converted;
    sympy values, words and flags are returned as they are."""
    kind = type(value)
    if kind is int:
        import sympy

        return sympy.Integer(value)
    if kind is Fraction:
        import sympy

        return sympy.Rational(value.numerator, value.denominator)
    if kind is Formula:
        return formula(value.op, tuple(to_sympy(a) for a in value.args))
    if kind is tuple:
        return tuple(to_sympy(v) for v in value)
    return value


def to_python(value: Any) -> Any:
    """A sympy number as an ``int`` or a ``Fraction``; anything else as it is."""
    if type(value) in NUMBER:
        return value
    if getattr(value, "is_Integer", False):
        return int(value)
    if getattr(value, "is_Rational", False):
        return Fraction(int(value.p), int(value.q))
    return value


_WRITTEN: Any = None


def _written() -> Any:
    """The module ``_written``, imported (with sympy) the first time it is needed; a
    relative import inside a function costs more than the function itself."""
    global _WRITTEN
    if _WRITTEN is None:
        from . import _written as module

        _WRITTEN = module
    return _WRITTEN

