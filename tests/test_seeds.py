"""The seed derivations, layer by layer, with figures that do not come from our own
formulas: docs/language.md's worked examples, the textbook networks and the VGG paper."""

from pathlib import Path

import pytest

import symcnn

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def trainable(net):
    return [int(r.params) for r in net.layers if r.params != 0]


def test_217706_network_symbolic_then_substituted():
    net = symcnn.parse("I(n,n,1) C(32,k) P(2) C(32,3) P(2) D(256) O(10)")
    assert [s.name for s in net.symbols] == ["k", "n"]
    num = net.subs(n=28, k=5)
    assert int(num.params) == 217706
    assert trainable(num) == [832, 9248, 205056, 2570]
    sizes = [r.output_shape[0] for r in num.layers[1:5]]
    assert sizes == [24, 12, 10, 5]
    assert num.symbols == ()


def test_217706_network_from_example_file():
    net = symcnn.load(EXAMPLES / "mnist.cnn")
    assert int(net.params) == 217706
    assert trainable(net) == [832, 9248, 205056, 2570]
    d1 = next(r for r in net.layers if r.name == "D1")
    assert d1.input_shape == (5, 5, 32)


def test_32x32x3_network():
    net = symcnn.load(EXAMPLES / "cifar.cnn")
    assert trainable(net) == [608, 3216, 48120, 10164, 850]
    assert int(net.params) == 608 + 3216 + 48120 + 10164 + 850


def test_vgg16():
    net = symcnn.load(EXAMPLES / "vgg16.cnn")
    convs = [int(r.params) for r in net.layers if r.kind == "C"]
    assert convs == [1792, 36928, 73856, 147584, 295168, 590080, 590080,
                     1180160, 2359808, 2359808, 2359808, 2359808, 2359808]
    assert sum(convs) == 14714688
    dense = [int(r.params) for r in net.layers if r.kind in ("D", "O")]
    assert dense == [102764544, 16781312, 4097000]
    assert int(net.params) == 138357544
    fc1 = next(r for r in net.layers if r.name == "D1")
    assert fc1.input_shape == (7, 7, 512)


def test_vgg16_symbolic_in_n_collapses_its_floors():
    from symcnn import zoo

    net = zoo.load("vgg16_paper")
    (n,) = net.symbols
    assert str(net.params) == "2097152*floor(n/32)**2 + 35597096"
    assert int(net.subs(n=224).params) == 138357544


@pytest.mark.parametrize("down, params", [
    ("C(64, 3, s=2, p=same)", (3 * 3 * 32 + 1) * 64),
    ("C(64, 3, p=same) P(2, p=same)", (3 * 3 * 32 + 1) * 64),
])
def test_same_padding_down_samplings_agree(down, params):
    """A 2x2-stride conv and a 1x1-stride conv followed by a 2x2 pool both halve the
    size with 'same' padding, and have the same parameters."""
    net = symcnn.parse(f"I(n, n, 32) {down}")
    (n,) = net.symbols
    assert int(net.params) == params
    assert net.output_shape[0] == net.output_shape[1]
    for size in (7, 8, 31, 32):
        assert net.subs(n=size).output_shape == (-(-size // 2), -(-size // 2), 64)
