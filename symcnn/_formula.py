"""Closed forms of a network's totals, rearranged on request.

``Network.formula`` lives here. The totals themselves are computed once by the
evaluator; this module only rewrites them: drop the floors when the strides divide the
sizes (the textbook ``(n + 2p − k)/s + 1``), expand, factor or collect by a symbol.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import sympy
from sympy import Expr

from .errors import SymcnnError

if TYPE_CHECKING:
    from ._model import Viewed

QUANTITIES = ("params", "non_trainable", "total", "macs", "flops")


def quantity(net: Viewed, what: str) -> Expr:
    """One of the totals by name: see :data:`QUANTITIES`."""
    if what == "params":
        return net.params
    if what == "non_trainable":
        return net.non_trainable
    if what == "total":
        return net.params + net.non_trainable
    if what == "macs":
        return net.macs
    if what == "flops":
        return 2 * net.macs
    raise SymcnnError(f"there is no total {what!r}; choose one of {', '.join(QUANTITIES)}")


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
    if expand:
        return sympy.expand(expr)
    if factor:
        return sympy.factor(expr)
    if collect is not None:
        return sympy.collect(sympy.expand(expr), _symbols(net, collect))
    return expr


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
