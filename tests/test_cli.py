"""The command line: what it prints, its exit status, and that no input, signal or closed
pipe ends in a Python traceback."""

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from symcnn import __version__, cli, limits

ROOT = Path(__file__).resolve().parent.parent
MNIST = "I(28,28,1) C(32,5) P(2) C(32,3) P(2) D(256) O(10)"


def run(*argv, stdin=None):
    """``python -m symcnn`` as a separate process, as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "symcnn", *argv], input=stdin, cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


def call(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_table(capsys):
    status, out, err = call(capsys, MNIST)
    assert status == 0 and err == ""
    assert "C1     (24, 24, 32)  (5·5·1 + 1)·32 = 832" in out
    assert "trainable params      217,706 (217.7 k)" in out


def test_python_dash_m_and_stdin():
    done = run("-f", "-", stdin=MNIST + "\n")
    assert done.returncode == 0, done.stderr
    assert "217,706" in done.stdout
    assert run(MNIST).stdout == done.stdout


def test_file(capsys):
    status, out, _ = call(capsys, "-f", "examples/vgg16.cnn")
    assert status == 0 and "553,430,176 bytes (527.8 MiB)" in out


def test_set_with_expressions_leaves_other_symbols_free(capsys):
    status, out, _ = call(capsys, "I(n,n,c) C(f,k) D(10)", "--set", "n=2*k", "c=3",
                          "--format", "json")
    assert status == 0
    data = json.loads(out)
    assert data["symbols"] == ["f", "k"]
    assert data["layers"][1]["output_shape"] == ["k + 1", "k + 1", "f"]
    status, out, _ = call(capsys, "I(n,n,1) C(32,k) P(2) C(32,3) P(2) D(256) O(10)",
                          "--set", "n=28", "--set", "k=5", "--format", "csv")
    assert out.splitlines()[1:3] == ["0,input,I,0,\"(28, 28, 1)\",0,0,0,0",
                                     "1,C1,C,0,\"(24, 24, 32)\",(5*5*1 + 1)*32,832,0,460800"]


@pytest.mark.parametrize("argv, message", [
    (["I(n,n,1) C(4,3)", "--set", "n"], "--set takes NAME=VALUE"),
    (["I(n,n,1) C(4,3)", "--set", "m=3"], "m is not a free symbol"),
    (["I(n,n,1) C(4,3)", "--set", "n=__import__('os')"], "syntax error"),
    (["-f", "no/such/file.cnn"], "cannot read no/such/file.cnn"),
    (["I(n,n,1) C(4,3)", "--set", "n=2"], "output height is 0"),
])
def test_bad_input_is_exit_2_with_one_message(capsys, argv, message):
    status, out, err = call(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith("symcnn: ") and message in err
    assert "Traceback" not in err


def test_syntax_error_has_position_and_caret(capsys):
    status, _, err = call(capsys, "I(28,28,1) C(32,5) P(2)) D(10)")
    assert status == 2
    assert err.splitlines()[0] == ("symcnn: syntax error: line 1, column 24: ')' closes "
                                   "nothing: there is no '(' before it")
    lines = err.splitlines()
    assert lines[-2] == "    I(28,28,1) C(32,5) P(2)) D(10)"
    assert lines[-1] == "    " + " " * 23 + "^"


def test_shape_error_names_the_layer(capsys):
    status, _, err = call(capsys, "I(8,8,1)\nC(4,3) C(4,9)")
    assert status == 2
    assert err.splitlines()[0] == ("symcnn: error: layer 2 (C2), line 2, column 8: output "
                                   "height is -2 (input (6, 6, 4)); it must be at least 1")


def test_errors_fit_one_screen(capsys):
    long_line = "I(28,28,1) " + "ReLU " * 5000 + "C(32,5"
    status, _, err = call(capsys, long_line)
    assert status == 2
    lines = err.splitlines()
    assert len(lines) <= 20 and max(len(line) for line in lines) <= 130
    caret = lines[-1].index("^")
    assert lines[-2][caret - 5:caret + 1].endswith("C(32,5"[-1])


def test_usage_errors_are_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main([])
    assert stop.value.code == 2
    with pytest.raises(SystemExit) as stop:
        cli.main([MNIST, "--format", "yaml"])
    assert stop.value.code == 2
    assert "invalid choice: 'yaml'" in capsys.readouterr().err


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"symcnn {__version__}\n"
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "symcnn zoo" in out and "--set n=28 k=5" in out
    # every example in the help runs
    for line in out.split("examples:")[1].splitlines():
        line = line.strip()
        if line.startswith('symcnn "'):
            argv = __import__("shlex").split(line)[1:]
            assert cli.main(argv) == 0, line
            capsys.readouterr()


def test_formula(capsys):
    status, out, _ = call(capsys, "I(n,n,c) C(f,k,s=s,p=p)", "--formula", "--assume-divisible")
    assert status == 0
    assert out == ("trainable params      f·(c·k² + 1)\n"
                   "non-trainable params  0\n"
                   "MACs                  c·f·k²·((n + 2p − k)/s + 1)²\n")
    status, out, _ = call(capsys, "I(f) D(u) O(u)", "--formula", "--factor", "--format", "json")
    assert json.loads(out)["params"] == "u*(f + u + 2)"
    status, out, _ = call(capsys, "I(f) D(u) O(u)", "--formula", "--collect", "z")
    assert status == 2


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json", "csv"])
def test_every_format(capsys, fmt):
    status, out, _ = call(capsys, MNIST, "--format", fmt, "--layout", "chw")
    assert status == 0 and out.endswith("\n")
    if fmt == "csv":  # rows only: the totals are the column sums
        rows = list(csv.DictReader(io.StringIO(out)))
        assert sum(int(r["params"]) for r in rows) == 217706
    else:
        assert "217706" in out.replace(",", "").replace("{}", "")
    status, out, _ = call(capsys, MNIST, "--format", fmt, "--formula")
    assert status == 0 and "217706" in out.replace(",", "").replace("{}", "")


def test_latex_kinds(capsys):
    for kind, start in [("table", r"\noindent"), ("align", r"\begin{align*}"),
                        ("document", r"\documentclass{article}")]:
        status, out, _ = call(capsys, MNIST, "--format", "latex", "--latex", kind)
        assert status == 0 and out.startswith(start)


def test_width(capsys):
    status, out, _ = call(capsys, "-f", "examples/vgg16.cnn", "--width", "50")
    assert status == 0 and max(len(line) for line in out.splitlines()) <= 50


def test_piped_output_is_plain_and_stable():
    first = run("I(n,n,c) C(f1,k1,s=s1,p=p1) P(2) C(f2,k2) H(h) O(o)")
    assert first.returncode == 0
    assert first.stdout == run("I(n,n,c) C(f1,k1,s=s1,p=p1) P(2) C(f2,k2) H(h) O(o)").stdout
    assert "\x1b" not in first.stdout
    # not fitted to any terminal: the long symbolic rows stay on one line each
    assert len([line for line in first.stdout.splitlines() if line]) == 6 + 2 + 6


def test_zoo(capsys):
    status, out, _ = call(capsys, "zoo")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["network", "input", "params", "MACs"]
    rows = {line.split()[0]: re.split(r"\s{2,}", line) for line in lines[2:]}
    assert rows["vgg16"][:3] == ["vgg16", "(224, 224, 3)", "138,357,544"]
    assert rows["lenet5"][:3] == ["lenet5", "(32, 32, 1)", "61,706"]
    status, out, _ = call(capsys, "zoo", "vgg16", "--set", "n=224")
    assert status == 0 and "138,357,544 (138.4 M)" in out
    status, _, err = call(capsys, "zoo", "vgg_16")
    assert status == 2 and "did you mean vgg16" in err
    status, out, err = call(capsys, "zoo", "--set", "n=32")
    assert status == 0 and "alexnet is left out, it is invalid here" in err
    assert "alexnet" not in out and "(32, 32, 3)" in out
    status, _, err = call(capsys, "zoo", "--formula")
    assert status == 2 and "symcnn zoo NAME" in err


def test_commands_are_small_functions():
    assert set(cli.COMMANDS) >= {"zoo"}
    for command in cli.COMMANDS.values():
        assert callable(command.arguments) and callable(command.run) and command.help


def test_keyboard_interrupt_is_exit_130(capsys, monkeypatch):
    def interrupted(argv):
        raise KeyboardInterrupt
    monkeypatch.setattr(cli, "_run", interrupted)
    assert cli.main([MNIST]) == 130
    assert capsys.readouterr().err == "symcnn: interrupted\n"


def test_internal_errors_have_no_traceback(capsys, monkeypatch):
    def broken(argv):
        raise ZeroDivisionError("boom")
    monkeypatch.setattr(cli, "_run", broken)
    assert cli.main([MNIST]) == 1
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError: boom" in err and "Traceback" not in err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_closed_pipe_is_quiet():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "symcnn", "-f", "examples/vgg16.cnn",
                                "--format", "json"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.readline()
    process.stdout.close()  # the reader goes away, as `| head -1` does
    err = process.stderr.read().decode()
    status = process.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err
    assert status in (0, 141, -signal.SIGPIPE)


@pytest.mark.parametrize("fmt, start", [("json", "["), ("csv", "name,input_shape,params,macs"),
                                        ("markdown", "| network |"),
                                        ("latex", r"\begingroup")])
def test_zoo_list_formats(capsys, fmt, start):
    status, out, _ = call(capsys, "zoo", "--format", fmt)
    assert status == 0 and out.startswith(start) and "vgg16" in out
    if fmt == "json":
        entry = next(e for e in json.loads(out) if e["name"] == "vgg16")
        assert entry["params"] == 138357544


def test_stdin_must_be_utf8():
    done = subprocess.run(
        [sys.executable, "-m", "symcnn", "-f", "-"], input=b"I(4,4,1) \xff", cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.decode() == "symcnn: error: standard input is not UTF-8 text\n"


def test_integers_longer_than_pythons_default_print_limit(capsys, monkeypatch):
    monkeypatch.setattr(limits, "MAX_BITS", 30_000)  # by default 2^10000 at most
    status, out, _ = call(capsys, "I(2^20000, 1, 1) D(2)", "--format", "json")
    assert status == 0
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # for json.loads here
    try:
        assert json.loads(out)["totals"]["trainable"] == (2**20000 + 1) * 2
    finally:
        sys.set_int_max_str_digits(limit)
    assert sys.get_int_max_str_digits() == limit
