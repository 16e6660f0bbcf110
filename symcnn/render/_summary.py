"""What every format shows, before it is text: the rows of a per-layer table in reading
order, the totals, shapes in the chosen layout, and numbers in human units.

Values stay sympy expressions here; each format prints them with its own printer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .._model import LayerRecord, Node, Totals, Viewed
from ..errors import SymcnnError

if TYPE_CHECKING:
    from sympy import Expr

LAYOUTS = ("hwc", "chw")


class Row(NamedTuple):
    """One layer as a table shows it: a merge (Add, Cat, Res) comes before its
    branches, whose layers are indented under it and named relative to it
    (``body.C1`` under ``res1``)."""
    record: LayerRecord
    label: str
    depth: int


def rows(net: Viewed, evaluated: bool = False) -> list[Row]:
    """The rows, with sympy values; with ``evaluated``, the values as evaluated (Python
    numbers in a numeric network), which the text printer takes without sympy."""
    return list(_walk((net.evaluated if evaluated else net.exact).tree, ""))


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
    """A shape in the layout asked for; shapes are kept channels-last, (h, w, c); in
    ``chw`` the channels of a signal, an image or a volume come first."""
    if shape is None:
        return ()
    if layout == "chw" and len(shape) > 1:
        return (shape[-1], *shape[:-1])
    return tuple(shape)


def totals(net: Viewed, evaluated: bool = False) -> Totals:
    """The totals, as sympy values or, with ``evaluated``, as evaluated."""
    return (net.evaluated if evaluated else net.exact).totals


def overview_items(net: Viewed, detail: bool = False) -> list[tuple[str, str, Any]]:
    """(key, header, value) of a network's row in an overview: its parameters and MACs;
    with ``detail`` (``symcnn compare``) also its weights' bytes in float32, its
    activations per sample and the receptive field of its last feature map, a tuple of
    sizes (None where no layer has one)."""
    items: list[tuple[str, str, Any]] = [("params", "params", net.params),
                                         ("macs", "MACs", net.macs)]
    if detail:
        sums = totals(net)
        items += [("weights_bytes", "weights (bytes)", sums.float32_bytes),
                  ("activations", "activations", sums.activations),
                  ("receptive_field", "receptive field", final_field(net))]
    return items


def final_field(net: Viewed) -> tuple[Any, ...] | None:
    """The receptive field's size of the last layer that has one: the output's, or that
    of the feature map before a global pool or a dense layer."""
    for field in reversed(list(net.receptive_fields.values())):
        if not isinstance(field, str):
            return tuple(field.size)
    return None


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

