"""Sweeps: the NumPy evaluation over a grid equals ``net.subs`` point by point, exactly,
in int64 where that is safe and in Python integers where int64 would overflow."""

import contextlib
import io
import random
import subprocess
import sys
from pathlib import Path

import pytest

import symcnn
from symcnn import cli

np = pytest.importorskip("numpy")

ROOT = Path(__file__).resolve().parent.parent

# Each network with a grid that has valid and invalid points; together they reach every
# kind of formula a sweep prints: floor and ceiling of fractions, Mod (groups), Max
# (transposed-conv output padding), Piecewise (ceil-mode pooling) and Cat's sums.
NETWORKS = [
    ("I(n, n, 3) C(f, k) P(2) C(2*f, k, p=1) P(2) D(256) O(10)",
     {"n": range(1, 40), "k": [1, 3, 5, 7], "f": [1, 8, 13]}),
    (("I(n, n, c) C(f, k, s=s, p=p, g=g) P(3, s=2, p=1, ceil=true) T(f, 3, s=2, op=op) "
      "Cat([C(8, 1)], [A(3, s=1, p=1)]) DW(3, p=same, s=2) Res([BN ReLU]) G D(10)"),
     {"n": range(1, 30, 3), "c": [2, 3, 4], "f": [2, 4, 6], "k": [1, 2, 3], "s": [1, 2, 3],
      "p": [0, 1, 2], "g": [1, 2], "op": [0, 1, 2]}),
    ("I(n, n, 3) P(k, s=s, ceil=true) A(2, p=p, ceil=true)",
     {"n": range(1, 20), "k": [1, 2, 3, 4], "s": [1, 2, 3, 5], "p": [0, 1]}),
    (("def block(c, r) = [C(c, 3, p=1) ReLU] * r  P(2)\n"
      "I(n, n, 3) block(64, 2) block(128, 2) block(256, 3) block(512, 3) block(512, 3)\n"
      "D(4096) ReLU Drop(0.5) D(4096) ReLU Drop(0.5) O(1000)"),
     {"n": range(1, 300)}),
]


def numeric(net):
    shape = tuple(int(v) for v in net.output_shape)
    return int(net.params), int(net.non_trainable), int(net.macs), shape


@pytest.mark.parametrize("text, grid", NETWORKS, ids=range(len(NETWORKS)))
def test_sweep_equals_subs_at_sampled_points(text, grid):
    net = symcnn.parse(text)
    table = net.sweep(**grid)
    names = [s.name for s in net.symbols]
    assert len(table) == np.prod([len(grid[name]) for name in names])
    shape_columns = [c for c in table.columns if c.startswith("out_")]
    rows = list(table.rows())
    valid = sum(r["valid"] for r in rows)
    assert 0 < valid < len(rows), "the grid should hold valid and invalid points"
    for row in random.Random(5).sample(rows, min(len(rows), 60)):
        point = {name: row[name] for name in names}
        try:
            expected = numeric(net.subs(**point))
        except symcnn.ShapeError:
            assert not row["valid"], point
            continue
        assert row["valid"], point
        got = (row["params"], row["non_trainable"], row["macs"],
               tuple(row[c] for c in shape_columns))
        assert got == expected, point


def test_symbols_named_as_what_the_code_calls():
    # the printed code calls numpy.where (ceil-mode pooling) and numpy.minimum
    net = symcnn.parse("I(numpy, numpy, 3) P(max, s=s, ceil=true) A(2, p=p, ceil=true) C(4, 1)")
    table = net.sweep(numpy=range(1, 12), max=[1, 2, 3], s=[1, 2, 3], p=[0, 1])
    assert 0 < sum(table["valid"]) < len(table)
    for row in table.rows():
        point = {name: row[name] for name in ("numpy", "max", "s", "p")}
        if row["valid"]:
            assert row["macs"] == int(net.subs(**point).macs), point
        else:
            with pytest.raises(symcnn.ShapeError):
                net.subs(**point)


def test_sweep_is_exact_in_int64_and_types_are_integers():
    net = symcnn.parse("I(n, n, 3) C(64, 3, p=1) P(2) D(10)")
    table = net.sweep(n=[31, 32, 224])
    assert table["params"].dtype == np.int64
    assert table["params"].tolist() == [(3 * 3 * 3 + 1) * 64 + (15 * 15 * 64 + 1) * 10,
                                        (3 * 3 * 3 + 1) * 64 + (16 * 16 * 64 + 1) * 10,
                                        (3 * 3 * 3 + 1) * 64 + (112 * 112 * 64 + 1) * 10]
    assert table["out_f"].tolist() == [10, 10, 10]


def test_values_beyond_int64_fall_back_to_python_integers():
    net = symcnn.parse("I(n, n, c) C(f, k) D(u)")
    huge = 10**6
    table = net.sweep(n=[huge, 5], c=[huge], f=[huge], k=[3], u=[huge, 7])
    assert table["params"].dtype == object and table["macs"].dtype == object
    for row in table.rows():
        point = {name: row[name] for name in ("n", "c", "f", "k", "u")}
        expected = numeric(net.subs(**point))
        assert (row["params"], row["non_trainable"], row["macs"], (row["out_f"],)) == expected
        assert type(row["params"]) is int
    assert table["params"][0] > 2**63  # really past int64
    # the columns that stay small stay int64
    assert table["out_f"].dtype == np.int64


def test_just_past_int64():
    # 2^62 parameters fit; twice as many do not: the bound must switch exactly there.
    net = symcnn.parse("I(1) D(u, bias=false) D(v, bias=false)")
    table = net.sweep(u=[2**31], v=[2**31, 2**32])
    assert table["params"].tolist() == [2**31 + 2**62, 2**31 + 2**63]


def test_a_single_integer_is_a_one_value_axis_and_symbols_may_be_given_as_symbols():
    net = symcnn.parse("I(n, n, 1) C(8, k)")
    n = net.symbols[1]
    table = net.sweep({n: range(5, 8)}, k=3)
    assert table["out_h"].tolist() == [3, 4, 5]
    assert list(table.columns) == ["n", "k", "params", "non_trainable", "macs",
                                   "out_h", "out_w", "out_c", "valid"]


@pytest.mark.parametrize("grid, message", [
    ({"n": [28]}, "give values for k"),
    ({"n": [28], "k": [3], "m": [1]}, "m is not a free symbol"),
    ({"n": [28], "k": [3.0]}, "must be integers"),
    ({"n": [0, 28], "k": [3]}, "at least 1"),
    ({"n": [], "k": [3]}, "no values"),
    ({"n": [28], "k": [True]}, "must be integers"),
])
def test_bad_grids_are_clear_errors(grid, message):
    net = symcnn.parse("I(n, n, 1) C(8, k)")
    with pytest.raises(symcnn.SymcnnError, match=message):
        net.sweep(**grid)


def test_paddings_may_be_zero():
    net = symcnn.parse("I(8, 8, 1) C(8, 3, p=p)")
    assert net.sweep(p=[0, 1])["out_h"].tolist() == [6, 8]


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def test_command_line_writes_csv(tmp_path):
    status, out, _ = run_cli("sweep", "I(n,n,1) C(32,k) P(2) C(32,3) P(2) D(256) O(10)",
                             "n=28,32..36:4", "k=5")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "n,k,params,non_trainable,macs,out_f,valid"
    assert lines[1].startswith("28,5,217706,0,")
    assert len(lines) == 4
    target = tmp_path / "vgg.csv"
    status, out, _ = run_cli("sweep", "-f", str(ROOT / "examples" / "zoo" / "vgg16.cnn"),
                             "n=16,224", "-o", str(target))
    assert status == 0 and out == ""
    _, small, large = target.read_text().splitlines()
    assert small.startswith("16,") and small.endswith(",false")  # floor(16/32) = 0
    assert large == "224,138357544,0,15470264320,1000,true"


@pytest.mark.parametrize("argv, message", [
    (["I(n,n,1) C(8,k)", "n=28"], "give values for k"),
    (["I(n,n,1) C(8,k)", "n=28", "k=1..9:0"], "step"),
    (["I(n,n,1) C(8,k)", "n=28", "k=3x"], "not understood"),
    (["n=28"], "give one network"),
    (["I(n,n,1) C(8,", "n=28"], "line 1"),
])
def test_command_line_errors(argv, message):
    status, out, err = run_cli("sweep", *argv)
    assert status == 2 and out == ""
    assert err.startswith("symcnn: ") and message in err


def test_import_symcnn_does_not_import_numpy():
    code = "import sys, symcnn; symcnn.parse('I(n,n,1) C(8,3)').params; " \
           "print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


# ---- sizes are checked before anything is built ----------------------------------------

@pytest.mark.parametrize("grid, message", [
    ({"n": range(1, 300_000_001), "f": 1},
     "this sweep has 300,000,000 configurations (300,000,000 values of n × 1 value of f)"),
    ({"n": range(1, 9_000_001), "f": range(1, 9_000_001)},
     "81,000,000,000,000 configurations"),
    ({"n": range(10**30, 0, -7), "f": [1]},
     "142,857,142,857,142,857,142,857,142,858 configurations"),
    ({"n": np.arange(1, 2_000_001), "f": 1}, "2,000,000 configurations"),
    ({"n": iter(int, 1), "f": [1]}, "n has more than 1,000,000 values"),
])
def test_a_grid_past_MAX_CONFIGURATIONS_is_refused_before_it_is_built(grid, message):
    net = symcnn.parse("I(n, n, f) D(10)")
    with pytest.raises(symcnn.LimitError, match="MAX_CONFIGURATIONS") as caught:
        net.sweep(**grid)
    assert message in str(caught.value)
    assert "symcnn.limits.MAX_CONFIGURATIONS" in str(caught.value)
    assert "SYMCNN_MAX_CONFIGURATIONS" in str(caught.value)


def test_numbers_wider_than_64_bits_count_once_per_64_bits(monkeypatch):
    net = symcnn.parse("I(n) D(10^2000)")  # params: 10^2000·n + 10^2000, 6,644 bits and more
    monkeypatch.setattr(symcnn.limits, "MAX_CONFIGURATIONS", 1_000)
    assert len(net.sweep(n=range(1, 10))) == 9  # 9 × 105 words
    with pytest.raises(symcnn.LimitError, match="reach 6,6.. bits, as much work as "):
        net.sweep(n=range(1, 11))


@pytest.mark.parametrize("text, grid", [("I(n) D(10)", {"n": [2**10_001]}),
                                        ("I(n) D(10^3000) D(10^3000) D(10^3000)", {"n": [2]}),
                                        ("I(n) D(10)", {"n": [True]})])
def test_numbers_past_MAX_BITS_are_refused(text, grid):
    with pytest.raises(symcnn.SymcnnError, match="MAX_BITS|must be integers"):
        symcnn.parse(text).sweep(**grid)


def test_raising_MAX_CONFIGURATIONS_lets_the_sweep_through(monkeypatch):
    net = symcnn.parse("I(n) D(10)")
    monkeypatch.setattr(symcnn.limits, "MAX_CONFIGURATIONS", 10)
    with pytest.raises(symcnn.LimitError, match="MAX_CONFIGURATIONS = 10 "):
        net.sweep(n=range(1, 12))
    monkeypatch.setattr(symcnn.limits, "MAX_CONFIGURATIONS", 11)
    assert net.sweep(n=range(1, 12))["params"].tolist() == [10 * n + 10 for n in range(1, 12)]


def test_the_command_line_sizes_ranges_before_making_them():
    status, out, err = run_cli("sweep", "I(n, n, f)", "n=1..9000000", "f=1..9000000")
    assert status == 2 and out == ""
    assert "81,000,000,000,000 configurations (9,000,000 values of n × 9,000,000 values of " \
           "f)" in err
    status, _, err = run_cli("sweep", "I(n)", "n=1" + "0" * 5000)
    assert status == 2 and "n: a number of 5,001 digits; the limit is MAX_BITS" in err


def test_sweep_reads_standard_input_as_the_main_command_does(monkeypatch):
    for data, message in [(b"I(n) \xff", "standard input is not UTF-8 text"),
                          (b"I(n)" + b" " * 5 * symcnn.limits.MAX_TEXT, "MAX_TEXT")]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        status, out, err = run_cli("sweep", "-f", "-", "n=1..3")
        assert status == 2 and message in err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"I(n) D(2)")))
    status, out, _ = run_cli("sweep", "-f", "-", "n=1..3")
    assert status == 0 and out.splitlines()[1:] == ["1,4,0,2,2,true", "2,6,0,4,2,true",
                                                    "3,8,0,6,2,true"]


def test_without_numpy_a_sweep_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(ImportError, match=r'pip install "symcnn\[sweep\]"'):
        symcnn.parse("I(n) D(2)").sweep(n=[1])
    status, _, err = run_cli("sweep", "I(n) D(2)", "n=1")
    assert status == 2 and 'pip install "symcnn[sweep]"' in err
