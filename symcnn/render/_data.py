"""JSON and CSV, for programs and spreadsheets rather than people.

Every value is an exact integer when it is a number, or otherwise a formula string in
symcnn's own expression syntax (``floor((n - k + 1)/2)``), which ``--set`` and
``Network.subs`` read back. JSON adds each formula's LaTeX. The keys are listed in
``docs/formats.md``; ``SCHEMA`` changes when they do.

Both read the network as evaluated (``net.evaluated``): a network without free symbols
is written from its Python numbers, without importing sympy, as the text table is.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._math import is_integer
from .._version import __version__
from ._summary import arranged, overview_items, totals
from ._text import latex, plain

if TYPE_CHECKING:
    from sympy import Expr

    from .._memory import Memory
    from .._model import Viewed

SCHEMA = 1
CSV_COLUMNS = ("index", "name", "kind", "depth", "output_shape", "params_formula",
               "params", "non_trainable", "macs")
MEMORY_COLUMNS = ("activations", "activations_bytes")


def exact(value: Expr) -> int | str:
    """An ``int`` when the value is one, else the formula in symcnn's syntax."""
    return int(value) if is_integer(value) else plain(value)


def _shape(shape: Sequence[Expr] | None, layout: str) -> list[int | str] | None:
    return None if shape is None else [exact(v) for v in arranged(shape, layout)]


def _shape_latex(shape: Sequence[Expr] | None, layout: str) -> list[str] | None:
    return None if shape is None else [latex(v) for v in arranged(shape, layout)]


def document(net: Viewed, layout: str = "hwc", memory: Memory | None = None
             ) -> dict[str, Any]:
    """The JSON document as Python data; ``memory`` adds each layer's ``activations``
    and the totals' ``memory``."""
    layers: list[dict[str, Any]] = []
    view = net.evaluated
    for r in view.layers:
        layers.append({
            "index": r.index, "name": r.name, "kind": r.kind, "depth": r.depth,
            "line": r.line, "column": r.column,
            "input_shape": _shape(r.input_shape, layout),
            "output_shape": _shape(r.output_shape, layout),
            "params": exact(r.params), "params_formula": plain(r.formula),
            "non_trainable": exact(r.non_trainable), "macs": exact(r.macs),
            "latex": {"input_shape": _shape_latex(r.input_shape, layout),
                      "output_shape": _shape_latex(r.output_shape, layout),
                      "params": latex(r.params), "params_formula": latex(r.formula),
                      "non_trainable": latex(r.non_trainable), "macs": latex(r.macs)},
        })
        if memory is not None:
            layers[-1]["activations"] = exact(r.activations)
    sums = {key: value for key, _, value in totals(net, evaluated=True).items()}
    extra: dict[str, Any] = {}
    if memory is not None:
        values = {key: value for key, _, value in memory.items()}
        extra["memory"] = {"batch": exact(memory.batch), "dtype": memory.dtype,
                           "optimizer": memory.optimizer,
                           **{key: exact(v) for key, v in values.items()},
                           "latex": {key: latex(v) for key, v in values.items()}}
    return {
        "symcnn": __version__,
        "schema": SCHEMA,
        "layout": layout,
        "symbols": [s.name for s in net.symbols],
        "constraints": [plain(c) for c in net.constraints],
        "input_shape": _shape(view.layers[0].output_shape, layout),
        "output_shape": _shape(view.output_shape, layout),
        "layers": layers,
        "totals": {**{key: exact(v) for key, v in sums.items()},
                   "latex": {key: latex(v) for key, v in sums.items()}, **extra},
    }


def dumps(data: Any) -> str:
    """Indented JSON, with lists of plain values (shapes) kept on one line."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _FLAT_LIST.sub(lambda m: json.dumps(json.loads(m.group(0)), ensure_ascii=False),
                          text) + "\n"


_SCALAR = r'(?:"(?:[^"\\]|\\.)*"|-?\d+|null|true|false)'
_FLAT_LIST = re.compile(rf"\[\s*{_SCALAR}(?:\s*,\s*{_SCALAR})*\s*\]")


def to_json(net: Viewed, layout: str = "hwc", memory: Memory | None = None) -> str:
    return dumps(document(net, layout, memory))


def to_csv(net: Viewed, layout: str = "hwc", memory: Memory | None = None) -> str:
    """One row per layer, in ``net.layers`` order; the totals are the column sums.
    ``memory`` adds each layer's ``activations`` (per sample) and ``activations_bytes``
    (over the batch; the input's row, 0, is not among the activations)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + (() if memory is None else MEMORY_COLUMNS))
    for r in net.evaluated.layers:
        shape = "(" + ", ".join(plain(v) for v in arranged(r.output_shape, layout)) + ")"
        row = [r.index, r.name, r.kind, r.depth, shape, plain(r.formula),
               exact(r.params), exact(r.non_trainable), exact(r.macs)]
        if memory is not None:
            elements = 0 if r.index == 0 else r.activations
            row += [exact(elements), exact(elements * memory.batch * memory.value_bytes)]
        writer.writerow(row)
    return out.getvalue()


def formulas_json(pairs: list[tuple[str, Expr]]) -> str:
    data = {key: exact(value) for key, value in pairs}
    data_latex = {key: latex(value) for key, value in pairs}
    return dumps({**data, "latex": data_latex})


def formulas_csv(pairs: list[tuple[str, Expr]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("quantity", "value"))
    writer.writerows((key, exact(value)) for key, value in pairs)
    return out.getvalue()


def _overview_values(net: Viewed, detail: bool) -> dict[str, Any]:
    return {key: (None if value is None else [exact(v) for v in value])
            if key == "receptive_field" else exact(value)
            for key, _, value in overview_items(net, detail)}


def overview_json(nets: Sequence[tuple[str, Viewed]], detail: bool = False) -> str:
    return dumps([{"name": name, "input_shape": _shape(net.input_shape, "hwc"),
                   **_overview_values(net, detail),
                   "latex": {key: latex(value) for key, _, value in overview_items(net, detail)
                             if key != "receptive_field"}}
                  for name, net in nets])


def overview_csv(nets: Sequence[tuple[str, Viewed]], detail: bool = False) -> str:
    """One row per network; a receptive field is its sizes joined by ``x``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    keys = [key for key, _, _ in overview_items(nets[0][1], detail)] if nets else \
        ["params", "macs"]
    writer.writerow(("name", "input_shape", *keys))
    for name, net in nets:
        shape = "(" + ", ".join(plain(v) for v in net.input_shape) + ")"
        values = _overview_values(net, detail)
        field = values.get("receptive_field")
        if "receptive_field" in values:
            values["receptive_field"] = "" if field is None else "x".join(map(str, field))
        writer.writerow((name, shape, *values.values()))
    return out.getvalue()
