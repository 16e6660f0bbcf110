"""Coverage-guided fuzzing of the parser and evaluator with atheris (libFuzzer).

Every input is decoded as text and given to ``symcnn.parse``; a network that comes out
is printed in its canonical form and parsed again, and substituted when it has free
symbols. Any exception other than ``SymcnnError``, an error whose line and column lie
outside the input, a program that only Python's stack stopped, a canonical form that
parses to another network, or an input slower than ``-timeout`` seconds is a finding:
libFuzzer stops and writes the input to ``crash-*`` or ``timeout-*``. Each finding
becomes a case in ``tests/test_safety.py``.

    pip install -e ".[fuzz]"
    python fuzz/fuzz_symcnn.py -dict=fuzz/symcnn.dict -max_total_time=600 corpus/ fuzz/seeds/

``.ci/run`` runs it for a short, fixed budget.
"""

import sys

import atheris

with atheris.instrument_imports(include=["symcnn", "lark"]):
    import symcnn
    from symcnn import limits
    from symcnn.network import _TOO_DEEP

# Programs of thousands of valid layers are legitimate work, only slow under
# instrumentation (1,270 symbolic convolutions take a second uninstrumented, five
# instrumented): the fuzzer is here to explore the language, not timings, so it
# works with smaller limits. The limits themselves are tested at their real values in
# tests/test_safety.py.
limits.MAX_LAYERS = 500
limits.MAX_TEXT = 10_000


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


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
