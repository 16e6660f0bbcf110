"""Closed forms of a network's totals, rearranged on request.

``Network.formula`` lives here. The totals themselves are computed once by the
evaluator; this module only rewrites them: drop the floors when the strides divide the
sizes (the textbook ``(n + 2p − k)/s + 1``), expand, factor or collect by a symbol.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import sympy
from sympy import Expr

from . import limits
from ._model import TOTAL_NAMES, Viewed
from .errors import SymcnnError

def quantity(net: Viewed, what: str) -> Expr:
    """One of the totals by name: see ``_model.TOTAL_NAMES``."""
    if what not in TOTAL_NAMES:
        raise SymcnnError(f"there is no total {what!r}; choose one of "
                          f"{', '.join(TOTAL_NAMES)}")
    return getattr(net.exact.totals, TOTAL_NAMES[what])


def without_floors(expr: Expr) -> Expr:
    """``expr`` with every floor and ceiling replaced by its argument: exact when the
    strides divide the sizes they slide over."""
    return expr.replace(sympy.floor, lambda a: a).replace(sympy.ceiling, lambda a: a)


def closed_form(net: Viewed, what: str = "params", *,
                collect: str | sympy.Symbol | Iterable[str | sympy.Symbol] | None = None,
                factor: bool = False, expand: bool = False,
                assume_divisible: bool = False) -> Expr:
    """See :meth:`symcnn.Network.formula`."""
    if sum((factor, expand, collect is not None)) > 1:
        raise SymcnnError("choose one of collect, factor and expand")
    expr = quantity(net, what)
    if assume_divisible:
        expr = without_floors(expr)
    how = "expand" if expand else "factor" if factor else "collect" if collect else None
    if how is None:
        return expr
    chosen = _symbols(net, collect) if collect is not None else []
    check_rearrangement(expr, how, what)
    try:
        if expand:
            return sympy.expand(expr)
        if factor:
            return sympy.factor(expr)
        return sympy.collect(sympy.expand(expr), chosen)
    except RecursionError:  # the forecast should have stopped it; never Python's error
        raise limits.exceeded(f"--{how} of {what} nests too deeply for Python's stack",
                              "MAX_TERMS") from None


# What sympy's rearrangements cost, measured on the totals of chains of symbolic
# convolutions (tests/test_bounds.py has the reproductions): expand about 450 µs a term
# of the expanded sum; collect, which compares terms with each other, about 6 µs per
# pair, that is terms²/75 in expand's terms; factor about 2 µs per term and cube of its
# generators (symbols, floors, ...), terms·generators³/225 in expand's terms.
# MAX_TERMS = 3,000 expanded terms is then about 1.5 s.
_COLLECT_PAIRS = 75
_FACTOR_CUBES = 225


def check_rearrangement(expr: Expr, how: str, what: str) -> None:
    """Refuses, before sympy starts, a rearrangement whose forecast cost passes
    ``MAX_TERMS``: ``expand`` of a total of 60 symbolic convolutions would make
    some 157,000 terms (over a minute), ``factor`` of 7 took 30 s."""
    terms = expanded_terms(expr)
    if how == "expand":
        cost = terms
    elif how == "collect":
        cost = max(terms, terms * terms // _COLLECT_PAIRS)
    else:
        generators = len(_generators(expr))
        cost = max(terms, terms * generators**3 // _FACTOR_CUBES)
    if cost > limits.MAX_TERMS:
        raise limits.exceeded(f"{how} of {what} costs as much as {_count(cost)} expanded "
                              "terms", "MAX_TERMS")


def expanded_terms(expr: Expr) -> int:
    """The number of terms of ``expr`` expanded, before like terms are collected (an
    upper bound), counted without expanding: a sum adds its terms' counts, a product
    multiplies them, a power ``b^e`` has the monomials of degree ``e`` in the terms of
    ``b``; anything else (a symbol, a floor) is one term."""
    counts: dict[Expr, int] = {}
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    while stack:  # without recursion: a total may be as long as the network
        node, ready = stack.pop()
        if node in counts:
            continue
        parts = node.args if isinstance(node, (sympy.Add, sympy.Mul)) else (
            (node.base,) if _whole_power(node) else ())
        if not ready and parts:
            stack.append((node, True))
            stack.extend((part, False) for part in parts if part not in counts)
            continue
        if isinstance(node, sympy.Add):
            count = sum(counts[a] for a in node.args)
        elif isinstance(node, sympy.Mul):
            count = math.prod(counts[a] for a in node.args)
        elif _whole_power(node):
            base, exponent = counts[node.base], int(node.exp)
            count = math.comb(base + exponent - 1, exponent) if base < 10**6 else base**exponent
        else:
            count = 1
        counts[node] = min(count, 10**30)  # past any limit; keeps the numbers small
    return counts[expr]


def _whole_power(node: Expr) -> bool:
    return isinstance(node, sympy.Pow) and node.exp.is_Integer and node.exp > 1


def _generators(expr: Expr) -> set[Expr]:
    """What factor treats as variables: the free symbols and the floors, ceilings,
    minima, maxima and remainders."""
    functions = expr.atoms(sympy.floor, sympy.ceiling, sympy.Min, sympy.Max, sympy.Mod)
    return set(expr.free_symbols) | functions


def _count(n: int) -> str:
    return f"{n:,}" if n < 10**15 else f"about 10^{len(str(n)) - 1}"


def _symbols(net: Viewed, names: object) -> list[sympy.Symbol]:
    if isinstance(names, (str, sympy.Symbol)):
        names = [names]
    free = {s.name: s for s in net.symbols}
    chosen = []
    for name in names:  # type: ignore[attr-defined]
        key = name.name if isinstance(name, sympy.Symbol) else name
        if key not in free:
            raise SymcnnError(f"cannot collect by {key}: it is not a free symbol of this "
                              f"network (its free symbols: {', '.join(free) or 'none'})")
        chosen.append(free[key])
    return chosen
