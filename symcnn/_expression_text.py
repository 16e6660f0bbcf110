"""Exact values in the language's expression syntax (``floor(n/2) + 1``), as ``to_dsl()``
and the kinds print their arguments."""

from __future__ import annotations

import sympy
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter


class _Printer(StrPrinter):
    """sympy's own text form, with the few spellings where the language differs:
    ``^`` for powers (never ``sqrt``), ``ceil``, ``min``, ``max`` and ``%``."""

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        base, exp = expr.args
        if exp == -1:
            return f"1/{self._operand(base, PRECEDENCE['Pow'])}"
        return f"{self._operand(base, PRECEDENCE['Pow'])}^{self._operand(exp, PRECEDENCE['Pow'])}"

    def _operand(self, expr: sympy.Expr, level: int) -> str:
        if expr.is_Symbol or (expr.is_Integer and expr >= 0):
            return self._print(expr)
        return f"({self._print(expr)})"

    def _print_floor(self, expr: sympy.floor) -> str:
        return f"floor({self._print(expr.args[0])})"

    def _print_ceiling(self, expr: sympy.ceiling) -> str:
        return f"ceil({self._print(expr.args[0])})"

    def _print_Min(self, expr: sympy.Min) -> str:
        return self._pairwise("min", expr.args)

    def _print_Max(self, expr: sympy.Max) -> str:
        return self._pairwise("max", expr.args)

    def _pairwise(self, name: str, args: tuple[sympy.Expr, ...]) -> str:
        first, *rest = args
        if not rest:
            return self._print(first)
        return f"{name}({self._print(first)}, {self._pairwise(name, tuple(rest))})"

    def _print_Mod(self, expr: sympy.Mod) -> str:
        a, b = expr.args
        level = precedence(expr)
        left = self.parenthesize(a, level, strict=True)
        # always in parentheses: % binds like *, so 2*(a % b) must not print as 2*a % b
        return f"({left} % {self._operand(b, level)})"  # n % (2/5), not (n % 2)/5


_PRINTER = _Printer()


def expression(value: sympy.Expr) -> str:
    """An exact value in the language's expression syntax: ``floor(n/2) + 1``."""
    return _PRINTER.doprint(value)
