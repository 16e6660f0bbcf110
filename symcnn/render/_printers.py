"""sympy printers that write formulas the way a textbook does.

Three outputs share one set of choices: plain text in symcnn's own expression syntax
(``floor((n + 2*p - k)/s) + 1``, which the grammar reads back), Unicode text for
people (``⌊(n + 2p − k)/s⌋ + 1``) and LaTeX (``\\left\\lfloor …\\right\\rfloor``). The
choices: positive terms before negative ones and the constant last (``n + 2p − k``,
where sympy prints ``-k + n + 2*p``); a floor's argument over one denominator (sympy
hands ``(n - k + 1)/2`` over as ``n/2 - k/2 + 1/2``); symbols with their digits as
subscripts (``k1`` is k₁); and :class:`~symcnn._written.Written` formulas printed in the
order they were written.
"""

from __future__ import annotations

import functools
import re
from typing import Any, ClassVar

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from .._math import to_sympy
from ..limits import measure


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_NAME = re.compile(r"^([A-Za-z]+?)_?([0-9]+)$|^([A-Za-z]+)_([A-Za-z0-9]+)$")
# A number times a letter is written side by side (2p, 32k²), but not after another
# factor (5·5·k keeps its dots).
_COEFFICIENT = re.compile(r"(?<![\w.·)⌋⌉])(\d+)·(?=[^\W\d_])")
_RELATIONS = {"==": "=", ">=": "≥", "<=": "≤", "!=": "≠"}


def _split_name(name: str) -> tuple[str, str]:
    """``k1`` and ``k_1`` -> (k, 1); ``f_in`` -> (f, in); ``n`` -> (n, "")."""
    match = _NAME.match(name)
    if not match:
        return name, ""
    if match.group(1):
        return match.group(1), match.group(2)
    return match.group(3), match.group(4)


def _textbook_terms(terms: list[sympy.Expr]) -> list[sympy.Expr]:
    """Positive terms first, then negative ones, then the constant: ``n + 2p − k + 1``;
    a positive constant leads when nothing else is positive: ``29 − k``."""
    constant = [t for t in terms if t.is_number]
    rest = [t for t in terms if not t.is_number]
    positive = [t for t in rest if not t.could_extract_minus_sign()]
    negative = [t for t in rest if t.could_extract_minus_sign()]
    if not positive and constant and constant[0] > 0:
        return constant + negative
    return positive + negative + constant


def over_one_denominator(arg: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    """``n/2 - k/2 + 1/2`` as its numerator and denominator: (``n - k + 1``, ``2``)."""
    if arg.is_Atom:
        return arg, sympy.Integer(1)
    numerator, denominator = sympy.fraction(sympy.together(arg))
    return numerator, denominator


class TextPrinter(StrPrinter):
    """Formulas as text. ``unicode=True``: for people (⌊x⌋, k₁, k², ·, −);
    ``unicode=False``: symcnn's expression syntax (floor(x), k1, k^2, *, -)."""

    printmethod = "_symcnn_text"
    _default_settings: ClassVar[dict[str, Any]] = {**StrPrinter._default_settings, "unicode": True}

    def doprint(self, expr: Any) -> str:
        text = super().doprint(expr)
        if self._settings["unicode"]:
            text = _COEFFICIENT.sub(r"\1", text.replace("*", "·")).replace("-", "−")
        return text

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return _textbook_terms(super()._as_ordered_terms(expr, order))

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        if not self._settings["unicode"]:
            return str(expr.name)
        base, sub = _split_name(expr.name)
        if sub.isdigit():
            return base + sub.translate(_SUBSCRIPTS)
        return expr.name

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        base, exp = expr.args
        if exp.is_Integer and exp > 1:
            inner = self.parenthesize(base, PRECEDENCE["Pow"], strict=True)
            if self._settings["unicode"]:
                return inner + str(exp).translate(_SUPERSCRIPTS)
            return f"{inner}^{exp}"
        text = super()._print_Pow(expr, rational)
        return text.replace("**", "^")

    def _bracket(self, expr: sympy.Expr, left: str, right: str, word: str) -> str:
        numerator, denominator = over_one_denominator(expr.args[0])
        inner = self._print(numerator)
        if denominator != 1:
            # sympy's strict=False also brackets equal precedence: n/(2s), not n/2s
            inner = (self.parenthesize(numerator, PRECEDENCE["Mul"], strict=True) + "/"
                     + self.parenthesize(denominator, PRECEDENCE["Mul"], strict=False))
        if self._settings["unicode"]:
            return f"{left}{inner}{right}"
        return f"{word}({inner})"

    def _print_floor(self, expr: sympy.floor) -> str:
        return self._bracket(expr, "⌊", "⌋", "floor")

    def _print_ceiling(self, expr: sympy.ceiling) -> str:
        return self._bracket(expr, "⌈", "⌉", "ceil")

    def _print_MinMaxBase(self, expr: sympy.Expr) -> str:
        name = type(expr).__name__.lower()
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    _print_Min = _print_MinMaxBase
    _print_Max = _print_MinMaxBase

    def _print_Mod(self, expr: sympy.Mod) -> str:
        a, b = (self.parenthesize(x, PRECEDENCE["Mul"], strict=True) for x in expr.args)
        return f"{a} mod {b}" if self._settings["unicode"] else f"{a} % {b}"

    def _print_Piecewise(self, expr: sympy.Piecewise) -> str:
        """``(a if x ≤ y else b)``: a case that the sizes alone decide (PyTorch's
        ceil-mode pooling on a symbolic size)."""
        text = ""
        for value, condition in reversed(expr.args):
            shown = self._print(value)
            text = shown if condition == sympy.true else \
                f"({shown} if {self._print(condition)} else {text})"
        return text

    def _print_Relational(self, expr: sympy.core.relational.Relational) -> str:
        op = expr.rel_op
        if self._settings["unicode"]:
            op = _RELATIONS.get(op, op)
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_WrittenProduct(self, expr: Any) -> str:
        return "*".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=False)
                        for a in expr.args)

    def _print_WrittenSum(self, expr: Any) -> str:
        return " + ".join(self.parenthesize(a, PRECEDENCE["Add"], strict=False)
                          for a in expr.args)


class TextbookLatexPrinter(LatexPrinter):
    """Formulas as LaTeX, with the choices of :class:`TextPrinter`."""

    printmethod = "_symcnn_latex"

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        return _textbook_terms(super()._as_ordered_terms(expr, order))

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        base, sub = _split_name(expr.name)
        head = super()._print_Symbol(sympy.Symbol(base))
        if len(base) > 1 and not head.startswith("\\"):
            head = rf"\mathit{{{base}}}"
        if not sub:
            return head
        sub = sub if sub.isdigit() else rf"\mathrm{{{sub}}}"
        return f"{head}_{{{sub}}}"

    def _bracket(self, expr: sympy.Expr, left: str, right: str, exp: Any) -> str:
        numerator, denominator = over_one_denominator(expr.args[0])
        inner = self._print(numerator)
        if denominator != 1:
            inner = rf"\frac{{{inner}}}{{{self._print(denominator)}}}"
        text = rf"\left\{left} {inner} \right\{right}"
        return f"{text}^{{{exp}}}" if exp is not None else text

    def _print_floor(self, expr: sympy.floor, exp: Any = None) -> str:
        return self._bracket(expr, "lfloor", "rfloor", exp)

    def _print_ceiling(self, expr: sympy.ceiling, exp: Any = None) -> str:
        return self._bracket(expr, "lceil", "rceil", exp)

    def _print_Mod(self, expr: sympy.Mod, exp: Any = None) -> str:
        a, b = (self.parenthesize(x, PRECEDENCE["Mul"], strict=True) for x in expr.args)
        text = rf"{a} \bmod {b}"
        return rf"\left({text}\right)^{{{exp}}}" if exp is not None else text

    def _print_WrittenProduct(self, expr: Any) -> str:
        return r" \cdot ".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=False)
                               for a in expr.args)

    def _print_WrittenSum(self, expr: Any) -> str:
        return " + ".join(self.parenthesize(a, PRECEDENCE["Add"], strict=False)
                          for a in expr.args)


# sympy's printing order sorts the terms of every sum and the factors of every product
# by keys that decompose each one as a polynomial: some 100 µs a node, 10 s for the
# totals of 1,000 dense layers of distinct floors. An expression of more nodes than this
# is printed in the order sympy keeps its arguments in (``order="none"``, still
# deterministic, and still positive terms first and the constant last).
LONG = 300

_UNICODE = TextPrinter({"unicode": True})
_PLAIN = TextPrinter({"unicode": False})
_LATEX = TextbookLatexPrinter()
_UNICODE_LONG = TextPrinter({"unicode": True, "order": "none"})
_PLAIN_LONG = TextPrinter({"unicode": False, "order": "none"})
_LATEX_LONG = TextbookLatexPrinter({"order": "none"})


def _exact(value: Any) -> sympy.Expr:
    return to_sympy(value)


def _long(expr: Any) -> bool:
    return isinstance(expr, sympy.Basic) and not expr.is_Atom and measure(expr)[2] > LONG


def text(expr: Any) -> str:
    """For people: ``⌊(n + 2p − k)/s⌋ + 1``, ``(5·5·1 + 1)·32``."""
    return _printed(_exact(expr), "text")


def plain(expr: Any) -> str:
    """In symcnn's expression syntax, ASCII: ``floor((n + 2*p - k)/s) + 1``."""
    return _printed(_exact(expr), "plain")


def latex(expr: Any) -> str:
    r"""LaTeX math: ``\left\lfloor \frac{n + 2 p - k}{s} \right\rfloor + 1``."""
    return _printed(_exact(expr), "latex")


_PRINTERS: dict[str, tuple[Any, Any]] = {
    "text": (_UNICODE, _UNICODE_LONG), "plain": (_PLAIN, _PLAIN_LONG),
    "latex": (_LATEX, _LATEX_LONG)}


@functools.lru_cache(maxsize=4096)
def _printed(expr: sympy.Basic, how: str) -> str:
    """Printed once: a network's rows repeat the same shapes and counts, and symbolic
    ones cost sympy's printers far more than the lookup (``MAX_SYMBOLIC_NODES`` counts
    each distinct value once)."""
    short, long = _PRINTERS[how]
    return (long if _long(expr) else short).doprint(expr)



def latex_terms(expr: Any) -> list[tuple[str, str, int, sympy.Expr]]:
    """The terms of a sum as LaTeX, in the order :func:`latex` prints them: (sign,
    term, width, value), the sign ``+`` or ``-`` (the first term's too), the term
    without it, its width in characters as :func:`text` prints it (a measure of its
    printed width) and the term's value without its sign. Anything that is not a sum is
    one term."""
    value = _exact(expr)
    if not isinstance(value, sympy.Add):
        return [("+", latex(value), len(text(value)), value)]
    printer = _LATEX_LONG if _long(value) else _LATEX
    terms = []
    for term in printer._as_ordered_terms(value):
        negative = term.could_extract_minus_sign()
        shown = -term if negative else term
        terms.append(("-" if negative else "+", latex(shown), len(text(shown)), shown))
    return terms
