"""Coverage-guided fuzzing of symcnn with atheris (libFuzzer), through four entry points,
chosen by the first argument:

``parse`` (the default)
    Every input is decoded as text and given to ``symcnn.parse``; a network that comes
    out is printed in its canonical form and parsed again, and substituted when it has
    free symbols.
``cli``
    The input is cut into a command line (``symcnn``, ``symcnn zoo`` or ``symcnn
    sweep`` with a program, options, ``--set`` values, sweep values and standard input)
    and given to ``symcnn.cli.main`` with its output captured: only exit statuses 0 and
    2 are allowed, and a message on standard error must hold no control character.
``formula``
    A program and the options of ``net.formula`` (the total, collect, factor, expand,
    assume_divisible).
``sweep``
    A program and a small grid for ``net.sweep``, compared with ``net.subs`` at one
    point.

Any exception other than ``SymcnnError``, an error whose line and column lie outside
the input, a program that only Python's stack stopped, a canonical form that parses to
another network, or an input slower than ``-timeout`` seconds is a finding: libFuzzer
stops and writes the input to ``crash-*`` or ``timeout-*``. Each finding becomes a case
in ``tests/test_safety.py``.

    pip install -e ".[fuzz]"
    python fuzz/fuzz_symcnn.py cli -dict=fuzz/symcnn.dict -max_total_time=600 corpus/ fuzz/seeds/

``.ci/run`` runs each entry point for a short, fixed budget.
"""

import contextlib
import io
import sys

import atheris

with atheris.instrument_imports(include=["symcnn", "lark"]):
    import symcnn
    from symcnn import cli, limits
    from symcnn.network import _TOO_DEEP

# Programs of thousands of valid layers are legitimate work, only slow under
# instrumentation (1,270 symbolic convolutions take a second uninstrumented, five
# instrumented): the fuzzer is here to explore the language, not timings, so it
# works with smaller limits. The limits themselves are tested at their real values in
# tests/test_safety.py.
limits.MAX_LAYERS = 500
limits.MAX_TEXT = 10_000
limits.MAX_CONFIGURATIONS = 2_000


def check_place(error: symcnn.SymcnnError, text: str) -> None:
    assert _TOO_DEEP not in str(error), "Python's stack, not a limit, stopped this input"
    if error.line is not None:
        lines = text.split("\n")
        assert 1 <= error.line <= len(lines), f"line {error.line} outside the input"
        assert 1 <= (error.column or 0) <= len(lines[error.line - 1]) + 1, \
            f"column {error.column} outside line {error.line}"


def summary(net: symcnn.Network) -> tuple:
    return (tuple((r.kind, r.output_shape, r.params, r.macs) for r in net.layers),
            net.constraints)


def test_one_input(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    try:
        net = symcnn.parse(text)
    except symcnn.SymcnnError as error:
        check_place(error, text)
        return
    canonical = net.to_dsl()
    try:
        again = symcnn.parse(canonical)
    except symcnn.LimitError:
        return  # the written-out form may be longer than the program
    assert summary(again) == summary(net), f"to_dsl changed the network:\n{canonical}"
    if net.symbols:
        try:
            net.subs({s.name: 3 for s in net.symbols})
        except symcnn.SymcnnError as error:
            check_place(error, text)


# ---- the command line --------------------------------------------------------------

OPTIONS = ["--formula", "--assume-divisible", "--expand", "--factor", "--help", "--version",
           "--format", "--layout", "--latex", "--width", "--collect", "--set", "-f", "-"]
FORMATS = ["text", "markdown", "latex", "json", "csv", "yaml"]


def _argument(data: atheris.FuzzedDataProvider) -> str:
    """A word of a command line: an option, a format or a fuzzed string. A fuzzed string
    never starts with '-', so that no input becomes an option such as ``sweep -o PATH``
    (which writes a file) or ``-f PATH`` (which could name a FIFO)."""
    choice = data.ConsumeIntInRange(0, 3)
    if choice == 0:
        return data.PickValueInList(OPTIONS)
    if choice == 1:
        return data.PickValueInList(FORMATS)
    text = data.ConsumeUnicodeNoSurrogates(data.ConsumeIntInRange(0, 200))
    return " " + text if text.startswith("-") else text


def test_command_line(raw: bytes) -> None:
    data = atheris.FuzzedDataProvider(raw)
    argv = [data.PickValueInList(["", "zoo", "sweep"])]
    argv += [_argument(data) for _ in range(data.ConsumeIntInRange(0, 8))]
    argv = [a for a in argv if a]
    stdin = data.ConsumeBytes(data.ConsumeIntInRange(0, 2_000))
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = cli.main(argv)
            except SystemExit as stop:  # argparse: --help, --version, usage errors
                status = stop.code if isinstance(stop.code, int) else 2
    finally:
        sys.stdin = saved
    message = err.getvalue()
    assert status in (0, 2), f"exit {status} for {argv!r}:\n{message}"
    assert "internal error" not in message and "Traceback" not in message, message
    assert all(ch.isprintable() for line in message.split("\n") for ch in line), \
        f"a control character reached standard error: {message!r}"


# ---- net.formula and net.sweep ------------------------------------------------------

TOTALS = ["params", "non_trainable", "total", "macs", "flops"]


def _network(data: atheris.FuzzedDataProvider) -> symcnn.Network | None:
    text = data.ConsumeUnicodeNoSurrogates(data.ConsumeIntInRange(0, 400))
    try:
        return symcnn.parse(text)
    except symcnn.SymcnnError as error:
        check_place(error, text)
        return None


def test_formula(raw: bytes) -> None:
    data = atheris.FuzzedDataProvider(raw)
    what = data.PickValueInList(TOTALS + ["bogus"])
    how = data.ConsumeIntInRange(0, 4)
    collect: str | list[str] | None = data.ConsumeUnicodeNoSurrogates(4) if how == 3 else None
    net = _network(data)
    if net is None:
        return
    names = [s.name for s in net.symbols]
    if how == 4 and names:
        collect = names[: data.ConsumeIntInRange(1, len(names))]
    try:
        net.formula(what, collect=collect, factor=how == 1, expand=how == 2,
                    assume_divisible=data.ConsumeBool())
    except symcnn.SymcnnError:
        pass


def test_sweep(raw: bytes) -> None:
    data = atheris.FuzzedDataProvider(raw)
    values = [data.ConsumeIntInRange(0, 70) for _ in range(data.ConsumeIntInRange(1, 4))]
    net = _network(data)
    if net is None:
        return
    grid = {s.name: values for s in net.symbols}
    try:
        table = net.sweep(grid)
    except symcnn.SymcnnError:
        return
    first = next(iter(table.rows()))
    point = {s.name: first[s.name] for s in net.symbols}
    try:
        numeric = net.subs(point)
    except symcnn.ShapeError:
        assert not first["valid"], f"valid in the sweep, invalid for subs at {point}"
        return
    except symcnn.SymcnnError:
        return
    if first["valid"]:
        assert first["params"] == int(numeric.params), f"params differ at {point}"
        assert first["macs"] == int(numeric.macs), f"MACs differ at {point}"


TARGETS = {"parse": test_one_input, "cli": test_command_line, "formula": test_formula,
           "sweep": test_sweep}


def main() -> None:
    argv = list(sys.argv)
    target = TARGETS["parse"]
    if len(argv) > 1 and argv[1] in TARGETS:
        target = TARGETS[argv.pop(1)]
    atheris.Setup(argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
