"""What an evaluated network is made of, as its readers see it: one record per layer,
the layers as a tree (a merge holds its branches), and the totals.

``Network`` gives two views of the same network (:class:`View`): ``net.exact`` with
sympy values, and ``net.evaluated`` as the evaluator computed them: Python ints and
Fractions in a network without free symbols, which the text table prints without
importing sympy. Renderers, the PyTorch export and sweeps read these, nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Protocol

from ._math import product

if TYPE_CHECKING:
    from .kinds import Kind

FLOAT32_BYTES = 4


@dataclass(frozen=True)
class LayerRecord:
    """One layer of a network, with its sizes as exact values.

    ``name`` shows where the layer sits (``C2``, ``res1.body.C1``); ``kind`` is the short
    kind (``C``, ``P``, ``res``'s merge is ``Res``). ``formula`` is ``params`` as a textbook
    writes it, unexpanded. ``args`` holds the layer's arguments after checking, by name.
    ``depth`` counts the branches the layer sits in.
    """
    name: str
    kind: str
    input_shape: tuple[Any, ...] | None
    output_shape: tuple[Any, ...]
    params: Any
    non_trainable: Any
    macs: Any
    formula: Any
    args: Mapping[str, Any]
    line: int
    column: int
    depth: int
    index: int

    def moved(self, name: str, depth: int, index: int) -> LayerRecord:
        """The same layer made again elsewhere (a block call or a round replayed):
        another name, depth and index, everything else shared."""
        record = object.__new__(LayerRecord)
        fields = record.__dict__  # a frozen dataclass sets its fields one call each: slow
        fields.update(self.__dict__)
        fields["name"], fields["depth"], fields["index"] = name, depth, index
        return record

    @property
    def activations(self) -> Any:
        """The elements of the layer's output, for one sample: the product of its output
        shape (what a framework keeps of it for the backward pass)."""
        return product(self.output_shape)


@dataclass(frozen=True)
class Node:
    """A layer in the network's tree, with its kind's definition; a merge holds its
    branches."""
    record: LayerRecord
    kind: Kind
    branches: tuple[tuple[Node, ...], ...] = ()


@dataclass(frozen=True)
class Totals:
    """The network's totals; every other total (FLOPs, bytes) is derived here.
    ``activations`` sums the output elements of every layer but the input, for one
    sample (see ``docs/conventions.md``); tables show it with the memory (``--batch``)."""
    trainable: Any
    non_trainable: Any
    macs: Any
    activations: Any

    @property
    def total(self) -> Any:
        return self.trainable + self.non_trainable

    @property
    def flops(self) -> Any:
        return 2 * self.macs

    @property
    def float32_bytes(self) -> Any:
        return FLOAT32_BYTES * self.total

    def items(self) -> list[tuple[str, str, Any]]:
        """(key, label, value) in the order tables show them."""
        return [("trainable", "trainable params", self.trainable),
                ("non_trainable", "non-trainable params", self.non_trainable),
                ("total", "total params", self.total),
                ("macs", "MACs", self.macs),
                ("flops", "FLOPs (2 × MACs)", self.flops),
                ("float32_bytes", "weights (float32)", self.float32_bytes)]


#: The totals by the names users give them (``net.formula("macs")``,
#: ``net.largest("n", weights_bytes=...)``), each a :class:`Totals` attribute.
TOTAL_NAMES = {"params": "trainable", "non_trainable": "non_trainable", "total": "total",
               "macs": "macs", "flops": "flops", "weights_bytes": "float32_bytes",
               "activations": "activations"}


def totals_of(records: tuple[LayerRecord, ...]) -> Totals:
    """The sums of the records' counts, each in one step, for records of Python numbers
    (a network without free symbols)."""
    return Totals(sum([r.params for r in records]), sum([r.non_trainable for r in records]),
                  sum([r.macs for r in records]),
                  sum([math.prod(r.output_shape) for r in records[1:]]))


@dataclass(frozen=True)
class View:
    """A network's layers, their tree, its totals and its output's shape, in one kind
    of number."""
    layers: tuple[LayerRecord, ...]
    tree: tuple[Node, ...]
    totals: Totals
    output_shape: tuple[Any, ...]


def walk(nodes: tuple[Node, ...]) -> Any:
    """Every node of a tree in reading order: a merge before its branches' layers."""
    for node in nodes:
        yield node
        for branch in node.branches:
            yield from walk(branch)


class Viewed(Protocol):
    """What renderers, closed forms and sweeps read of a network: ``symcnn.Network``'s
    public read model. (They name this, not ``Network``, which itself calls them.)"""

    @property
    def exact(self) -> View: ...
    @property
    def evaluated(self) -> View: ...
    @property
    def symbols(self) -> tuple[Any, ...]: ...
    @property
    def constraints(self) -> tuple[Any, ...]: ...
    @property
    def source(self) -> str: ...
    @property
    def layers(self) -> tuple[LayerRecord, ...]: ...
    @property
    def input_shape(self) -> tuple[Any, ...]: ...
    @property
    def output_shape(self) -> tuple[Any, ...]: ...
    @property
    def params(self) -> Any: ...
    @property
    def non_trainable(self) -> Any: ...
    @property
    def macs(self) -> Any: ...
    @property
    def receptive_fields(self) -> dict[str, Any]: ...

    def formula(self, what: str = "params", *, collect: Any = None, factor: bool = False,
                expand: bool = False, assume_divisible: bool = False) -> Any: ...
