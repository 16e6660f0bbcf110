"""net.on_multiples: the closed forms for n = S·m, exact at every multiple, no floors."""

import pytest
import sympy

import symcnn
from symcnn import zoo


@pytest.mark.parametrize("name", ["resnet50", "vgg16", "mobilenet_v2", "googlenet",
                                  "densenet121", "squeezenet1_1", "regnet_x_400mf"])
def test_the_multiple_form_is_exact_at_every_multiple(name):
    net = zoo.load(name)
    stride = net.total_stride()
    multiple = net.on_multiples()
    m = sympy.Symbol("m", integer=True, positive=True)
    assert not multiple.macs.atoms(sympy.floor, sympy.ceiling)
    for k in range(1, 1024 // stride + 1, 3):
        if stride * k < 32:
            continue
        exact = net.subs(n=stride * k)
        assert multiple.macs.subs(m, k) == exact.macs
        assert multiple.params.subs(m, k) == exact.params


def test_resnet50_in_closed_form():
    multiple = zoo.load("resnet50").on_multiples()
    m = multiple.symbols[0]
    assert multiple.macs == 83410944 * m**2 + 2048000  # the figure
    assert zoo.load("resnet50").total_stride() == 32


def test_assume_divisible_is_not_exact_where_users_look():
    """Why on_multiples exists: dropping the floors is 12% off at n = 224."""
    net = zoo.load("resnet50")
    dropped = net.formula("macs", assume_divisible=True).subs(net.symbols[0], 224)
    exact = net.subs(n=224).macs
    assert dropped > exact * sympy.Rational(11, 10)


def test_of_must_be_a_whole_number():
    with pytest.raises(symcnn.SymcnnError, match="of= is a whole number"):
        symcnn.parse("I(n, n, 3) C(8, 3)").on_multiples(of=0)
