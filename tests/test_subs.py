"""``Network.subs`` with values that are expressions in symbols: the result's
``symbols`` must list every symbol its numbers still contain, and a value may use
another name given in the same call."""

import pytest

import symcnn


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
