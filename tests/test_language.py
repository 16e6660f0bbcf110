"""The language of docs/language.md, as tables: programs that mean the same thing, programs
with their numbers, and programs that are wrong with the error each gets and where.

The data-driven twin of this file is ``tests/compliance/*.json`` (run at the end).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symcnn
from symcnn import DSLSyntaxError, LimitError, ShapeError

COMPLIANCE = Path(__file__).resolve().parent / "compliance"


def summary(net):
    return ([r.name for r in net.layers], [r.output_shape for r in net.layers],
            net.params, net.non_trainable, net.macs)


# ---- spellings of one network ---------------------------------------------------------

SAME_NETWORK = [
    # (reference, equivalent spellings...)
    ("I(28, 28, 1) C(32, 5) P(2) ReLU D(10)", [
        "I(28,28,1) C(32,5) P(2) ReLU D(10)",
        "I(28, 28, 1)\nC(32, 5)\nP(2)\nReLU\nD(10)",
        "I(28, 28, 1); C(32, 5); P(2); ReLU(); D(10)",
        "I(28, 28, 1) ; C(32, 5) ;; P(2)\n\n ReLU ; D(10);",
        "\n# a comment line\nI(28, 28, 1)  # the input\nC(32, 5) P(2)\n# between\nReLU D(10)\n# end",
        "I(\n  28,\n  28,\n  1\n)\nC(32,\n  5) P(2) ReLU D(10)",
        "I(28, 28, 1)\r\nC(32, 5)\r\nP(2) ReLU D(10)\r\n",
        "I(28, 28, 1) # ( [ brackets in a comment\nC(32, 5) P(2) ReLU D(10)",
        "I(28, 28, 1) C(32, 5  # a comment inside parentheses\n) P(2) ReLU D(10)",
        "I(28, 28, 1)\tC(32,\t5) P(2) ReLU D(10)",
        "Input(28, 28, 1) Conv(32, 5) MaxPool(2) ReLU Dense(10)",
        "I(h=28, w=28, c=1) C(f=32, k=5) P(k=2) ReLU D(u=10)",
        "I(28, 28, 1) C(k=5, f=32) P(2, s=2) ReLU D(10, bias=true)",
        ("I(28, 28, 1) C(32, (5, 5), s=1, p=0, d=1, g=1, bias=true) P((2, 2), (2, 2), 0, false) "
        "ReLU D(10)"),
        "I(28, 28, 1) C(32, 5, p=valid) P(2, p=valid) ReLU H(10)",
        "I(28, 28, 1) C(32, 5,) P(2,) ReLU D(10,)",
        "n = 28\nI(n, n, 1) C(32, 5) P(2) ReLU D(10)",
        "n = 14 * 2; f = 2^5; I(n, n, 1) C(f, 5) P(2) ReLU D(10)",
        "def conv(f, k) = C(f, k) P(2)\nI(28, 28, 1) conv(32, 5) ReLU D(10)",
        "def conv(f, k) = [C(f, k) P(2)]\nI(28, 28, 1) conv(k=5, f=32) ReLU D(10)",
        "def head = ReLU D(10)\nI(28, 28, 1) C(32, 5) P(2) head",
        "def head() = ReLU D(10)\nI(28, 28, 1) C(32, 5) P(2) head()",
        "I(28, 28, 1) [C(32, 5) [P(2)]] [] ReLU D(10)",
        "I(28, 28, 1) [C(32, 5) P(2) ReLU] * 1 D(10) * 1",
        "I(28, 28, 1) C(32, 5) ReLU * 0 P(2) [C(8, 1)] * 0 ReLU D(10)",
    ]),
    ("I(8, 8, 3) C(4, 3, p=1) C(4, 3, p=1) C(4, 3, p=1)", [
        "I(8, 8, 3) C(4, 3, p=1) * 3",
        "I(8, 8, 3) [C(4, 3, p=1)] * 3",
        "I(8, 8, 3) C(4, 3, p=1) * (1 + 2)",
        "r = 3; I(8, 8, 3) C(4, 3, p=1) * r",
        "def b(c) = C(c, 3, p=1)\nI(8, 8, 3) b(4) * 3",
        "def b(c, r) = [C(c, 3, p=1)] * r\nI(8, 8, 3) b(4, 3)",
        "def one(c) = C(c, 3, p=1)\ndef two(c) = one(c) one(c)\nI(8, 8, 3) two(4) one(4)",
        "I(8, 8, 3) C(4, 3, p=same) * 3",
        "I(8, 8, 3) C(4, 3, p=(1, 1)) * 2 C(4, (3, 3), p=1)",
    ]),
    ("I(8, 8, 3) Res([C(3, 3, p=1) ReLU], [])", [
        "I(8, 8, 3) Res([C(3, 3, p=1) ReLU])",
        "I(8, 8, 3) Res([\n  C(3, 3, p=1)  # body\n  ReLU\n], [\n])",
        "def r(body) = Res(body)\nI(8, 8, 3) r([C(3, 3, p=1) ReLU])",
        "def r(body) = Res(body, [])\nI(8, 8, 3) r(body=[C(3, 3, p=1) ReLU])",
    ]),
]


@pytest.mark.parametrize("reference, spelling",
                         [(ref, s) for ref, spellings in SAME_NETWORK for s in spellings])
def test_spellings_of_one_network(reference, spelling):
    assert summary(symcnn.parse(spelling)) == summary(symcnn.parse(reference))


# ---- expressions ---------------------------------------------------------------------

@pytest.mark.parametrize("expression, value", [
    ("7", 7), ("2 + 3 * 4", 14), ("(2 + 3) * 4", 20), ("10 - 3 - 2", 5), ("2^3", 8),
    ("2**3", 8), ("2^3^2", 512), ("2**3**2", 512), ("10 + -2^2", 6), ("-2^2 + 10", 6),
    ("(-2)^2", 4), ("-2**2 + 10", 6), ("2^-1 * 4", 2), ("+3", 3), ("- -3", 3),
    ("7 // 2", 3), ("-7 // 2 + 10", 6), ("7 % 4", 3), ("-7 % 4", 1), ("6 / 2", 3),
    ("7 / 2 * 2", 7), ("1.5 * 2", 3), ("2.0", 2), ("0.25 * 8", 2), (".5 * 4", 2),
    ("floor(7 / 2)", 3), ("ceil(7 / 2)", 4), ("floor(-7 / 2) + 10", 6), ("min(3, 5)", 3),
    ("max(3, 5)", 5), ("min(3, max(1, 2))", 2), ("max(2, 3,)", 3), ("2 * 3 // 4", 1),
    ("2 + 3 % 2", 3), ("(1 +\n 2)", 3),
])
def test_expression_values(expression, value):
    assert symcnn.parse(f"I({expression})").output_shape == (value,)


def test_a_name_bound_twice_takes_its_latest_value():
    net = symcnn.parse("n = 2; I(n); n = n + 1; D(n)")
    assert net.output_shape == (3,)


@pytest.mark.parametrize("rate", ["0", "0.5", ".5", "1.", "1", "1/3", "0.125"])
def test_rates_may_be_decimals_or_fractions(rate):
    net = symcnn.parse(f"I(4) Drop({rate})")
    assert net.output_shape == (4,)
    assert net.layers[1].args["r"].is_Rational


# ---- def blocks and names -----------------------------------------------------------

def test_a_block_parameter_shadows_an_outer_name():
    net = symcnn.parse("c = 16\ndef b(c) = C(c, 1)\nI(8, 8, 1) b(4) C(c, 1)")
    assert [r.output_shape[2] for r in net.layers] == [1, 4, 16]


def test_a_block_sees_the_names_of_the_program_not_of_its_caller():
    net = symcnn.parse("f = 2\ndef a = C(f, 1)\ndef b(f) = a C(f, 1)\nI(8, 8, 1) b(5)")
    assert [r.output_shape[2] for r in net.layers] == [1, 2, 5]


def test_a_group_passed_to_a_block_keeps_its_callers_names():
    net = symcnn.parse("def r(c, body) = C(c, 1) Res(body)\n"
                       "def outer(c) = r(2, [C(c, 3, p=1)])\nI(8, 8, 1) outer(2)")
    assert [r.name for r in net.layers] == ["input", "C1", "res1.body.C1", "res1"]
    assert net.output_shape == (8, 8, 2)


def test_a_block_may_call_earlier_blocks_repeatedly():
    net = symcnn.parse("def a(x) = C(x, 1)\ndef b(y) = a(y) a(2 * y)\nI(4, 4, 1) b(2) * 2")
    assert [r.output_shape[2] for r in net.layers] == [1, 2, 4, 2, 4]


def test_free_names_are_symbols():
    net = symcnn.parse("def b(c) = C(c, k)\nI(n, n, 3) b(f)")
    assert [s.name for s in net.symbols] == ["f", "k", "n"]


# ---- the names of the records -------------------------------------------------------

@pytest.mark.parametrize("program, names", [
    ("I(8, 8, 3) C(4, 3) C(4, 3) P(2) ReLU", ["input", "C1", "C2", "P1", "ReLU1"]),
    ("def b = C(4, 1) BN\nI(8, 8, 3) b * 2 b", ["input", "C1", "BN1", "C2", "BN2", "C3",
                                                 "BN3"]),
    ("I(8, 8, 3) Conv(4, 1) C(4, 1) Dense(2) H(2) D(2)",
     ["input", "C1", "C2", "D1", "D2", "D3"]),
    ("I(8, 8, 3) Res([C(3, 1) C(3, 1)])", ["input", "res1.body.C1", "res1.body.C2", "res1"]),
    ("I(8, 8, 3) Res([C(3, 1)], [C(3, 1) BN])",
     ["input", "res1.body.C1", "res1.shortcut.C1", "res1.shortcut.BN1", "res1"]),
    ("I(8, 8, 3) Cat([C(3, 1)], [C(2, 1) P(1)], []) C(4, 1)",
     ["input", "cat1.branch1.C1", "cat1.branch2.C1", "cat1.branch2.P1", "cat1", "C1"]),
    ("I(8, 8, 3) C(3, 1) Add([C(3, 1)], []) Add([], [C(3, 1)]) C(3, 1)",
     ["input", "C1", "add1.branch1.C1", "add1", "add2.branch2.C1", "add2", "C2"]),
    ("I(8, 8, 3) Res([C(3, 1) Res([C(3, 1)], [])], [Cat([C(1, 1)], [C(2, 1)])])",
     ["input", "res1.body.C1", "res1.body.res1.body.C1", "res1.body.res1",
      "res1.shortcut.cat1.branch1.C1", "res1.shortcut.cat1.branch2.C1", "res1.shortcut.cat1",
      "res1"]),
    ("I(4) Add([], [])", ["input", "add1"]),
])
def test_record_names(program, names):
    net = symcnn.parse(program)
    assert [r.name for r in net.layers] == names
    assert [r.index for r in net.layers] == list(range(len(names)))
    assert sum(r.params for r in net.layers) == net.params
    assert sum(r.macs for r in net.layers) == net.macs


@pytest.mark.parametrize("program", [
    ("I(n, n, c) Res([[C(c, k, p=(k - 1) / 2) BN ReLU] * 2]) Cat([C(f, 1)], [DW(3, p=1)]) "
    "G D(u) O(10)"),
    ("def block(c, r) = [C(c, 3, p=1) ReLU] * r  P(2)\nI(n, n, 3)\n"
    "block(64, 2) block(128, 2) block(256, 3)\nD(4096) ReLU Drop(0.5) O(1000)"),
    ("I(32, 32, 3) Res([C(3, 3, p=1) BN], [C(3, 1, bias=false) BN]) Add([T(3, 2, 2) A(2)], [])"
    " F BN D(10)"),
])
def test_records_sum_to_the_totals(program):
    net = symcnn.parse(program)
    assert sum(r.params for r in net.layers) - net.params == 0
    assert sum(r.non_trainable for r in net.layers) - net.non_trainable == 0
    assert sum(r.macs for r in net.layers) - net.macs == 0
    for r in net.layers:
        if r.kind in ("Add", "Cat", "Res"):
            assert r.params == 0 and r.macs == 0


# ---- wrong programs: the error and where it points ------------------------------------

INVALID = [
    # program, error class, line, column, words of the message
    ("I(4", DSLSyntaxError, 1, 4, "expected"),  # just past the last character
    ("I(4))", DSLSyntaxError, 1, 5, "')' closes nothing"),
    ("I(4) [D(2)", DSLSyntaxError, 1, 11, "expected ']'"),
    ("I(4) D(2)]", DSLSyntaxError, 1, 10, "']' closes nothing"),
    ("I(4) D(2 3)", DSLSyntaxError, 1, 10, "unexpected number 3"),
    ("I(4) D(,)", DSLSyntaxError, 1, 8, "unexpected ','"),
    ("I(4) D(2) $", DSLSyntaxError, 1, 11, "unexpected character '$'"),
    ("I(4)\nD(2) @ D(3)", DSLSyntaxError, 2, 6, "unexpected character '@'"),
    ("x = [D(2)]", DSLSyntaxError, 1, 5, "unexpected '['"),
    ("I(4) Foo", DSLSyntaxError, 1, 6, "unknown layer kind or block 'Foo'"),
    ("I(4) Conv2D(3, 3)", DSLSyntaxError, 1, 6, "did you mean C (Conv)"),
    ("x = 3\nI(4) x", DSLSyntaxError, 2, 6, "unknown layer kind or block 'x'"),
    ("I(4) D(2, x=3)", DSLSyntaxError, 1, 11, "no argument x="),
    ("I(4, 4, 1) C(8, 3, stride=2)", DSLSyntaxError, 1, 20, "s=?"),
    ("I(4) D(u=2, 3)", DSLSyntaxError, 1, 13, "positional argument cannot follow"),
    ("I(4) D(2, u=3)", DSLSyntaxError, 1, 11, "u is given twice"),
    ("I(4) D(u=2, u=3)", DSLSyntaxError, 1, 13, "u is given twice"),
    ("I(4) D()", DSLSyntaxError, 1, 6, "D needs u"),
    ("I(4) D", DSLSyntaxError, 1, 6, "D needs u"),
    ("I(4, 4, 1) C(8)", DSLSyntaxError, 1, 12, "C needs k"),
    ("I(4,4,1,1,1)", DSLSyntaxError, 1, 11, "not 5 sizes"),
    ("I(4) D(2.5)", DSLSyntaxError, 1, 8, "whole number"),
    ("I(7 / 2)", DSLSyntaxError, 1, 3, "whole number"),
    ("I(4, 4, 1) C(8, (3, 3, 3))", DSLSyntaxError, 1, 18, "not a tuple of 3"),
    ("I(4) D((2, 2))", DSLSyntaxError, 1, 9, "whole number"),
    ("I(4, 4, 1) C(8, 3, s=same)", DSLSyntaxError, 1, 20, "not the word same"),
    ("I(4, 4, 1) C(8, 3, p=true)", DSLSyntaxError, 1, 20, "not the word true"),
    ("I(4) D(2, bias=3)", DSLSyntaxError, 1, 11, "true or false"),
    ("I(4, 4, 1) P(2, ceil=1)", DSLSyntaxError, 1, 17, "true or false"),
    ("I(4) Drop(same)", DSLSyntaxError, 1, 11, "not the word same"),
    ("I(4) Drop((1, 1))", DSLSyntaxError, 1, 12, "one number"),
    ("I(4) D([D(2)])", DSLSyntaxError, 1, 8, "not a group"),
    ("I(4) D(1 / 0)", DSLSyntaxError, 1, 12, "division by zero"),
    ("I(4) D(4 // (2 - 2))", DSLSyntaxError, 1, 14, "division by zero"),
    ("I(4) D(3 % 0)", DSLSyntaxError, 1, 12, "division by zero"),
    ("I(0^-1)", DSLSyntaxError, 1, 3, "division by zero"),
    ("I(4) D(floor(1, 2))", DSLSyntaxError, 1, 8, "floor takes 1 argument"),
    ("I(4) D(min(2))", DSLSyntaxError, 1, 8, "min takes 2 argument"),
    ("I(4) D(sqrt(4))", DSLSyntaxError, 1, 8, "unknown function sqrt"),
    ("I(4) Drop((-1)^0.5)", DSLSyntaxError, 1, 13, "not a real number"),
    ("I(max((-1)^0.5, 2))", DSLSyntaxError, 1, 9, "not a real number"),
    ("I(4) Drop((-n)^0.5)", DSLSyntaxError, 1, 13, "not a real number"),
    ("I(4) D(2) * n", DSLSyntaxError, 1, 13, "free symbol"),
    ("I(4) D(2) * (n + 1)", DSLSyntaxError, 1, 14, "free symbol"),
    ("I(4) D(2) * -1", DSLSyntaxError, 1, 14, "at least 0"),
    ("I(4) D(2) * 1.5", DSLSyntaxError, 1, 13, "whole number"),
    ("def a(x) = a(x)\nI(4) a(1)", DSLSyntaxError, 1, 12, "reaches itself (a → a)"),
    ("def a = b\ndef b = a\nI(4) a", DSLSyntaxError, 2, 9, "reaches itself (a → b → a)"),
    ("def a = [D(2) a]\nI(4) a", DSLSyntaxError, 1, 15, "reaches itself"),
    ("def C(x) = D(x)", DSLSyntaxError, 1, 5, "is a layer kind"),
    ("def b(x, x) = D(x)", DSLSyntaxError, 1, 5, "names a parameter twice"),
    ("def b(x) = D(x)\nI(4) b(1, 2)", DSLSyntaxError, 2, 6, "takes 1 argument"),
    ("def b(x) = D(x)\nI(4) b", DSLSyntaxError, 2, 6, "needs a value for x"),
    ("def b(x) = D(x)\nI(4) b(y=2)", DSLSyntaxError, 2, 8, "has no parameter y"),
    ("def b(x) = D(x)\nI(4) b(1, x=2)", DSLSyntaxError, 2, 11, "x is given twice"),
    ("def b(g) = D(g)\nI(4) b([D(2)])", DSLSyntaxError, 1, 14, "not a group"),
    ("def b(g) = D(g + 1)\nI(4) b([D(2)])", DSLSyntaxError, 1, 14, "cannot be used in arithmetic"),
    ("I(4) Res(D(2))", DSLSyntaxError, 1, 10, "D"),
    ("I(4) Add(2, [])", DSLSyntaxError, 1, 10, "branches in brackets"),
    ("I(4) Res([], [], [D(2)])", DSLSyntaxError, 1, 18, "Res takes a body and at most one shortcut"),
    ("I(4) Res([D(2)], [D(2)], [])", DSLSyntaxError, 1, 26, "Res takes a body and at most one shortcut"),
    ("I(4) Res()", DSLSyntaxError, 1, 6, "Res needs a body"),
    # shape errors name the layer
    ("C(8, 3)", ShapeError, 1, 1, "before any input"),
    ("I(4) I(4)", ShapeError, 1, 6, "must come first"),
    ("I(4)\n\n  C(2, 3)", ShapeError, 3, 3, "needs an image"),
    ("I(4) G", ShapeError, 1, 6, "needs an image"),
    ("I(4) P(2)", ShapeError, 1, 6, "needs an image"),
    ("I(4, 4) C(8, (3, 3))", DSLSyntaxError, 1, 15, "a tuple of 1 (length), not a tuple of 2"),
    ("I(4) C(8, 3)", ShapeError, 1, 6, "needs an image (h, w, c), a signal (l, c) or a volume"),
    ("I(0)", ShapeError, 1, 1, "at least 1"),
    ("I(-4)", ShapeError, 1, 1, "at least 1"),
    ("I(4) D(0)", ShapeError, 1, 6, "at least 1"),
    ("I(4) D(2) * 0 D(0)", ShapeError, 1, 15, "at least 1"),
    ("I(4, 4, 1) C(8, 3, s=0)", ShapeError, 1, 12, "s is 0"),
    ("I(4, 4, 1) C(8, 3, d=0)", ShapeError, 1, 12, "d is 0"),
    ("I(4, 4, 1) C(8, 3, p=-1)", ShapeError, 1, 12, "p is -1"),
    ("I(4, 4, 1) C(8, 5)", ShapeError, 1, 12, "output height is 0"),
    ("I(4, 9, 1) C(8, (1, 10))", ShapeError, 1, 12, "output width is 0"),
    ("I(4, 4, 1) C(8, 3, d=2)", ShapeError, 1, 12, "output height is 0"),
    ("I(4, 4, 2) C(3, 1, g=2)", ShapeError, 1, 12, "divide the output channels"),
    ("I(4, 4, 3) C(4, 1, g=2)", ShapeError, 1, 12, "divide the input channels"),
    ("I(4, 4, 1) P(2, p=2)", ShapeError, 1, 12, "at most half the kernel"),
    ("I(4, 4, 1) P(5)", ShapeError, 1, 12, "output height is 0"),
    ("I(4, 4, 1) T(2, 3, s=2, op=2)", ShapeError, 1, 12, "output padding"),
    ("I(1, 1, 1) T(2, 1, p=1)", ShapeError, 1, 12, "output height is -1"),
    ("I(4) Drop(2)", ShapeError, 1, 6, "between 0 and 1"),
    ("I(4) Drop(-0.1)", ShapeError, 1, 6, "between 0 and 1"),
    ("I(4) Add([D(2)], [D(3)])", ShapeError, 1, 6, "Add needs one shape"),
    ("I(4) Add([D(2)])", ShapeError, 1, 6, "at least two branches"),
    ("I(4, 4, 2) Add([], [F])", ShapeError, 1, 12, "dimensions"),
    ("I(8, 8, 2) Cat([], [P(2)])", ShapeError, 1, 12, "same spatial size"),
    ("I(8, 8, 2) Res([C(3, 1)])", ShapeError, 1, 12, "Add needs one shape"),
    ("I(8, 8, 2)\nRes([C(2, 1) C(2, 9)])", ShapeError, 2, 14, "output height is 0"),
    ("I(4) D(2) * 10000000", LimitError, None, None, "10,000"),
]


@pytest.mark.parametrize("program", ["", "# only a comment\n", "n = 3", "def b = D(2)", "\n;\n"])
def test_a_program_without_layers_is_an_error(program):
    with pytest.raises(DSLSyntaxError, match="no layers") as caught:
        symcnn.parse(program)
    assert (caught.value.line, caught.value.column) == (1, 1)


@pytest.mark.parametrize("program, error, line, column, words", INVALID)
def test_invalid_programs(program, error, line, column, words):
    with pytest.raises(error) as caught:
        symcnn.parse(program)
    assert words in str(caught.value)
    if line is not None:
        assert (caught.value.line, caught.value.column) == (line, column)
        assert f"line {line}, column {column}" in str(caught.value)
        source = program.splitlines()[line - 1]
        assert f"    {source}\n    {' ' * (column - 1)}^" in str(caught.value)


def test_shape_errors_name_the_layer():
    with pytest.raises(ShapeError) as caught:
        symcnn.parse("I(8, 8, 2)\nRes([C(2, 1) C(2, 9)])")
    error = caught.value
    assert (error.layer, error.index, error.kind) == ("res1.body.C2", 2, "C")
    assert str(error).startswith("layer 2 (res1.body.C2), line 2, column 14: ")


@pytest.mark.parametrize("text", ["I(4)\x00", "I(4) D(2) \u00e9", "I(\u0663)", "I(4) ^"])
def test_strange_characters_are_syntax_errors(text):
    with pytest.raises(DSLSyntaxError):
        symcnn.parse(text)


# ---- the data-driven compliance suite ------------------------------------------------

def compliance_cases():
    for path in sorted(COMPLIANCE.glob("*.json")):
        for i, case in enumerate(json.loads(path.read_text(encoding="utf-8"))["cases"]):
            yield pytest.param(case, id=f"{path.stem}-{i}")


ERRORS = {"DSLSyntaxError": DSLSyntaxError, "ShapeError": ShapeError,
          "LimitError": LimitError}


@pytest.mark.parametrize("case", list(compliance_cases()))
def test_compliance(case):
    """``{program, values?, expected | error}``: ``expected`` gives ``params``,
    ``non_trainable``, ``macs`` (or ``gmacs``, in billions to two decimals, as published),
    ``symbols``, ``output_shape`` and/or ``layers`` (name, output shape, params), numbers or
    sympy's text of them; ``error`` gives the class and where it points."""
    if "error" in case:
        expected = case["error"]
        with pytest.raises(ERRORS[expected["class"]]) as caught:
            net = symcnn.parse(case["program"])
            if "values" in case:
                net.subs(case["values"])
        for key in ("line", "column", "layer", "index"):
            if key in expected:
                assert getattr(caught.value, key) == expected[key], key
        assert expected.get("message", "") in str(caught.value)
        return
    net = symcnn.parse(case["program"])
    if "values" in case:
        net = net.subs(case["values"])
    expected = case["expected"]
    for key in ("params", "non_trainable", "macs"):
        if key in expected:
            assert str(getattr(net, key)) == str(expected[key]), key
    if "gmacs" in expected:  # as published, in billions to two decimals
        assert round(int(net.macs) / 1e9, 2) == expected["gmacs"]
    if "output_shape" in expected:
        assert [str(v) for v in net.output_shape] == [str(v) for v in expected["output_shape"]]
    if "symbols" in expected:
        assert [s.name for s in net.symbols] == expected["symbols"]
    if "layers" in expected:
        got = [[r.name, [str(v) for v in r.output_shape], str(r.params)] for r in net.layers]
        want = [[n, [str(v) for v in shape], str(p)] for n, shape, p in expected["layers"]]
        assert got == want


# ---- any text: only symcnn's own errors escape ---------------------------------------

def expressions():
    atoms = st.one_of(st.integers(0, 12).map(str), st.sampled_from(["n", "k", "p", "0.5",
                                                                   ".25", "1."]))

    def combine(children):
        binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "//", "%", "^",
                                                      "**"]), children)
        return st.one_of(
            binary.map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
            children.map(lambda e: f"-{e}"), children.map(lambda e: f"({e})"),
            st.tuples(st.sampled_from(["floor", "ceil"]), children).map(
                lambda t: f"{t[0]}({t[1]})"),
            st.tuples(st.sampled_from(["min", "max"]), children, children).map(
                lambda t: f"{t[0]}({t[1]}, {t[2]})"))
    return st.recursive(atoms, combine, max_leaves=6)


PLACES = ["I({})", "I({}, 8, 2)", "I(4) Drop({})", "I(8, 8, 2) C(2, {})",
          "I(8, 8, 2) C(4, 3, s={}, g=2)", "I(8, 8, 2) P(3, s={}, p=1, ceil=true)",
          "I(8, 8, 2) T(2, 3, s=2, op={})", "I(4) D(2) * {}", "n = {}\nI(n) D(n)",
          "def b(x) = D(x)\nI(4) b({})", "I(8, 8, 2) AP({})"]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(PLACES), expressions())
def test_any_expression_gives_a_network_or_a_symcnn_error(place, expression):
    try:
        net = symcnn.parse(place.format(expression))
    except symcnn.SymcnnError:
        return
    assert net.exact.totals.trainable.is_real is not False
    for r in net.exact.layers:
        assert all(v.is_real is not False for v in r.output_shape)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet="ICDPRes()[],=*+-/%^ 0123456789.np\n;#_ab", max_size=30))
def test_any_text_gives_a_network_or_a_symcnn_error(text):
    try:
        symcnn.parse(text)
    except symcnn.SymcnnError:
        pass
