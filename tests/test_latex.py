"""Every LaTeX kind compiles with a real ``pdflatex`` (Debian's texlive-latex-base and
texlive-latex-recommended, as ``.ci/run`` installs them), with no error, and fits an
article page: no ``Overfull \\hbox`` in the log."""

import shutil
import subprocess
from pathlib import Path

import pytest

import symcnn
from symcnn import zoo

ROOT = Path(__file__).resolve().parent.parent

NETWORKS = {
    "mnist": "I(28,28,1) C(32,5) P(2) C(32,3) P(2) D(256) O(10)",
    "symbolic": "I(n, n, c) C(f_1, k1, s=s1, p=p1) P(2) C(f_2, k2, s=s2, p=p2) P(2) H(h) O(o)",
    "branches": """# comment with unicode → and specials: & % $ # _ { } ~ ^ \\
                   I(n, n, 8) Res([C(8, 3, p=1) BN ReLU]) Cat([C(4, 1)], [A(3, s=1, p=1)])
                   DW(3, s=2, p=same) G D(10, bias=false)""",
    "ceil": "I(n, n, 3) P(3, s=2, p=1, ceil=true) P(2, s=3, ceil=true) C(8, 3, d=2) T(4, 2, s=2)",
}

PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{array}
\usepackage{booktabs}
\usepackage{tabularx}
\begin{document}
"""


def compile_latex(source: str, tmp_path: Path, fits: bool = True) -> Path:
    """Compiles ``source``, twice where longtable asks for it (its columns settle on the
    second run), and fails on any error, and with ``fits`` on any line wider than the
    page."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        pytest.skip("pdflatex is not installed (Debian: texlive-latex-base, "
                    "texlive-latex-recommended)")
    tex = tmp_path / "doc.tex"
    tex.write_text(source, encoding="utf-8")
    for _ in range(3):
        run = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error",
                              "doc.tex"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=120)
        log_file = tmp_path / "doc.log"
        log = log_file.read_text(encoding="latin-1") if log_file.exists() else ""
        errors = [line for line in log.splitlines() if line.startswith("!")]
        assert run.returncode == 0 and not errors, \
            f"pdflatex failed: {errors}\n{run.stdout[-3000:]}"
        if "Rerun LaTeX" not in log and "Table widths have changed" not in log:
            break
    if fits:
        lines = log.splitlines()
        overfull = [" ".join(lines[i:i + 2]) for i, line in enumerate(lines)
                    if line.startswith("Overfull \\hbox")]
        assert not overfull, f"wider than the page: {overfull[:5]}"
    pdf = tmp_path / "doc.pdf"
    assert pdf.stat().st_size > 1000
    return pdf


@pytest.mark.parametrize("name", NETWORKS)
def test_document_compiles(name, tmp_path):
    compile_latex(symcnn.parse(NETWORKS[name]).to_latex("document"), tmp_path)


@pytest.mark.parametrize("name", NETWORKS)
def test_table_and_align_compile_in_a_plain_document(name, tmp_path):
    net = symcnn.parse(NETWORKS[name])
    body = net.to_latex("table") + "\n" + net.to_latex("align") + "\n" + net._repr_latex_()
    compile_latex(PREAMBLE + body + "\n\\end{document}\n", tmp_path)


@pytest.mark.parametrize("name", zoo.names())
def test_zoo_documents_compile(name, tmp_path):
    compile_latex(zoo.load(name).to_latex("document"), tmp_path, fits=False)


REPRESENTATIVE = ["resnet18", "resnet152", "efficientnet_b0", "googlenet", "inception_v3",
                  "densenet121", "squeezenet1_0", "mobilenet_v3_large"]


@pytest.mark.parametrize("values", [{}, {"n": 224}], ids=["symbolic", "numeric"])
@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_zoo_documents_fit_an_article_page(name, values, tmp_path):
    from symcnn.render import render

    net = zoo.load(name, values)
    memory = net.memory(batch=32 if values else "b", dtype="float16")
    compile_latex(render(net, "latex", latex_kind="document", memory=memory), tmp_path)


@pytest.mark.parametrize("values", [{}, {"n": 224}], ids=["symbolic", "numeric"])
def test_tables_and_overviews_fit_an_article_page(values, tmp_path):
    """The ``table`` kind and ``symcnn compare``'s seven columns, in a plain article."""
    nets = [zoo.load(name, values) for name in ("resnet18", "googlenet", "mobilenet_v3_large")]
    nets.append(symcnn.parse(NETWORKS["symbolic" if not values else "mnist"]))
    body = [net.render("latex", memory=net.memory(batch="b")) for net in nets[1:]]
    body.append(nets[0].compare(*nets[1:], fmt="latex"))
    compile_latex(PREAMBLE + "\n\n".join(body) + "\\end{document}\n", tmp_path)


def test_the_check_catches_a_line_wider_than_the_page(tmp_path):
    with pytest.raises(AssertionError, match="wider than the page"):
        compile_latex(PREAMBLE + "\\noindent\\hbox to 2\\linewidth{x}\n\\end{document}\n",
                      tmp_path)


def test_the_check_catches_latex_errors(tmp_path):
    with pytest.raises(AssertionError, match="pdflatex failed"):
        compile_latex(PREAMBLE + "$\\frac{1}$ \\undefinedmacro\n\\end{document}\n", tmp_path)


def test_formulas_compile(tmp_path):
    from symcnn.render import render_formulas

    net = symcnn.parse(NETWORKS["symbolic"])
    body = render_formulas(net, "latex") + render_formulas(net, "latex", assume_divisible=True,
                                                           collect="h")
    compile_latex(PREAMBLE + body + "\\end{document}\n", tmp_path)


def test_table_shape():
    """Layer, output shape, parameters as written = value, MACs; then the totals."""
    table = symcnn.parse(NETWORKS["mnist"]).to_latex()
    lines = table.splitlines()
    assert lines[:2] == [r"\noindent", r"\begin{tabularx}{\linewidth}{@{}l"
                         r">{\hsize=0.77\hsize\raggedright\arraybackslash}X"
                         r">{\hsize=1.45\hsize\raggedright\arraybackslash}X"
                         r">{\hsize=0.77\hsize\raggedleft\arraybackslash}X@{}}"]
    assert lines[2:5] == [r"\toprule", r"Layer & Output shape & Parameters & MACs \\",
                          r"\midrule"]
    assert (r"C1 & $24 \times 24 \times 32$ & $\left(5 \cdot 5 \cdot 1 + 1\right) \cdot 32 "
            r"= 832$ & $460{,}800$ \\") in lines
    assert r"Trainable params & $217{,}706$ \\" in lines
    assert lines[-2:] == [r"\bottomrule", r"\end{tabularx}"]


def test_a_symbolic_table_names_long_sizes_where_the_page_needs_it():
    """The formula is not repeated in two columns; long sizes become σ₁, σ₂, ... in every
    cell, defined under the table, and the MACs cell writes them."""
    table = symcnn.parse(NETWORKS["symbolic"]).to_latex()
    assert (r"C1 & $\sigma_{1} \times \sigma_{1} \times f_{1}$ & "
            r"$\left(k_{1}^{2} \cdot c + 1\right) \cdot f_{1}$ & "
            r"$c f_{1} k_{1}^{2} \sigma_{1}^{2}$ \\") in table.splitlines()
    assert r"\sigma_{1} &= \left\lfloor \frac{n + 2 p_{1} - k_{1}}{s_{1}} \right\rfloor + 1" \
        in table
    small = symcnn.parse("I(n, n, 3) C(8, 3, p=1)").to_latex()
    assert r"\sigma" not in small and r"$n \times n \times 8$" in small


def test_symbols_print_as_mathematicians_write_them():
    align = symcnn.parse(NETWORKS["symbolic"]).to_latex("align")
    assert r"\left(k_{1}^{2} \cdot c + 1\right) \cdot f_{1}" in align
    table = symcnn.parse(NETWORKS["symbolic"]).to_latex()
    assert r"\left\lfloor \frac{n + 2 p_{1} - k_{1}}{s_{1}} \right\rfloor + 1" in table
    assert r"\left(k_{1}^{2} \cdot c + 1\right) \cdot f_{1}" in table


def test_unknown_kind():
    with pytest.raises(symcnn.SymcnnError, match="table, align, document"):
        symcnn.parse(NETWORKS["mnist"]).to_latex("beamer")
