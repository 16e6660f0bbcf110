"""Whatever symcnn reads, it answers with a result or a SymcnnError, fast, and never runs
the text as code.

Four parts: the package source holds no way to run text (an AST scan); text made to run
code, sent through every entry point, runs nothing; hostile and broken text gives only
SymcnnError (exit 2 from the command line); every limit stops its program with an error
that names it, before Python's own recursion limit is near. The last part checks that
exact arithmetic stays exact at the edges.
"""

import ast
import sys
from pathlib import Path

import pytest
import sympy

import symcnn
from symcnn import cli, limits, zoo
from symcnn.network import _TOO_DEEP

PACKAGE = Path(symcnn.__file__).resolve().parent

# ---- 1. no way to run text in the package source --------------------------------------

# Called by any name (``sympy.sympify``, ``os.system``), or, for the builtins, bare.
FORBIDDEN_CALLS = {"eval", "exec", "__import__", "sympify", "parse_expr", "S", "lambdify",
                   "load_module", "import_module", "system", "popen"}  # json.loads is data
FORBIDDEN_BUILTINS = {"compile"}  # re.compile is fine
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve", "subprocess",
                     "sympy.parsing", "importlib.import_module"}


def forbidden(source: str) -> list[str]:
    """Every call or import in ``source`` that could run text as code."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in FORBIDDEN_CALLS or (isinstance(func, ast.Name)
                                           and name in FORBIDDEN_BUILTINS):
                found.append(f"line {node.lineno}: call of {name}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            names = [a.name for a in node.names]
            for module in modules + names:
                if (module in FORBIDDEN_MODULES or module.split(".")[0] in FORBIDDEN_MODULES
                        or module in FORBIDDEN_CALLS):
                    found.append(f"line {node.lineno}: import of {module}")
    return found


def test_the_scan_finds_what_it_looks_for():
    source = ("import pickle\nfrom sympy.parsing.sympy_parser import parse_expr\n"
              "from sympy import sympify\nx = eval(t)\ny = sympy.S(t)\nz = sympify(t)\n")
    assert len(forbidden(source)) >= 6
    assert forbidden("sympy.S.true\nsympy.Integer(3)\n") == []


# Reviewed exceptions. _integer_eval.py (the integer code of sweeps and valid sizes)
# lambdifies an expression the grammar built: lambdify prints it and runs the printed
# code, but every name in it is a free symbol, which the grammar only lets be an
# identifier ([A-Za-z_][A-Za-z0-9_]*), and lambdify turns names Python reserves into
# dummies, so no text a user wrote can become code.
REVIEWED = {("_integer_eval.py", "call of lambdify")}


@pytest.mark.parametrize("module", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_package_source_never_runs_text(module):
    found = forbidden(module.read_text(encoding="utf-8"))
    assert [f for f in found if (module.name, f.split(": ", 1)[1]) not in REVIEWED] == []


# The parser's tables (symcnn/_parser_tables.json, see tests/test_grammar_tables.py) are
# data, read by json: no module is generated, so the scan above has nothing more to cover.
# Nothing else the package ships may be code in disguise either.
DATA_FILES = {".json", ".lark", ".cnn", ".typed"}


def test_the_package_ships_no_pickle_or_other_code_as_data():
    for path in PACKAGE.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".py":
            continue
        assert path.suffix in DATA_FILES, f"{path.name}: what reads it, and how?"
        assert not path.read_bytes().startswith(b"\x80"), f"{path.name} looks like a pickle"


# ---- 2. text made to run code runs nothing --------------------------------------------

def payloads(canary: Path) -> list[str]:
    command = f"touch {canary}"
    return [
        f"__import__('os').system('{command}')",
        f'__import__("os").system("{command}")',
        f"exec(\"import os; os.system('{command}')\")",
        f"eval(\"__import__('os').system('{command}')\")",
        f"I(28, 28, 1) C(__import__('os').system('{command}'), 3)",
        f"n = __import__('os').system('{command}')\nI(n)",
        f"Symbol('x') & Function('f')(1) ; lambda: open('{canary}', 'w')",
        f"$(touch {canary}) `touch {canary}`",
        "os.system",
    ]


def test_code_in_text_runs_through_no_entry_point(tmp_path, capsys, monkeypatch):
    canary = tmp_path / "canary"
    net = symcnn.parse("I(n, n, 1) C(8, k) D(10)")
    for payload in payloads(canary):
        with pytest.raises(symcnn.SymcnnError):
            symcnn.parse(payload)
        file = tmp_path / "payload.cnn"
        file.write_text(payload, encoding="utf-8")
        with pytest.raises(symcnn.SymcnnError):
            symcnn.load(file)
        with pytest.raises(symcnn.SymcnnError):
            net.subs(n=payload)
        with pytest.raises(symcnn.SymcnnError):
            net.subs({payload: 3})
        with pytest.raises(symcnn.SymcnnError):
            zoo.load(payload)
        assert cli.main([payload]) == 2
        assert cli.main(["-f", str(file)]) == 2
        assert cli.main(["I(n, n, 1) C(8, 3)", "--set", f"n={payload}"]) == 2
        assert cli.main(["I(n, n, 1) C(8, 3)", "--set", f"{payload}=3"]) == 2
        monkeypatch.setattr(sys, "stdin", _Stdin(payload))
        assert cli.main(["-f", "-"]) == 2
    capsys.readouterr()
    assert not canary.exists()


class _Stdin:
    def __init__(self, text: str):
        self.text = text

    def read(self, size: int = -1) -> str:
        return self.text if size < 0 else self.text[:size]


def test_zoo_names_are_names_not_paths(tmp_path):
    for name in ("../mnist", "../../examples/mnist", "/etc/passwd", "vgg16\x00", "",
                 "vgg16.cnn", str(tmp_path)):
        with pytest.raises(symcnn.SymcnnError):
            zoo.source(name)


# ---- 3. only SymcnnError, for any text ------------------------------------------------

HOSTILE = {
    "empty": "",
    "blank": " \n\t\n",
    "only a comment": "# nothing here",
    "NUL bytes": "\x00\x00I(1)\x00",
    "control characters": "I(1)\x1b[2J\x07 D(3)",
    "surrogates": "I(1) \ud800",
    "BOM": "\ufeffI(1)",
    "line separator": "I(1)\u2028D(3)",
    "huge number": "I(" + "9" * 5000 + ")",
    "huge decimal": "I(1) Drop(0." + "1" * 5000 + ")",
    "deep parentheses": "I(" + "(" * 100_000 + "1" + ")" * 40_000,
    "deep brackets": "I(1) " + "[" * 45_000 + "]" * 45_000,
    "deep unary minus": "I(1) D(" + "-" * 90_000 + "1)",
    "power tower": "I(1) D(" + "2^" * 40_000 + "2)",
    "power tower of 2": "I(2^2^2^2^2^2)",
    "negative power": "I(1) D(2^-(10^9))",
    "tiny base": "I(1) Drop(0.5^(10^9))",
    "symbolic tower": "I(n) D(n^(10^100))",
    "no input layer": "C(32, 3) D(10)",
    "two input layers": "I(1) I(1)",
    "unknown kind": "I(28,28,1) Conv2D(32, 3)",
    "unknown keyword": "I(28,28,1) C(32, 3, stride=2)",
    "too many arguments": "I(28,28,1) C(1, 2, 3, 4, 5, 6, true, 8)",
    "too few arguments": "I(28,28,1) C(32)",
    "argument twice": "I(28,28,1) C(32, 3, k=3)",
    "positional after keyword": "I(28,28,1) C(f=32, 3)",
    "zero size": "I(0, 28, 1)",
    "negative size": "I(28, 28, -1)",
    "zero stride": "I(28,28,1) C(32, 3, s=0)",
    "zero kernel": "I(28,28,1) C(32, 0)",
    "zero groups": "I(28,28,4) C(8, 3, g=0)",
    "groups that do not divide": "I(28,28,3) C(32, 3, g=2)",
    "branches that differ": "I(28,28,1) Add([C(32, 3)], [C(16, 3)])",
    "Cat of a vector and an image": "I(28,28,1) Cat([F], [])",
    "symbolic repetition count": "I(28,28,1) [C(8, 3, p=1)] * n",
    "fractional repetition count": "I(28,28,1) ReLU * (1/2)",
    "negative repetition count": "I(28,28,1) ReLU * -1",
    "recursive block": "def a = a\nI(1) a",
    "blocks that call each other": "def a = b\ndef b = c\ndef c = a\nI(1) a",
    "division by zero": "I(1) D(1 // 0)",
    "zero to a negative power": "I(1) D(0^-1)",
    "rate out of range": "I(1) Drop(3/2)",
    "word as a size": "I(same)",
    "group as a size": "I(1) D([ReLU])",
    "tuple of three": "I(28,28,1) C(8, (3, 3, 3))",
    "a billion layers": "I(1) [[[ReLU]*1000]*1000]*1000",
    "exponential blocks": "def a = ReLU ReLU\n" + "".join(
        f"def {x} = {y} {y}\n" for x, y in zip("bcdefghijklmnopqrstuvwxyz",
                                                "abcdefghijklmnopqrstuvwxy")) + "I(1) z",
    "too long": "I(1) " + "ReLU " * 30_000,
    "a tall polynomial": "I(1) D((n+1)^40)",
    "an exploding expression": "".join(
        f"n{i} = floor(n{i - 1}/2) + ceil(n{i - 1}/3)\n" for i in range(1, 40)
    ).replace("n0", "n") + "I(n39)",
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_text_gives_only_symcnn_error(text):
    try:
        symcnn.parse(text)
    except symcnn.SymcnnError as error:
        assert _TOO_DEEP not in str(error), "a limit should have stopped this first"
        if error.line is not None:
            assert 1 <= error.line <= text.count("\n") + 1
    else:
        pytest.fail("accepted")


@pytest.mark.parametrize("text", list(HOSTILE.values())[:12], ids=list(HOSTILE)[:12])
def test_hostile_text_on_the_command_line_exits_2(text, capsys):
    assert cli.main([text]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symcnn: ") and " error: " in err and "Traceback" not in err


@pytest.mark.parametrize("data", [b"\xff\xfe\x00I", b"I(28,28,1) \xc3\x28", b"\x80" * 100,
                                  bytes(range(256))])
def test_invalid_utf8_files(tmp_path, data, capsys):
    file = tmp_path / "bad.cnn"
    file.write_bytes(data)
    with pytest.raises(symcnn.SymcnnError, match="not UTF-8"):
        symcnn.load(file)
    assert cli.main(["-f", str(file)]) == 2


def test_files_that_are_not_there_or_not_files(tmp_path):
    for path in (tmp_path / "missing.cnn", tmp_path, "bad\x00name"):
        with pytest.raises(symcnn.SymcnnError):
            symcnn.load(path)


def test_a_file_larger_than_the_limit_is_not_read_whole(tmp_path):
    file = tmp_path / "big.cnn"
    file.write_text("I(1)\n" + "ReLU\n" * (limits.MAX_TEXT // 2), encoding="utf-8")
    with pytest.raises(symcnn.LimitError, match="MAX_TEXT"):
        symcnn.load(file)


@pytest.mark.parametrize("values", [
    {"n": "1 +"}, {"n": ""}, {"n": "2^2^2^2^2^2"}, {"n": "(" * 200 + "1" + ")" * 200},
    {"n": 2**20000}, {"n": 0}, {"n": -3}, {"n": sympy.Rational(1, 2)}, {"n": 2.5},
    {"n": True}, {"n": None}, {"n": [1]}, {"m": 3}, {3: 4}, {"n": "m^20"},
    {"n": "9" * 5000}, {"n": "x" * (limits.MAX_TEXT + 1)},
])
def test_subs_gives_only_symcnn_error(values):
    net = symcnn.parse("I(n, n, 1) C(8, 3) D(10)")
    with pytest.raises(symcnn.SymcnnError):
        net.subs(values)


def test_values_put_into_values_are_checked_before_sympy_computes_them():
    net = symcnn.parse("I(n) D(10)").subs(n="m^16")
    with pytest.raises(symcnn.LimitError, match="MAX_BITS"):
        net.subs(m=2**1000)
    with pytest.raises(symcnn.LimitError, match="MAX_BITS"):
        symcnn.parse("I(n, m, k) D(10)").subs(n="m^16", m="k^16", k=2**100)


def test_parse_of_something_not_text_is_a_type_error():
    """A programming mistake, not bad input: documented in parse's docstring."""
    for thing in (None, b"I(1)", 3, ["I(1)"]):
        with pytest.raises(TypeError):
            symcnn.parse(thing)


# ---- 4. the limits ---------------------------------------------------------------------

LIMITED = [
    ("MAX_LAYERS", "I(28,28,1) [[[C(8, 3, p=1)]*1000]*1000]*1000"),
    ("MAX_LAYERS", "I(1) ReLU * (10^100)"),
    ("MAX_LAYERS", HOSTILE["exponential blocks"]),
    ("MAX_LAYERS", "def a(x) = ReLU ReLU\n" + "".join(
        f"def {x}(n) = {y}(2*n) {y}(2*n+1)\n" for x, y in zip("bcdefghijklmnopqrstuvwxyz",
                                                             "abcdefghijklmnopqrstuvwxy"))
        + "I(1) z(1)"),
    ("MAX_BITS", "I(2^2^2^2^2^2)"),
    ("MAX_BITS", "I(1) D(" + "9" * 4000 + ")"),
    ("MAX_BITS", "I(10^3000) D(10^3000) D(10^3000) D(10^3000) D(10^3000)"),
    ("MAX_DEPTH", "I(" + "(" * 45_000 + "1" + ")" * 45_000 + ")"),
    ("MAX_DEPTH", "I(1) " + "[" * 45_000 + "ReLU" + "]" * 45_000),
    ("MAX_DEPTH", "I(1) D(" + "-" * 90_000 + "1)"),
    ("MAX_DEPTH", "def b0 = ReLU\n" + "".join(f"def b{i} = b{i - 1}\n" for i in range(1, 200))
     + "I(1) b199"),
    ("MAX_DEGREE", "I(n) D(n^40)"),
    ("MAX_NODES", "".join(f"n{i} = floor(n{i - 1}/2) + ceil(n{i - 1}/3)\n"
                          for i in range(1, 40)).replace("n0", "n") + "I(n39)"),
    ("MAX_TEXT", "I(1)" + " " * limits.MAX_TEXT),
]


@pytest.mark.parametrize("limit, text", LIMITED, ids=[f"{n}-{t[:20]}" for n, t in LIMITED])
def test_each_limit_names_itself_and_how_to_raise_it(limit, text):
    with pytest.raises(symcnn.LimitError) as caught:
        _with_little_stack(lambda: symcnn.parse(text))
    message = str(caught.value)
    assert f"{limit} = " in message
    assert f"symcnn.limits.{limit}" in message and f"SYMCNN_{limit}" in message


def _with_little_stack(work, frames=300):
    """Runs ``work`` with ``frames`` fewer frames of stack than Python allows, as deep
    inside a caller's program: the limits must still stop every program first."""
    def down(k):
        return down(k - 1) if k else work()
    return down(frames)


def test_raising_a_limit_lets_the_program_through(monkeypatch):
    text = "I(1) ReLU * 2000"
    monkeypatch.setattr(limits, "MAX_LAYERS", 1000)
    with pytest.raises(symcnn.LimitError, match="MAX_LAYERS = 1,000"):
        symcnn.parse(text)
    monkeypatch.setattr(limits, "MAX_LAYERS", 3000)
    assert len(symcnn.parse(text).layers) == 2001


def test_limits_can_be_set_from_the_environment(tmp_path):
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "symcnn", "I(1) ReLU * 20"], capture_output=True, text=True,
        env={"SYMCNN_MAX_LAYERS": "10", "PYTHONPATH": str(PACKAGE.parent)})
    assert result.returncode == 2
    assert "MAX_LAYERS = 10 " in result.stderr


# ---- 5. exact at the edges -------------------------------------------------------------

def test_a_network_of_10_to_the_30_parameters_is_exact():
    net = symcnn.parse("I(10^15) D(10^15) D(10)")
    assert net.params == (10**15 + 1) * 10**15 + (10**15 + 1) * 10
    assert int(net.params) == 1_000_000_000_000_001_000_000_000_000_000 + 10_000_000_000_000_010
    assert net.macs == 10**30 + 10**16


def test_a_1x1_input():
    net = symcnn.parse("I(1, 1, 3) C(8, 1) BN ReLU G D(2)")
    assert [r.output_shape for r in net.layers] == [
        (1, 1, 3), (1, 1, 8), (1, 1, 8), (1, 1, 8), (1, 1, 8), (2,)]
    assert int(net.params) == (3 + 1) * 8 + 2 * 8 + (8 + 1) * 2


def test_a_kernel_as_large_as_the_input():
    net = symcnn.parse("I(5, 7, 3) C(4, (5, 7)) P(1)")
    assert net.layers[1].output_shape == (1, 1, 4)
    assert int(net.layers[1].params) == (5 * 7 * 3 + 1) * 4
    with pytest.raises(symcnn.ShapeError, match="output height is 0"):
        symcnn.parse("I(5, 7, 3) C(4, 6)")


def test_padding_larger_than_the_kernel_against_pytorch():
    torch = pytest.importorskip("torch")
    net = symcnn.parse("I(5, 5, 1) C(2, 3, p=5) T(3, 2, p=0) A(2, s=1, p=1)")
    x = torch.zeros(1, 1, 5, 5)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=5),
                                torch.nn.ConvTranspose2d(2, 3, 2),
                                torch.nn.AvgPool2d(2, stride=1, padding=1))
    shapes = []
    for layer in model:
        x = layer(x)
        shapes.append(tuple(x.shape[2:]) + (x.shape[1],))
    assert [r.output_shape for r in net.layers[1:]] == shapes
    assert int(net.params) == sum(p.numel() for p in model.parameters())
    with pytest.raises(symcnn.ShapeError, match="at most half the kernel"):
        symcnn.parse("I(5, 5, 1) P(2, p=2)")  # PyTorch refuses it as well
