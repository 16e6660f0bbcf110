"""Block calls and rounds of a repetition met again are replayed, not evaluated again
(``Evaluator.enter``, ``Evaluator.repeat``): the replay must be invisible. Every record,
the tree, the totals, the constraints and every error must be what evaluating each call
afresh gives."""

import pytest

import symcnn
from symcnn import _evaluate, limits, zoo
from symcnn.errors import SymcnnError

PROGRAMS = [
    # the same call at the top level, inside a merge's branch, and inside a nested block
    "def b(c) = C(c, 3, p=1) BN ReLU\n"
    "def r(c) = Res([b(c) b(c)]) ReLU\n"
    "I(n, n, 8) b(8) b(8) r(8) r(8) Res([r(8)], [b(8)]) b(8) [r(8)] * 3",
    # a global rebound between statements: the same call means something else after
    "w = 4\ndef b = C(w, 3, p=1)\nI(16, 16, 3) b b\nw = 8\nb b",
    # a block redefined
    "def b = C(4, 1)\nI(8, 8, 3) b\ndef b = C(6, 1)\nb b",
    # repetitions: rounds that keep their shape, rounds that change it, nested ones
    "I(n, n, 4) [C(4, 3, p=1) BN ReLU] * 5 [C(8, 3, s=2, p=1) [ReLU] * 2] * 3 "
    "[Res([C(8, 1)]) * 2] * 2",
    "I(64, 64, 4) [C(4, 3, p=1) BN ReLU] * 5 [P(2) C(8, 3, p=1)] * 3",
    # the shape decides: the same arguments on different inputs
    "def down(c) = C(c, 3, s=2, p=1)\nI(n, n, 3) down(8) down(8) down(8) P(2) down(8)",
    # merges with named branches, and a block whose merge gets a group argument
    "def se(c) = SE(c) ReLU\ndef g(x) = Cat(x, [C(2, 1)])\n"
    "I(8, 8, 4) se(2) se(2) g([C(3, 1)]) g([C(3, 1)]) Add([ReLU], []) se(2)",
    "n = 224\n" + zoo.source("resnet50"),
    zoo.source("efficientnet_b0"),
    zoo.source("googlenet"),
]


def _snapshot(net: symcnn.Network) -> tuple:
    def tree(nodes: tuple) -> list:
        return [(n.record.name, n.kind.name, [tree(b) for b in n.branches]) for n in nodes]

    view = net.evaluated
    records = [(r.name, r.kind, r.input_shape, r.output_shape, r.params, r.non_trainable,
                r.macs, repr(r.formula), r.line, r.column, r.depth, r.index)
               for r in view.layers]
    return records, tree(view.tree), view.totals, net.constraints, net.symbols


@pytest.fixture
def afresh(monkeypatch: pytest.MonkeyPatch):
    """Evaluates each block call anew, as before replays."""
    def use() -> None:
        monkeypatch.setattr(_evaluate.Evaluator, "replays", False)
    return use


@pytest.mark.parametrize("text", PROGRAMS)
def test_a_replayed_network_is_the_network_evaluated_afresh(text, afresh):
    replayed = _snapshot(symcnn.parse(text))
    afresh()
    assert replayed == _snapshot(symcnn.parse(text))


def test_a_replay_names_and_numbers_layers_as_written_out():
    net = symcnn.parse("def r(c) = Res([C(c, 3, p=1) BN]) ReLU\nI(8, 8, 4) r(4) r(4)")
    written = symcnn.parse("I(8, 8, 4) Res([C(4, 3, p=1) BN]) ReLU Res([C(4, 3, p=1) BN]) ReLU")
    assert [(r.name, r.index, r.depth) for r in net.layers] == [
        ("input", 0, 0), ("res1.body.C1", 1, 1), ("res1.body.BN1", 2, 1), ("res1", 3, 0),
        ("ReLU1", 4, 0), ("res2.body.C1", 5, 1), ("res2.body.BN1", 6, 1), ("res2", 7, 0),
        ("ReLU2", 8, 0)]
    assert [(r.name, r.output_shape, r.params) for r in net.layers] == [
        (r.name, r.output_shape, r.params) for r in written.layers]


@pytest.mark.parametrize("layers", [5, 6, 7, 9])
@pytest.mark.parametrize("text", ["def r = Res([C(4, 1) BN]) ReLU\nI(8, 8, 4) r\nr\nr",
                                  "I(8, 8, 4)\n[Res([C(4, 1) BN]) ReLU] * 2\n"
                                  "[Res([C(4, 1) BN]) ReLU] * 1\nReLU"])
def test_the_layer_limit_stops_a_replay_where_it_stops_a_fresh_call(layers, text, afresh,
                                                                     monkeypatch):
    monkeypatch.setattr(limits, "MAX_LAYERS", layers)
    with pytest.raises(SymcnnError) as replayed:
        symcnn.parse(text)
    afresh()
    with pytest.raises(SymcnnError) as fresh:
        symcnn.parse(text)
    assert str(replayed.value) == str(fresh.value)
    assert "MAX_LAYERS" in str(fresh.value)


def test_a_block_that_fails_fails_each_time_it_is_called():
    with pytest.raises(SymcnnError, match="output height is 0"):
        symcnn.parse("def b = C(4, 5)\nI(8, 8, 3) b b")
