"""Budgets solved for a size: the largest (or smallest) value of one free symbol whose
totals stay within given bounds, on the exact closed forms.

Every kind's output sizes grow with its input's (floors and ceilings of increasing
functions), and every count is a sum of products of sizes, so each total grows with the
input size: a binary search finds the last value within the budget, and the values below
it are then tried in turn until one gives a valid network (``net.constraints`` all hold;
a stride may demand that the size is a multiple of something).
"""

from __future__ import annotations

from typing import Any

from ._model import TOTAL_NAMES, Viewed
from .errors import SymcnnError

#: The bounds ``largest`` and ``smallest`` take: the totals, by name.
BOUNDS = TOTAL_NAMES
_FAR = 2**40  # past any input size; sizes beyond it are not searched
_TRIES = 4096  # invalid sizes skipped below the bound before giving up


def solve(net: Viewed, name: str, bounds: dict[str, Any], largest: bool) -> int:
    import sympy

    symbols = {s.name: s for s in net.symbols}
    if name not in symbols:
        raise SymcnnError(f"{name} is not a free symbol of this network (its free symbols: "
                          f"{', '.join(symbols) or 'none'})")
    others = sorted(set(symbols) - {name})
    if others:
        raise SymcnnError(f"give values for {', '.join(others)} first (net.subs(...)): only "
                          f"{name} may stay free")
    if not bounds:
        raise SymcnnError(f"give at least one bound: {', '.join(f'{b}=' for b in BOUNDS)}")
    unknown = [b for b in bounds if b not in BOUNDS]
    if unknown:
        raise SymcnnError(f"there is no bound {', '.join(unknown)}; the bounds are "
                          f"{', '.join(BOUNDS)}")
    x = symbols[name]
    totals = net.exact.totals
    checks = [(getattr(totals, BOUNDS[b]), _whole(b, v)) for b, v in bounds.items()]
    constraints = net.constraints

    def within(v: int) -> bool:  # every total at most (largest) or at least its bound
        at = {x: sympy.Integer(v)}
        return all((int(q.xreplace(at)) <= bound) if largest else (int(q.xreplace(at)) >= bound)
                   for q, bound in checks)

    def valid(v: int) -> bool:
        at = {x: sympy.Integer(v)}
        return all(bool(c.xreplace(at)) for c in constraints)

    if largest:
        if not within(1):
            raise SymcnnError(f"no {name} is within these bounds: even {name} = 1 exceeds them")
        low, high = 1, 2
        while within(high):
            low, high = high, high * 2
            if high > _FAR:
                raise SymcnnError(f"every {name} up to 2^40 is within these bounds: they "
                                  "do not limit it")
        while high - low > 1:  # within(low), not within(high)
            middle = (low + high) // 2
            low, high = (middle, high) if within(middle) else (low, middle)
        candidates = range(low, max(low - _TRIES, 0), -1)
    else:
        high = 1
        while not within(high):
            high *= 2
            if high > _FAR:
                raise SymcnnError(f"no {name} up to 2^40 reaches these bounds")
        low = high // 2  # not within(low) unless low is 0
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if within(middle) else (middle, high)
        candidates = range(max(high, 1), max(high, 1) + _TRIES)
    for v in candidates:
        if valid(v):
            return v
    raise SymcnnError(f"no valid {name} among the {_TRIES:,} sizes next to the bound: the "
                      f"network is invalid there (see net.constraints)")


def _whole(bound: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SymcnnError(f"the bound {bound}= is a whole number, not {value!r}")
    return value
