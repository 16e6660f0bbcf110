"""``Network.subs`` with values that are expressions in symbols: the result's
``symbols`` must list every symbol its numbers still contain, and a value may use
another name given in the same call."""

import pytest
import sympy

import symcnn
from symcnn import cli
from symcnn._math import symbol


def test_a_value_may_use_another_value_of_the_same_call():
    net = symcnn.parse("I(n, n, 1) C(4, k)").subs(n="k + 4", k=3)
    assert net.symbols == ()
    assert net.output_shape == (5, 5, 4)
    assert int(net.macs) == 5 * 5 * 4 * 3 * 3


def test_same_padding_written_as_an_expression_of_the_kernel():
    net = symcnn.parse("I(n, n, c) C(f, k, s=s, p=p)").subs(s=2, p="(k - 1)/2", k=3)
    assert [s.name for s in net.symbols] == ["c", "f", "n"]
    assert net.subs(n=7).output_shape[0] == 4


def test_a_value_in_a_symbol_keeps_that_symbol_free():
    net = symcnn.parse("I(n, n, 1) C(4, 3)").subs(n="2 * m")
    assert [s.name for s in net.symbols] == ["m"]
    net = symcnn.parse("I(n, n, 1) C(4, 3)").subs(n="2 * n")
    assert [s.name for s in net.symbols] == ["n"]
    assert net.output_shape[0] == net.symbols[0] * 2 - 2
    assert net.subs(n=5).output_shape == (8, 8, 4)


def test_values_that_refer_to_each_other_in_a_circle_are_an_error():
    with pytest.raises(symcnn.SymcnnError, match="circle"):
        symcnn.parse("I(n, m, 1) C(4, 3)").subs(n="m + 1", m="n + 1")


def test_a_symbol_brought_in_by_a_value_can_be_given_later():
    net = symcnn.parse("I(n, n, 1) C(4, k)").subs(n="2*q")
    assert [s.name for s in net.symbols] == ["k", "q"]
    later = net.subs(q=4)
    assert [s.name for s in later.symbols] == ["k"]
    assert later.subs(k=3).output_shape == (6, 6, 4)
    assert net.subs(q=4, k=3).output_shape == (6, 6, 4)


# ---- issue 9: what subs takes ----------------------------------------------------------

@pytest.mark.parametrize("text", ["I(n,n,3) C(8,3,p=0+same)", "I(0+true, 4, 3)",
                                  "valid = 2\nI(valid)", "def b(false) = ReLU\nI(1) b(1)",
                                  "def same = ReLU\nI(1) same"])
def test_the_words_are_never_names(text):
    """issue 9: p=0+same made a symbol `same` that to_dsl printed as p=same, the
    padding."""
    with pytest.raises(symcnn.DSLSyntaxError, match="is a word of the language") as caught:
        symcnn.parse(text)
    line, column = caught.value.line, caught.value.column
    rest = text.split("\n")[line - 1][column - 1:]
    assert rest.startswith(("same", "true", "valid", "false"))


def test_a_word_given_to_subs_is_no_symbol():
    net = symcnn.parse("I(n, n, 3) C(8, 3, p=p)")
    with pytest.raises(symcnn.DSLSyntaxError, match="same is a word"):
        net.subs(p="same")
    same = sympy.Symbol("same", integer=True, nonnegative=True)
    with pytest.raises(symcnn.SymcnnError, match="no name of the language"):
        net.subs(p=same + 1)
    assert cli.main(["I(n, n, 3) C(8, 3, p=p)", "--set", "p=same"]) == 2


@pytest.mark.parametrize("value", [
    sympy.Integral(sympy.Symbol("x"), sympy.Symbol("x")),
    sympy.Function("f")(symbol("n")),
    sympy.Symbol("m"),                                 # not an integer
    sympy.Symbol("m", integer=True),                   # may be negative
    sympy.Symbol("a b", integer=True, positive=True),  # not a name
    sympy.pi, sympy.E, sympy.I, sympy.oo, sympy.Float(2.5), sympy.zoo,
    sympy.sin(symbol("m")), sympy.Abs(symbol("m") - 3),
])
def test_subs_refuses_what_the_language_cannot_write(value):
    net = symcnn.parse("I(n, n, 3) C(8, 3)")
    with pytest.raises(symcnn.SymcnnError) as caught:
        net.subs(n=value)
    assert "the value of n" in str(caught.value)


def test_subs_takes_the_language_s_own_expressions():
    m = symbol("m")
    net = symcnn.parse("I(n, n, 3) C(8, 3, p=p)")
    value = sympy.floor(m / 2) + sympy.Max(m, 3) + sympy.Mod(m, 4) + sympy.ceiling(m / 3)
    done = net.subs(n=value, p=symbol("q"))
    assert done.layers[1].output_shape[0] == value + 2 * symbol("q") - 2
    assert symcnn.parse(done.to_dsl()).output_shape == done.output_shape
    assert net.subs(n=sympy.Rational(8, 2) * m, p=0).output_shape[0] == 4 * m - 2


def test_a_divisor_that_values_make_0_answers_false():
    """issue 9: Eq(Mod(c, floor(b/2)), 0).subs(b=1) raised ZeroDivisionError."""
    net = symcnn.parse("I(n, n, c) C(8, 3, g=floor(b/2))")
    b, c = symbol("b"), symbol("c")
    assert [bool(x.subs(b, 1)) for x in net.constraints if x.has(b)] == [False] * 3
    assert [bool(x.subs({b: 4, c: 6})) for x in net.constraints if x.has(b)] == [True] * 3
    assert [bool(x.subs({b: 4, c: 7})) for x in net.constraints if x.has(b)] == [
        True, False, True]
    # a divisor that cannot be 0 keeps the remainder form
    assert sympy.Eq(sympy.Mod(c, symbol("g")), 0) in symcnn.parse(
        "I(n, n, c) C(8, 3, g=g)").constraints


def test_a_shape_error_has_a_clean_traceback():
    """issue 9: the error came 'During handling of' the internal NeedsSymbols."""
    with pytest.raises(symcnn.ShapeError) as caught:
        symcnn.parse("I(n, 0, 3)")
    assert caught.value.__context__ is None and caught.value.__cause__ is None
