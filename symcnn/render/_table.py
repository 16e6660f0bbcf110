"""The per-layer table as text for a terminal, and as a GitHub Markdown table.

Text output is plain and stable; given a ``width`` (the command line passes the
terminal's on a TTY) long cells wrap onto indented continuation lines so that every
line fits.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._math import is_integer
from ._summary import Row, arranged, grouped, human, overview_items, rows, totals
from ._text import text

if TYPE_CHECKING:
    from sympy import Expr

    from .._memory import Memory
    from .._model import Viewed

HEADER = ("layer", "output shape", "params", "MACs")
GAP = "  "
INDENT = "  "


def number(value: Expr) -> str:
    """An integer with thousands separators, a formula otherwise."""
    if type(value) is int:  # most cells of most tables
        return f"{value:,}"
    return grouped(int(value)) if is_integer(value) else text(value)


def params_cell(formula: Expr, value: Expr) -> str:
    """``(5·5·1 + 1)·32 = 832``: the formula as written, then its value when it is a
    number that reads differently."""
    written = text(formula)
    if not is_integer(value):
        return written
    shown = number(value)
    return shown if written in (shown, str(int(value))) else f"{written} = {shown}"


def shape_text(shape: Sequence[Expr], layout: str) -> str:
    return "(" + ", ".join([text(v) for v in arranged(shape, layout)]) + ")"


def _cells(row: Row, layout: str, memo: dict[int, str]) -> tuple[str, ...]:
    """A row's cells; ``memo`` keeps the text of each shape and formula met in this
    table by identity (a replayed layer shares its values with the layer it repeats)."""
    r = row.record
    shape, formula, macs = r.output_shape, r.formula, r.macs
    shown = memo.get(id(shape))
    if shown is None:
        shown = memo[id(shape)] = shape_text(shape, layout)
    params = memo.get(id(formula))
    if params is None:
        params = memo[id(formula)] = params_cell(formula, r.params)
    return INDENT * row.depth + row.label, shown, params, number(macs)


def total_lines(net: Viewed, memory: Memory | None = None) -> list[tuple[str, str]]:
    """(label, value) of the totals, then the memory's if given (whose weights, in its
    number type, replace those in float32), with human units where the value is a
    number."""
    lines = []
    items = totals(net, evaluated=True).items()
    if memory is not None:
        items = [item for item in items if item[0] != "float32_bytes"] + memory.items()
    for key, label, value in items:
        in_bytes = key.endswith("_bytes")
        if is_integer(value):
            shown = grouped(int(value))
            if in_bytes:
                shown += " bytes" + (f" ({human(int(value), binary=True)})"
                                     if int(value) >= 1024 else "")
            elif int(value) >= 1000:
                shown += f" ({human(int(value))})"
        else:
            shown = text(value) + (" bytes" if in_bytes else "")
        lines.append((label, shown))
    return lines


def _widths(natural: list[int], width: int | None) -> list[int]:
    """Column widths that fit ``width``: the first column keeps its width, the others
    share what is left, narrow ones first (water-filling)."""
    if width is None or sum(natural) + len(GAP) * (len(natural) - 1) <= width:
        return natural
    room = max(width - natural[0] - len(GAP) * (len(natural) - 1), 3 * (len(natural) - 1))
    widths = list(natural)
    flexible = sorted(range(1, len(natural)), key=lambda i: natural[i])
    for position, i in enumerate(flexible):
        share = room // (len(flexible) - position)
        widths[i] = max(min(natural[i], share), 1)
        room -= widths[i]
    return widths


PADDED = 100

_OPEN, _CLOSE = "([⌊⌈", ")]⌋⌉"


def _pieces(cell: str, level: int) -> list[str]:
    """``cell`` cut at the spaces that sit at most ``level`` brackets deep."""
    pieces, depth, start = [], 0, 0
    for i, char in enumerate(cell):
        depth += (char in _OPEN) - (char in _CLOSE)
        if char == " " and depth <= level:
            pieces.append(cell[start:i])
            start = i + 1
    return [*pieces, cell[start:]]


def _wrap(cell: str, width: int) -> list[str]:
    """Lines of at most ``width``, broken at the outermost spaces that allow it (between
    the terms of a sum before inside a floor), indented after the first."""
    if len(cell) <= width:
        return [cell]
    indent = INDENT if width > 8 else ""
    for level in range(4):
        pieces = _pieces(cell, level)
        if all(len(p) <= width - len(indent) for p in pieces):
            lines = [pieces[0]]
            for piece in pieces[1:]:
                if len(lines[-1]) + 1 + len(piece) <= width:
                    lines[-1] += " " + piece
                else:
                    lines.append(indent + piece)
            return lines
    return textwrap.wrap(cell, width, subsequent_indent=indent,
                         break_on_hyphens=False) or [""]


def grid(header: Sequence[str], body: Sequence[Sequence[str]], width: int | None) -> str:
    """Columns of text under a header, each as wide as its widest cell, or narrower,
    with wrapped cells, to fit ``width``."""
    natural = [max(map(len, column)) for column in zip(header, *body)]
    widths = _widths(natural, width)
    # Without a width nothing wraps; a column is padded to at most PADDED characters and
    # a longer cell pushes the rest of its own row right, so that one long sum (a Cat of
    # 3,000 branches) does not pad every row to its length (69 MB of spaces).
    padded = widths if width is not None else [min(w, PADDED) for w in widths]
    rule = ["-" * w for w in padded]
    if widths == natural:  # every cell fits its column: one line per row
        return "\n".join(GAP.join([cell.ljust(w) for cell, w in zip(cells, padded)]).rstrip()
                         for cells in [header, rule, *body]) + "\n"
    lines = []
    for cells in [header, rule, *body]:
        wrapped = [_wrap(cell, w) for cell, w in zip(cells, widths)]
        for k in range(max(len(w) for w in wrapped)):
            parts = [(w[k] if k < len(w) else "").ljust(padded[i])
                     for i, w in enumerate(wrapped)]
            lines.append(GAP.join(parts).rstrip())
    return "\n".join(lines) + "\n"


PERCENT = ("% params", "% MACs")


def percent(value: Any, whole: Any) -> str:
    """``value`` as a percentage of ``whole``, rounded half up to a tenth for display
    only (in integers: the counts stay exact); "—" where either is not a number."""
    if not (is_integer(value) and is_integer(whole)) or int(whole) == 0:
        return "—"
    tenths = (2000 * int(value) + int(whole)) // (2 * int(whole))
    return f"{tenths // 10}.{tenths % 10}%"


def _percent_cells(row: Row, sums: Any) -> tuple[str, str]:
    return (percent(row.record.params, sums.trainable), percent(row.record.macs, sums.macs))


def table(net: Viewed, layout: str = "hwc", width: int | None = None,
          memory: Memory | None = None, percents: bool = False) -> str:
    """The text table: one row per layer (with ``percents``, each one's share of the
    trainable parameters and of the MACs), then the totals (and the memory)."""
    sums = totals(net, evaluated=True)
    memo: dict[int, str] = {}
    body = [_cells(row, layout, memo) + (_percent_cells(row, sums) if percents else ())
            for row in rows(net, evaluated=True)]
    totals_block = "\n".join(_labelled(total_lines(net, memory), width))
    header = HEADER + (PERCENT if percents else ())
    return grid(header, body, width) + "\n" + totals_block + "\n"


def receptive(net: Any, markdown: bool, width: int | None) -> str:
    """Each layer's receptive field, one row per layer (see ``symcnn._receptive``)."""
    header = ("layer", "output shape", "receptive field", "stride", "padding")
    found = net.receptive_fields
    body = []
    for row in rows(net):
        field = found[row.record.name]
        cells = ["—", "—", "—"] if isinstance(field, str) else [
            " × ".join(number(v) for v in values)
            for values in (field.size, field.stride, field.padding)]
        label = ("&emsp;" if markdown else INDENT) * row.depth + row.label
        body.append([label, shape_text(row.record.output_shape, "hwc"), *cells])
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|:--|:--|--:|--:|--:|"]
        lines += ["| " + " | ".join(_md(c) if i else c for i, c in enumerate(cells)) + " |"
                  for cells in body]
        return "\n".join(lines) + "\n"
    return grid(header, body, width)


def _labelled(pairs: list[tuple[str, str]], width: int | None) -> list[str]:
    column = max(len(label) for label, _ in pairs) + len(GAP)
    out = []
    for label, value in pairs:
        room = None if width is None else max(width - column, 8)
        chunks = [value] if room is None else _wrap(value, room)
        out.append((label.ljust(column) + chunks[0]).rstrip())
        out.extend(" " * column + chunk for chunk in chunks[1:])
    return out


def formula_text(pairs: list[tuple[str, Expr]], width: int | None) -> str:
    """``label  formula`` lines, for ``symcnn --formula``."""
    return "\n".join(_labelled([(label, number(value)) for label, value in pairs], width)) + "\n"


def _md(cell: str) -> str:
    """A cell as Markdown shows it literally: ``f_in`` must not start italics."""
    for char in "\\|_*":
        cell = cell.replace(char, "\\" + char)
    return cell


def markdown(net: Viewed, layout: str = "hwc", memory: Memory | None = None,
             percents: bool = False) -> str:
    """A GitHub Markdown table of the layers, then one of the totals."""
    header = HEADER + (PERCENT if percents else ())
    lines = ["| " + " | ".join(header) + " |", "|:--|:--|" + "--:|" * (len(header) - 2)]
    sums = totals(net, evaluated=True)
    memo: dict[int, str] = {}
    for row in rows(net, evaluated=True):
        name, shape, params, macs = _cells(row, layout, memo)
        name = "&emsp;" * row.depth + row.label
        cells = (name, shape, params, macs) + (_percent_cells(row, sums) if percents else ())
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    lines += ["", "| total | |", "|:--|--:|"]
    lines += [f"| {label} | {_md(value)} |" for label, value in total_lines(net, memory)]
    return "\n".join(lines) + "\n"


def _overview_header(nets: Sequence[tuple[str, Viewed]], detail: bool) -> list[str]:
    return ["network", "input", *(header for _, header, _ in overview_items(nets[0][1], detail))
            ] if nets else ["network", "input", "params", "MACs"]


def _overview_cells(name: str, net: Viewed, detail: bool) -> list[str]:
    cells = [name, shape_text(net.input_shape, "hwc")]
    for key, _, value in overview_items(net, detail):
        if key == "receptive_field":
            cells.append("—" if value is None else " × ".join(number(v) for v in value))
        else:
            cells.append(number(value))
    return cells


def overview(nets: Sequence[tuple[str, Viewed]], width: int | None,
             detail: bool = False) -> str:
    return grid(_overview_header(nets, detail),
                [_overview_cells(name, net, detail) for name, net in nets], width)


def overview_markdown(nets: Sequence[tuple[str, Viewed]], detail: bool = False) -> str:
    header = _overview_header(nets, detail)
    lines = ["| " + " | ".join(header) + " |", "|:--|:--|" + "--:|" * (len(header) - 2)]
    lines += ["| " + " | ".join(_md(c) for c in _overview_cells(name, net, detail)) + " |"
              for name, net in nets]
    return "\n".join(lines) + "\n"
