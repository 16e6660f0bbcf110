"""Renderers: formulas printed the textbook way, golden outputs for every format, and
invariants that hold for any network (rows sum to the totals, lines fit the width).

``SYMCNN_UPDATE_GOLDEN=1 pytest tests/test_render.py`` rewrites ``tests/golden/`` from
what the code prints now; read the diff before committing it.
"""

import csv
import io
import json
import os
from pathlib import Path

import pytest
import sympy

import symcnn
from symcnn import render, zoo
from symcnn._diagnostics import Diagnostics
from symcnn._expressions import Expressions
from symcnn._syntax import parse_expression
from symcnn.render._summary import human

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"

BRANCHY = """
I(16, 16, 8)
Res([C(8, 3, p=1, bias=false) BN ReLU C(8, 3, p=1, bias=false) BN])
Cat([C(4, 1)], [P(3, s=1, p=1) C(4, 1)])
G O(10)
"""
SYMBOLIC = "I(n, n, c) C(f1, k1, s=s1, p=p1) P(2) C(f2, k2) BN H(h) O(o)"

NETWORKS = {
    "mnist": lambda: symcnn.load(ROOT / "examples" / "mnist.cnn"),
    "branchy": lambda: symcnn.parse(BRANCHY),
    "symbolic": lambda: symcnn.parse(SYMBOLIC),
}


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SYMCNN_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from tests/golden/{name}"


# ---- one formula ------------------------------------------------------------------

n, k, p, s, c, f = (symcnn._math.symbol(x) for x in "nkpscf")
k1, f_in = symcnn._math.symbol("k1"), symcnn._math.symbol("f_in")


@pytest.mark.parametrize("expr, text, plain, latex", [
    (sympy.floor((n + 2 * p - k) / s) + 1, "⌊(n + 2p − k)/s⌋ + 1", "floor((n + 2*p - k)/s) + 1",
     r"\left\lfloor \frac{n + 2 p - k}{s} \right\rfloor + 1"),
    (sympy.floor((n - k + 1) / 2), "⌊(n − k + 1)/2⌋", "floor((n - k + 1)/2)",
     r"\left\lfloor \frac{n - k + 1}{2} \right\rfloor"),
    (sympy.ceiling(n / (2 * s)), "⌈n/(2s)⌉", "ceil(n/(2*s))",
     r"\left\lceil \frac{n}{2 s} \right\rceil"),
    (f * (c * k1**2 + 1), "f·(c·k₁² + 1)", "f*(c*k1^2 + 1)", r"f \left(c k_{1}^{2} + 1\right)"),
    (f_in * 2, "2f_in", "2*f_in", r"2 f_{\mathrm{in}}"),
    (sympy.Max(n, k), "max(k, n)", "max(k, n)", r"\max\left(k, n\right)"),
    (sympy.Ge(n - k + 1, 1), "n − k + 1 ≥ 1", "n - k + 1 >= 1", r"n - k + 1 \geq 1"),
    (sympy.Piecewise((n - 1, sympy.Ge(n, 2 * k)), (n, True)), "(n − 1 if n ≥ 2k else n)",
     "(n - 1 if n >= 2*k else n)",
     r"\begin{cases} n - 1 & \text{for}\: n \geq 2 k \\n & \text{otherwise} \end{cases}"),
])
def test_printers(expr, text, plain, latex):
    assert render.text(expr) == text
    assert render.plain(expr) == plain
    assert render.latex(expr) == latex


@pytest.mark.parametrize("source, text", [
    ("I(28,28,1) C(32,5)", "(5·5·1 + 1)·32"),
    ("I(7,7,512) D(4096)", "(25088 + 1)·4096"),
    ("I(8,8,64) BN", "2·64"),
    ("I(n,n,c) C(f,k)", "(k²·c + 1)·f"),
    ("I(n,n,c) C(f,(k,3))", "(k·3·c + 1)·f"),
    ("I(n,n,c) C(f,k,bias=false)", "k²·c·f"),
    ("I(n,n,c) DW(3)", "c·1·3·3 + c·1"),
])
def test_layer_formulas_keep_the_textbook_order(source, text):
    record = symcnn.parse(source).layers[-1]
    assert render.text(record.formula) == text
    assert sympy.expand(record.formula.doit() - record.params) == 0


def _read_back(text: str, net) -> sympy.Expr:
    """A plain formula parsed by symcnn's own expression grammar."""
    free = {s.name: s for s in net.symbols}
    expressions = Expressions(Diagnostics(text))
    expressions.free.update(free)
    return expressions.expr(parse_expression(text), {})


@pytest.mark.parametrize("name", ["symbolic", "branchy"])
def test_plain_formulas_parse_back_to_the_same_value(name):
    net = NETWORKS[name]()
    for record in net.layers:
        for value in (record.params, record.macs, record.formula.doit(), *record.output_shape):
            assert sympy.simplify(_read_back(render.plain(value), net) - value) == 0
    assert sympy.simplify(_read_back(render.plain(net.params), net) - net.params) == 0


# ---- golden outputs ---------------------------------------------------------------

@pytest.mark.parametrize("name", NETWORKS)
@pytest.mark.parametrize("fmt, suffix", [("text", "txt"), ("markdown", "md"), ("json", "json"),
                                         ("csv", "csv"), ("latex", "tex"), ("dot", "dot"),
                                         ("svg", "svg"), ("tikz", "tikz")])
def test_golden(name, fmt, suffix):
    golden(f"{name}.{suffix}", NETWORKS[name]().render(fmt))


FORMATS = [("text", "txt"), ("markdown", "md"), ("json", "json"), ("csv", "csv"),
           ("latex", "tex")]


@pytest.mark.parametrize("name, options", [
    ("branchy", {"batch": 16, "dtype": "float16", "optimizer": "adam"}),
    ("symbolic", {"batch": "b", "dtype": "bfloat16", "optimizer": "momentum"})])
@pytest.mark.parametrize("fmt, suffix", FORMATS)
def test_golden_memory(name, options, fmt, suffix):
    net = NETWORKS[name]()
    golden(f"{name}-memory.{suffix}", net.render(fmt, memory=net.memory(**options)))


@pytest.mark.parametrize("name", ["mnist", "branchy", "symbolic"])
@pytest.mark.parametrize("fmt, suffix", FORMATS[:2])
def test_golden_percent(name, fmt, suffix):
    golden(f"{name}-percent.{suffix}", NETWORKS[name]().render(fmt, percents=True))


def test_percentages_are_rounded_for_display_only_and_refused_elsewhere():
    from symcnn.render._table import percent

    assert [percent(v, 1000) for v in (0, 1, 4, 5, 999, 1000)] == [
        "0.0%", "0.1%", "0.4%", "0.5%", "99.9%", "100.0%"]
    assert percent(1, 2000) == "0.1%" and percent(1, 2001) == "0.0%"  # half up
    assert percent(symcnn._math.symbol("n"), 10) == "—" and percent(0, 0) == "—"
    with pytest.raises(symcnn.SymcnnError, match="text or markdown, not json"):
        NETWORKS["mnist"]().render("json", percents=True)
    lines = NETWORKS["mnist"]().render(percents=True).splitlines()
    assert lines[0].endswith("% params  % MACs") and lines[3].endswith("0.4%      29.0%")


@pytest.mark.parametrize("fmt, suffix", FORMATS)
def test_golden_compare(fmt, suffix):
    nets = [NETWORKS[name]() for name in ("mnist", "branchy", "symbolic")]
    golden(f"compare.{suffix}", nets[0].compare(*nets[1:], names=["mnist", "branchy",
                                                                   "symbolic"], fmt=fmt))


def test_golden_chw_and_width():
    net = NETWORKS["symbolic"]()
    golden("symbolic-chw-60.txt", net.render(layout="chw", width=60))
    # wide enough: long totals break between their terms, not inside a floor
    lines = net.render(width=100).splitlines()
    trainable = lines.index(next(line for line in lines if line.startswith("trainable")))
    assert lines[trainable:trainable + 3] == [
        "trainable params      f₁·(c·k₁² + 1) + f₂·(f₁·k₂² + 1) + 2f₂ +",
        "                        h·(f₂·(⌊(n + 2p₁ − k₁ − s₁)/(2s₁)⌋ − k₂ + 2)² + 1) + o·(h + 1)",
        "non-trainable params  2f₂"]


def test_vgg16_totals_in_human_units():
    out = symcnn.load(ROOT / "examples" / "vgg16.cnn").render()
    assert "trainable params      138,357,544 (138.4 M)" in out
    assert "weights (float32)     553,430,176 bytes (527.8 MiB)" in out
    assert "MACs                  15,470,264,320 (15.5 G)" in out
    assert "FLOPs (2 × MACs)      30,940,528,640 (30.9 G)" in out
    assert "(25088 + 1)·4096 = 102,764,544" in out


@pytest.mark.parametrize("value, binary, shown", [
    (999, False, "999"), (1000, False, "1.0 k"), (138357544, False, "138.4 M"),
    (1050, False, "1.1 k"), (1049, False, "1.0 k"), (553430176, True, "527.8 MiB"),
    (1023, True, "1023 B"), (2**30, True, "1.0 GiB"), (10**30, False, "1000000000000000000.0 T"),
])
def test_human_units_round_half_up_exactly(value, binary, shown):
    assert human(value, binary) == shown


# ---- invariants -------------------------------------------------------------------

def _all_networks():
    nets = [factory() for factory in NETWORKS.values()]
    nets += [symcnn.load(path) for path in sorted((ROOT / "examples").glob("*.cnn"))]
    nets += [zoo.load(name) for name in zoo.names()]
    return nets


@pytest.mark.parametrize("net", _all_networks(), ids=lambda net: net.source.split("\n")[0][:30])
def test_rows_sum_to_totals(net):
    data = json.loads(net.to_json())
    # symbols get exact values so that big symbolic networks compare in milliseconds
    values = {symbol: 224 + 3 * i for i, symbol in enumerate(net.symbols)}

    def at(text):
        return _read_back(str(text), net).xreplace(values)

    for key, total in (("params", "trainable"), ("non_trainable", "non_trainable"),
                       ("macs", "macs")):
        rows = [at(r[key]) for r in data["layers"]]
        assert sympy.Add(*rows) == at(data["totals"][total])
        assert at(data["totals"][total]) == getattr(net.exact.totals, total).xreplace(values)
    assert len(data["layers"]) == len(net.layers)
    table = list(csv.DictReader(io.StringIO(net.to_csv())))
    assert [r["name"] for r in table] == [r.name for r in net.layers]
    if net.is_numeric:
        assert sum(int(r["params"]) for r in table) == data["totals"]["trainable"]
        assert sum(int(r["macs"]) for r in table) == data["totals"]["macs"]
        assert data["totals"]["flops"] == 2 * data["totals"]["macs"]
        assert data["totals"]["float32_bytes"] == 4 * data["totals"]["total"]
    text = net.render()
    assert text.count("\n") >= len(net.layers) + 2 + 6


@pytest.mark.parametrize("width", [40, 60, 80, 120])
@pytest.mark.parametrize("name", NETWORKS)
def test_text_fits_the_width(name, width):
    out = NETWORKS[name]().render(width=width)
    assert max(len(line) for line in out.splitlines()) <= width


def test_json_keys_are_stable():
    data = json.loads(NETWORKS["symbolic"]().to_json())
    assert list(data) == ["symcnn", "schema", "layout", "symbols", "constraints",
                          "input_shape", "output_shape", "layers", "totals"]
    assert data["schema"] == 1
    layer = data["layers"][1]
    assert list(layer) == ["index", "name", "kind", "depth", "line", "column", "input_shape",
                           "output_shape", "params", "params_formula", "non_trainable",
                           "macs", "latex"]
    assert layer["params_formula"] == "(k1^2*c + 1)*f1"
    assert layer["latex"]["params_formula"] == r"\left(k_{1}^{2} \cdot c + 1\right) \cdot f_{1}"
    assert list(data["totals"]) == ["trainable", "non_trainable", "total", "macs", "flops",
                                    "float32_bytes", "latex"]
    assert data["symbols"] == ["c", "f1", "f2", "h", "k1", "k2", "n", "o", "p1", "s1"]


def test_layout_chw_moves_channels_first():
    net = symcnn.load(ROOT / "examples" / "mnist.cnn")
    data = json.loads(net.render("json", layout="chw"))
    assert data["layers"][1]["output_shape"] == [32, 24, 24]
    assert data["layers"][-1]["output_shape"] == [10]
    assert "(32, 24, 24)" in net.render(layout="chw")
    with pytest.raises(symcnn.SymcnnError, match="hwc"):
        net.render(layout="whc")
    with pytest.raises(symcnn.SymcnnError, match="format"):
        net.render("yaml")


def test_branches_are_indented_under_their_merge():
    lines = NETWORKS["branchy"]().render().splitlines()
    names = [line.split("  (")[0].rstrip() for line in lines[2:13]]
    assert names == ["input", "res1", "  body.C1", "  body.BN1", "  body.ReLU1", "  body.C2",
                     "  body.BN2", "cat1", "  branch1.C1", "  branch2.P1", "  branch2.C1"]


def test_jupyter_reprs():
    net = symcnn.load(ROOT / "examples" / "mnist.cnn")
    assert net._repr_markdown_() == net.to_markdown()
    assert net._repr_markdown_().startswith("| layer | output shape | params | MACs |")
    latex = net._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
    assert r"\text{total} &= 832 + 9{,}248 + 205{,}056 + 2{,}570 = 217{,}706" in latex


@pytest.mark.parametrize("module", ["symcnn.render", "symcnn.network"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
