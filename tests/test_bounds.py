"""Every reproduction of issue 9 (items 3 and 4), run as a command-line process: it
exits 0 or 2 within 3 seconds and 400 MB. Peak memory is bounded by ``RLIMIT_AS`` in the
child (an allocation past it fails, and the process exits 1); wall time by the clock.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

import symcnn
from symcnn import limits

SECONDS = 3.0
# RLIMIT_AS bounds address space, which a Python with sympy and lark loaded reserves
# well beyond what it touches; resident memory is checked through getrusage below.
ADDRESS_SPACE = 2 * 1024**3
RESIDENT_MB = 400


def convs(count: int) -> str:
    return "I(n,n,c0) " + " ".join(f"C(c{i},k{i},p=p{i})" for i in range(1, count + 1))


REPRODUCTIONS = {
    "ceil pools x3": (["I(n,n,3) [P(2,s=3,ceil=true)] * 3"], 0),
    "ceil pools x4": (["I(n,n,3) [P(2,s=3,ceil=true)] * 4"], 0),
    "factor of 7 convs": ([convs(7), "--formula", "--factor"], 2),
    "expand of 60 convs": ([convs(60), "--formula", "--expand"], 2),
    "collect of 60 convs": ([convs(60), "--formula", "--collect", "n"], 2),
    "ReLU * 999999": (["I(1) ReLU * 999999"], 2),
    "D(1) * 999999": (["I(1) D(1) * 999999"], 2),
    "1,000 floors": (["I(" + "+".join(f"floor(x{i}/{i + 2})" for i in range(1000)) + ")"],
                     0),
    "1,000 dense of distinct floors": (
        ["I(n) " + " ".join(f"D(floor(n/{i + 2})+1)" for i in range(1000))], 2),
    "1,000 dense alike": (["I(n) " + " ".join("D(floor(n/2)+1)" for _ in range(1000))], 0),
    "Cat of 3,000 branches": (
        ["I(n,n,c) Cat(" + ", ".join("[C(8,1)]" for _ in range(3000)) + ")"], 0),
    "Cat of 3,000 symbolic branches": (
        ["I(n,n,c) Cat(" + ", ".join(f"[C(f{i},1)]" for i in range(3000)) + ")"], 2),
    "Cat of 3,000 branches, factor": (
        ["I(n,n,c) Cat(" + ", ".join(f"[C(f{i},1)]" for i in range(300)) + ")",
         "--formula", "--factor"], 2),
    # every layer on a new shape: none is replayed
    "json at the layer limit": ([f"I(8,8,3) [C(3,(3,5),p=(2,3),g=3)] * {10_000 - 1}",
                                 "--format", "json"], 0),
}


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run(args: list[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    # a long program goes through a file, as argv has its own limits
    if len(args[0]) > 10_000:
        file = tmp_path / "network.cnn"
        file.write_text(args[0], encoding="utf-8")
        args = ["-f", str(file), *args[1:]]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "symcnn", *args], capture_output=True,
                            text=True, timeout=60, preexec_fn=_bounded)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = after.ru_maxrss  # KiB, of the largest child so far
    assert peak < RESIDENT_MB * 1024 or before.ru_maxrss >= RESIDENT_MB * 1024, \
        f"{peak // 1024} MB"
    # CPU time: the test suite runs on several workers, which stretch wall time
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    assert wall < 4 * SECONDS, f"{wall:.1f} s wall"
    return result, cpu


@pytest.mark.parametrize("name", list(REPRODUCTIONS))
def test_each_reproduction_ends_quickly(name, tmp_path):
    args, status = REPRODUCTIONS[name]
    result, cpu = run(args, tmp_path)
    assert result.returncode == status, result.stderr
    assert cpu < SECONDS, f"{cpu:.1f} s of CPU"
    if status == 2:
        (first, *_) = result.stderr.splitlines()
        assert first.startswith("symcnn: error: ") and "the limit is MAX_" in first
        assert "Traceback" not in result.stderr


# ---- what each limit says, in Python -------------------------------------------------

def test_the_layer_limit_comes_before_any_layer():
    with pytest.raises(symcnn.LimitError, match="MAX_LAYERS = 10,000"):
        symcnn.parse("I(1) ReLU * 999999")


def test_symbolic_work_is_bounded_as_the_layers_are_made():
    text = "I(n) " + " ".join(f"D(floor(n/{i + 2})+1)" for i in range(1000))
    with pytest.raises(symcnn.LimitError, match="MAX_SYMBOLIC_NODES = 10,000") as caught:
        symcnn.parse(text)
    assert "symcnn.limits.MAX_SYMBOLIC_NODES" in str(caught.value)
    assert caught.value.line == 1 and 1000 < caught.value.column < len(text)


def test_a_sum_is_measured_before_sympy_builds_it(monkeypatch):
    monkeypatch.setattr(limits, "MAX_NODES", 100)
    with pytest.raises(symcnn.LimitError, match="this sum has 201 operations"):
        symcnn.parse("I(" + " + ".join(f"x{i}" for i in range(201)) + ")")


def test_totals_are_bounded_while_they_are_summed(monkeypatch):
    monkeypatch.setattr(limits, "MAX_NODES", 500)
    net = symcnn.parse("I(n) " + " ".join(f"D(u{i})" for i in range(300)))
    with pytest.raises(symcnn.LimitError, match="the total trainable params has more than"):
        _ = net.params


@pytest.mark.parametrize("options, forecast", [
    ({"expand": True}, "21,325"), ({"factor": True}, None), ({"collect": "n"}, None)])
def test_rearrangements_forecast_their_cost(options, forecast):
    net = symcnn.parse(convs(30))
    with pytest.raises(symcnn.LimitError, match="MAX_TERMS = 3,000") as caught:
        net.formula("macs", **options)
    if forecast:
        assert f"as much as {forecast} expanded terms" in str(caught.value)


def test_small_rearrangements_still_work():
    net = symcnn.parse(convs(3))
    assert net.formula("params", factor=True) == symcnn.parse(convs(3)).params.factor()
    assert net.formula("macs", expand=True).is_Add


def test_a_recursion_error_in_sympy_becomes_a_limit_error(monkeypatch):
    import sympy

    def deep(expr):
        raise RecursionError
    monkeypatch.setattr(sympy, "factor", deep)
    with pytest.raises(symcnn.LimitError, match="MAX_TERMS"):
        symcnn.parse("I(n, n, c) C(f, 3)").formula("params", factor=True)


def test_the_text_table_pads_no_column_to_a_very_long_cell():
    net = symcnn.parse("I(n,n,c) Cat(" + ", ".join(f"[C(f{i},1)]" for i in range(300)) + ")")
    lines = net.render("text").splitlines()
    long = [line for line in lines if len(line) > 200]
    # the Cat's row, and the channel sum in the totals (params, MACs, FLOPs, weights)
    assert len(long) <= 6 and len(lines) > 300
