"""Receptive fields: for each layer, the window of the network's input that one of its
outputs sees, per spatial dimension: its size ``r``, the effective stride ``S`` (how far
the window moves when the output position moves by one) and the effective padding ``P``
(how far the first window starts before the input), as Araujo, Norris and Sim define them
("Computing Receptive Fields of Convolutional Neural Networks", Distill 2019) and their
``receptive_field`` library computes them.

Each kind gives its step (``Kind.window``: effective kernel ``k``, stride ``s``, padding
``p``); along a path ``r ← r + (k − 1)·S``, ``P ← P + p·S``, ``S ← S·s``. Where branches
meet, their windows must be aligned (the same effective stride and the same centre
``(r − 1)/2 − P``), as the library requires, and the largest one is the merge's. After a
kind with no window (``G``, ``D``, a transposed convolution) no layer has a receptive
field, and asking for one says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from ._math import divide, eq, maximum, truth
from ._model import Node
from .errors import SymcnnError
from .kinds import Merge, rank
from .kinds._base import NoWindow


@dataclass(frozen=True)
class ReceptiveField:
    """One layer's receptive field, one entry per spatial dimension."""
    size: tuple[Any, ...]
    stride: tuple[Any, ...]
    padding: tuple[Any, ...]


Field = Union[ReceptiveField, str]  # a field, or why there is none


def fields(tree: tuple[Node, ...]) -> dict[str, Field]:
    """Every record's receptive field by its name (or the reason it has none)."""
    found: dict[str, Field] = {}
    if not tree:
        return found
    first = tree[0].record
    dims = rank(first.output_shape)
    start: Field = (ReceptiveField((1,) * dims, (1,) * dims, (0,) * dims) if dims else
                    "a vector input has no receptive field")
    found[first.name] = start
    _walk(tree[1:], start, found)
    return found


def _walk(nodes: tuple[Node, ...], field: Field, found: dict[str, Field]) -> Field:
    for node in nodes:
        record = node.record
        if isinstance(node.kind, Merge):
            ends = [_walk(branch, field, found) for branch in node.branches]
            # a branch of one value per channel (a gate) scales every position alike
            spread = [end for end, branch in zip(ends, node.branches)
                      if not (branch and _per_channel(branch[-1].record.output_shape)
                              and not _per_channel(record.output_shape))]
            if not node.kind.keeps_input_field:
                field = _joined(spread or ends, record.name)
            if node.kind.interpolates and isinstance(field, ReceptiveField):
                field = (f"{node.kind.name} interpolates its branch's output to its input's "
                         "size, so its outputs do not each see one window of the input "
                         f"(layer {record.name})")
        elif isinstance(field, ReceptiveField):
            try:
                field = _stepped(field, node.kind.window(record))
            except NoWindow as error:
                field = f"{error.message} (layer {record.name})"
        found[record.name] = field
    return field


def _per_channel(shape: tuple[Any, ...]) -> bool:
    return len(shape) > 1 and all(v == 1 for v in shape[:-1])


def _stepped(field: ReceptiveField, window: tuple[tuple[Any, Any, Any], ...]) -> ReceptiveField:
    size, stride, padding = [], [], []
    for r, big_s, big_p, (k, s, p) in zip(field.size, field.stride, field.padding, window):
        size.append(r + (k - 1) * big_s)
        padding.append(big_p + p * big_s)
        stride.append(big_s * s)
    return ReceptiveField(tuple(size), tuple(stride), tuple(padding))


def _joined(ends: list[Field], name: str) -> Field:
    for end in ends:
        if isinstance(end, str):
            return end
    fields_ = [e for e in ends if isinstance(e, ReceptiveField)]
    first = fields_[0]
    for other in fields_[1:]:
        for i in range(len(first.size)):
            centre = divide(first.size[i] - 1, 2) - first.padding[i]
            other_centre = divide(other.size[i] - 1, 2) - other.padding[i]
            if truth(eq(first.stride[i], other.stride[i])) is False or \
                    truth(eq(centre, other_centre)) is False:
                return (f"the branches of {name} see windows that are not aligned (effective "
                        f"strides {first.stride[i]} and {other.stride[i]}, centres "
                        f"{centre} and {other_centre}), so it has no single receptive field")
    size, stride, padding = [], [], []
    for i in range(len(first.size)):
        largest = fields_[0]
        for other in fields_[1:]:
            bigger = truth(eq(maximum(largest.size[i], other.size[i]), other.size[i]))
            if bigger:
                largest = other
        size.append(largest.size[i])
        stride.append(largest.stride[i])
        padding.append(largest.padding[i])
    return ReceptiveField(tuple(size), tuple(stride), tuple(padding))


def field_of(found: dict[str, Field], name: str) -> ReceptiveField:
    field = found[name]
    if isinstance(field, str):
        raise SymcnnError(field)
    return field
