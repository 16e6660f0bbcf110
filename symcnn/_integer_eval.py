"""Exact integer values of symcnn's formulas on NumPy arrays: what ``net.sweep`` computes
its table with and ``net.valid_sizes`` scans sizes with.

Each formula is rewritten for integers before ``lambdify`` prints it: ``floor(a/b)``
becomes ``A // B`` with ``A`` and ``B`` integer polynomials, ``ceiling`` likewise, and a
relation ``a >= b`` compares ``(a - b)``'s integer numerator with 0, so no value ever
passes through a float. :func:`bound` bounds the magnitude of every intermediate value,
which decides, formula by formula, between int64 and Python integers (NumPy object
arrays), so nothing overflows.

NumPy is passed in by the caller (``sweep.numpy()``): ``import symcnn`` does not need it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy
from sympy.core.relational import Relational
from sympy.printing.numpy import NumPyPrinter

from .errors import SymcnnError

INT64_MAX = 2**63 - 1


def evaluate(np: Any, expr: sympy.Basic, symbols: list[sympy.Symbol], axes: list[Any],
             magnitude: int) -> Any:
    """The values of an integer formula (or a condition) at the ``axes``' values of the
    ``symbols`` (arrays that broadcast together), exactly; ``magnitude`` bounds every
    value on the way (:func:`bound` gives one)."""
    if magnitude > INT64_MAX:
        axes = [a.astype(object) for a in axes]
    values = {s: axes[symbols.index(s)] for s in symbols}
    if isinstance(expr, sympy.Expr):
        numerator, denominator = split(expr)
        if denominator != 1:
            return _lambdified(numerator, values) // _lambdified(denominator, values)
    return _lambdified(expr, values)


def _lambdified(expr: sympy.Basic, values: Mapping[sympy.Symbol, Any]) -> Any:
    used = sorted(expr.free_symbols, key=lambda s: s.name)
    function = sympy.lambdify(used, expr, modules="numpy", printer=_ExactPrinter)
    return function(*(values[s] for s in used))


def split(expr: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    """``expr`` as ``numerator / denominator``, both with integer coefficients and the
    denominator positive. Functions (floor, Max, Piecewise, ...) are integers already."""
    if not isinstance(expr, (sympy.Add, sympy.Mul, sympy.Pow, sympy.Rational)):
        return expr, sympy.Integer(1)
    numerator, denominator = sympy.fraction(sympy.together(expr))
    if denominator.is_positive is not True:
        raise SymcnnError(f"cannot sweep {expr}: its denominator {denominator} may not be "
                          "positive")
    return numerator, denominator


class _ExactPrinter(NumPyPrinter):
    """NumPy code with integer operations only: ``floor(a/b)`` is ``A // B`` for the
    integer numerator and denominator of ``a/b``, and a fraction left anywhere else is
    an error rather than a float."""

    def _integer(self, expr: sympy.Expr, sign: str = "") -> str:
        """``floor(expr)``, or ``ceiling(expr)`` with ``sign="-"``."""
        numerator, denominator = split(expr)
        if denominator == 1:
            return self._print(numerator)
        return (f"({sign}(({sign}({self._print(numerator)})) "
                f"// ({self._print(denominator)})))")

    def _print_floor(self, expr: Any) -> Any:
        return self._integer(expr.args[0])

    def _print_ceiling(self, expr: Any) -> Any:
        return self._integer(expr.args[0], "-")

    def _print_Mod(self, expr: Any) -> Any:
        a, b = expr.args
        return f"(({self._integer(a)}) % ({self._integer(b)}))"

    def _print_Max(self, expr: Any) -> Any:
        return self._reduce("numpy.maximum", expr.args)

    def _print_Min(self, expr: Any) -> Any:
        return self._reduce("numpy.minimum", expr.args)

    def _reduce(self, function: str, args: Any) -> str:
        text = self._integer(args[0])
        for arg in args[1:]:
            text = f"{function}({text}, {self._integer(arg)})"
        return text

    def _print_Relational(self, expr: Any) -> Any:
        # a OP b  <=>  numerator(a - b) OP 0, the denominator being positive
        numerator, _ = split(expr.lhs - expr.rhs)
        return f"(({self._print(numerator)}) {expr.rel_op} 0)"

    def _print_Piecewise(self, expr: Any) -> Any:
        (value, condition), *rest = expr.args
        if condition == sympy.true:
            return self._integer(value)
        if not rest:
            raise SymcnnError(f"cannot sweep {expr}: it has no value where its condition "
                              "is false")
        return (f"numpy.where({self._print(condition)}, {self._integer(value)}, "
                f"{self._print(sympy.Piecewise(*rest))})")

    def _print_Rational(self, expr: Any) -> Any:
        raise SymcnnError(f"cannot sweep exactly: the fraction {expr} is left in a formula")

    _print_Float = _print_Rational


def bound(expr: sympy.Basic, largest: Mapping[sympy.Symbol, int]) -> int:
    """An upper bound of the magnitude of ``expr`` and of every intermediate value of the
    code :func:`evaluate` runs for it, for symbols within ``largest``."""
    if expr.is_Integer:
        return abs(int(expr))
    if expr.is_Symbol:
        return largest[expr]
    if isinstance(expr, Relational):
        return bound(split(expr.lhs - expr.rhs)[0], largest)
    if isinstance(expr, sympy.Expr):
        numerator, denominator = split(
            expr.args[0] if isinstance(expr, (sympy.floor, sympy.ceiling)) else expr)
        if denominator != 1 or numerator != expr:
            return max(bound(numerator, largest), bound(denominator, largest)) + 1
    if isinstance(expr, sympy.Pow) and expr.exp.is_Integer and expr.exp >= 0:
        return max(bound(expr.base, largest), 1) ** int(expr.exp)
    if isinstance(expr, sympy.Add):
        return sum(bound(a, largest) for a in expr.args)
    if isinstance(expr, sympy.Mul):
        result = 1
        for a in expr.args:
            result *= max(bound(a, largest), 1)
        return result
    if isinstance(expr, (sympy.Mod, sympy.Max, sympy.Min, sympy.Piecewise,
                         sympy.logic.boolalg.BooleanFunction, sympy.Tuple)):
        return max((bound(a, largest) for a in expr.args), default=1)
    if expr in (sympy.true, sympy.false):
        return 1
    raise SymcnnError(f"cannot sweep {expr}: {type(expr).__name__} is not supported")
