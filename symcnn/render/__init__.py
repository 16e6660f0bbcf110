"""Networks and formulas as text: a table for the terminal, Markdown, LaTeX, JSON and
CSV; and networks as pictures: Graphviz DOT, SVG and TikZ.

Layer records and totals hold sympy values (principle 4 of the project's style: the
computing is elsewhere); this package only prints them. ``_printers`` writes one
formula (text, plain or LaTeX), ``_summary`` decides what a table shows, and one module
per family of formats lays it out. ``_diagram`` lays out the pictures, which ``_dot``,
``_svg`` and ``_tikz`` write; ``_plot`` plots totals against a free symbol.

>>> import symcnn
>>> from symcnn import render
>>> net = symcnn.parse("I(n, n, c) C(f, k, s=s, p=p)")
>>> render.text(net.output_shape[0])
'⌊(n + 2p − k)/s⌋ + 1'
>>> render.plain(net.output_shape[0])
'floor((n + 2*p - k)/s) + 1'
>>> render.latex(net.layers[1].formula)
'\\\\left(k^{2} \\\\cdot c + 1\\\\right) \\\\cdot f'
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import SymcnnError
from . import _table
from ._summary import check_layout
from ._text import latex, plain, text

if TYPE_CHECKING:
    from sympy import Expr

    from .._memory import Memory
    from .._model import Viewed

__all__ = ["FORMATS", "latex", "plain", "render", "render_formulas", "text"]

# The totals --formula prints, with their labels.
FORMULAS = (("params", "trainable params"), ("non_trainable", "non-trainable params"),
            ("macs", "MACs"))


@contextlib.contextmanager
def _long_integers() -> Iterator[None]:
    """Lets Python print integers of any length while rendering: the evaluator already
    bounds their size (``MAX_BITS``), and Python's default stops at 4,300 digits."""
    limit = getattr(sys, "get_int_max_str_digits", None)
    if limit is None:
        yield
        return
    before = limit()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(before)


class _Format:
    """One output format: how it writes a network's table, the closed forms of its
    totals, and several networks side by side. The formats other than text and
    Markdown import their modules (and sympy's printers) when first used."""

    def table(self, net: Viewed, layout: str, width: int | None, latex_kind: str,
              memory: Memory | None = None, percents: bool = False) -> str:
        """``memory`` (``--batch``) adds the memory to the totals; ``percents``
        (``--percent``, text and Markdown only) each layer's shares."""
        raise NotImplementedError

    def formulas(self, values: list[tuple[str, str, Expr]], width: int | None) -> str:
        raise NotImplementedError

    def overview(self, nets: Sequence[tuple[str, Viewed]], width: int | None,
                 detail: bool = False) -> str:
        """``detail`` (``symcnn compare``) adds weights, activations and receptive
        field."""
        raise NotImplementedError


class _Text(_Format):
    def table(self, net: Viewed, layout: str, width: int | None, latex_kind: str,
              memory: Memory | None = None, percents: bool = False) -> str:
        return _table.table(net, layout, width, memory, percents)

    def formulas(self, values: list[tuple[str, str, Expr]], width: int | None) -> str:
        return _table.formula_text([(label, value) for _, label, value in values], width)

    def overview(self, nets: Sequence[tuple[str, Viewed]], width: int | None,
                 detail: bool = False) -> str:
        return _table.overview(nets, width, detail)


class _Markdown(_Format):
    def table(self, net: Viewed, layout: str, width: int | None, latex_kind: str,
              memory: Memory | None = None, percents: bool = False) -> str:
        return _table.markdown(net, layout, memory, percents)

    def formulas(self, values: list[tuple[str, str, Expr]], width: int | None) -> str:
        return "".join(f"- {label}: `{text(value)}`\n" for _, label, value in values)

    def overview(self, nets: Sequence[tuple[str, Viewed]], width: int | None,
                 detail: bool = False) -> str:
        return _table.overview_markdown(nets, detail)


class _LaTeX(_Format):
    def table(self, net: Viewed, layout: str, width: int | None, latex_kind: str,
              memory: Memory | None = None, percents: bool = False) -> str:
        from . import _latex

        return _latex.to_latex(net, latex_kind, layout, memory)

    def formulas(self, values: list[tuple[str, str, Expr]], width: int | None) -> str:
        from . import _latex

        return _latex.formulas(values)

    def overview(self, nets: Sequence[tuple[str, Viewed]], width: int | None,
                 detail: bool = False) -> str:
        from . import _latex

        return _latex.overview(nets, detail)


class _JSON(_Format):
    def table(self, net: Viewed, layout: str, width: int | None, latex_kind: str,
              memory: Memory | None = None, percents: bool = False) -> str:
        from . import _data

        return _data.to_json(net, layout, memory)

    def formulas(self, values: list[tuple[str, str, Expr]], width: int | None) -> str:
        from . import _data

        return _data.formulas_json([(key, value) for key, _, value in values])

    def overview(self, nets: Sequence[tuple[str, Viewed]], width: int | None,
                 detail: bool = False) -> str:
        from . import _data

        return _data.overview_json(nets, detail)


class _CSV(_Format):
    def table(self, net: Viewed, layout: str, width: int | None, latex_kind: str,
              memory: Memory | None = None, percents: bool = False) -> str:
        from . import _data

        return _data.to_csv(net, layout, memory)

    def formulas(self, values: list[tuple[str, str, Expr]], width: int | None) -> str:
        from . import _data

        return _data.formulas_csv([(key, value) for key, _, value in values])

    def overview(self, nets: Sequence[tuple[str, Viewed]], width: int | None,
                 detail: bool = False) -> str:
        from . import _data

        return _data.overview_csv(nets, detail)


class _Diagram(_Format):
    """A picture of one network (``_dot``, ``_svg``, ``_tikz``, laid out by
    ``_diagram``); a picture has no closed forms or overviews."""

    def __init__(self, name: str) -> None:
        self.name = name

    def table(self, net: Viewed, layout: str, width: int | None, latex_kind: str,
              memory: Memory | None = None, percents: bool = False) -> str:
        if memory is not None or percents:
            raise SymcnnError(f"--format {self.name} draws a network; the memory and the "
                              "percentages print as text or markdown (memory: also latex, "
                              "json or csv)")
        from . import _dot, _svg, _tikz

        draw = {"dot": _dot.draw, "svg": _svg.draw, "tikz": _tikz.draw}[self.name]
        return draw(net, layout, latex_kind)

    def formulas(self, values: list[tuple[str, str, Expr]], width: int | None) -> str:
        raise SymcnnError(f"--format {self.name} draws a network; its closed forms print "
                          "as text, markdown, latex, json or csv")

    def overview(self, nets: Sequence[tuple[str, Viewed]], width: int | None,
                 detail: bool = False) -> str:
        raise SymcnnError(f"--format {self.name} draws one network; several print as "
                          "text, markdown, latex, json or csv")


_FORMATS: dict[str, _Format] = {"text": _Text(), "markdown": _Markdown(), "latex": _LaTeX(),
                                "json": _JSON(), "csv": _CSV(), "dot": _Diagram("dot"),
                                "svg": _Diagram("svg"), "tikz": _Diagram("tikz")}
FORMATS = tuple(_FORMATS)


def _format(fmt: str) -> _Format:
    if fmt not in _FORMATS:
        raise SymcnnError(f"the format is one of {', '.join(FORMATS)}, not {fmt!r}")
    return _FORMATS[fmt]


def render(net: Viewed, fmt: str = "text", *, layout: str = "hwc",
           width: int | None = None, latex_kind: str = "table",
           memory: Memory | None = None, percents: bool = False) -> str:
    """The per-layer table and totals of ``net`` in a format of :data:`FORMATS`.

    ``layout`` shows image shapes as ``hwc`` (channels last, as computed) or ``chw``;
    ``width`` fits the text table to that many columns; ``latex_kind`` is ``table``,
    ``align`` or ``document`` (with ``tikz``, ``document`` is a standalone document).
    ``dot``, ``svg`` and ``tikz`` draw the network instead of tabulating it.
    ``memory`` (``net.memory(...)``) adds the memory to the totals (and each layer's
    activations to JSON and CSV); ``percents`` adds each layer's share of the
    parameters and of the MACs (text and Markdown).
    """
    form = _format(fmt)
    check_layout(layout)
    extra: dict[str, Any] = {} if memory is None else {"memory": memory}
    if percents:
        if fmt not in ("text", "markdown"):
            raise SymcnnError(f"the percentages are shown in text or markdown, not {fmt}")
        extra["percents"] = True
    with _long_integers():
        return form.table(net, layout, width, latex_kind, **extra)


def render_formulas(net: Viewed, fmt: str = "text", *, width: int | None = None,
                    **options: Any) -> str:
    """The closed forms of the totals (``symcnn --formula``); ``options`` are those of
    :meth:`symcnn.Network.formula`."""
    form = _format(fmt)
    with _long_integers():
        return form.formulas([(key, label, net.formula(key, **options))
                              for key, label in FORMULAS], width)


def overview(nets: Sequence[tuple[str, Viewed]], fmt: str = "text", *,
             width: int | None = None, detail: bool = False) -> str:
    """Several networks, one row each: name, input shape, parameters and MACs
    (``symcnn zoo``); with ``detail`` (``symcnn compare``) also the weights' bytes in
    float32, the activations per sample and the last receptive field."""
    form = _format(fmt)
    extra = {"detail": True} if detail else {}
    with _long_integers():
        return form.overview(nets, width, **extra)


def render_receptive(net: Any, fmt: str = "text", *, width: int | None = None) -> str:
    """Each layer's receptive field (``symcnn --rf``): a text or Markdown table of its
    size, effective stride and effective padding, "—" where a layer has none."""
    if fmt not in ("text", "markdown"):
        raise SymcnnError(f"--rf prints text or markdown, not {fmt}")
    with _long_integers():
        return _table.receptive(net, fmt == "markdown", width)


def latex_math(net: Viewed) -> str:
    """The derivation as display math, for Jupyter's ``_repr_latex_``."""
    from . import _latex

    with _long_integers():
        return _latex.math(net)
