"""The numeric fast path: a network without free symbols is evaluated with Python
numbers, without sympy, and must give exactly what the sympy evaluation gives: every
record, every formula, every error message."""

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from symcnn._evaluate import Evaluator, NeedsSymbols
from symcnn._math import to_sympy
from symcnn._syntax import parse_program
from symcnn.errors import SymcnnError

ROOT = Path(__file__).resolve().parent.parent

KINDS = ["C({f},{k},s={s},p={p},d={d})", "C({f},{k},s={s},p=same)",
         "T({f},{k},s={s},p={p},op={op})", "DW({k},s={s},p={p},m={m})",
         "P({k},s={s},p={p},ceil={c})", "A({k},s={s},p={p},ceil={c})", "P({k}, s={s}, p=same)",
         "BN", "ReLU", "Drop(0.25)", "G", "AP(2,3)", "C({f},({k},{k2}),s=({s},1),g={g})",
         "Res([C({f},3,p=1) BN])", "Cat([C(4,1)],[P(3,s=1,p=1)])", "Add([ReLU],[])", "D({f})",
         "F", "H({f}) BN"]

PROGRAMS = [
    (ROOT / "examples" / "vgg16.cnn").read_text(),
    (ROOT / "examples" / "mnist.cnn").read_text(),
    "n = 224\n" + (ROOT / "examples" / "zoo" / "resnet50.cnn").read_text(),
    "a = 2^-1\nI(4,4,1) C(2, 2/a)",
    "I(4,4,1) C(2, 4^(1/2))",  # a root: the numeric evaluation hands over to sympy
    "I(4,4,1) Drop(3/2)",
    "I(4,4,1) C(2, 5/2)",
    "x=7//2; y = 7 % 3; I(x*3, max(x,y), min(3, ceil(7/2))) C(floor(9/4), 1)",
    "I(2^-1 * 4, 1.5 * 2, 2.0) C(2, 0.5 * 4) P(7.5 % 2.5 + 1)",  # fractions that are whole
    "I(4,4,1) C(2, (-1)^(1/2))",
]


def _random_programs(count: int) -> list[str]:
    rng = random.Random(5)
    programs = []
    for _ in range(count):
        n = rng.choice([1, 2, 5, 7, 8, 13, 16, 32])
        layers = [f"I({n},{n + rng.choice([0, 1])},{rng.choice([1, 2, 4, 8])})"]
        for _ in range(rng.randint(1, 6)):
            layers.append(rng.choice(KINDS).format(
                f=rng.choice([2, 4, 6, 8]), k=rng.randint(1, 4), k2=rng.randint(1, 3),
                s=rng.randint(1, 3), p=rng.randint(0, 2), d=rng.randint(1, 2),
                op=rng.randint(0, 2), m=rng.randint(1, 2), c=rng.choice(["true", "false"]),
                g=rng.choice([1, 2])))
        programs.append(" ".join(layers))
    return programs


def _outcome(text: str, numeric: bool):
    try:
        result = Evaluator(parse_program(text), numeric=numeric).run()
    except SymcnnError as error:
        return type(error).__name__, str(error)
    records = [(r.name, r.kind, to_sympy(r.input_shape), to_sympy(r.output_shape),
                to_sympy(r.params), to_sympy(r.non_trainable), to_sympy(r.macs),
                str(to_sympy(r.formula)), {k: to_sympy(v) for k, v in r.args.items()})
               for r in result.records]
    return records, list(result.constraints), to_sympy(result.output_shape)


@pytest.mark.parametrize("text", PROGRAMS + _random_programs(400))
def test_numeric_evaluation_equals_sympy_evaluation(text):
    try:
        fast = _outcome(text, numeric=True)
    except NeedsSymbols:
        return
    assert fast == _outcome(text, numeric=False)


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True, env={**clean, "PYTHONPATH": str(ROOT), **env})


def test_a_numeric_network_needs_no_sympy_until_asked_for_sympy_values():
    out = _python("import sys, symcnn\n"
                  "net = symcnn.load('examples/vgg16.cnn')\n"
                  "print('sympy' in sys.modules)\n"
                  "print(type(net.params).__name__, net.params, 'sympy' in sys.modules)\n"
                  "t = net.exact.totals.trainable\n"
                  "print(type(t).__name__, t, 'sympy' in sys.modules)")
    assert out.stdout.split() == ["False", "int", "138357544", "False",
                                  "Integer", "138357544", "True"]


def test_the_command_lines_text_table_of_a_numeric_network_needs_no_sympy():
    out = _python("import contextlib, io, sys\n"
                  "from symcnn import cli\n"
                  "table = io.StringIO()\n"
                  "with contextlib.redirect_stdout(table):\n"
                  "    status = cli.main(['-f', 'examples/vgg16.cnn'])\n"
                  "print(status, 'sympy' in sys.modules,\n"
                  "      '138,357,544 (138.4 M)' in table.getvalue())")
    assert out.stdout.split() == ["0", "False", "True"]


@pytest.mark.parametrize("argv, total", [
    (["zoo", "resnet50", "--set", "n=224"], "25,557,032 (25.6 M)"),
    (["I(n, n, 3) C(8, k) G O(10)", "--set", "n=32", "k=2^2 - 1"], "trainable params      314"),
])
def test_set_computes_with_numbers_from_the_start_without_sympy(argv, total):
    out = _python("import contextlib, io, sys\n"
                  "from symcnn import cli\n"
                  "table = io.StringIO()\n"
                  "with contextlib.redirect_stdout(table):\n"
                  f"    status = cli.main({argv!r})\n"
                  "print(status, 'sympy' in sys.modules,\n"
                  f"      {total!r} in table.getvalue())")
    assert out.stdout.split() == ["0", "False", "True"]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_json_and_csv_of_a_numeric_network_need_no_sympy(fmt):
    out = _python("import sys, symcnn\n"
                  "net = symcnn.load('examples/vgg16.cnn')\n"
                  f"text = net.render({fmt!r})\n"
                  "print('sympy' in sys.modules, '86704128' in text,\n"
                  "      '(3*3*3 + 1)*64' in text)")
    assert out.stdout.split() == ["False", "True", "True"]


WRITTEN = [name for name in ("vgg16", "resnet50", "mobilenet_v2", "efficientnet_b0",
                             "inception_v3", "densenet121", "convnext_tiny", "swin_t",
                             "vit_b_16", "regnet_y_400mf", "shufflenet_v2_x1_0",
                             "squeezenet1_0", "maxvit_t")]


@pytest.mark.parametrize("name", WRITTEN)
def test_json_and_csv_from_python_numbers_equal_sympys(name):
    """JSON and CSV written from a numeric network's Python numbers (``_text.numeric``)
    are what sympy's printers write from its sympy values (``net.exact``)."""
    import symcnn
    from symcnn import zoo

    size = 224 if name != "inception_v3" else 299
    fast = symcnn.parse(f"n = {size}\n" + zoo.source(name))
    slow = symcnn.parse(f"n = {size}\n" + zoo.source(name))
    slow.__dict__["evaluated"] = slow.exact  # the cached view, as sympy values
    memory = fast.memory(batch=4)
    for fmt in ("json", "csv"):
        for layout in ("hwc", "chw"):
            assert fast.render(fmt, layout=layout) == slow.render(fmt, layout=layout)
        assert fast.render(fmt, memory=memory) == slow.render(fmt, memory=memory)
