"""A traced model's graph as a symcnn program: what ``from_torch`` and ``from_onnx``
share, and neither torch nor onnx.

An importer hands over the model's operations as :class:`Node`\\ s, each with its
:class:`~symcnn.kinds.Op` (what the kinds read) and its tensor inputs. Here each
operation becomes a layer of the kind that reads it (``Kind.torch_ops``,
``Kind.from_torch``, ...), the graph becomes a nesting of sequences and branches (a
node used by several later ones starts branches, which the node that joins them
merges), the layers are written as program text (its repeated structure as ``def``
blocks, see ``_blocks``) and the text is parsed, so that the network is one like
any other. Last, the network is held against the model: every layer's parameters, and
its output shape at the example sizes the model ran at, must be the model's, and no
parameter may be left out.
"""

from __future__ import annotations

import functools
from pathlib import Path
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .errors import ImportFailed, SymcnnError
from .kinds import Kind, Merge, kinds
from .kinds._reading import Op, Unfit

if TYPE_CHECKING:
    from .network import Network

__all__ = ["Node", "Item", "build", "sizes_text", "DEFAULT_SIZE"]

#: What a name of the input takes while the model runs once, unless ``example`` says.
DEFAULT_SIZE = 224

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(eq=False)
class Node:
    """One operation of the model (or its input, ``op.name == "input"``)."""
    op: Op
    inputs: list[Node]
    #: the module whose parameters this operation uses (its path), if any
    owner: str | None = None
    params: int = 0  # trained parameters, as the framework counts them
    statistics: int = 0  # running statistics (BN's mean and variance)
    #: the modules it runs inside, outermost first, as (path, class name)
    scope: tuple[tuple[str, str], ...] = ()
    passes: bool = False  # passes its input on unchanged (contiguous, clone)

    @property
    def where(self) -> str:
        return f"{self.op.where} ({self.op.name})"


#: Files that a model is pickled in: loading one runs the code it holds.
PICKLED = (".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin")


def refuse_pickled(path: str | Path) -> None:
    if str(path).lower().endswith(PICKLED):
        raise SymcnnError(f"{path}: symcnn does not load pickled PyTorch files, since "
                          "loading one runs whatever code it holds; export the model to "
                          "ONNX (torch.onnx.export) or call symcnn.from_torch(model, "
                          "input_shape) in Python")


@dataclass(eq=False)
class Item:
    """A layer of the program being written: a node read as a kind, with its branches
    if it is a merge."""
    node: Node
    kind: Kind
    args: dict[str, Any]
    branches: list[list[Item]] = field(default_factory=list)


# ---- reading the operations ------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _readers(framework: str) -> dict[str, tuple[Kind, ...]]:
    """The kinds that read each operation name, the last registered first."""
    index: dict[str, list[Kind]] = {}
    for kind in reversed(kinds()):
        for name in getattr(kind, f"{framework}_ops"):
            index.setdefault(name, []).append(kind)
    return {name: tuple(found) for name, found in index.items()}


def _read(node: Node, framework: str) -> tuple[Kind, dict[str, Any]] | str:
    """The kind and arguments of a node, or the hint of why none reads it."""
    hints = []
    for kind in _readers(framework).get(node.op.name, ()):
        try:
            args = getattr(kind, f"from_{framework}")(node.op)
        except Unfit as unfit:
            hints.append(str(unfit))
            continue
        if args is not None:
            return kind, args
    if hints:
        return "; ".join(hints)
    if node.op.name in _readers(framework):
        return "no symcnn kind reads it with these arguments"
    return _HINTS.get(node.op.name, "no symcnn layer kind reads it")


_HINTS = {
    "Resize": "symcnn reads resizing in a PyTorch model (Up), not yet in an ONNX graph",
    "getitem": "symcnn reads operations that give one tensor",
    "placeholder": "the model takes more than one input; symcnn reads models of one",
}


# ---- the graph as sequences and branches ---------------------------------------------

def _reachable(output: Node) -> list[Node]:
    """The nodes the output depends on, in an order where inputs come first."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(output, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((i, False) for i in reversed(node.inputs) if id(i) not in seen)
    return order


def _joined_cats(items: dict[int, Item], order: list[Node]) -> None:
    """A concatenation of ``[a, b, c]`` where ``[a, b]`` was concatenated already
    (DenseNet's growing list of features) becomes the concatenation of that one and
    ``c``, so that each reads as one branch: ``Cat([], [layer])``."""
    seen: dict[tuple[Any, tuple[int, ...]], Node] = {}
    for node in order:
        item = items.get(id(node))
        if item is None or not isinstance(item.kind, Merge):
            continue
        key = item.kind.name
        inputs = tuple(id(i) for i in node.inputs)
        for length in range(len(inputs) - 1, 1, -1):
            earlier = seen.get((key, inputs[:length]))
            if earlier is not None:
                node.inputs = [earlier, *node.inputs[length:]]
                break
        seen[(key, inputs)] = node


def _dominators(order: list[Node]) -> dict[int, Node]:
    """Each node's immediate dominator: the last node every path from the input to it
    passes (Cooper, Harvey and Kennedy's intersection, in one pass over a DAG)."""
    index = {id(node): i for i, node in enumerate(order)}
    idom: dict[int, Node] = {}
    for node in order[1:]:
        found = node.inputs[0]
        for other in node.inputs[1:]:
            a, b = found, other
            while a is not b:
                while index[id(a)] > index[id(b)]:
                    a = idom[id(a)]
                while index[id(b)] > index[id(a)]:
                    b = idom[id(b)]
            found = a
        idom[id(node)] = found
    return idom


def _sequence(start: Node, end: Node, items: dict[int, Item], idom: dict[int, Node],
              placed: set[int]) -> list[Item]:
    """The layers that compute ``end`` from ``start``, which dominates it."""
    out: list[Item] = []
    node = end
    while node is not start:
        if id(node) in placed:
            raise ImportFailed(f"{node.where} is used by branches that do not meet again "
                               "in one merge; symcnn writes branches that start together "
                               "and join in one Add or Cat")
        placed.add(id(node))
        item = items[id(node)]
        if len(node.inputs) == 1:
            out.append(item)
            node = node.inputs[0]
            continue
        fork = idom[id(node)]
        branches = [_sequence(fork, i, items, idom, placed) for i in node.inputs]
        if isinstance(item.kind, Merge) and item.kind.unordered:  # Res([BODY]), not
            branches.sort(key=lambda branch: not branch)  # Res([], [BODY])
        item.branches = branches
        out.append(item)
        node = fork
    out.reverse()
    return out


@functools.lru_cache(maxsize=None)
def _refiners() -> tuple[Kind, ...]:
    """The kinds that read merges of read branches (``Kind.from_merge``)."""
    return tuple(kind for kind in reversed(kinds())
                 if type(kind).from_merge is not Kind.from_merge)


def _refined(sequence: list[Item]) -> None:
    """Each merge that a kind says more briefly, as that kind: ``SE`` for the ``Mul`` of
    squeeze-and-excitation. Its branches stay, as the records of the kind's own."""
    for item in sequence:
        for branch in item.branches:
            _refined(branch)
        if not isinstance(item.kind, Merge):
            continue
        read = [[(i.kind.name, i.args) for i in branch] for branch in item.branches]
        channels = item.node.op.output[1] if len(item.node.op.output) > 1 else None
        for kind in _refiners():
            args = kind.from_merge(item.kind.name, read, channels)
            if args is not None:
                item.kind, item.args = kind, args
                break


def _flat(sequence: list[Item]) -> list[Item]:
    """The layers in the order ``net.layers`` has them: a merge after its branches."""
    out: list[Item] = []
    for item in sequence:
        for branch in item.branches:
            out.extend(_flat(branch))
        out.append(item)
    return out


# ---- the whole import ------------------------------------------------------------------

def sizes_text(shape: Sequence[Any], what: str) -> tuple[list[str], dict[str, int]]:
    """A channels-first input shape without the batch, ``(3, "n", "n")``, as the sizes
    of ``I`` (channels last) and the names in it."""
    if not isinstance(shape, (tuple, list)) or not 1 <= len(shape) <= 4:
        raise SymcnnError(f"{what} is channels-first without the batch, (c, h, w), (c, l), "
                          f"(c, d, h, w) or (f,), with whole numbers or names: not {shape!r}")
    words: list[str] = []
    names: dict[str, int] = {}
    for size in shape:
        if isinstance(size, bool) or not isinstance(size, (int, str)):
            raise SymcnnError(f"{what}: a size is a whole number or a name, not {size!r}")
        if isinstance(size, int):
            if size < 1:
                raise SymcnnError(f"{what}: a size must be at least 1, not {size}")
            words.append(str(size))
        elif not _NAME.match(size) or size in ("same", "valid", "true", "false"):
            raise SymcnnError(f"{what}: {size!r} is not a name of the language (a letter "
                              "or _, then letters, digits or _)")
        else:
            words.append(size)
            names[size] = DEFAULT_SIZE
    return words[1:] + words[:1], names


def build(input_node: Node, output: Node, sizes: list[str], example: Mapping[str, int],
          framework: str, owners: Mapping[str, int], totals: tuple[int, int]) -> Network:
    """The network of a traced model. ``sizes`` are the input's (channels last, names
    or numbers), ``example`` the values its names took while the model ran; ``owners``
    maps each module (or constant) that holds parameters to their number, ``totals``
    are the model's parameters and running statistics."""
    from .network import parse_written

    order = _reachable(output)
    items: dict[int, Item] = {}
    faults: list[str] = []
    alias: dict[int, Node] = {}
    for node in order:
        node.inputs = [alias.get(id(i), i) for i in node.inputs]
        if node is input_node:
            continue
        if node.passes:
            alias[id(node)] = node.inputs[0]
            continue
        read = _read(node, framework)
        if isinstance(read, str):
            faults.append(f"{node.where}: {read}")
            continue
        kind, args = read
        if isinstance(kind, Merge) and len(node.inputs) == 1:  # a merge of one tensor
            alias[id(node)] = node.inputs[0]
            continue
        items[id(node)] = Item(node, kind, args)
    if faults:
        raise ImportFailed(_listed("the model has operations symcnn cannot write", faults))
    output = alias.get(id(output), output)
    order = [node for node in order if id(node) in items or node is input_node]
    _joined_cats(items, order)
    if output is input_node:
        raise ImportFailed("the model computes nothing from its input")
    sequence = _sequence(input_node, output, items, _dominators(order), set())
    _refined(sequence)
    flat = _flat(sequence)
    _unplaced(flat, owners)

    from ._blocks import program

    text = program(f"I({', '.join(sizes)})", sequence)
    net = parse_written(text)
    _compare(net, flat, example, totals, input_node)
    return net


def _listed(title: str, lines: list[str]) -> str:
    return f"{title}:\n" + "\n".join(f"  {line}" for line in lines)


def _unplaced(flat: list[Item], owners: Mapping[str, int]) -> None:
    """Every module that holds parameters must be a layer, once."""
    used: dict[str, int] = {}
    for item in flat:
        if item.node.owner is not None:
            used[item.node.owner] = used.get(item.node.owner, 0) + 1
    faults = [f"{owner}: its {count:,} parameters are in no layer symcnn read (a module "
              "never called, or parameters used directly in an operation)"
              for owner, count in owners.items() if count and owner not in used]
    faults += [f"{owner}: called {calls} times, sharing its parameters; symcnn counts each "
               "layer's own" for owner, calls in used.items() if calls > 1 and owners.get(owner)]
    if faults:
        raise ImportFailed(_listed("the model's parameters do not all go to one layer each",
                                   faults))


def _channels_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A PyTorch shape of one sample, channels first, as symcnn's."""
    sample = tuple(shape[1:])
    return sample[1:] + sample[:1] if len(sample) > 1 else sample


def _compare(net: Network, flat: list[Item], example: Mapping[str, int],
             totals: tuple[int, int], input_node: Node) -> None:
    """The network against the model: each layer's parameters and running statistics,
    and at the example sizes its output shape."""
    records = net.layers[1:]
    if len(records) != len(flat) or any(r.kind != i.kind.name for r, i in zip(records, flat)):
        raise ImportFailed("the program written from the model does not have its layers "
                           "(a bug in symcnn's import)")
    faults = []
    # at the example sizes: ViT's position embedding has a parameter per token
    at = net.subs(**{name: example[name] for name in map(str, net.symbols)})
    for record, item in zip(at.layers[1:], flat):
        node = item.node
        if record.params != node.params or record.non_trainable != node.statistics:
            faults.append(f"{record.name} ({node.where}): symcnn counts {record.params} "
                          f"parameters and {record.non_trainable} statistics, the model "
                          f"{node.params:,} and {node.statistics:,}")
    if at.layers[0].output_shape != _channels_last(input_node.op.output):
        faults.append("the input's shape")
    for record, item in zip(at.layers[1:], flat):
        model = _channels_last(item.node.op.output)
        if tuple(record.output_shape) != model:
            faults.append(f"{record.name} ({item.node.where}) gives "
                          f"{tuple(int(v) for v in record.output_shape)} at the example "
                          f"sizes, the model {model}")
    if not faults and (at.params, at.non_trainable) != totals:
        faults.append(f"the network has {at.params} parameters and {at.non_trainable} "
                      f"statistics, the model {totals[0]:,} and {totals[1]:,}")
    if faults:
        raise ImportFailed(_listed("the network written from the model does not count as "
                                   "the model does", faults[:20]))
