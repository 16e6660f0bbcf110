"""Error messages as a user sees them, checked as golden text: the place (line, column,
and the layer for shape errors), the line with a caret under the column, what was
expected in words, "did you mean" for misspellings, and for a limit its name and how to
raise it.

After a deliberate change of wording, ``SYMCNN_UPDATE_ERRORS=1 pytest tests/test_errors.py``
prints the new table to paste here.
"""

import os
import re

import pytest

import symcnn

GOLDEN = [
    ('I(28,28,1) C(32,3', (
        "line 1, column 18: the '(' of line 1, column 13 is never closed; expected ')'" "\n"
        '    I(28,28,1) C(32,3' "\n"
        '                     ^')),
    ('I(28,28,1) C(32,3))', (
        "line 1, column 19: ')' closes nothing: there is no '(' before it" "\n"
        '    I(28,28,1) C(32,3))' "\n"
        '                      ^')),
    ('I(28,28,1) C(32,3]', (
        "line 1, column 18: ']' does not match the '(' of line 1, column 13; expected ')'" "\n"
        '    I(28,28,1) C(32,3]' "\n"
        '                     ^')),
    ('I(28, 28, 1)\nC(32, 3,\n', (
        "line 2, column 9: the '(' of line 2, column 2 is never closed; expected ')'" "\n"
        '    C(32, 3,' "\n"
        '            ^')),
    ('I(1) D(3 4)', (
        "line 1, column 10: unexpected number 4; expected ',', ')' or an operator (+ - * / // % ^)" "\n"
        '    I(1) D(3 4)' "\n"
        '             ^')),
    ('I(28,28,1) C(32,,3)', (
        "line 1, column 17: unexpected ','; expected an expression, same, valid, true or false, '[' or ')'" "\n"
        '    I(28,28,1) C(32,,3)' "\n"
        '                    ^')),
    ('I(1) D(3) @', (
        "line 1, column 11: unexpected character '@'; expected a layer, '[', '*' or a new line or ';'" "\n"
        '    I(1) D(3) @' "\n"
        '              ^')),
    ('n = ', (
        'line 1, column 5: the text ends too early; expected an expression' "\n"
        '    n = ' "\n"
        '        ^')),
    ('I(1e5)', (
        "line 1, column 4: unexpected name 'e5' (symcnn has no 1e5 notation: write 10^5); expected ',' or ')'" "\n"
        '    I(1e5)' "\n"
        '       ^')),
    ('def f(x) D(x)', (
        "line 1, column 10: unexpected name 'D'; expected '=' or a new line or ';'" "\n"
        '    def f(x) D(x)' "\n"
        '             ^')),
    ('I(1) D(3)*', (
        'line 1, column 11: the text ends too early; expected an expression' "\n"
        '    I(1) D(3)*' "\n"
        '              ^')),
    (']', (
        "line 1, column 1: ']' closes nothing: there is no '[' before it" "\n"
        '    ]' "\n"
        '    ^')),
    ('', (
        'line 1, column 1: the program has no layers; a network starts with an input, such as I(28, 28, 1)' "\n"
        '    ' "\n"
        '    ^')),
    ('I(28,28,1) Conv2D(32, 3)', (
        "line 1, column 12: unknown layer kind or block 'Conv2D'; did you mean C (Conv)?" "\n"
        '    I(28,28,1) Conv2D(32, 3)' "\n"
        '               ^')),
    ('I(28,28,1) MaxPooling2D(2)', (
        "line 1, column 12: unknown layer kind or block 'MaxPooling2D'; did you mean P (MaxPool)?" "\n"
        '    I(28,28,1) MaxPooling2D(2)' "\n"
        '               ^')),
    ('I(784) Linear(10)', (
        "line 1, column 8: unknown layer kind or block 'Linear'; did you mean D (Dense)?" "\n"
        '    I(784) Linear(10)' "\n"
        '           ^')),
    ('I(28,28,1) C(32, 3, stride=2)', (
        'line 1, column 21: C has no argument stride=; did you mean s=?' "\n"
        '    I(28,28,1) C(32, 3, stride=2)' "\n"
        '                        ^')),
    ('I(28,28,1) C(32, kernel_size=3)', (
        'line 1, column 18: C has no argument kernel_size=; did you mean k=?' "\n"
        '    I(28,28,1) C(32, kernel_size=3)' "\n"
        '                     ^')),
    ('I(784) D(10, bias=False)', (
        'line 1, column 14: bias of D is true or false, not False; did you mean false?' "\n"
        '    I(784) D(10, bias=False)' "\n"
        '                 ^')),
    ('I(784) D(ceiling(3.5))', (
        'line 1, column 10: unknown function ceiling(); the functions are floor, ceil, min and max; did you mean ceil?' "\n"
        '    I(784) D(ceiling(3.5))' "\n"
        '             ^')),
    ('def block(c) = C(c, 3)\nI(28,28,1) blok(32)', (
        "line 2, column 12: unknown layer kind or block 'blok'; did you mean the block block?" "\n"
        '    I(28,28,1) blok(32)' "\n"
        '               ^')),
    ('I(784) Frobnicate', (
        "line 1, column 8: unknown layer kind or block 'Frobnicate'; the layer kinds are I C T DW SC P A G AP F D O BN LN GN Scale Normalization Rescaling Drop ReLU ReLU6 LeakyReLU ELU GELU SiLU Hardswish Hardsigmoid Tanh Sigmoid Softmax LRN Identity PReLU Add Cat Res Aux Up Shuffle Split Resize Mul SE Tokens Cls ClsOut Pos MSA WMSA WMSA2 GMSA PatchMerge, and a block is made with def" "\n"
        '    I(784) Frobnicate' "\n"
        '           ^')),
    ('I(28,28,1) C(32)', (
        'line 1, column 12: C needs k: C(f, k, s=1, p=0, d=1, g=1, bias=true)' "\n"
        '    I(28,28,1) C(32)' "\n"
        '               ^')),
    ('I(28,28,1) C(32, 3, 1, 0, 1, 1, true, 5)', (
        'line 1, column 39: C takes at most 7 argument(s): C(f, k, s=1, p=0, d=1, g=1, bias=true)' "\n"
        '    I(28,28,1) C(32, 3, 1, 0, 1, 1, true, 5)' "\n"
        '                                          ^')),
    ('I(28,28,1) P(2) * n', (
        'line 1, column 19: a repetition count must be a number, but n has the free symbol(s) n; bind them first (n = 3) or give them values' "\n"
        '    I(28,28,1) P(2) * n' "\n"
        '                      ^')),
    ('def a = b\ndef b = a\nI(1) a', (
        'line 2, column 9: block a reaches itself (a → b → a); a block may only call blocks other than itself' "\n"
        '    def b = a' "\n"
        '            ^')),
    ('I(28,28,1) C(32, 1.5)', (
        'line 1, column 18: k of C must be a whole number, not 3/2' "\n"
        '    I(28,28,1) C(32, 1.5)' "\n"
        '                     ^')),
    ('C(32, 3)', (
        'layer 0 (C1), line 1, column 1: C comes before any input; start the network with I(h, w, c) or I(f)' "\n"
        '    C(32, 3)' "\n"
        '    ^')),
    ('I(28,28,1) C(32, 3, s=0)', (
        'layer 1 (C1), line 1, column 12: s is 0 (input (28, 28, 1)); it must be at least 1' "\n"
        '    I(28,28,1) C(32, 3, s=0)' "\n"
        '               ^')),
    ('I(28,28,3) C(32, 3, g=2)', (
        'layer 1 (C1), line 1, column 12: the groups g=2 must divide the input channels 3' "\n"
        '    I(28,28,3) C(32, 3, g=2)' "\n"
        '               ^')),
    ('I(4,4,1) C(8, 5)', (
        'layer 1 (C1), line 1, column 10: output height is 0 (input (4, 4, 1)); it must be at least 1' "\n"
        '    I(4,4,1) C(8, 5)' "\n"
        '             ^')),
    ('I(28,28,1) Add([C(32, 3)], [])', (
        'layer 2 (add1), line 1, column 12: branch 2 gives (28, 28, 1) but branch 1 gives (26, 26, 32); Add needs one shape' "\n"
        '    I(28,28,1) Add([C(32, 3)], [])' "\n"
        '               ^')),
    ('I(28,28,1) [[[C(8, 3, p=1)]*1000]*1000]*1000', (
        "line 1, column 1: this line would make 1,000,000,001 layers; the limit is MAX_LAYERS = 10,000 (raise it with symcnn.limits.MAX_LAYERS = ... or the environment variable SYMCNN_MAX_LAYERS)" "\n"
        '    I(28,28,1) [[[C(8, 3, p=1)]*1000]*1000]*1000' "\n"
        '    ^')),
    ('n = 2^2^2^2^2^2\nI(n)', (
        'line 1, column 7: 2^65536 would have about 65,536 bits; the limit is MAX_BITS = 10,000 (raise it with symcnn.limits.MAX_BITS = ... or the environment variable SYMCNN_MAX_BITS)' "\n"
        '    n = 2^2^2^2^2^2' "\n"
        '          ^')),
    ('I(1) D((n+1)^20)', (
        'line 1, column 9: this power has polynomial degree 20; the limit is MAX_DEGREE = 16 (raise it with symcnn.limits.MAX_DEGREE = ... or the environment variable SYMCNN_MAX_DEGREE)' "\n"
        '    I(1) D((n+1)^20)' "\n"
        '            ^')),
]


@pytest.mark.parametrize("program, message", GOLDEN, ids=[p[:30] for p, _ in GOLDEN])
def test_error_text(program, message):
    with pytest.raises(symcnn.SymcnnError) as caught:
        symcnn.parse(program)
    if os.environ.get("SYMCNN_UPDATE_ERRORS") == "1":
        print(f"({program!r}, {str(caught.value)!r}),")
    assert str(caught.value) == message


def test_errors_carry_their_place_as_attributes():
    with pytest.raises(symcnn.DSLSyntaxError) as caught:
        symcnn.parse("I(28, 28, 1)\nC(32, 3,\n")
    error = caught.value
    assert (error.line, error.column) == (2, 9)
    assert error.context == "    C(32, 3,\n            ^"
    with pytest.raises(symcnn.ShapeError) as caught:
        symcnn.parse("I(4,4,1) C(8, 5)")
    assert (caught.value.layer, caught.value.index, caught.value.kind) == ("C1", 1, "C")


@pytest.mark.parametrize("text", ["I(28,28,1) C(32,3", "I(28,28,1) C(32,3\n\n", "n =",
                                  "I(1) D(3)*", "I(1)\nD(3,\n  4"])
def test_end_of_text_is_just_past_the_last_character(text):
    with pytest.raises(symcnn.DSLSyntaxError) as caught:
        symcnn.parse(text)
    last = text.rstrip("\n").split("\n")
    assert (caught.value.line, caught.value.column) == (len(last), len(last[-1]) + 1)


def test_a_long_line_is_cut_around_the_caret_and_control_characters_are_masked():
    program = "I(28,28,1) " + "ReLU " * 100 + "\x1b[31m"
    with pytest.raises(symcnn.DSLSyntaxError) as caught:
        symcnn.parse(program)
    source, caret = caught.value.context.split("\n")
    assert "\x1b" not in str(caught.value)
    assert len(source) < 90 and source.lstrip().startswith("…")
    assert source[caret.index("^")] == "?"


@pytest.mark.parametrize("misspelt, suggestion", [
    ("Conv2D(8, 3)", "C (Conv)"), ("Conv2d(8, 3)", "C (Conv)"), ("conv(8, 3)", "C (Conv)"),
    ("MaxPool2d(2)", "P (MaxPool)"), ("AveragePooling2D(2)", "A (AvgPool)"),
    ("BatchNorm2d", "BN (BatchNorm)"), ("Dropout2d(0.5)", "Drop (Dropout)"),
    ("Conv2DTranspose(8, 3)", "T (ConvT)"), ("DepthwiseConv2D(3)", "DW (Depthwise)"),
    ("GlobalAveragePooling2D", "G (GlobalPool)"), ("Flaten", "F (Flatten)"),
    ("relu", "ReLU"), ("Concatenate([], [])", "Cat"),
])
def test_did_you_mean_a_kind(misspelt, suggestion):
    with pytest.raises(symcnn.DSLSyntaxError, match=re.escape(f"did you mean {suggestion}?")):
        symcnn.parse(f"I(28, 28, 8) {misspelt}")


@pytest.mark.parametrize("keyword, suggestion", [
    ("stride", "s"), ("strides", "s"), ("padding", "p"), ("pading", "p"),
    ("kernel_size", "k"), ("dilation", "d"), ("groups", "g"), ("use_bias", "bias"),
    ("dilaton", "d"),
])
def test_did_you_mean_a_keyword(keyword, suggestion):
    with pytest.raises(symcnn.DSLSyntaxError, match=re.escape(f"did you mean {suggestion}=?")):
        symcnn.parse(f"I(28, 28, 8) C(8, 3, {keyword}=1)")

