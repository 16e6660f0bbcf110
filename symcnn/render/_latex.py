r"""LaTeX for papers and notes: a booktabs table, an ``align*`` derivation, and a
standalone document with both, which ``pdflatex`` compiles with Debian's
texlive-latex-base and texlive-latex-recommended (amsmath, booktabs, longtable).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sympy import Expr

from ..errors import SymcnnError
from ._printers import latex, latex_terms
from ._text import text
from .._math import is_integer, to_sympy
from ._summary import Row, arranged, grouped, overview_items, rows, totals
from ._table import shape_text

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


HEADER = ("Layer", "Output shape", "Parameters", "MACs")
_ALIGN = (r"\raggedright", r"\raggedright", r"\raggedleft")
# An article's \textwidth at 10pt, and its \textheight, the width of a landscape page
# (pdflscape), in points; an upper estimate of the width of a character of a formula
# as text() prints it, set as LaTeX math at 10pt; and of a character of a name.
ARTICLE_WIDTH, LANDSCAPE_WIDTH = 345, 540
_MATH_POINTS, _NAME_POINTS = 4.6, 5
_SIZES = (("", 10), (r"\small", 9), (r"\footnotesize", 8), (r"\scriptsize", 7))
ROOM = 40  # characters of an align* line on an article page, beside the names
WHERE_ROOM = 64  # beside a short name
_LONG_SIZE = 10  # characters of a size worth a short name when the table is too wide


@dataclass(frozen=True)
class _Fit:
    r"""How a network's table fits an article page: ``short`` names long sizes
    (``\sigma_{1}`` for ``⌊(n − 1)/2⌋ + 1``, defined under the table); ``shares`` divide
    the room beside the layer names among the shape, parameters and MACs columns (as
    tabularx's ``\hsize`` factors, which add up to 3); then the font size, whether the
    table needs a landscape page (a document's only), and the widest name."""
    short: dict[Expr, Expr]
    shares: tuple[str, ...]
    size: str
    landscape: bool
    name: str

    def shown(self, value: Expr) -> Expr:
        return value.xreplace(self.short) if self.short and isinstance(value, Expr) \
            else value


def _letter(taken: set[str]) -> str:
    """The Greek letter of short names: one no symbol's name starts with."""
    return next((name for name in ("sigma", "zeta", "xi", "chi", "psi", "omega")
                 if not any(t.startswith(name) for t in taken)), "varsigma")


def _short_names(nets: Sequence[Viewed], layout: str) -> dict[Expr, Expr]:
    """A short name for each long spatial size of the networks, in order of
    appearance: σ₁, σ₂, ... (another letter if a network has a symbol named so)."""
    import sympy

    letter = _letter({s.name for net in nets for s in net.symbols})
    short: dict[Expr, Expr] = {}
    for net in nets:
        for row in rows(net):
            for size in arranged(row.record.output_shape, layout):
                if not (size.is_Atom or size in short) and len(text(size)) > _LONG_SIZE:
                    short[size] = sympy.Symbol(f"{letter}{len(short) + 1}")
    return short


def _piece(value: Expr) -> int:
    """The width, in characters, of the widest piece of ``value`` that TeX cannot break:
    a whole number with its separators, or a term of a sum."""
    if is_integer(value):
        return len(grouped(int(value)))
    terms = latex_terms(value)
    return max(size for _, _, size, _ in terms) + 2 * (len(terms) > 1)  # and its " +"


def _shares(widest: Sequence[int]) -> tuple[str, ...]:
    """tabularx's ``\\hsize`` factors of columns in proportion to their widest pieces:
    they add up to the number of columns (or a little less: never wider)."""
    total = sum(widest)
    hundredths = [100 * len(widest) * w // total for w in widest]
    return tuple(f"{h // 100}.{h % 100:02d}" for h in hundredths)


def _parameters(row: Row, fit: _Fit | None = None) -> str:
    r"""The parameters as written, then their value where it is a number that reads
    differently: ``(5 \cdot 5 \cdot 1 + 1) \cdot 32 = 832``; a symbolic count is its
    formula alone."""
    r = row.record
    if not is_integer(r.params):
        return latex(fit.shown(r.formula) if fit else r.formula)
    formula, value = latex(r.formula), number(r.params)
    return value if formula in (latex(r.params), str(int(r.params))) else f"{formula} = {value}"


def _pieces(row: Row, layout: str, fit: _Fit) -> tuple[int, int, int]:
    """The widths, in characters, of the widest piece TeX cannot break in the shape, the
    parameters and the MACs of a row: one size, the formula or the value, one term."""
    r = row.record
    shape_piece = max((len(text(fit.shown(v))) + 2 for v in arranged(r.output_shape, layout)),
                      default=1)
    params_piece = len(text(fit.shown(r.formula)))
    if is_integer(r.params):
        params_piece = max(params_piece, len(grouped(int(r.params))))
    macs_piece = _piece(fit.shown(r.macs))
    return shape_piece, params_piece, macs_piece


def _fit(net: Viewed, layout: str, landscape_allowed: bool) -> _Fit:
    r"""The largest font in which the widest name and the widest unbreakable pieces of
    the columns fit an article page, each column having room in proportion to its piece
    (at least 8 characters); long sizes get short names where the table would need a
    font smaller than ``\footnotesize``; a landscape page (where allowed) only where even
    then the smallest font does not fit an upright one."""
    ways = [(False, False, _SIZES[:2]), (True, False, _SIZES), (True, True, _SIZES)]
    names: dict[Expr, Expr] = {}
    for named, landscape, sizes in ways[:2 + landscape_allowed]:
        if named and not names:
            names = _short_names([net], layout)
        fit = _Fit(names, ("1", "1", "1"), "", landscape, "")
        widest, name = [8, 8, 8], (0, "")
        for row in rows(net):
            widest = [max(w, piece) for w, piece in zip(widest, _pieces(row, layout, fit))]
            name = max(name, (2 * row.depth + len(row.label),
                              r"\quad " * row.depth + escape(row.label)))
        shares = _shares(widest)
        scaled = _NAME_POINTS * name[0] + _MATH_POINTS * sum(widest)
        for size, points in sizes:
            if scaled * points / 10 + 6 * 6 + 10 <= (LANDSCAPE_WIDTH if landscape
                                                     else ARTICLE_WIDTH):
                return _Fit(names, shares, size, landscape, name[1])
    return _Fit(names, shares, _SIZES[-1][0], landscape_allowed, name[1])


def _wrapping(width: str, shares: tuple[str, ...]) -> str:
    """The column types of the three columns beside the names: ``X`` (tabularx) or a
    length, times each share."""
    return "".join(rf">{{\hsize={share}\hsize{align}\arraybackslash}}{width}" if width == "X"
                   else rf">{{{align}\arraybackslash}}p{{{share}{width}}}"
                   for share, align in zip(shares, _ALIGN))


_HEAD = [r"\toprule", " & ".join(HEADER) + r" \\", r"\midrule"]


def _layer_rows(net: Viewed, layout: str, fit: _Fit) -> list[str]:
    lines = []
    for row in rows(net):
        r = row.record
        name = r"\quad " * row.depth + escape(row.label)
        sizes = tuple(fit.shown(v) for v in r.output_shape)
        lines.append(f"{name} & ${shape(sizes, layout)}$ & ${_parameters(row, fit)}$ & "
                     f"${number(fit.shown(r.macs))}$ \\\\")
    return lines


def _totals_table(net: Viewed, memory: Memory | None, fit: _Fit) -> list[str]:
    """The totals as a second table as wide as the line, under the layers': a long
    symbolic total wraps between its terms."""
    shown = [(key, label, value) for key, label, value in totals(net).items()
             if key not in ("flops", "float32_bytes")] + (memory.items() if memory else [])
    lines = [r"\noindent",
             r"\begin{tabularx}{\linewidth}{@{}l>{\raggedright\arraybackslash}X@{}}",
             r"\midrule"]
    for key, label, value in shown:
        label = label[0].upper() + label[1:] + (", bytes" if key.endswith("_bytes") else "")
        lines.append(rf"{escape(label)} & ${number(_distributed(fit.shown(value)))}$ \\")
    return [*lines, r"\bottomrule", r"\end{tabularx}"]


def _distributed(value: Expr) -> Expr:
    """A product with a sum in it, ``2b·(t₁ + t₂)``, as a sum, ``2b·t₁ + 2b·t₂``, which
    can break between its terms (the insides of floors are left as they are)."""
    if getattr(value, "is_Add", False):
        return value.func(*(_distributed(term) for term in value.args))
    if getattr(value, "is_Mul", False) and any(f.is_Add for f in value.args):
        return value.expand(deep=False)
    return value


def _where(fit: _Fit) -> list[str]:
    """The short names' definitions, as ``align*`` lines."""
    return [rf"{latex(name)} &= {_broken(size, WHERE_ROOM)}"
            for size, name in fit.short.items()]


def _defined(fit: _Fit) -> list[str]:
    """The short names' definitions under the table, if any."""
    if not fit.short:
        return []
    return ["", r"\noindent where", r"\begin{align*}", " \\\\\n".join(_where(fit)),
            r"\end{align*}"]


def table(net: Viewed, layout: str = "hwc", memory: Memory | None = None) -> str:
    r"""Two ``tabularx`` as wide as the line (packages booktabs, array and tabularx): the
    layers, with their output shape, parameters (as written = value) and MACs, whose
    long formulas wrap; then the totals. Where an article page needs it, a smaller font
    and short names for long sizes (``\sigma_{1}``), defined under the table."""
    fit = _fit(net, layout, landscape_allowed=False)
    body = [r"\noindent",
            rf"\begin{{tabularx}}{{\linewidth}}{{@{{}}l{_wrapping('X', fit.shares)}@{{}}}}",
            *_HEAD, *_layer_rows(net, layout, fit), r"\end{tabularx}", "",
            *_totals_table(net, memory, fit), *_defined(fit)]
    if fit.size:
        body = [r"\begingroup" + fit.size, *body, r"\endgroup"]
    return "\n".join(body) + "\n"


def _tokens(expr: Expr, room: int) -> list[tuple[str, int, bool]]:
    """``expr`` as pieces of LaTeX, each with its width and whether a line may break
    before it: a sum's terms, and inside a term too wide for a line that is a product
    with a sum, that sum's terms between ``\bigl(`` and ``\bigr)``."""
    import sympy

    tokens: list[tuple[str, int, bool]] = []
    for i, (sign, term, size, value) in enumerate(latex_terms(expr)):
        shown = "-" if sign == "-" and i == 0 else f"{sign} " if i else ""
        sums = [f for f in value.args if f.is_Add] if value.is_Mul else []
        if size > room and len(sums) == 1:
            rest = sympy.Mul(*(f for f in value.args if f is not sums[0]))
            head = "" if rest == 1 else latex(rest) + " "
            inner = _tokens(sums[0], room)
            tokens.append((rf"{shown}{head}\bigl({inner[0][0]}", len(text(rest)) + 2 +
                           inner[0][1], i > 0))
            tokens += inner[1:]
            tokens[-1] = (tokens[-1][0] + r"\bigr)", tokens[-1][1] + 1, tokens[-1][2])
        else:
            tokens.append((shown + term, size + 2 * (i > 0), i > 0))
    return tokens


def _broken(expr: Expr, room: int) -> str:
    r"""``expr`` in LaTeX for an ``align*`` line, broken between the terms of a sum onto
    further lines (``\\ &\quad + …``) where it would be wider than ``room``
    characters."""
    lines: list[str] = []
    width = 0
    for piece, size, breakable in _tokens(expr, room):
        if lines and breakable and width + size + 1 > room:
            lines.append(rf"\quad {piece}")
            width = size + 4
        elif lines:
            lines[-1] += f" {piece}"
            width += size + 1
        else:
            lines.append(piece)
            width = size
    return " \\\\\n&".join(lines)


_ROOM_LENGTH = r"\symcnnroom"  # the document's width of one share of the room


def derivation(net: Viewed, fit: _Fit | None = None) -> list[str]:
    """``align`` lines: each layer with parameters, its formula = its value, then the
    total; a long sum continues on further lines. Without a ``fit`` long sizes get
    short names where a formula has a term too long for a line, defined first."""
    if fit is None:
        fit = _Fit({}, (), "", False, "")
        if any(size > ROOM for row in rows(net) if not is_integer(row.record.params)
               for _, _, size, _ in latex_terms(row.record.formula)):
            fit = _Fit(_short_names([net], "hwc"), (), "", False, "")
        lines = _where(fit)
    else:
        lines = []
    values = []
    for row in rows(net):
        r = row.record
        if r.params == 0:
            continue
        right = _parameters(row) if is_integer(r.params) else \
            _broken(fit.shown(r.formula), ROOM)
        lines.append(rf"\text{{{escape(r.name)}}} &= {right}")
        values.append(r.params)
    total = net.params
    if 1 < len(values) <= MANY_TERMS and all(is_integer(v) for v in values):
        right = " + ".join(number(v) for v in values) + f" = {number(total)}"
    else:
        right = number(total) if is_integer(total) else _broken(fit.shown(total), ROOM)
    lines.append(rf"\text{{total}} &= {right}")
    return lines


def align(net: Viewed, fit: _Fit | None = None) -> str:
    body = " \\\\\n".join(derivation(net, fit))
    return f"\\begin{{align*}}\n{body}\n\\end{{align*}}\n"


def standalone(net: Viewed, layout: str = "hwc", memory: Memory | None = None) -> str:
    """A whole document for an article page: the program (long lines wrapped), the
    layers as a ``longtable`` that breaks across pages, the totals, and the derivation;
    a smaller font, short names for long sizes, or landscape pages only where the table
    needs them."""
    source = "\n".join(escape_verbatim(line) for line in net.source.strip().splitlines())
    fit = _fit(net, layout, landscape_allowed=True)
    room = r"\dimexpr(\linewidth-\symcnnname-6\tabcolsep-1em)/3\relax"
    layers = [
        *([fit.size] if fit.size else []),
        rf"\settowidth{{\symcnnname}}{{{fit.name}}}",
        rf"\setlength{{\symcnnroom}}{{{room}}}",
        rf"\begin{{longtable}}{{@{{}}l{_wrapping(_ROOM_LENGTH, fit.shares)}@{{}}}}",
        *_HEAD,
        r"\endhead",
        *_layer_rows(net, layout, fit),
        r"\end{longtable}",
        *_totals_table(net, memory, fit),
        *([r"\normalsize"] if fit.size else []),
    ]
    if fit.landscape:
        layers = [r"\begin{landscape}", *layers, r"\end{landscape}"]
    return "\n".join([
        r"\documentclass{article}",
        r"\usepackage{amsmath}",
        r"\usepackage{array}",
        r"\usepackage{booktabs}",
        r"\usepackage{longtable}",
        r"\usepackage{tabularx}",
        r"\usepackage{listings}",
        *([r"\usepackage{pdflscape}"] if fit.landscape else []),
        r"\lstset{basicstyle=\small\ttfamily, columns=fullflexible, breaklines=true}",
        r"\allowdisplaybreaks",
        r"\newlength{\symcnnname}",
        r"\newlength{\symcnnroom}",
        r"\begin{document}",
        r"\section*{Network}",
        r"\begin{lstlisting}",
        source,
        r"\end{lstlisting}",
        r"\section*{Layers}",
        *layers,
        *_defined(fit),
        r"\section*{Parameters}",
        align(net, fit).rstrip("\n"),
        r"\end{document}",
    ]) + "\n"


def escape_verbatim(line: str) -> str:
    r"""A source line safe inside ``lstlisting``: ASCII only, and no
    ``\end{lstlisting}``."""
    line = line.encode("ascii", "replace").decode("ascii")
    return line.replace(r"\end{lstlisting}", r"\end {lstlisting}")


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
    """A booktabs ``tabularx`` as wide as the line of several networks: name, input,
    parameters, MACs (and, with ``detail``, weights in bytes, activations and receptive
    field), in the largest font in which the widest values fit an article page, with
    short names for long sizes where even ``\footnotesize`` is too large; a name, or a
    symbolic value, wraps."""
    header = ["Network", "Input", "Parameters", "MACs"]
    if detail:
        header += ["Weights, bytes", "Activations", "Receptive field"]
    for names in (False, True):
        fit = _Fit(_short_names([net for _, net in nets], "hwc") if names else {}, (), "",
                   False, "")
        body = []
        widest = [max(len(word) + 2 for word in label.split()) for label in header]
        for name, net in nets:
            body.append(_overview_cells(name, net, detail, fit))
            widest = [max(w, size) for w, (_, size) in zip(widest, body[-1])]
        size = next((command for command, points in _SIZES[:3 + 1 * names]
                     if 1.25 * _MATH_POINTS * sum(widest) * points / 10
                     + 2 * _OVERVIEW_SEP * (len(header) - 1) <= ARTICLE_WIDTH), None)
        if size is not None:
            break
    if size is None:  # one row per value instead: its column is all the room there is
        lines = [r"\noindent", r"\begin{tabularx}{\linewidth}"
                 r"{@{}>{\raggedright\arraybackslash}p{0.22\linewidth}l"
                 r">{\raggedright\arraybackslash}X@{}}", r"\toprule",
                 r"Network & & \\"]
        for cells in body:
            lines.append(r"\midrule")
            lines += [f"{cells[0][0] if i == 0 else ''} & {label} & {cell} \\\\"
                      for i, (label, (cell, _)) in enumerate(zip(header[1:], cells[1:]))]
        return "\n".join([*lines, r"\bottomrule", r"\end{tabularx}", *_defined(fit)]) + "\n"
    shares = _shares([widest[0], *widest[2:]])
    columns = rf">{{\hsize={shares[0]}\hsize\raggedright\arraybackslash}}Xl" + "".join(
        rf">{{\hsize={share}\hsize\raggedleft\arraybackslash}}X" for share in shares[1:])
    lines = [rf"\begingroup{size}\setlength{{\tabcolsep}}{{{_OVERVIEW_SEP}pt}}", r"\noindent",
             rf"\begin{{tabularx}}{{\linewidth}}{{@{{}}{columns}@{{}}}}",
             r"\toprule", " & ".join(header) + r" \\", r"\midrule",
             *(" & ".join(cell for cell, _ in cells) + r" \\" for cells in body),
             r"\bottomrule", r"\end{tabularx}", *_defined(fit), r"\endgroup"]
    return "\n".join(lines) + "\n"


_OVERVIEW_SEP = 3  # points between the columns of an overview (LaTeX's default: 6)


def _overview_cells(name: str, net: Viewed, detail: bool, fit: _Fit
                    ) -> list[tuple[str, int]]:
    """A network's cells in the overview, each with the width of its widest piece."""
    breakable = re.sub(r"(\\_|,)", r"\1\\allowbreak{}", escape(name))  # mobilenet_v3_large
    cells = [(breakable, max(len(part) + 2 for part in re.split(r"[\s_,]", name))),
             (f"${shape(net.input_shape, 'hwc')}$",
                                  len(shape_text(net.input_shape, "hwc")))]
    for key, _, value in overview_items(net, detail):
        if key == "receptive_field":
            cells.append(("---", 3) if value is None else
                         ("$" + r" \times ".join(number(v) for v in value) + "$",
                          sum(len(text(v)) + 3 for v in value)))
        else:
            cells.append((f"${number(fit.shown(value))}$", _piece(fit.shown(value))))
    return cells


def formulas(pairs: list[tuple[str, str, Expr]]) -> str:
    """``align*`` lines ``label &= formula``, for ``symcnn --formula --format latex``: a
    long sum continues on further lines, and where one of its terms is too long for a
    line, each long floor or ceiling gets a short name, defined first."""
    import sympy

    values = [to_sympy(value) for _, _, value in pairs]
    short: dict[Expr, Expr] = {}
    if any(size > ROOM for v in values for _, _, size, _ in latex_terms(v)):
        letter = _letter({s.name for v in values for s in v.free_symbols})
        for v in values:
            for node in sympy.preorder_traversal(v):
                if isinstance(node, (sympy.floor, sympy.ceiling)) and node not in short \
                        and len(text(node)) > _LONG_SIZE:
                    short[node] = sympy.Symbol(f"{letter}{len(short) + 1}")
    fit = _Fit(short, (), "", False, "")
    body = " \\\\\n".join([*_where(fit), *(
        rf"\text{{{escape(label)}}} &= {_broken(fit.shown(value), ROOM)}"
        for (_, label, _), value in zip(pairs, values))])
    return f"\\begin{{align*}}\n{body}\n\\end{{align*}}\n"
