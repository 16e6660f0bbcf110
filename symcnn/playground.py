"""The Python side of the browser playground (``playground/``, ``docs/playground.md``).

The page runs symcnn itself in Pyodide, in a Web Worker, and asks this module two
questions per edit: :func:`answer` takes the program text and the values typed for its
free symbols and returns plain, JSON-able data (rows, totals with their LaTeX, or the
error with its place), and :func:`extras` the slower rest (the copyable exports, the
diagram, the plot's points), which the page only lays out. Keeping that work here lets
plain pytest check what the page shows.

>>> from symcnn import playground
>>> page = playground.answer("I(28,28,1) C(32,5) P(2) C(32,3) P(2) D(256) O(10)")
>>> page["rows"][1]["params"]
'(5·5·1 + 1)·32 = 832'
>>> page["totals"][2]
{'label': 'total params', 'text': '217,706 (217.7 k)', 'latex': None}
>>> playground.answer("I(8,8,1) C(4,9)")["error"]["context"]
'    I(8,8,1) C(4,9)\\n             ^'
"""

from __future__ import annotations

import functools
import itertools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._math import is_integer
from ._solve import valid_at
from ._tree import WORDS
from .errors import ShapeError, SymcnnError, SymcnnWarning
from .kinds import kinds
from .network import Network, parse
from .render import latex
from .render._summary import arranged, grouped, rows, totals
from .render._table import number, params_cell, shape_text, total_lines

__all__ = ["answer", "extras", "language", "PLOT_POINTS"]

#: The most points the plot of params and MACs against a free symbol has.
PLOT_POINTS = 48


def language() -> dict[str, list[str]]:
    """What the page's highlighter marks: the layer kinds' names and aliases (from the
    registry, so a new kind is highlighted without touching the page) and the words."""
    names = [name for kind in kinds() for name in (kind.name, *kind.aliases)]
    return {"kinds": names, "words": sorted(WORDS), "keywords": ["def"]}


def answer(text: str, values: Mapping[str, str] | None = None,
           layout: str = "hwc") -> dict[str, Any]:
    """What the page shows first for ``text`` with ``values`` (``{"n": "28"}``, as
    ``--set`` takes them; empty ones are left out): the table.

    Keys: ``ok``, ``symbols`` (the program's free symbols, one input each),
    ``warnings``, and either ``error`` (``headline``, ``context`` with its caret,
    ``line``, ``column``, and ``in``: ``program`` or ``values``, the text they point
    into, with ``symbol``, the value at fault) or ``rows``, ``totals`` and ``free``. Any
    error symcnn raises is answered as data; none escapes."""
    done = _evaluated(text, _given(values))
    page: dict[str, Any] = {"ok": done.net is not None, "symbols": done.symbols,
                            "warnings": done.warnings}
    if done.net is None:
        return {**page, "error": done.error}
    return {**page, **_table(done.net, layout)}


def extras(text: str, values: Mapping[str, str] | None = None,
           plot_range: Sequence[int] | None = None, layout: str = "hwc") -> dict[str, Any]:
    """What the page shows once the table is there, being slower to compute: the
    ``exports`` (LaTeX, Markdown and JSON, as ``--format`` writes them), the diagram
    (``svg``, where symcnn has ``net.to_svg()``) and the ``plot``; ``plot_range`` is the
    first and last value of the plotted symbol. Empty for a text with an error."""
    net = _evaluated(text, _given(values)).net
    if net is None:
        return {}
    to_svg = getattr(net, "to_svg", None)  # the diagram, where this symcnn has one
    return {"exports": {"latex": net.to_latex(layout=layout),
                        "markdown": net.to_markdown(layout=layout),
                        "json": net.to_json(layout=layout)},
            "svg": to_svg() if callable(to_svg) else None,
            "plot": _plot(net, plot_range)}


def _given(values: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((name, value.strip()) for name, value in (values or {}).items()
                        if value.strip()))


@dataclass(frozen=True)
class _Evaluated:
    net: Network | None
    symbols: list[str]
    warnings: list[str]
    error: dict[str, Any] | None


@functools.lru_cache(maxsize=8)  # answer, then extras, ask for the same network
def _evaluated(text: str, given: tuple[tuple[str, str], ...]) -> _Evaluated:
    symbols: list[str] = []
    net = error = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SymcnnWarning)
        try:
            parsed = parse(text)
            symbols = [s.name for s in parsed.symbols]
            net = _with_values(parsed, dict(given))
        except _BadValue as bad:
            error = {**_error(bad.error), "in": "values", "symbol": bad.name}
        except SymcnnError as failed:
            error = {**_error(failed), "in": "program"}
    shown = [str(w.message) for w in caught if issubclass(w.category, SymcnnWarning)]
    return _Evaluated(net, symbols, shown, error)


class _BadValue(Exception):
    def __init__(self, name: str | None, error: SymcnnError) -> None:
        super().__init__(name)
        self.name, self.error = name, error


def _with_values(net: Network, given: Mapping[str, str]) -> Network:
    """``net.subs`` with the values that name free symbols; an error there names the
    value at fault (its input is marked), or none when only the values together fail
    (they refer to each other in a circle). A network invalid at these values is an
    error in the program, at the layer where a size falls below 1."""
    values = {name: value for name, value in given.items()
              if name in {s.name for s in net.symbols}}
    try:
        return net.subs(values)
    except ShapeError:  # the values are fine, the network is invalid at them
        raise
    except SymcnnError as error:
        for name, value in values.items():
            try:
                net.subs({name: value})
            except SymcnnError as alone:
                raise _BadValue(name, alone) from None
        raise _BadValue(None, error) from None


def _error(error: SymcnnError) -> dict[str, Any]:
    headline = str(error).partition("\n")[0] if error.context else str(error)
    return {"headline": headline, "context": error.context, "line": error.line,
            "column": error.column}


def _maybe_latex(value: Any) -> str | None:
    """LaTeX for a value that is a formula; ``None`` for a number, which the page shows
    as the text tables write it."""
    return None if is_integer(value) else latex(value)


def _shape_latex(shape: Sequence[Any], layout: str) -> str | None:
    if all(is_integer(v) for v in shape):
        return None
    return r"\left(" + ", ".join(latex(v) for v in arranged(shape, layout)) + r"\right)"


def _table(net: Network, layout: str) -> dict[str, Any]:
    table = []
    for row in rows(net, evaluated=True):
        r = row.record
        table.append({
            "label": row.label, "name": r.name, "kind": r.kind, "depth": row.depth,
            "line": r.line,
            "shape": shape_text(r.output_shape, layout),
            "shape_latex": _shape_latex(r.output_shape, layout),
            "params": params_cell(r.formula, r.params),
            "params_latex": None if is_integer(r.params) else latex(r.formula),
            "macs": number(r.macs), "macs_latex": _maybe_latex(r.macs),
        })
    sums = [{"label": label, "text": shown, "latex": _maybe_latex(value)}
            for (label, shown), (_, _, value) in zip(total_lines(net),
                                                      totals(net, evaluated=True).items())]
    return {"free": [s.name for s in net.symbols], "rows": table, "totals": sums}


def _plot(net: Network, plot_range: Sequence[int] | None) -> dict[str, Any] | None:
    """Params and MACs at up to :data:`PLOT_POINTS` valid values of the one free symbol
    (none with more or fewer free symbols), from ``plot_range`` or from the smallest
    valid value to eight times it: exact integers, and as text with thousands separators
    (JavaScript's numbers are exact only to 2^53; the page draws with them and labels
    with the text)."""
    if len(net.symbols) != 1:
        return None
    (x,) = net.symbols
    import sympy

    if plot_range is not None:
        low, high = (int(v) for v in plot_range)
        if not 1 <= low < high:
            return {"symbol": x.name, "error": f"the plot's range of {x.name} is two whole "
                    f"numbers, the first at least 1 and below the second, not {low} to {high}"}
    try:
        plotted = _plotted(net, x.name, None if plot_range is None else (low, high))
    except SymcnnError as error:  # a condition symcnn cannot compute exactly
        return {"symbol": x.name, "error": str(error)}
    if plotted is None:
        return None
    low, high, values = plotted
    params, macs = net.totals.trainable, net.totals.macs
    points = []
    for v in values:
        at = {x: sympy.Integer(v)}
        p, m = int(params.xreplace(at)), int(macs.xreplace(at))
        points.append({"x": v, "params": p, "macs": m,
                       "params_text": grouped(p), "macs_text": grouped(m)})
    return {"symbol": x.name, "low": low, "high": high, "points": points,
            "params_latex": latex(params), "macs_latex": latex(macs)}


def _plotted(net: Network, name: str,
             plot_range: tuple[int, int] | None) -> tuple[int, int, list[int]] | None:
    """The range plotted and the valid values of ``name`` in it that are: all of them, or
    where there are more than :data:`PLOT_POINTS`, evenly spread ones, a whole number of
    periods of ``net.valid_sizes`` apart. Without a ``plot_range``, from the smallest
    valid value to eight times it (``None`` if there is none). Where ``valid_sizes``
    cannot describe every valid value (a symbol that must divide, as groups do), those of
    ``1 … PLOT_POINTS`` or of values evenly spread over the range that are valid."""
    try:
        sizes = net.valid_sizes(name)
    except SymcnnError:
        low, high = plot_range or (1, PLOT_POINTS)
        tried = _spread(low, high, 1)
        values = [v for v, ok in zip(tried, valid_at(net, name, tried)) if ok]
        return (low, high, values) if values or plot_range else None
    if plot_range is not None:
        low, high = plot_range
    elif sizes.smallest is None:
        return None
    else:
        low = sizes.smallest
        high = max(8 * low, low + PLOT_POINTS - 1)
    values = list(itertools.islice(sizes.between(low, high), PLOT_POINTS + 1))
    if len(values) > PLOT_POINTS:  # from the periodic part, where every period is alike
        start = next((v for v in values if sizes.least is not None and v >= sizes.least),
                     values[0])
        values = [v for v in _spread(start, high, sizes.modulus) if v in sizes]
    return low, high, values


def _spread(low: int, high: int, unit: int) -> range:
    """At most :data:`PLOT_POINTS` values from ``low`` to ``high``, ``unit`` apart or a
    multiple of it."""
    step = unit * max(1, -(-(high - low) // (unit * (PLOT_POINTS - 1))))
    return range(low, high + 1, step)
