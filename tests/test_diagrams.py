"""Pictures of networks (``--format dot|svg|tikz``, ``symcnn plot``): Graphviz reads the
DOT and finds one node per layer and the edges data flows along; the SVG is well-formed
XML with one block per layer, laid out without overlaps; the TikZ compiles with
pdflatex; the plot is a PNG. The goldens of the three formats are in test_render.py.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import symcnn
from symcnn import render, zoo
from symcnn.cli import main
from symcnn.render._diagram import diagram, place
from test_latex import compile_latex
from test_render import BRANCHY

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"

# BRANCHY's records: 0 input, 1-5 the residual body, 6 res1, 7 cat1.branch1.C1,
# 8-9 cat1.branch2's P1 and C1, 10 cat1, 11 G1, 12 O1; 0 -> 6 is the identity shortcut.
BRANCHY_EDGES = {(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (0, 6), (6, 7), (6, 8), (8, 9),
                 (7, 10), (9, 10), (10, 11), (11, 12)}
SIDE = "I(n, n, 16) Mul([G C(16, 1) Sigmoid]) Aux([G D(3)]) Split([], [C(8, 1)]) G O(10)"


def unet() -> symcnn.Network:
    return symcnn.load(ROOT / "examples" / "unet.cnn")


def networks() -> dict[str, symcnn.Network]:
    return {"branchy": symcnn.parse(BRANCHY), "side": symcnn.parse(SIDE),
            "resnet18": zoo.load("resnet18"), "unet": unet(),
            "googlenet_aux": zoo.load("googlenet_aux")}


# ---- DOT, read by Graphviz ------------------------------------------------------------

def graphviz(dot_text: str) -> tuple[set[str], set[tuple[int, int]]]:
    """The nodes and edges Graphviz finds in ``dot_text`` (by ``dot -Tsvg``)."""
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz's dot is not installed (Debian: graphviz)")
    run = subprocess.run([dot, "-Tsvg"], input=dot_text, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0 and not run.stderr, run.stderr
    root = ET.fromstring(run.stdout)
    nodes, edges = set(), set()
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if group.get("class") == "node":
            nodes.add(title.text)
        elif group.get("class") == "edge":
            source, target = title.text.split("->")
            edges.add((int(source.removeprefix("L")), int(target.removeprefix("L"))))
    return nodes, edges


def test_graphviz_reads_one_node_per_layer_and_the_data_flow():
    net = symcnn.parse(BRANCHY)
    nodes, edges = graphviz(net.to_dot())
    assert nodes == {f"L{i}" for i in range(len(net.layers))} and len(net.layers) == 13
    assert edges == BRANCHY_EDGES


def test_graphviz_reads_gates_side_outputs_and_splits():
    net = symcnn.parse(SIDE)
    names = [r.name for r in net.layers]
    assert names == ["input", "mul1.branch1.G1", "mul1.branch1.C1", "mul1.branch1.Sigmoid1",
                     "mul1", "aux1.branch1.G1", "aux1.branch1.D1", "aux1", "split1.branch2.C1",
                     "split1", "G1", "O1"]
    nodes, edges = graphviz(net.to_dot())
    assert len(nodes) == len(names)
    # the gate multiplies its input (0 -> 4) by its branch; the side output's D1 (6)
    # leads nowhere, the flow passes Aux (4 -> 7); Split's identity share goes 7 -> 9
    assert edges == {(0, 1), (1, 2), (2, 3), (3, 4), (0, 4), (4, 5), (5, 6), (4, 7), (7, 9),
                     (7, 8), (8, 9), (9, 10), (10, 11)}
    lines = {line.split()[0]: line for line in net.to_dot().splitlines() if " [label=" in line}
    assert "peripheries=2" in lines["L6"]  # the side output
    assert [name for name, line in lines.items() if "shape=ellipse" in line] == \
        ["L4", "L7", "L9"]  # the joins


@pytest.mark.parametrize("name", ["resnet18", "unet", "googlenet_aux"])
def test_graphviz_reads_big_networks(name):
    net = networks()[name]
    nodes, edges = graphviz(net.to_dot())
    assert len(nodes) == len(net.layers)
    assert edges == {(e.source, e.target) for e in diagram(net).edges}


# ---- SVG ---------------------------------------------------------------------------------

def blocks(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg"
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "layer"]


@pytest.mark.parametrize("name", ["branchy", "side", "resnet18", "unet", "googlenet_aux"])
def test_svg_has_one_block_per_layer(name):
    net = networks()[name]
    found = blocks(net.to_svg())
    assert sorted(int(g.get("data-index")) for g in found) == list(range(len(net.layers)))
    assert [g.get("data-name") for g in sorted(found, key=lambda g: int(g.get("data-index")))
            ] == [r.name for r in net.layers]


def test_resnet18_and_unet_sizes():
    assert len(blocks(zoo.load("resnet18").to_svg())) == 69
    net = unet()
    assert len(blocks(net.to_svg())) == len(net.layers) == 68
    # the four long skips: Cats whose first branch is the identity, nested
    cats = [r.name for r in net.layers if r.kind == "Cat"]
    assert cats == ["cat1.branch2.cat1.branch2.cat1.branch2.cat1",
                    "cat1.branch2.cat1.branch2.cat1", "cat1.branch2.cat1", "cat1"]


def test_long_sizes_get_short_names_in_a_legend():
    svg = zoo.load("resnet18").to_svg()
    legend = ET.fromstring(svg).find(f"{SVG}g[@class='legend']")
    assert [t.text for t in legend] == [f"a{sub} = ⌊(n − 1)/{d}⌋ + 1" for sub, d in
                                        zip("₁₂₃₄₅", (2, 4, 8, 16, 32))]
    texts = [t.text for g in blocks(svg) for t in g.findall(f"{SVG}text")]
    assert "a₅ × a₅ × 512" in texts and max(len(t) for t in texts) <= 32
    # a network with a symbol named a takes another letter
    net = symcnn.parse("I(a, a, 3) C(8, 3, s=2) C(8, 3, s=2)")
    assert [str(short) for short, _ in diagram(net).legend] == ["b₁", "b₂"]


def overlap(a, b) -> bool:
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.bottom and b.y < a.bottom


def crosses(segment, box) -> bool:
    """Whether an axis-parallel segment passes through the inside of ``box``."""
    (x1, y1), (x2, y2) = segment
    if x1 == x2:
        return box.x < x1 < box.x + box.width and min(y1, y2) < box.bottom and \
            max(y1, y2) > box.y
    return box.y < y1 < box.bottom and min(x1, x2) < box.x + box.width and \
        max(x1, x2) > box.x


@pytest.mark.parametrize("name", ["branchy", "side", "resnet18", "unet", "googlenet_aux"])
def test_layout_invariants(name):
    """Boxes do not overlap; every edge runs at right angles from the bottom middle of
    its source to the top middle of its target, through no box, inside the picture."""
    plane = place(diagram(networks()[name]))
    boxes = list(plane.boxes.values())
    for i, a in enumerate(boxes):
        assert not any(overlap(a, b) for b in boxes[i + 1:])
        assert 0 <= a.x and a.x + a.width <= plane.width and a.bottom <= plane.height
    assert {(p.source, p.target) for p in plane.paths if p.target is not None} == \
        {(e.source, e.target) for e in plane.diagram.edges}
    for path in plane.paths:
        source = plane.boxes[path.source]
        assert path.points[0] == (source.center, source.bottom)
        if path.target is not None:
            target = plane.boxes[path.target]
            assert path.points[-1] == (target.center, target.y)
        segments = list(zip(path.points, path.points[1:]))
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in segments)
        assert not any(crosses(s, box) for s in segments for box in boxes)


@pytest.mark.parametrize("name", zoo.names())
def test_every_zoo_network_draws(name):
    net = zoo.load(name)
    assert len(blocks(net.to_svg())) == len(net.layers)
    assert net.to_dot().count(" [label=") == len(net.layers)


def test_svg_in_chw_layout_and_the_cli(capsys):
    assert main(["I(28,28,1) C(32,5) P(2) D(10)", "--format", "svg", "--layout", "chw"]) == 0
    texts = [t.text for g in blocks(capsys.readouterr().out) for t in g.findall(f"{SVG}text")]
    assert texts[:4] == ["I(28, 28, 1)", "1 × 28 × 28", "C(32, 5)", "32 × 24 × 24"]


@pytest.mark.parametrize("argv, message", [
    (["I(8,8,3) C(4,3)", "--format", "svg", "--formula"], "svg draws a network"),
    (["I(8,8,3) C(4,3)", "--format", "tikz", "--latex", "align"], "not --latex align"),
    (["compare", "I(8,8,3)", "I(9,9,3)", "--format", "dot"], "dot draws one network"),
])
def test_what_a_picture_cannot_show(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_a_too_tall_tikz_picture_is_refused():
    with pytest.raises(symcnn.SymcnnError, match="--format svg"):
        zoo.load("resnet152").to_tikz()


# ---- TikZ, compiled ----------------------------------------------------------------------

def needs_standalone() -> None:
    kpsewhich = shutil.which("kpsewhich")
    if kpsewhich is None or not subprocess.run([kpsewhich, "standalone.cls", "tikz.sty"],
                                               capture_output=True, text=True
                                               ).stdout.count("\n") == 2:
        pytest.skip("TikZ or the standalone class is missing (Debian: texlive-pictures, "
                    "texlive-latex-extra)")


@pytest.mark.parametrize("name", ["branchy", "side", "resnet18", "unet"])
def test_tikz_documents_compile(name, tmp_path):
    needs_standalone()
    compile_latex(networks()[name].to_tikz(document=True), tmp_path)


def test_tikz_picture_goes_into_a_paper(tmp_path):
    needs_standalone()
    picture = symcnn.parse(BRANCHY).to_tikz()
    assert picture.startswith("% symcnn") and "\\documentclass" not in picture
    compile_latex("\\documentclass{article}\n\\usepackage{tikz}\n\\begin{document}\n"
                  + picture + "\\end{document}\n", tmp_path)


# ---- U-Net, against PyTorch ---------------------------------------------------------------

def test_unet_matches_pytorch():
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    from reference_models import UNet

    with torch.device("meta"):
        model = UNet(classes=2)
        with FlopCounterMode(display=False) as counter:
            out = model(torch.empty(1, 3, 64, 64))
    net = unet().subs(n=64)
    assert net.params == sum(p.numel() for p in model.parameters()) == 31_037_698
    assert net.macs == counter.get_total_flops() // 2
    assert net.output_shape == (64, 64, 2) and tuple(out.shape) == (1, 2, 64, 64)
    with pytest.raises(symcnn.ShapeError, match="Cat needs the same spatial size"):
        unet().subs(n=72)  # not a multiple of 16


# ---- symcnn plot --------------------------------------------------------------------------

def needs_matplotlib() -> None:
    """Skips without matplotlib, which is not imported here: the plots are drawn in
    child processes, so that this process stays as small as tests/test_processes.py
    expects of the processes it starts."""
    if importlib.util.find_spec("matplotlib") is None:
        pytest.skip("symcnn plot needs matplotlib (the plot extra)")


def run_python(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *argv], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_plot_writes_a_png(tmp_path):
    needs_matplotlib()
    out = tmp_path / "plot.png"
    run = run_python("-m", "symcnn", "plot", str(ROOT / "examples" / "unet.cnn"),
                     "--range", "16:128", "-o", str(out))
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert run.stdout == f"{out}: 8 of 113 values of n (105 invalid, left out)\n"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    run = run_python("-c", "from symcnn import zoo; print(zoo.load('resnet18').plot("
                     "'r.svg', n=range(32, 65, 8)))", cwd=tmp_path)
    assert run.returncode == 0 and run.stdout == "5\n", run.stderr
    assert ET.parse(tmp_path / "r.svg").getroot().tag == f"{SVG}svg"


@pytest.mark.parametrize("argv, message", [
    (["plot", "I(n,n,3) C(f,3)", "--range", "8:16", "-o", "x.png"], "one free symbol, not f, n"),
    (["plot", "I(28,28,3) C(4,3)", "--range", "8:16", "-o", "x.png"], "one free symbol, not none"),
    (["plot", "I(n,n,3) C(4,3)", "--range", "8-16", "-o", "x.png"], "A:B or A:B:STEP"),
    (["plot", "I(n,n,3) C(4,3)", "--range", "8:16:0", "-o", "x.png"], "step must be at least 1"),
    (["plot", "I(n,n,3) C(4,9)", "--range", "1:8", "-o", "x.png"], "invalid at every value"),
    (["plot", "I(n,n,3) C(4,3)", "--range", "8:16", "-o", "x.foo"], "cannot write x.foo"),
])
def test_plot_errors(argv, message, tmp_path):
    needs_matplotlib()
    run = run_python("-m", "symcnn", *argv, cwd=tmp_path)
    assert run.returncode == 2 and message in run.stderr and run.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_plot_of_a_network_needs_one_symbol():
    net = symcnn.parse("I(n, n, 3) C(8, k)")
    with pytest.raises(symcnn.SymcnnError, match="one free symbol"):
        net.plot("x.png", n=range(8, 16))
    with pytest.raises(symcnn.SymcnnError, match="m is not a free symbol"):
        net.subs(k=3).plot("x.png", m=range(8, 16))


def test_render_module_lists_the_picture_formats():
    assert {"dot", "svg", "tikz"} <= set(render.FORMATS)


def test_the_docs_resnet18_svg_is_current():
    """docs/resnet18.svg is what ``symcnn zoo resnet18 --format svg`` prints now."""
    assert (ROOT / "docs" / "resnet18.svg").read_text(encoding="utf-8") == \
        zoo.load("resnet18").to_svg()
