"""JSON and CSV, for programs and spreadsheets rather than people.

Every value is an exact integer when it is a number, or otherwise a formula string in
symcnn's own expression syntax (``floor((n - k + 1)/2)``), which ``--set`` and
``Network.subs`` read back. JSON adds each formula's LaTeX. The keys are listed in
``docs/formats.md``; ``SCHEMA`` changes when they do.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sympy import Expr

from .._version import __version__
from ._printers import latex, plain
from .._math import is_integer
from ._summary import arranged, totals

if TYPE_CHECKING:
    from .._model import Viewed

SCHEMA = 1
CSV_COLUMNS = ("index", "name", "kind", "depth", "output_shape", "params_formula",
               "params", "non_trainable", "macs")


def exact(value: Expr) -> int | str:
    """An ``int`` when the value is one, else the formula in symcnn's syntax."""
    return int(value) if is_integer(value) else plain(value)


def _shape(shape: Sequence[Expr] | None, layout: str) -> list[int | str] | None:
    return None if shape is None else [exact(v) for v in arranged(shape, layout)]


def _shape_latex(shape: Sequence[Expr] | None, layout: str) -> list[str] | None:
    return None if shape is None else [latex(v) for v in arranged(shape, layout)]


def document(net: Viewed, layout: str = "hwc") -> dict[str, Any]:
    """The JSON document as Python data."""
    layers = []
    for r in net.layers:
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
    sums = {key: value for key, _, value in totals(net).items()}
    return {
        "symcnn": __version__,
        "schema": SCHEMA,
        "layout": layout,
        "symbols": [s.name for s in net.symbols],
        "constraints": [plain(c) for c in net.constraints],
        "input_shape": _shape(net.input_shape, layout),
        "output_shape": _shape(net.output_shape, layout),
        "layers": layers,
        "totals": {**{key: exact(v) for key, v in sums.items()},
                   "latex": {key: latex(v) for key, v in sums.items()}},
    }


def dumps(data: Any) -> str:
    """Indented JSON, with lists of plain values (shapes) kept on one line."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _FLAT_LIST.sub(lambda m: json.dumps(json.loads(m.group(0)), ensure_ascii=False),
                          text) + "\n"


_SCALAR = r'(?:"(?:[^"\\]|\\.)*"|-?\d+|null|true|false)'
_FLAT_LIST = re.compile(rf"\[\s*{_SCALAR}(?:\s*,\s*{_SCALAR})*\s*\]")


def to_json(net: Viewed, layout: str = "hwc") -> str:
    return dumps(document(net, layout))


def to_csv(net: Viewed, layout: str = "hwc") -> str:
    """One row per layer, in ``net.layers`` order; the totals are the column sums."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in net.layers:
        shape = "(" + ", ".join(plain(v) for v in arranged(r.output_shape, layout)) + ")"
        writer.writerow([r.index, r.name, r.kind, r.depth, shape, plain(r.formula),
                         exact(r.params), exact(r.non_trainable), exact(r.macs)])
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


def overview_json(nets: Sequence[tuple[str, Viewed]]) -> str:
    return dumps([{"name": name, "input_shape": _shape(net.input_shape, "hwc"),
                   "params": exact(net.params), "macs": exact(net.macs),
                   "latex": {"params": latex(net.params), "macs": latex(net.macs)}}
                  for name, net in nets])


def overview_csv(nets: Sequence[tuple[str, Viewed]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("name", "input_shape", "params", "macs"))
    for name, net in nets:
        shape = "(" + ", ".join(plain(v) for v in net.input_shape) + ")"
        writer.writerow((name, shape, exact(net.params), exact(net.macs)))
    return out.getvalue()
