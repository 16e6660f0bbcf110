"""A network's parameters and MACs against its one free symbol, as a picture
(``symcnn plot``, ``net.plot``).

The values are the sweep's (:mod:`symcnn.sweep`), exact; sizes where the network is
invalid (a condition of ``net.constraints`` fails) are left out. matplotlib, the
``plot`` extra (``pip install "symcnn[plot]"``), draws them: only here do the numbers
become floats, for the axes. The picture's format follows the file's extension (PNG,
SVG, PDF, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._model import Viewed
from ..errors import SymcnnError


def plot(net: Viewed, path: str, values: Iterable[int], *, title: str | None = None) -> int:
    """Plots ``net``'s trainable parameters and MACs at each of ``values`` of its one
    free symbol into the file ``path``; returns how many values were valid (and
    drawn)."""
    from ..sweep import sweep

    symbol = free_symbol(net)
    table = sweep(net, {symbol: list(values)})
    valid = table["valid"].tolist()
    xs, params, macs = ([v for v, ok in zip(table[column].tolist(), valid) if ok]
                        for column in (symbol, "params", "macs"))
    if not xs:
        raise SymcnnError(f"the network is invalid at every value of {symbol} given")
    figure = _figure()
    top, bottom = figure.subplots(2, 1, sharex=True)
    for axes, ys, label in ((top, params, "trainable params"), (bottom, macs, "MACs")):
        axes.plot(xs, _floats(ys, label), marker="." if len(xs) <= 64 else None)
        axes.set_ylabel(label)
        axes.grid(True, alpha=0.3)
    bottom.set_xlabel(symbol)
    if title:
        top.set_title(title)
    try:
        figure.savefig(path)
    except OSError as error:
        raise SymcnnError(f"cannot write {path}: {error.strerror or error}") from None
    except ValueError as error:  # an extension matplotlib writes no format for
        raise SymcnnError(f"cannot write {path}: {error}") from None
    return len(xs)


def free_symbol(net: Viewed) -> str:
    """The name of the network's one free symbol, which a plot has on its x axis."""
    if len(net.symbols) != 1:
        names = ", ".join(str(s) for s in net.symbols) or "none"
        raise SymcnnError(f"a plot needs a network with one free symbol, not {names}; "
                          "give the others values first (net.subs, --set)")
    return str(net.symbols[0])


def _figure() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise SymcnnError('plotting needs matplotlib: pip install "symcnn[plot]"') from None
    return Figure(figsize=(7, 5), layout="constrained")


def _floats(values: list[int], label: str) -> list[float]:
    try:
        return [float(v) for v in values]
    except OverflowError:
        raise SymcnnError(f"the {label} are too large to plot") from None
