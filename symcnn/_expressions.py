"""Expressions to values, with the number policy of one evaluation.

A network without free symbols is evaluated with Python numbers (``numeric=True``, see
``_math``); the first free name met ends that attempt with :class:`NeedsSymbols`, and
``network`` evaluates the program again with sympy. Every value made is checked against
the limits where it is made (values flow from statement to statement and from layer to
layer), so no later step meets one too large.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Mapping, Union

from . import _suggest as suggest
from . import limits
from ._diagnostics import Diagnostics
from ._math import (NUMBER, ceiling, divide, floor, is_integer, is_number, maximum, minimum,
                    mod, symbol, to_python, to_sympy)
from ._tree import CHAINS, BinOp, Func, Group, Name, Neg, Num, Pos, Tuple, Word
from .kinds._types import describe

if TYPE_CHECKING:
    import sympy
    from sympy import Expr


@dataclass(frozen=True)
class BoundGroup:
    """A group passed to a block or a merge: it is evaluated with the names of its
    caller."""
    group: Group
    env: Mapping[str, Any]


Bound = Union["Expr", int, Fraction, tuple[Any, ...], str, BoundGroup]  # what a name may stand for
NOT_NUMBERS = (tuple, str, BoundGroup)  # the Bound values that are no expression


class NeedsSymbols(Exception):
    """A numeric evaluation met what only sympy can hold: a free symbol, or a power
    with a fractional exponent."""


_ARITY = {"floor": 1, "ceil": 1, "min": 2, "max": 2}


class Expressions:
    """Evaluates the expressions of one program: ``values`` are given to free names;
    ``unbound`` collects the names the program reads without binding them, ``free`` the
    symbols it is left with."""

    def __init__(self, errors: Diagnostics, values: Mapping[str, Expr] | None = None,
                 numeric: bool = False):
        self.errors = errors
        self.numeric = numeric
        self.number = to_python if numeric else to_sympy  # a number in this evaluation
        self.values = {name: to_python(v) if numeric else v
                       for name, v in (values or {}).items()}
        self.unbound: set[str] = set()
        self.free: dict[str, sympy.Symbol] = {}

    @property
    def used_values(self) -> set[str]:
        """The names given values that the program reads."""
        return self.unbound & self.values.keys()

    def bounded(self, value: Any, pos: Pos, what: str = "this value") -> Any:
        """``value``, after checking that it is neither too large a number nor too deep
        an expression for the limits."""
        if type(value) is int:  # most values of most networks: checked without a call
            if value.bit_length() > limits.MAX_BITS:
                self.errors.limit(f"{what} has a number of more than "
                                  f"{limits.MAX_BITS:,} bits", "MAX_BITS", pos)
            return value
        if isinstance(value, tuple):
            for v in value:
                self.bounded(v, pos, what)
            return value
        if type(value) in NUMBER:
            if limits.bits(value) > limits.MAX_BITS:
                self.errors.limit(f"{what} has a number of more than "
                                  f"{limits.MAX_BITS:,} bits", "MAX_BITS", pos)
            return value
        if not hasattr(value, "atoms") or value.is_Integer and value.p.bit_length() < 64:
            return value
        if limits.too_large(value):
            self.errors.limit(f"{what} has a number of more than {limits.MAX_BITS:,} bits",
                              "MAX_BITS", pos)
        depth, degree, nodes = limits.measure(value)
        if depth > limits.MAX_DEPTH:
            self.errors.limit(f"{what} nests {depth} deep", "MAX_DEPTH", pos)
        if nodes > limits.MAX_NODES:
            self.errors.limit(f"{what} has {nodes:,} operations", "MAX_NODES", pos)
        if degree > limits.MAX_DEGREE:
            self.errors.limit(f"{what} has polynomial degree {degree}", "MAX_DEGREE", pos)
        return value

    def value(self, node: Any, env: Mapping[str, Any]) -> Bound:
        """An argument: an expression, or a tuple, a word or a group as written or as
        passed to a block."""
        kind = type(node)
        if kind is Num and type(node.value) is int:  # most arguments: checked first
            return self.number(node.value)
        if kind is Name:
            value = env.get(node.id)
            if value is not None:
                return value
            return self.expr(node, env)
        if isinstance(node, Tuple):
            return tuple(self.value(item, env) if isinstance(item, Tuple) else
                         self.expr(item, env) for item in node.items)
        if isinstance(node, Word):
            return node.word
        if isinstance(node, Group):
            return BoundGroup(node, env)
        return self.expr(node, env)

    def expr(self, node: Any, env: Mapping[str, Any]) -> Expr:
        value = self._expr(node, env)
        if type(value) is Fraction and value.denominator == 1:
            return value.numerator  # 2^-1 * 4 is the whole number 2, as sympy has it
        return value

    def _expr(self, node: Any, env: Mapping[str, Any]) -> Expr:
        kind = type(node)
        if kind is Num:
            return self.number(node.value)
        if kind is Name:
            return self.name(node, env)
        if isinstance(node, BinOp):
            return self.binop(node, env)
        if isinstance(node, Neg):
            return -self.expr(node.operand, env)
        return self.function(node, env)

    def name(self, node: Name, env: Mapping[str, Any]) -> Expr:
        if node.id in env:
            value = env[node.id]
            if isinstance(value, NOT_NUMBERS):
                self.errors.syntax(f"{node.id} stands for {describe(value)}, which cannot be "
                                   "used in arithmetic", node.pos)
            return value
        self.unbound.add(node.id)
        if node.id in self.values:
            value = self.values[node.id]
            if type(value) not in NUMBER:  # subs(n="2*q") makes q a free symbol
                for free in value.free_symbols:
                    self.free.setdefault(free.name, free)
            return value
        if self.numeric:
            raise NeedsSymbols(node.id)
        if node.id not in self.free:
            self.free[node.id] = symbol(node.id)
        return self.free[node.id]

    def binop(self, node: BinOp, env: Mapping[str, Any]) -> Expr:
        # A chain a + b - c + ... is a left-leaning tree as long as the chain: walk its
        # spine in a loop, so that its length costs no stack.
        chain = [node]
        while (isinstance(chain[-1].left, BinOp)
               and CHAINS.get(chain[-1].left.op, "^") == CHAINS.get(node.op)):
            chain.append(chain[-1].left)
        value = self.expr(chain[-1].left, env)
        if CHAINS.get(node.op) == "sum":
            # one Add of all the terms: adding them one by one would rebuild the sum
            # each time, quadratic in its length
            terms = [value]
            for link in reversed(chain):
                term = self.expr(link.right, env)
                terms.append(term if link.op == "+" else -term)
            if all(type(t) in NUMBER for t in terms):
                result = sum(terms)
            else:
                import sympy

                terms = [to_sympy(t) for t in terms]
                if limits.written_nodes(*terms) >= limits.MAX_NODES:  # before sympy adds
                    self.errors.limit(f"this sum has {limits.written_nodes(*terms):,} "
                                      "operations", "MAX_NODES", node.pos)
                result = sympy.Add(*terms)
            return self.bounded(result, node.pos, "this sum")
        for link in reversed(chain):
            value = self.operate(link, value, self.expr(link.right, env))
        return value

    def operate(self, node: BinOp, a: Expr, b: Expr) -> Expr:
        op = node.op
        if op in ("/", "//", "%") and b == 0:
            self.errors.syntax("division by zero", node.right.pos)
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif op == "/":
            result = divide(a, b)
        elif op == "//":
            result = floor(divide(a, b))
        elif op == "%":
            result = mod(a, b)
        else:
            result = self.power(node, a, b)
        return self.bounded(result, node.pos, "this expression")

    def power(self, node: BinOp, a: Any, b: Any) -> Any:
        if a == 0 and is_number(b) and b < 0:
            self.errors.syntax("division by zero (0 to a negative power)", node.pos)
        if is_integer(b) and not is_number(a):
            degree = limits.measure(a)[1] * abs(int(b)) if abs(b) < 10**6 else math.inf
            if degree > limits.MAX_DEGREE:
                self.errors.limit(f"this power has polynomial degree {degree}", "MAX_DEGREE",
                                  node.pos)
        if limits.power_bits(a, b) > limits.MAX_BITS:
            self.errors.limit(f"{short(a)}^{short(b)} would have about "
                              f"{count_text(limits.power_bits(a, b))} bits", "MAX_BITS",
                              node.pos)
        if not self.numeric:
            power = a**b
            if power.is_real is False:  # (-1)^0.5: nothing else can compare it with a size
                self.errors.syntax(f"{a}^{short(b)} is not a real number", node.pos)
            return power
        if type(b) is not int:
            raise NeedsSymbols(f"{a}^{b}")  # a root: sympy keeps it exact
        return a**b if b >= 0 else divide(1, a ** -b)

    def function(self, node: Func, env: Mapping[str, Any]) -> Expr:
        if node.name not in _ARITY:
            self.errors.syntax(f"unknown function {node.name}(); the functions are floor, "
                               "ceil, min and max" + suggest.one_of(node.name, _ARITY),
                               node.pos)
        if len(node.args) != _ARITY[node.name]:
            self.errors.syntax(f"{node.name} takes {_ARITY[node.name]} argument(s), "
                               f"not {len(node.args)}", node.pos)
        args = [self.expr(a, env) for a in node.args]
        if node.name == "floor":
            return floor(args[0])
        if node.name == "ceil":
            return ceiling(args[0])
        if node.name == "min":
            return minimum(*args)
        return maximum(*args)


def short(value: Any) -> str:
    if limits.bits(value) > 100:
        return f"(a number of about {int(limits.bits(value) * 0.30103) + 1} digits)"
    text = str(value)
    return text if len(text) < 30 else "(" + text[:12] + "…)"


def count_text(n: float) -> str:
    """A count for a message: exact while it is readable, then its order of magnitude."""
    if n < 10**15:
        return f"{int(n):,}"
    if n == math.inf:
        return "infinitely many"
    return f"about 10^{int(math.log10(n))}"
