"""symcnn.playground, the Python side of the browser playground, without a browser: what
the page shows for a network, a symbolic one, an error and a bad value, the plot's
points (checked against networks evaluated anew at each value), and that every answer
is JSON. tests/test_playground_browser.py checks the page itself in Chromium."""

import doctest
import json
import re
import sys

import pytest

import symcnn
from symcnn import playground, render, zoo
from symcnn.kinds import kinds
from symcnn.network import Network

MNIST = "I(28,28,1) C(32,5) P(2) C(32,3) P(2) D(256) O(10)"
MNIST_N = "I(n,n,1) C(32,k) P(2) C(32,3) P(2) D(256) O(10)"


def test_the_modules_examples():
    assert doctest.testmod(playground).failed == 0


def test_mnist_rows_and_totals_as_the_text_table_writes_them():
    page = playground.answer(MNIST)
    assert page["ok"] and page["symbols"] == [] and page["free"] == []
    c1 = page["rows"][1]
    assert (c1["label"], c1["shape"], c1["params"], c1["macs"]) == (
        "C1", "(24, 24, 32)", "(5·5·1 + 1)·32 = 832", "460,800")
    assert c1["params_latex"] is None and c1["shape_latex"] is None  # numbers stay text
    totals = {t["label"]: t["text"] for t in page["totals"]}
    assert totals["trainable params"] == "217,706 (217.7 k)"  # LeCun-style MNIST net
    assert totals["MACs"] == "1,589,760 (1.6 M)"
    # every row and total of the CLI's text table is on the page, cell for cell
    cli = symcnn.parse(MNIST).render("text")
    for row in page["rows"]:
        assert re.search(rf"^{re.escape(row['label'])} +{re.escape(row['shape'])} +"
                         rf"{re.escape(row['params'])} +{re.escape(row['macs'])}$", cli, re.M)
    for total in page["totals"]:
        assert f"{total['label']}" in cli and total["text"] in cli


def test_exports_are_the_formats_of_the_command_line():
    page = playground.extras(MNIST)
    net = symcnn.parse(MNIST)
    assert page["exports"] == {"latex": net.to_latex(), "markdown": net.to_markdown(),
                               "json": net.to_json()}
    assert json.loads(page["exports"]["json"])["totals"]["trainable"] == 217706


def test_values_as_set_takes_them():
    page = playground.answer(MNIST_N, {"n": " 28 ", "k": "5", "unused": "3", "p": ""})
    assert page["symbols"] == ["k", "n"] and page["free"] == []
    assert {t["label"]: t["text"] for t in page["totals"]}["total params"] == "217,706 (217.7 k)"
    # a value may be an expression, as with --set
    half = playground.answer(MNIST_N, {"n": "2*m", "k": "5"})
    assert half["free"] == ["m"]


def test_symbolic_values_are_typeset():
    page = playground.answer("I(n, n, c) C(f, k)")
    net = symcnn.parse("I(n, n, c) C(f, k)")
    c1 = page["rows"][1]
    assert c1["params_latex"] == render.latex(net.layers[1].formula)
    assert c1["params_latex"] == r"\left(k^{2} \cdot c + 1\right) \cdot f"
    assert c1["shape_latex"] == r"\left(n - k + 1, n - k + 1, f\right)"
    assert c1["params"] == "(k²·c + 1)·f"  # the text stays, for a title and for copying
    trainable = page["totals"][0]
    assert trainable["latex"] == render.latex(net.params)


def test_an_error_has_its_place_and_caret():
    page = playground.answer("I(8,8,1) C(4,9)")
    assert not page["ok"]
    error = page["error"]
    assert error["headline"] == ("layer 1 (C1), line 1, column 10: output height is 0 "
                                 "(input (8, 8, 1)); it must be at least 1")
    line, caret = error["context"].split("\n")
    assert line.index("C(4,9)") == caret.index("^")
    assert (error["line"], error["column"], error["in"]) == (1, 10, "program")


def test_an_error_on_a_later_line_and_in_a_value():
    error = playground.answer("I(8, 8, 1)\n\nC(4, 3) Pool(2)")["error"]
    assert (error["line"], error["column"]) == (3, 9)
    assert "unknown layer kind or block 'Pool'" in error["headline"]
    bad_value = playground.answer(MNIST_N, {"n": "28+"})
    assert (bad_value["error"]["in"], bad_value["error"]["symbol"]) == ("values", "n")
    assert bad_value["error"]["context"] == "    28+\n       ^"
    assert bad_value["symbols"] == ["k", "n"]  # the inputs stay while a value is mended
    too_small = playground.answer(MNIST_N, {"n": "8", "k": "5"})["error"]
    assert (too_small["in"], too_small["line"], too_small["column"]) == ("program", 1, 23)
    assert too_small["headline"].startswith("layer 3 (C2), line 1, column 23: output height")


@pytest.mark.parametrize("text", ["", "I(", "I(n,n,1) C(32,k) P(2)) D(", "\x00", "I(1e9)",
                                  "def f(x) = f(x)\nI(4) f(1)", "I(" + "(" * 500, "é"])
def test_every_text_is_answered_as_data(text):
    page = playground.answer(text)
    assert not page["ok"] and page["error"]["headline"]
    json.dumps(page)


def test_warnings_are_shown():
    for _ in range(2):  # the second time from the cache, with its warnings
        page = playground.answer("I(3, 224, 224) C(8, 3)")
        assert page["ok"]
        assert len(page["warnings"]) == 1 and "channels-last" in page["warnings"][0]


def test_the_plot_agrees_with_networks_evaluated_at_each_value():
    plot = playground.extras(MNIST_N, {"k": "5"})["plot"]
    assert plot["symbol"] == "n" and 2 <= len(plot["points"]) <= playground.PLOT_POINTS
    net = symcnn.parse(MNIST_N)
    with pytest.raises(symcnn.ShapeError):  # the plot starts at the smallest valid n
        net.subs(n=plot["low"] - 1, k=5)
    for point in plot["points"][::7]:
        at = net.subs(n=point["x"], k=5)
        assert (point["params"], point["macs"]) == (int(at.params), int(at.macs))
        assert point["params_text"] == f"{int(at.params):,}"
    assert any(p["x"] == 28 and p["params"] == 217706 for p in plot["points"])


def test_the_plot_of_a_network_valid_at_multiples_only():
    # a skip that concatenates the input with what comes back from a pool and an
    # upsampling: valid only where 4 divides n
    text = "I(n, n, 3) Cat([], [P(2) C(8, 3, p=1) P(2) Up(4)])"
    plot = playground.extras(text)["plot"]
    xs = [p["x"] for p in plot["points"]]
    assert xs[0] == plot["low"] == 4 and len(xs) >= 8 and all(x % 4 == 0 for x in xs)
    net = symcnn.parse(text)
    for point in plot["points"][::3]:
        assert point["macs"] == int(net.subs(n=point["x"]).macs)
    with pytest.raises(symcnn.ShapeError):
        net.subs(n=6)


def valid_by_subs(net, values):
    """The values at which ``net`` evaluates anew without a ShapeError."""
    found = []
    for v in values:
        try:
            net.subs({net.symbols[0].name: v})
        except symcnn.ShapeError:
            continue
        found.append(v)
    return found


@pytest.mark.parametrize("text, xs", [
    # floor(n/3) = floor(n/2) - 1 at 4 to 7 and 9 only
    ("I(n, n, 3) Add([P(3, s=3)], [P(2) P(2, s=1)])", [4, 5, 6, 7, 9]),
    # ceil(n/2) = ceil(n/3) at 1, 2 and 4 only
    ("I(n, n, 3) Add([C(3, 1, s=2)], [C(3, 1, s=3)])", [1, 2, 4]),
    # n ≡ 0-3 (mod 12) from 12 on: no power of two is valid
    ("I(n, n, 3) Add([P(4)], [P(2) P(2)]) Add([P(3)], [A(3, s=3, p=1)])",
     [12 * q + r for q in range(1, 9) for r in range(4)][:29]),
])
def test_the_plot_has_every_valid_value_where_validity_is_not_monotone(text, xs):
    plot = playground.extras(text)["plot"]
    assert [p["x"] for p in plot["points"]] == xs and plot["low"] == xs[0]
    net = symcnn.parse(text)
    assert valid_by_subs(net, range(1, plot["high"] + 1)) == xs
    for point in plot["points"][::5]:
        assert point["macs"] == int(net.subs(n=point["x"]).macs)


def test_the_plot_of_a_symbol_that_divides():
    # valid_sizes cannot describe the valid groups (Mod(16, g) is not periodic in g): the
    # plot tries 1 to PLOT_POINTS, or the range, and keeps the valid ones
    text = "I(32, 32, 16) C(32, 3, g=g) D(10)"
    with pytest.raises(symcnn.SymcnnError, match="cannot be described as a congruence"):
        symcnn.parse(text).valid_sizes("g")
    plot = playground.extras(text)["plot"]
    assert [p["x"] for p in plot["points"]] == [1, 2, 4, 8, 16]
    net = symcnn.parse(text)
    assert valid_by_subs(net, range(1, playground.PLOT_POINTS + 1)) == [1, 2, 4, 8, 16]
    assert [p["params"] for p in plot["points"]] == [
        int(net.subs(g=p["x"]).params) for p in plot["points"]]
    ranged = playground.extras(text, plot_range=[2, 40])["plot"]
    assert [p["x"] for p in ranged["points"]] == [2, 4, 8, 16]


@pytest.mark.parametrize("text, values", [
    (MNIST_N, {"k": "5"}),
    ("I(n, n, 3) Cat([], [P(2) C(8, 3, p=1) P(2) Up(4)])", {}),
    ("I(n, n, 3) Add([P(4)], [P(2) P(2)]) Add([P(3)], [A(3, s=3, p=1)])", {}),
    ("I(32, 32, 16) C(32, 3, g=g) D(10)", {}),
])
def test_the_plot_is_the_same_without_numpy(text, values, monkeypatch):
    # the browser's Pyodide has no NumPy: valid_sizes computes one value at a time there
    pytest.importorskip("numpy")
    with_numpy = playground.extras(text, values)["plot"]
    monkeypatch.setitem(sys.modules, "numpy", None)
    assert playground.extras(text, values)["plot"] == with_numpy


def test_the_plot_range_and_when_there_is_no_plot():
    plot = playground.extras(MNIST_N, {"k": "5"}, plot_range=[100, 110])["plot"]
    assert [p["x"] for p in plot["points"]] == list(range(100, 111))
    assert "error" in playground.extras(MNIST_N, {"k": "5"}, plot_range=[9, 3])["plot"]
    assert playground.extras(MNIST_N)["plot"] is None  # two free symbols
    assert playground.extras(MNIST)["plot"] is None  # none
    assert playground.extras("I(8,8,1) C(4,9)") == {}  # an error: nothing more to show


def test_the_diagram_is_shown_where_symcnn_has_one(monkeypatch):
    if not hasattr(Network, "to_svg"):
        assert playground.extras(MNIST)["svg"] is None
        monkeypatch.setattr(Network, "to_svg", lambda self: f"<svg>{len(self.layers)}</svg>",
                            raising=False)
    svg = playground.extras("I(4, 4, 1) D(3)")["svg"]  # a network not asked for before
    assert svg.startswith("<svg") and svg == symcnn.parse("I(4, 4, 1) D(3)").to_svg()


def test_the_highlighters_words_come_from_the_registry():
    words = playground.language()
    for kind in kinds():
        assert kind.name in words["kinds"] and set(kind.aliases) <= set(words["kinds"])
    assert {"C", "Conv", "Res", "ReLU"} <= set(words["kinds"])
    assert words["keywords"] == ["def"] and "same" in words["words"]


@pytest.mark.parametrize("name", ["resnet18", "densenet121", "googlenet_aux", "vgg16_paper"])
def test_zoo_networks_answer_as_json(name):
    page = json.loads(json.dumps(playground.answer(zoo.source(name))))
    json.dumps(playground.extras(zoo.source(name)))
    net = zoo.load(name)
    assert page["ok"] and len(page["rows"]) == len(net.layers)
    assert page["free"] == [s.name for s in net.symbols]
    trainable = page["totals"][0]
    if net.params.free_symbols:
        assert trainable["latex"] == render.latex(net.params)
    else:
        assert trainable["text"].startswith(f"{int(net.params):,}")
