"""Pictures of networks: what a diagram shows, and where each part of it goes.

A diagram has one block per layer record, labelled with the layer as written
(``C(64, 3, p=1)``) and its output shape, and one edge for each way data goes from a
layer to the next. A merge's branches stand side by side between the layer that feeds
them and the merge's own block, where they join; an identity branch (``Res``'s
shortcut) is a lane of its own; a side branch (``Aux``) ends in an output of its own
while the flow goes on past it.

:func:`diagram` builds the blocks and edges, which is all DOT needs (Graphviz lays out
by itself); :func:`place` puts them on a plane for the formats that draw themselves,
SVG and TikZ: a vertical flow from top to bottom, branches side by side, edges at right
angles. Sizes whose text is long (``⌊(n − 1)/32⌋ + 1``) get short names, ``a₁``,
``a₂``, ..., listed in a legend. Blocks are colored by the family of their kind, the
module of :mod:`symcnn.kinds` that defines it (``conv``, ``pool``, ...).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Union

from .._model import LayerRecord, Node, Viewed
from ._summary import arranged, check_layout
from ._text import text

#: A size whose text is longer than this many characters is shown by a short name.
LONG = 12

#: The fill of a block by the family of its kind; a family not named here is gray.
COLORS = {"input": "#E8E8E8", "conv": "#CFE2F3", "pool": "#D9EAD3", "dense": "#FCE5CD",
          "norm": "#FFF2CC", "elementwise": "#F4F4F4", "reshape": "#E6E0EC",
          "merge": "#F4CCCC", "gate": "#EAD1DC"}
GRAY = "#EEEEEE"
LINE = "#555555"

# The plane's units are pixels of SVG at a 12 px monospace font (TikZ scales them).
FONT = 12
PAD = 10  # between a block's text and its border
MIN_WIDTH = 90
HEIGHT = 36  # of a block: two lines of text
GAP = 26  # between a block and the next, where edges fork and join
LANE = 24  # the width of an identity branch
SPACING = 20  # between branches side by side
MARGIN = 16
LINE_HEIGHT = 16  # of the legend


def text_width(characters: int) -> int:
    """The width of a line of monospace text, 0.6 em a character, rounded up to even."""
    width = -(-characters * FONT * 3 // 5)
    return width + width % 2


# ---- what is drawn ---------------------------------------------------------------------

@dataclass(frozen=True)
class Short:
    """The short name of a long size: ``a₁`` (``letter`` ``a``, ``number`` 1)."""
    letter: str
    number: int

    def __str__(self) -> str:
        from ._printers import _SUBSCRIPTS

        return self.letter + str(self.number).translate(_SUBSCRIPTS)


Size = Union[Short, Any]  # a short name, or an int or sympy expression


@dataclass(frozen=True)
class Block:
    """One layer record as a diagram shows it: ``title`` is the layer as written
    (``C(64, 3, p=1)``, a merge's kind: ``Res``), ``shape`` its output shape with long
    sizes named; ``join`` marks a merge's block, ``side_output`` the last layer of a
    side branch, whose output leaves the network."""
    record: LayerRecord
    title: str
    shape: tuple[Size, ...]
    family: str
    join: bool
    side_output: bool

    @property
    def index(self) -> int:
        return self.record.index

    @property
    def shape_text(self) -> str:
        """``a₁ × a₁ × 64``."""
        return " × ".join(str(size) if isinstance(size, Short) else text(size)
                          for size in self.shape)

    @property
    def color(self) -> str:
        return COLORS.get(self.family, GRAY)

    @property
    def width(self) -> int:
        return max(MIN_WIDTH, text_width(max(len(self.title), len(self.shape_text))) + 2 * PAD)


@dataclass(frozen=True)
class Edge:
    """Data going from the layer of record ``source`` to that of ``target``."""
    source: int
    target: int


@dataclass(frozen=True)
class Diagram:
    """The blocks (by record index), the edges in the order data flows, the long sizes'
    short names with their values, and the network's tree, which DOT draws as nested
    clusters."""
    tree: tuple[Node, ...]
    blocks: dict[int, Block]
    edges: tuple[Edge, ...]
    legend: tuple[tuple[Short, Any], ...]


def diagram(net: Viewed, layout: str = "hwc") -> Diagram:
    """The blocks and edges of ``net``'s diagram; shapes in ``layout`` (``hwc``, ``chw``)."""
    check_layout(layout)
    tree = net.evaluated.tree
    names = _Names({str(symbol) for symbol in net.symbols})
    blocks: dict[int, Block] = {}
    edges: list[Edge] = []

    def sequence(nodes: Sequence[Node], source: int | None, side: bool) -> int | None:
        """Adds the blocks and edges of ``nodes``, fed by ``source``; returns the last
        block's index (``source`` itself for an identity branch)."""
        for i, node in enumerate(nodes):
            record = node.record
            last = side and i == len(nodes) - 1 and not node.branches
            blocks[record.index] = _block(node, names, layout, last)
            if node.branches:
                leaves = bool(getattr(node.kind, "side_output", False))
                for branch in node.branches:
                    end = sequence(branch, source, leaves)
                    if not leaves and end is not None:
                        edges.append(Edge(end, record.index))
                if leaves and source is not None:
                    edges.append(Edge(source, record.index))
            elif source is not None:
                edges.append(Edge(source, record.index))
            source = record.index
        return source

    sequence(tree, None, False)
    return Diagram(tree, blocks, tuple(edges), names.legend())


def _block(node: Node, names: _Names, layout: str, side_output: bool) -> Block:
    record = node.record
    join = bool(node.branches)
    title = node.kind.to_dsl(record, [])
    if join and title.endswith("()"):  # a merge whose arguments are only its branches
        title = title[:-2]
    shape = tuple(names.short(size) for size in arranged(record.output_shape, layout))
    family = type(node.kind).__module__.rpartition(".")[2]
    return Block(record, title, shape, family, join, side_output)


class _Names:
    """Short names for long sizes, one per distinct size, numbered in the order they
    appear; the letter is the first of ``_LETTERS`` that starts no free symbol's name."""

    _LETTERS = "abdeguvxyz"

    def __init__(self, symbols: set[str]) -> None:
        self.letter = next((letter for letter in self._LETTERS
                            if not any(name.startswith(letter) for name in symbols)), "z")
        self.named: dict[Any, Short] = {}

    def short(self, size: Any) -> Size:
        if type(size) is int or len(text(size)) <= LONG:
            return size
        if size not in self.named:
            self.named[size] = Short(self.letter, len(self.named) + 1)
        return self.named[size]

    def legend(self) -> tuple[tuple[Short, Any], ...]:
        return tuple((short, size) for size, short in self.named.items())


# ---- where it goes ---------------------------------------------------------------------

Point = tuple[int, int]


@dataclass(frozen=True)
class Box:
    """A block's place: its top left corner and its size."""
    x: int
    y: int
    width: int
    height: int

    @property
    def center(self) -> int:
        return self.x + self.width // 2

    @property
    def bottom(self) -> int:
        return self.y + self.height


@dataclass(frozen=True)
class Path:
    """An edge's way, from the bottom of its source's block to the top of its target's,
    at right angles; ``target`` is ``None`` for the short arrow out of a side output."""
    source: int
    target: int | None
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Plane:
    """A diagram placed: each block's box, each edge's path, and the size of the whole
    drawing (the legend goes below it)."""
    diagram: Diagram
    boxes: dict[int, Box]
    paths: tuple[Path, ...]
    width: int
    height: int

    def blocks(self) -> Iterator[tuple[Block, Box]]:
        """Every block with its box, in the order of the records."""
        for index in sorted(self.boxes):
            yield self.diagram.blocks[index], self.boxes[index]


@dataclass
class _Column:
    """A sequence of layers, measured: its items and how far it reaches to the left and
    to the right of its axis, the vertical line its flow follows."""
    items: list[_Layer | _Merge]
    left: int
    right: int
    height: int


@dataclass
class _Layer:
    block: Block
    left: int
    right: int
    height: int = HEIGHT


@dataclass
class _Merge:
    """A merge: its branches side by side (an identity branch as a narrow lane; a side
    output's pass-through as a lane on the axis), then its join. ``axes`` are the
    branches' axes from the merge's left edge, ``axis`` the merge's own."""
    block: Block
    columns: list[_Column]
    axes: list[int]
    axis: int
    left: int
    right: int
    height: int
    leaves: bool


def _column(nodes: Sequence[Node], blocks: dict[int, Block]) -> _Column:
    if not nodes:
        return _Column([], LANE // 2, LANE // 2, 0)
    items = [_merge(node, blocks) if node.branches else _layer(blocks[node.record.index])
             for node in nodes]
    return _Column(items, max(item.left for item in items), max(item.right for item in items),
                   sum(item.height for item in items) + GAP * (len(items) - 1))


def _layer(block: Block) -> _Layer:
    return _Layer(block, block.width // 2, block.width - block.width // 2)


def _merge(node: Node, blocks: dict[int, Block]) -> _Merge:
    block = blocks[node.record.index]
    leaves = bool(getattr(node.kind, "side_output", False))
    branches = ([()] if leaves else []) + list(node.branches)
    columns = [_column(branch, blocks) for branch in branches]
    axes, x = [], 0
    for column in columns:
        axes.append(x + column.left)
        x += column.left + column.right + SPACING
    width = x - SPACING
    full = [i for i, branch in enumerate(branches) if branch]
    # The flow goes straight through the one branch that has layers (a residual body, a
    # gate's branch) or the pass-through of a side output; several fork to both sides.
    main = 0 if leaves else full[0] if len(full) == 1 else None
    axis = axes[main] if main is not None else (axes[0] + axes[-1]) // 2
    left = max(axis, block.width // 2)
    right = max(width - axis, block.width - block.width // 2)
    height = max(column.height for column in columns) + GAP + HEIGHT
    return _Merge(block, columns, axes, axis, left, right, height, leaves)


def place(net_diagram: Diagram) -> Plane:
    """Places a diagram's blocks and routes its edges."""
    column = _column(net_diagram.tree, net_diagram.blocks)
    placing = _Placing()
    placing.column(column, MARGIN + column.left, MARGIN, None)
    return Plane(net_diagram, placing.boxes, tuple(placing.paths),
                 column.left + column.right + 2 * MARGIN, column.height + 2 * MARGIN)


Source = tuple[int, Point]  # a block's index and the bottom middle of its box


class _Placing:
    def __init__(self) -> None:
        self.boxes: dict[int, Box] = {}
        self.paths: list[Path] = []

    def column(self, column: _Column, axis: int, top: int,
               source: Source | None) -> Source | None:
        for item in column.items:
            if isinstance(item, _Merge):
                source = self.merge(item, axis, top, source)
            else:
                source = self.layer(item.block, axis, top, source)
            top += item.height + GAP
        return source

    def layer(self, block: Block, axis: int, top: int, source: Source | None) -> Source:
        box = Box(axis - block.width // 2, top, block.width, HEIGHT)
        self.boxes[block.index] = box
        if source is not None:
            self.edge(source, block.index, [(axis, top)])
        return block.index, (axis, box.bottom)

    def merge(self, merge: _Merge, axis: int, top: int, source: Source | None) -> Source:
        left_edge = axis - merge.axis
        join_top = top + merge.height - HEIGHT
        turn = join_top - GAP // 2  # where the branches turn towards the join
        block = merge.block
        for column, column_axis in zip(merge.columns, merge.axes):
            x = left_edge + column_axis
            end = self.column(column, x, top, source)
            if not column.items:  # an identity lane, or a side output's pass-through
                if source is not None:
                    self.edge(source, block.index, [(x, turn), (axis, turn), (axis, join_top)])
            elif merge.leaves:
                assert end is not None
                (index, (ex, ey)) = end
                self.paths.append(Path(index, None, ((ex, ey), (ex, ey + GAP // 2))))
            else:
                assert end is not None
                self.edge(end, block.index, [(x, turn), (axis, turn), (axis, join_top)])
        return self.layer(block, axis, join_top, None)

    def edge(self, source: Source, target: int, way: list[Point]) -> None:
        """An edge from ``source`` down to the first point of ``way`` (turning just below
        the source's block, in the gap under it), then along ``way``."""
        index, (sx, sy) = source
        tx = way[0][0]
        points = [(sx, sy), (sx, sy + GAP // 2), (tx, sy + GAP // 2), *way]
        self.paths.append(Path(index, target, _straightened(points)))


def _straightened(points: list[Point]) -> tuple[Point, ...]:
    """``points`` without repeats and without the middle of three on one line."""
    kept: list[Point] = []
    for point in points:
        if kept and kept[-1] == point:
            continue
        if len(kept) >= 2 and (kept[-2][0] == kept[-1][0] == point[0]
                               or kept[-2][1] == kept[-1][1] == point[1]):
            kept[-1] = point
            continue
        kept.append(point)
    return tuple(kept)
