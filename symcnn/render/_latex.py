r"""LaTeX for papers and notes: a booktabs table, an ``align*`` derivation, and a
standalone document with both, which ``pdflatex`` compiles with Debian's
texlive-latex-base and texlive-latex-recommended (amsmath, booktabs, longtable).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sympy import Expr

from ..errors import SymcnnError
from ._printers import latex
from .._math import is_integer
from ._summary import Row, arranged, grouped, overview_items, rows, totals

if TYPE_CHECKING:
    from .._memory import Memory
    from .._model import Viewed

KINDS = ("table", "align", "document")
MANY_TERMS = 6  # a total with more terms than this is not written out as a sum

_SPECIAL = re.compile(r"([&%$#_{}])")


def escape(text: str) -> str:
    """Text for a LaTeX text cell: special characters escaped, non-ASCII dropped (so
    that any pdflatex compiles it)."""
    text = text.replace("\\", r"\textbackslash{}")
    text = _SPECIAL.sub(r"\\\1", text)
    return text.replace("~", r"\textasciitilde{}").replace("^", r"\textasciicircum{}") \
        .encode("ascii", "replace").decode("ascii")


def number(value: Expr) -> str:
    """``217{,}706`` for an integer (the braces keep TeX's spacing right), else math."""
    return grouped(int(value), "{,}") if is_integer(value) else latex(value)


def shape(values: Sequence[Expr], layout: str) -> str:
    """``24 \times 24 \times 32``; a size that is a sum goes in parentheses."""
    sizes = [latex(v) for v in arranged(values, layout)]
    if len(sizes) > 1:
        sizes = [rf"\left({s}\right)" if v.is_Add else s
                 for s, v in zip(sizes, arranged(values, layout))]
    return r" \times ".join(sizes)


def _written(row: Row) -> str:
    """The formula column: empty when the formula is just its value."""
    r = row.record
    formula = latex(r.formula)
    return "" if formula in (latex(r.params), str(r.params)) else f"${formula}$"


def _table_lines(net: Viewed, layout: str, memory: Memory | None = None) -> list[str]:
    lines = [r"\toprule",
             r"Layer & Output shape & Formula & Parameters \\",
             r"\midrule"]
    for row in rows(net):
        r = row.record
        name = r"\quad " * row.depth + escape(row.label)
        lines.append(f"{name} & ${shape(r.output_shape, layout)}$ & {_written(row)} & "
                     f"${number(r.params)}$ \\\\")
    lines.append(r"\midrule")
    shown = [(key, label, value) for key, label, value in totals(net).items()
             if key not in ("flops", "float32_bytes")] + (memory.items() if memory else [])
    for key, label, value in shown:
        label = label[0].upper() + label[1:] + (", bytes" if key.endswith("_bytes") else "")
        lines.append(rf"\multicolumn{{3}}{{l}}{{{escape(label)}}} & ${number(value)}$ \\")
    lines.append(r"\bottomrule")
    return lines


def table(net: Viewed, layout: str = "hwc", memory: Memory | None = None) -> str:
    """A booktabs ``tabular``: layer, output shape, formula, value; then the totals."""
    return "\n".join([r"\begin{tabular}{lllr}", *_table_lines(net, layout, memory),
                      r"\end{tabular}"]) + "\n"


def derivation(net: Viewed) -> list[str]:
    """``align`` lines: each layer with parameters, its formula = its value, then the
    total."""
    lines = []
    values = []
    for row in rows(net):
        r = row.record
        if r.params == 0:
            continue
        written = _written(row).strip("$")
        right = f"{written} = {number(r.params)}" if written else number(r.params)
        lines.append(rf"\text{{{escape(r.name)}}} &= {right}")
        values.append(r.params)
    total = net.params
    if 1 < len(values) <= MANY_TERMS and all(is_integer(v) for v in values):
        right = " + ".join(number(v) for v in values) + f" = {number(total)}"
    else:
        right = number(total)
    lines.append(rf"\text{{total}} &= {right}")
    return lines


def align(net: Viewed) -> str:
    body = " \\\\\n".join(derivation(net))
    return f"\\begin{{align*}}\n{body}\n\\end{{align*}}\n"


def standalone(net: Viewed, layout: str = "hwc", memory: Memory | None = None) -> str:
    """A whole document: the program, the table and the derivation."""
    source = "\n".join(escape_verbatim(line) for line in net.source.strip().splitlines())
    return "\n".join([
        r"\documentclass{article}",
        r"\usepackage{amsmath}",
        r"\usepackage{booktabs}",
        r"\usepackage{longtable}",
        r"\allowdisplaybreaks",
        r"\begin{document}",
        r"\section*{Network}",
        r"\begin{verbatim}",
        source,
        r"\end{verbatim}",
        r"\section*{Layers}",
        r"\begin{longtable}{lllr}",
        *_table_lines(net, layout, memory),
        r"\end{longtable}",
        r"\section*{Parameters}",
        align(net).rstrip("\n"),
        r"\end{document}",
    ]) + "\n"


def escape_verbatim(line: str) -> str:
    r"""A source line safe inside ``verbatim``: ASCII only, and no ``\end{verbatim}``."""
    line = line.encode("ascii", "replace").decode("ascii")
    return line.replace(r"\end{verbatim}", r"\end {verbatim}")


def math(net: Viewed) -> str:
    """The derivation as display math for MathJax (Jupyter's ``_repr_latex_``)."""
    body = " \\\\\n".join(derivation(net))
    return f"$$\\begin{{aligned}}\n{body}\n\\end{{aligned}}$$"


def to_latex(net: Viewed, kind: str = "table", layout: str = "hwc",
             memory: Memory | None = None) -> str:
    if kind == "table":
        return table(net, layout, memory)
    if kind == "align":
        return align(net)
    if kind == "document":
        return standalone(net, layout, memory)
    raise SymcnnError(f"the LaTeX kind is one of {', '.join(KINDS)}, not {kind!r}")


def overview(nets: Sequence[tuple[str, Viewed]], detail: bool = False) -> str:
    """A booktabs ``tabular`` of several networks: name, input, parameters, MACs (and,
    with ``detail``, weights in bytes, activations and receptive field)."""
    header = ["Network", "Input", "Parameters", "MACs"]
    if detail:
        header += ["Weights, bytes", "Activations", "Receptive field"]
    lines = [rf"\begin{{tabular}}{{ll{'r' * (len(header) - 2)}}}", r"\toprule",
             " & ".join(header) + r" \\", r"\midrule"]
    for name, net in nets:
        cells = [escape(name), f"${shape(net.input_shape, 'hwc')}$"]
        for key, _, value in overview_items(net, detail):
            if key == "receptive_field":
                cells.append("---" if value is None else
                             "$" + r" \times ".join(number(v) for v in value) + "$")
            else:
                cells.append(f"${number(value)}$")
        lines.append(" & ".join(cells) + r" \\")
    return "\n".join([*lines, r"\bottomrule", r"\end{tabular}"]) + "\n"


def formulas(pairs: list[tuple[str, str, Expr]]) -> str:
    """``align*`` lines ``label &= formula``, for ``symcnn --formula --format latex``."""
    body = " \\\\\n".join(rf"\text{{{escape(label)}}} &= {latex(value)}"
                          for _, label, value in pairs)
    return f"\\begin{{align*}}\n{body}\n\\end{{align*}}\n"
