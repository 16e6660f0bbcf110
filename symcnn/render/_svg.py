"""A network as a self-contained SVG picture, drawn by symcnn itself (no Graphviz): the
plane of :mod:`._diagram` written out in plain Python, so that it runs anywhere
symcnn does, a browser's Pyodide included.

Each layer record is one ``<g class="layer" data-index="3" ...>`` holding its box, its
two lines of text and a ``<title>`` (a browser's tooltip) with the layer's name, its
full output shape, parameters and MACs; edges are ``<path class="edge">``. Styles are
attributes, not a ``<style>`` sheet, so that an SVG put inline in a page changes nothing
else on it.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .._model import Viewed
from ._diagram import FONT, LINE, LINE_HEIGHT, MARGIN, Block, Box, diagram, place, text_width
from ._summary import arranged
from ._text import text

ARROW = "symcnn-arrow"
FONTS = "DejaVu Sans Mono, Menlo, Consolas, monospace"


def draw(net: Viewed, layout: str = "hwc", latex_kind: str = "table") -> str:
    """The SVG of ``net``'s diagram; shapes in ``layout``."""
    plane = place(diagram(net, layout))
    legend = [f"{short} = {text(size)}" for short, size in plane.diagram.legend]
    width = max(plane.width, text_width(max(map(len, legend), default=0)) + 2 * MARGIN)
    height = plane.height + (len(legend) * LINE_HEIGHT + MARGIN if legend else 0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="{FONTS}" font-size="{FONT}">',
           f"<title>{escape(_title(net))}</title>",
           f'<defs><marker id="{ARROW}" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" '
           f'markerHeight="7" orient="auto"><path d="M0,0L8,4L0,8z" fill="{LINE}"/></marker>'
           "</defs>",
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<g class="edges" fill="none" stroke="{LINE}" stroke-width="1.2">']
    for path in plane.paths:
        d = "M" + "L".join(f"{x},{y}" for x, y in path.points)
        target = "" if path.target is None else f' data-target="{path.target}"'
        dash = ' stroke-dasharray="4,3"' if path.target is None else ""
        out.append(f'<path class="edge" data-source="{path.source}"{target} d="{d}"{dash} '
                   f'marker-end="url(#{ARROW})"/>')
    out.append("</g>")
    for block, box in plane.blocks():
        out.append(_block(block, box, layout))
    if legend:
        out.append('<g class="legend" fill="#333333">')
        y = plane.height
        for line in legend:
            y += LINE_HEIGHT
            out.append(f'<text x="{MARGIN}" y="{y - 4}">{escape(line)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _title(net: Viewed) -> str:
    layers = net.evaluated.layers  # as evaluated: a numeric network needs no sympy here
    return f"symcnn: {len(layers)} layers, input ({', '.join(map(text, layers[0].output_shape))})"


def _block(block: Block, box: Box, layout: str) -> str:
    record = block.record
    shape = ", ".join(text(size) for size in arranged(record.output_shape, layout))
    tooltip = (f"{record.name}: {block.title} → ({shape}); params {_number(record.params)}, "
               f"MACs {_number(record.macs)}")
    radius = box.height // 2 if block.join else 4
    dashed = ' stroke-dasharray="4,2"' if block.side_output else ""
    middle = box.center
    return (f'<g class="layer" data-index="{record.index}" data-name={quoteattr(record.name)} '
            f'data-kind={quoteattr(record.kind)} data-family={quoteattr(block.family)}>'
            f"<title>{escape(tooltip)}</title>"
            f'<rect x="{box.x}" y="{box.y}" width="{box.width}" height="{box.height}" '
            f'rx="{radius}" fill="{block.color}" stroke="{LINE}"{dashed}/>'
            f'<text x="{middle}" y="{box.y + 15}" text-anchor="middle" font-weight="bold">'
            f"{escape(block.title)}</text>"
            f'<text x="{middle}" y="{box.y + 30}" text-anchor="middle" fill="#333333">'
            f"{escape(block.shape_text)}</text></g>")


def _number(value: object) -> str:
    return f"{value:,}" if type(value) is int else text(value)

