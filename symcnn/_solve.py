"""Sizes solved for: the largest (or smallest) value of one free symbol whose totals stay
within given bounds, on the exact closed forms; and every value for which the network is
valid at all, as a congruence (:func:`valid_sizes`), or whether it is at given values
(:func:`valid_at`, for any network).

Every kind's output sizes grow with its input's (floors and ceilings of increasing
functions), and every count is a sum of products of sizes, so each total grows with the
input size: a binary search finds the last value within the budget, and the values below
it are then tried in turn until one gives a valid network (``net.constraints`` all hold;
a stride may demand that the size is a multiple of something).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._model import TOTAL_NAMES, Viewed
from .errors import SymcnnError

#: The bounds ``largest`` and ``smallest`` take: the totals, by name.
BOUNDS = TOTAL_NAMES
_FAR = 2**40  # past any input size; sizes beyond it are not searched
_TRIES = 4096  # invalid sizes skipped below the bound before giving up


def _only_free(net: Viewed, name: str) -> Any:
    """The symbol called ``name``, which must be the network's only free one."""
    symbols = {s.name: s for s in net.symbols}
    if name not in symbols:
        raise SymcnnError(f"{name} is not a free symbol of this network (its free symbols: "
                          f"{', '.join(symbols) or 'none'})")
    others = sorted(set(symbols) - {name})
    if others:
        raise SymcnnError(f"give values for {', '.join(others)} first (net.subs(...)): only "
                          f"{name} may stay free")
    return symbols[name]


def solve(net: Viewed, name: str, bounds: dict[str, Any], largest: bool) -> int:
    import sympy

    x = _only_free(net, name)
    if not bounds:
        raise SymcnnError(f"give at least one bound: {', '.join(f'{b}=' for b in BOUNDS)}")
    unknown = [b for b in bounds if b not in BOUNDS]
    if unknown:
        raise SymcnnError(f"there is no bound {', '.join(unknown)}; the bounds are "
                          f"{', '.join(BOUNDS)}")
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


# ---- valid sizes -----------------------------------------------------------------------
#
# Every size is built from the symbol x by sums, rational multiples, floors and ceilings:
# it is x times a slope plus a part that repeats with a period. (floor(a/s) for a of slope
# α and period P has slope α/s and, once α·T is whole, period T = lcm(P, denominator(α)),
# since floor(y + αT) = floor(y) + αT.) So each condition of ``net.constraints``, written
# g(x) ≥ 0, > 0, = 0 or ≠ 0, has g(x + kP) = g(x) + k·β·P on every residue class x mod P
# for the common period P. A condition with slope β = 0 repeats with period P; one with
# β ≠ 0 keeps one truth value on a class once k > |g(x)| / |β·P|. Past the largest such
# point T every condition, and so validity, depends on x mod P only: the values below
# T + P, evaluated exactly, decide everything.

_MAX_SCAN = 1 << 19  # values of the symbol evaluated at most (about a second)


@dataclass(frozen=True)
class ValidSizes:
    """The values of a network's free symbol for which it is valid: ``exceptions`` (all
    below ``least``), then every value from ``least`` on that is ``≡ r (mod modulus)`` for
    an ``r`` in ``residues`` (in increasing order). ``least`` is ``None`` if only the
    exceptions (if any) are valid. ``v in sizes`` asks about one value, ``between`` lists
    those of a range; ``str(sizes)`` reads ``n ≥ 32, n ≡ 0 (mod 32)``.
    """
    name: str
    least: int | None
    modulus: int
    residues: tuple[int, ...]
    exceptions: tuple[int, ...] = ()

    def __contains__(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        if value in self.exceptions:
            return True
        return (self.least is not None and value >= self.least
                and value % self.modulus in self.residues)

    @property
    def smallest(self) -> int | None:
        """The smallest valid value; ``None`` if there is none."""
        return self.exceptions[0] if self.exceptions else self.least

    def between(self, low: int, high: int) -> Iterator[int]:
        """The valid values from ``low`` to ``high``, both included, in increasing order,
        one at a time (so a wide range costs only the values taken)."""
        yield from (v for v in self.exceptions if low <= v <= high)
        if self.least is None or not self.residues:
            return
        start = max(low, self.least)
        block = start - start % self.modulus  # the first value of start's period
        while block <= high:
            for r in self.residues:
                if start <= block + r <= high:
                    yield block + r
            block += self.modulus

    def __str__(self) -> str:
        n = self.name
        parts = []
        if self.exceptions:
            parts.append(f"{n} ∈ {{{_runs(self.exceptions)}}}")
        if self.least is not None:
            periodic = f"{n} ≥ {self.least}"
            if self.modulus > 1:
                periodic += f", {n} ≡ {_runs(self.residues)} (mod {self.modulus})"
            parts.append(f"({periodic})" if self.exceptions else periodic)
        return " or ".join(parts) or f"no {n}"


def _runs(values: tuple[int, ...]) -> str:
    """Increasing whole numbers, three or more in a row as ``first–last``."""
    runs: list[list[int]] = []
    for v in values:
        if runs and runs[-1][1] == v - 1:
            runs[-1][1] = v
        else:
            runs.append([v, v])
    return ", ".join(f"{a}–{b}" if b > a + 1 else ", ".join(map(str, range(a, b + 1)))
                     for a, b in runs)


class _NotPeriodic(Exception):
    """A size or condition that is not an affine map of the symbol under floors."""


def _slope(expr: Any, x: Any) -> tuple[Fraction, int]:
    """``expr``'s slope in ``x`` and the period of the rest (see above)."""
    import sympy

    if expr == x:
        return Fraction(1), 1
    if expr.is_Rational:
        return Fraction(0), 1
    if isinstance(expr, sympy.Add):
        slopes = [_slope(a, x) for a in expr.args]
        return sum((a for a, _ in slopes), Fraction(0)), math.lcm(*(p for _, p in slopes))
    if isinstance(expr, sympy.Mul):
        coefficient, rest = expr.as_coeff_Mul()
        factors = [_slope(a, x) for a in sympy.Mul.make_args(rest)]
        period = math.lcm(*(p for _, p in factors))
        sloped = [a for a, _ in factors if a != 0]
        if len(factors) == 1:
            return Fraction(int(coefficient.p), int(coefficient.q)) * factors[0][0], period
        if not sloped:
            return Fraction(0), period
        raise _NotPeriodic(expr)
    if isinstance(expr, (sympy.floor, sympy.ceiling)):
        slope, period = _slope(expr.args[0], x)
        return slope, math.lcm(period, slope.denominator)
    if isinstance(expr, (sympy.Max, sympy.Min)):
        slopes = [_slope(a, x) for a in expr.args]
        if len({a for a, _ in slopes}) == 1:
            return slopes[0][0], math.lcm(*(p for _, p in slopes))
    if isinstance(expr, sympy.Mod) and expr.args[1].is_Integer:
        slope, period = _slope(expr.args[0], x)
        return Fraction(0), math.lcm(period, (slope / int(expr.args[1])).denominator)
    if isinstance(expr, sympy.Pow) and expr.exp.is_Integer and expr.exp > 0:
        slope, period = _slope(expr.base, x)
        if slope == 0:
            return slope, period
    raise _NotPeriodic(expr)


def valid_sizes(net: Viewed, name: str) -> ValidSizes:
    """See ``Network.valid_sizes``."""
    from sympy.core.relational import Relational

    from ._integer_eval import magnitudes, split

    x = _only_free(net, name)
    shapes: list[tuple[Any, Fraction]] = []  # g and the slope of each non-repeating one
    period = 1
    for condition in net.constraints:
        if not isinstance(condition, Relational):
            raise SymcnnError(f"the valid values of {name} are not found for the condition "
                              f"{condition}: it is not a comparison")
        g = condition.lhs - condition.rhs
        try:
            slope, repeat = _slope(g, x)
        except _NotPeriodic as error:
            raise SymcnnError(
                f"the valid values of {name} cannot be described as a congruence: the "
                f"condition {condition} has the part {error.args[0]}, which is not built "
                f"from floors and ceilings of affine maps of {name}") from None
        period = math.lcm(period, repeat)
        if slope != 0:
            shapes.append((g, slope))

    if period > _MAX_SCAN:
        raise SymcnnError(f"the validity of this network repeats only every {period:,} "
                          f"values of {name}, too many to describe")
    threshold = period
    fractions = [split(g) for g, _ in shapes]
    farthest = magnitudes([n for n, _ in fractions], x, range(1, period + 1))
    for (_, slope), (_, denominator), most in zip(shapes, fractions, farthest):
        # past |g(r)| / |slope·P| steps of P, g keeps its sign
        step = abs(slope) * period * int(denominator)
        threshold = max(threshold, period + (math.floor(most / step) + 1) * period)
    end = threshold + period  # the values 1, ..., end - 1 decide
    if end > _MAX_SCAN:
        raise SymcnnError(f"the valid values of {name} settle only past {threshold:,}, too "
                          "far to describe")
    # valid[v] is 1 where v is valid, for v = 0, ..., end - 1 (bytes: slices compare fast)
    valid = bytes([False, *valid_at(net, name, range(1, end))])
    # the residues valid past the threshold, one flag per residue r of P: cycle[r]
    shift = threshold % period
    cycle = valid[end - shift:] + valid[threshold:end - shift]
    modulus = next(m for m in range(1, period + 1)
                   if period % m == 0 and cycle[m:] == cycle[:-m])
    kept = tuple(r for r in range(modulus) if cycle[r])
    # the rule "v mod modulus in kept" holds from ``first`` on: find where it last fails
    first = 1 + max((v for v in range(1, threshold) if valid[v] != cycle[v % modulus]),
                    default=0)
    least = next((v for v in range(first, first + modulus) if cycle[v % modulus]), None)
    exceptions = tuple(v for v in range(least if least is not None else end) if valid[v])
    return ValidSizes(name, least, modulus, kept, exceptions)


def valid_at(net: Viewed, name: str, values: Sequence[int]) -> list[bool]:
    """Whether ``net`` is valid (every condition of ``net.constraints`` holds) at each of
    ``values`` of its only free symbol ``name``, exactly; for any network, whether or not
    :func:`valid_sizes` can describe all its valid values."""
    from ._integer_eval import all_hold

    return all_hold(net.constraints, _only_free(net, name), values)
