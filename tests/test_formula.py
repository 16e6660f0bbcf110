"""Closed forms: ``Network.formula`` against formulas written by hand from the textbook
derivation, not from symcnn's own rules."""

import pytest
import sympy

import symcnn
from symcnn import render

ICPCPHO = """
I(n, n, c)
C(f1, k1, s=s1, p=p1) P(2)
C(f2, k2, s=s2, p=p2) P(2)
H(h) O(o)
"""


def names(net):
    return {s.name: s for s in net.symbols}


def test_general_formula_of_a_symbolic_icpcpho_network():
    net = symcnn.parse(ICPCPHO)
    S = names(net)
    n, c, h, o = S["n"], S["c"], S["h"], S["o"]
    f1, k1, s1, p1 = S["f1"], S["k1"], S["s1"], S["p1"]
    f2, k2, s2, p2 = S["f2"], S["k2"], S["s2"], S["p2"]
    # The textbook derivation, with every stride dividing its size:
    # conv: m -> (m + 2p - k)/s + 1; pool 2: m -> m/2; dense: (inputs + 1) * units.
    m1 = ((n + 2 * p1 - k1) / s1 + 1) / 2
    m2 = ((m1 + 2 * p2 - k2) / s2 + 1) / 2
    expected = ((k1**2 * c + 1) * f1 + (k2**2 * f1 + 1) * f2
                + (m2**2 * f2 + 1) * h + (h + 1) * o)
    got = net.formula(assume_divisible=True)
    assert sympy.simplify(got - expected) == 0
    assert not got.has(sympy.floor)
    # With the floors, the closed form agrees with the textbook at the classic values,
    # and is the 217,706 network there (P(2) after C(32,5) on 28: 24 -> 12 -> 10 -> 5).
    values = dict(n=28, c=1, f1=32, k1=5, s1=1, p1=0, f2=32, k2=3, s2=1, p2=0, h=256, o=10)
    at = {S[k]: v for k, v in values.items()}
    assert net.formula().xreplace(at) == 217706
    assert expected.xreplace(at) == 217706
    assert int(net.subs(**values).params) == 217706


def test_floors_are_kept_unless_divisibility_is_assumed():
    net = symcnn.parse(ICPCPHO)
    assert net.formula().has(sympy.floor)
    # At n = 27 the floors matter: 27 -> 23 -> 11 (not 11.5) -> 9 -> 4.
    values = dict(n=27, c=1, f1=32, k1=5, s1=1, p1=0, f2=32, k2=3, s2=1, p2=0, h=256, o=10)
    at = {names(net)[k]: v for k, v in values.items()}
    assert net.formula().xreplace(at) == int(net.subs(**values).params)
    assert net.formula().xreplace(at) == ((25 + 1) * 32 + (9 * 32 + 1) * 32
                                          + (16 * 32 + 1) * 256 + 257 * 10)


def test_output_size_in_textbook_form():
    net = symcnn.parse("I(n, n, c) C(f, k, s=s, p=p)")
    assert render.text(net.output_shape[0]) == "⌊(n + 2p − k)/s⌋ + 1"
    divisible = net.formula("macs", assume_divisible=True)
    assert render.text(divisible) == "c·f·k²·((n + 2p − k)/s + 1)²"


@pytest.mark.parametrize("option", [dict(expand=True), dict(factor=True), dict(collect="h"),
                                    dict(collect=["h", "o"]), dict()])
def test_rearrangements_keep_the_value(option):
    net = symcnn.parse(ICPCPHO)
    base = net.formula(assume_divisible=True)
    got = net.formula(assume_divisible=True, **option)
    assert sympy.simplify(got - base) == 0


def test_collect_groups_by_the_symbol():
    net = symcnn.parse("I(n, n, 3) C(f, 3) D(h) O(10)")
    h = names(net)["h"]
    collected = net.formula(collect="h")
    # one term in h, one without
    assert sympy.Poly(collected, h).degree() == 1
    assert len([t for t in sympy.Add.make_args(collected) if t.has(h)]) == 1


def test_expand_and_factor():
    net = symcnn.parse("I(f) D(u) O(u)")
    assert str(net.formula(expand=True)) == "f*u + u**2 + 2*u"
    assert str(net.formula(factor=True)) == "u*(f + u + 2)"


@pytest.mark.parametrize("what, value", [("params", 217706), ("non_trainable", 0),
                                         ("total", 217706), ("macs", 1589760),
                                         ("flops", 2 * 1589760)])
def test_quantities(what, value):
    net = symcnn.load("examples/mnist.cnn")
    assert net.formula(what) == value


def test_bad_requests_are_symcnn_errors():
    net = symcnn.parse("I(n, n, 3) C(8, 3)")
    with pytest.raises(symcnn.SymcnnError, match="not a free symbol"):
        net.formula(collect="k")
    with pytest.raises(symcnn.SymcnnError, match="one of collect, factor and expand"):
        net.formula(factor=True, expand=True)
    with pytest.raises(symcnn.SymcnnError, match="no total 'weights'"):
        net.formula("weights")
