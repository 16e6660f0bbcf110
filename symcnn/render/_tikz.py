"""A network as a TikZ picture, for papers: the plane of :mod:`._diagram` (the same
layout as the SVG), each layer a node ``(L3)`` with its layer in typewriter type and its
output shape in math, edges at right angles, the long sizes' names in a legend below.

A ``tikzpicture`` needs ``\\usepackage{tikz}``; ``--latex document`` wraps it in a
``standalone`` document that pdflatex compiles as it is. TeX's lengths end at about
5.7 m, which a network of some 400 layers in a column reaches: such a network is
refused, with the advice to draw it as SVG or DOT.
"""

from __future__ import annotations

from .._model import Viewed
from ..errors import SymcnnError
from ._diagram import COLORS, GRAY, LINE, MARGIN, Block, Short, Size, diagram, place

#: TeX points per pixel of the plane: 12 px monospace is \footnotesize\ttfamily.
SCALE = 0.6
#: TeX's largest length is 16383.99 pt; a picture stays well inside it.
MAX_POINTS = 15000

_SPECIAL = {"\\": r"\textbackslash{}", "_": r"\_", "^": r"\^{}", "{": r"\{", "}": r"\}",
            "%": r"\%", "#": r"\#", "&": r"\&", "$": r"\$", "~": r"\~{}"}


def draw(net: Viewed, layout: str = "hwc", latex_kind: str = "table") -> str:
    """The TikZ picture of ``net``'s diagram (``latex_kind`` ``document``: a standalone
    document); shapes in ``layout``."""
    if latex_kind not in ("table", "document"):
        raise SymcnnError(f"--format tikz draws a picture, or a whole document with "
                          f"--latex document; not --latex {latex_kind}")
    plane = place(diagram(net, layout))
    if plane.height * SCALE > MAX_POINTS:
        raise SymcnnError(f"this network is {plane.height * SCALE / 72.27 * 2.54:.0f} cm "
                          "tall as a TikZ picture, past TeX's largest length (about 5.7 m); "
                          "draw it with --format svg or --format dot")
    families = sorted({block.family for block in plane.diagram.blocks.values()})
    out = [f"% symcnn: {len(plane.boxes)} layers; needs \\usepackage{{tikz}}",
           "\\begin{tikzpicture}[x=1pt, y=-1pt, >=latex,",
           "  symcnn layer/.style={draw=symcnnline, rounded corners=2pt, align=center, "
           "inner sep=1pt, font=\\footnotesize},",
           "  symcnn join/.style={symcnn layer, rounded corners=8pt},",
           "  symcnn edge/.style={draw=symcnnline, ->}]",
           f"\\definecolor{{symcnnline}}{{HTML}}{{{LINE[1:]}}}"]
    out += [f"\\definecolor{{symcnn-{family}}}{{HTML}}{{{COLORS.get(family, GRAY)[1:]}}}"
            for family in families]
    for block, box in plane.blocks():
        style = "symcnn join" if block.join else "symcnn layer"
        if block.side_output:
            style += ", dashed"
        out.append(f"\\node[{style}, fill=symcnn-{block.family}, "
                   f"minimum width={_pt(box.width)}pt, minimum height={_pt(box.height)}pt] "
                   f"(L{block.index}) at ({_pt(box.center)}, {_pt(box.y + box.height / 2)}) "
                   f"{{{_label(block)}}};")
    for path in plane.paths:
        points = " -- ".join(f"({_pt(x)}, {_pt(y)})" for x, y in path.points)
        out.append(f"\\draw[symcnn edge{', dashed' if path.target is None else ''}] {points};")
    if plane.diagram.legend:
        from . import latex

        lines = "\\\\[3pt] ".join(f"${_size(short)} = {latex(size)}$"
                             for short, size in plane.diagram.legend)
        out.append(f"\\node[anchor=north west, align=left, font=\\footnotesize] at "
                   f"({_pt(MARGIN)}, {_pt(plane.height - MARGIN // 2)}) {{{lines}}};")
    out.append("\\end{tikzpicture}")
    picture = "\n".join(out) + "\n"
    if latex_kind == "document":
        return ("\\documentclass[tikz, border=4pt]{standalone}\n\\usepackage{amsmath}\n"
                "\\begin{document}\n" + picture + "\\end{document}\n")
    return picture


def _pt(pixels: float) -> str:
    """A length of the plane in TeX points, as short as it is exact to a tenth."""
    return f"{pixels * SCALE:.1f}".removesuffix(".0")


def _label(block: Block) -> str:
    title = "".join(_SPECIAL.get(ch, ch) for ch in block.title)
    shape = " \\times ".join(_size(size) for size in block.shape)
    return f"\\texttt{{{title}}}\\\\${shape}$"


def _size(size: Size) -> str:
    if isinstance(size, Short):
        return f"{size.letter}_{{{size.number}}}"
    from . import latex

    return latex(size) if type(size) is not int else str(size)
