"""Exact integer values of symcnn's formulas: what ``net.sweep`` computes its table with
and ``net.valid_sizes`` scans sizes with.

Each formula is printed as code with integer operations only before ``lambdify`` runs
it: ``floor(a/b)`` becomes ``A // B`` with ``A`` and ``B`` integer polynomials,
``ceiling`` likewise, and a relation ``a >= b`` compares ``(a - b)``'s integer numerator
with 0, so no value ever passes through a float. The code runs on NumPy arrays
(:func:`evaluate`, a sweep's whole grid at once), where :func:`bound` bounds the magnitude
of every intermediate value and so decides, formula by formula, between int64 and Python
integers (object arrays), so nothing overflows; or on Python integers, one value at a
time, where NumPy is not installed (:func:`all_hold`, :func:`magnitudes`: the browser
playground runs without it). ``import symcnn`` needs NumPy for neither.
"""

from __future__ import annotations

import builtins
import keyword
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import sympy
from sympy.core.relational import Relational
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from .errors import SymcnnError

INT64_MAX = 2**63 - 1
#: Values of formulas computed one at a time, without NumPy, at most: measured, 2^20 of
#: a network's conditions take 0.2 s in CPython (a few times that in the browser).
MAX_ONE_AT_A_TIME = 1 << 20


def evaluate(np: Any, expr: sympy.Basic, symbols: list[sympy.Symbol], axes: list[Any],
             magnitude: int) -> Any:
    """The values of an integer formula (or a condition) at the ``axes``' values of the
    ``symbols`` (arrays that broadcast together), exactly; ``magnitude`` bounds every
    value on the way (:func:`bound` gives one)."""
    if magnitude > INT64_MAX:
        axes = [a.astype(object) for a in axes]
    return _compiled(expr, symbols, _NumPyCode)(*axes)


def all_hold(conditions: Sequence[sympy.Basic], symbol: sympy.Symbol,
             values: Sequence[int]) -> list[bool]:
    """Whether every one of ``conditions`` (in ``symbol`` alone) holds at each of
    ``values`` (whole numbers of at least 0), exactly."""
    np = _numpy()
    if np is None:
        functions = _one_at_a_time(conditions, symbol, values)
        return [all(holds(v) for holds in functions) for v in values]
    valid = np.ones(len(values), dtype=bool)
    for column in _on_arrays(np, conditions, symbol, values):
        valid &= column.astype(bool)
    return valid.tolist()


def magnitudes(exprs: Sequence[sympy.Basic], symbol: sympy.Symbol,
               values: Sequence[int]) -> list[int]:
    """The largest magnitude each of ``exprs`` (integer formulas in ``symbol`` alone)
    takes at ``values`` (whole numbers of at least 0, not none), exactly."""
    np = _numpy()
    if np is None:
        return [max(abs(f(v)) for v in values)
                for f in _one_at_a_time(exprs, symbol, values)]
    return [int(abs(column).max()) for column in _on_arrays(np, exprs, symbol, values)]


def _numpy() -> Any:
    """NumPy, or ``None`` where it is not installed."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def _on_arrays(np: Any, exprs: Sequence[sympy.Basic], symbol: sympy.Symbol,
               values: Sequence[int]) -> Iterator[Any]:
    """Each of ``exprs`` at ``values``, an array each, made as they are asked for."""
    largest = {symbol: max(values, default=0)}
    axis = np.array(values, dtype=np.int64 if largest[symbol] <= INT64_MAX else object)
    for expr in exprs:
        yield np.broadcast_to(evaluate(np, expr, [symbol], [axis], bound(expr, largest)),
                              axis.shape)


def _one_at_a_time(exprs: Sequence[sympy.Basic], symbol: sympy.Symbol,
                   values: Sequence[int]) -> list[Callable[[int], Any]]:
    """Each of ``exprs`` as a function of one Python integer, for at most
    :data:`MAX_ONE_AT_A_TIME` values of them in all."""
    if len(exprs) * len(values) > MAX_ONE_AT_A_TIME:
        raise SymcnnError(f"{len(exprs):,} formulas at {len(values):,} values of {symbol} "
                          'are too many to compute without NumPy: pip install "symcnn[sweep]"')
    return [_compiled(expr, [symbol], _PythonCode) for expr in exprs]


def _compiled(expr: sympy.Basic, symbols: list[sympy.Symbol],
              printer: type[_PythonCode]) -> Callable[..., Any]:
    """``expr`` as a function of ``symbols`` that computes it exactly in ``printer``'s
    code: a whole formula with a denominator as the floor division of two."""
    renamed = _unshadowed(symbols)

    def code(e: sympy.Basic) -> Callable[..., Any]:
        return sympy.lambdify([renamed.get(s, s) for s in symbols],
                              e.xreplace(renamed) if renamed else e,
                              modules=printer.module, printer=printer)

    if isinstance(expr, sympy.Expr):
        numerator, denominator = split(expr)
        if denominator != 1:
            top, bottom = code(numerator), code(denominator)
            return lambda *values: top(*values) // bottom(*values)
    return code(expr)


# Names the generated code may read besides its arguments: Python's own, and modules.
_RESERVED = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | {"numpy", "math",
                                                                    "mpmath", "sympy"}


def _unshadowed(symbols: list[sympy.Symbol]) -> dict[sympy.Symbol, sympy.Symbol]:
    """New names for the symbols whose own would hide what the code calls: lambdify
    binds every symbol's name in the code's namespace, and a symbol called ``max`` or
    ``numpy`` would hide the function or the module. The others keep theirs (a renamed
    symbol's assumptions are deduced again, which made a sweep a quarter slower)."""
    taken = {s.name for s in symbols}
    renamed = {}
    for s in symbols:
        if s.name in _RESERVED or s.name.startswith("_"):
            name = "x_" + s.name.lstrip("_")
            while name in taken or name in _RESERVED:
                name += "_"
            taken.add(name)
            renamed[s] = sympy.Symbol(name, **s.assumptions0)
    return renamed


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


class _PythonCode(PythonCodePrinter):
    """Python code with integer operations only: ``floor(a/b)`` is ``A // B`` for the
    integer numerator and denominator of ``a/b``, and a fraction left anywhere else is
    an error rather than a float."""

    module = "math"
    maximum, minimum = "max", "min"

    def where(self, condition: str, value: str, otherwise: str) -> str:
        return f"(({value}) if ({condition}) else ({otherwise}))"

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
        return self._reduce(self.maximum, expr.args)

    def _print_Min(self, expr: Any) -> Any:
        return self._reduce(self.minimum, expr.args)

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
        return self.where(self._print(condition), self._integer(value),
                          self._print(sympy.Piecewise(*rest)))

    def _print_Rational(self, expr: Any) -> Any:
        raise SymcnnError(f"cannot sweep exactly: the fraction {expr} is left in a formula")

    _print_Float = _print_Rational


class _NumPyCode(_PythonCode, NumPyPrinter):
    """The same on NumPy arrays: element by element."""

    module = "numpy"
    maximum, minimum = "numpy.maximum", "numpy.minimum"

    def where(self, condition: str, value: str, otherwise: str) -> str:
        return f"numpy.where({condition}, {value}, {otherwise})"


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
