"""What every format shows, before it is text: the rows of a per-layer table in reading
order, the totals, shapes in the chosen layout, and numbers in human units.

Values stay sympy expressions here; each format prints them with its own printer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._evaluate import LayerRecord, Node
from ..errors import SymcnnError

if TYPE_CHECKING:
    from sympy import Expr

    from ..network import Network

LAYOUTS = ("hwc", "chw")
FLOAT32_BYTES = 4


@dataclass(frozen=True)
class Row:
    """One layer as a table shows it: a merge (Add, Cat, Res) comes before its
    branches, whose layers are indented under it and named relative to it
    (``body.C1`` under ``res1``)."""
    record: LayerRecord
    label: str
    depth: int


def rows(net: Network, evaluated: bool = False) -> list[Row]:
    """The rows, with sympy values; with ``evaluated``, the values as evaluated (Python
    numbers in a numeric network), which the text printer takes without sympy."""
    return list(_walk(net._tree if evaluated else net._nodes, ""))


def _walk(nodes: Sequence[Node], parent: str) -> Iterator[Row]:
    for node in nodes:
        record = node.record
        label = record.name[len(parent):] if parent and record.name.startswith(parent) \
            else record.name
        yield Row(record, label, record.depth)
        for branch in node.branches:
            yield from _walk(branch, record.name + ".")


def check_layout(layout: str) -> str:
    if layout not in LAYOUTS:
        raise SymcnnError(f"the layout is hwc (channels last) or chw (channels first), "
                          f"not {layout!r}")
    return layout


def arranged(shape: Sequence[Expr] | None, layout: str) -> tuple[Expr, ...]:
    """A shape in the layout asked for; shapes are kept channels-last, (h, w, c)."""
    if shape is None:
        return ()
    if layout == "chw" and len(shape) == 3:
        return (shape[2], shape[0], shape[1])
    return tuple(shape)


@dataclass(frozen=True)
class Totals:
    trainable: Expr
    non_trainable: Expr
    total: Expr
    macs: Expr
    flops: Expr
    float32_bytes: Expr

    def items(self) -> list[tuple[str, str, Expr]]:
        """(key, label, value) in the order tables show them."""
        return [("trainable", "trainable params", self.trainable),
                ("non_trainable", "non-trainable params", self.non_trainable),
                ("total", "total params", self.total),
                ("macs", "MACs", self.macs),
                ("flops", "FLOPs (2 × MACs)", self.flops),
                ("float32_bytes", "weights (float32)", self.float32_bytes)]


def totals(net: Network, evaluated: bool = False) -> Totals:
    """The totals, as sympy values or, with ``evaluated``, as evaluated."""
    params, non_trainable, macs = (net._totals if evaluated else
                                   (net.params, net.non_trainable, net.macs))
    total = params + non_trainable
    return Totals(params, non_trainable, total, macs, 2 * macs, FLOAT32_BYTES * total)


_DECIMAL = [(10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k")]
_BINARY = [(2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")]


def human(value: int, binary: bool = False) -> str:
    """``138357544`` -> ``138.4 M``; with ``binary``, bytes: ``553430176`` -> ``527.8 MiB``.
    Rounded half up, in integers: the exact value is never a float."""
    for unit, name in _BINARY if binary else _DECIMAL:
        if value >= unit:
            tenths = (20 * value + unit) // (2 * unit)
            return f"{tenths // 10}.{tenths % 10} {name}"
    return f"{value} B" if binary else str(value)


def grouped(value: int, separator: str = ",") -> str:
    return f"{value:,}".replace(",", separator)

