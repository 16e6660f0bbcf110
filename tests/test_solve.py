"""net.largest / net.smallest against a brute-force sweep over every size."""

from __future__ import annotations

import pytest

import symcnn
from symcnn import zoo

pytest.importorskip("numpy")


@pytest.mark.parametrize("name", ["resnet50", "vgg16", "googlenet", "mobilenet_v2",
                                  "squeezenet1_0", "inception_v3", "alexnet"])
@pytest.mark.parametrize("size", [97, 224])
def test_largest_and_smallest_agree_with_every_size_tried(name, size):
    net = zoo.load(name)
    table = net.sweep(n=range(1, 2 * size + 64))
    n, macs, params = (list(map(int, table[c])) for c in ("n", "macs", "params"))
    valid = [bool(v) for v in table["valid"]]
    budget = int(net.subs(n=size).macs)
    expected = max(v for v, m, ok in zip(n, macs, valid) if ok and m <= budget)
    assert net.largest("n", macs=budget) == expected >= size
    lower = min(v for v, m, ok in zip(n, macs, valid) if ok and m >= budget)
    assert net.smallest("n", macs=budget) == lower <= size
    both = max(v for v, m, p, ok in zip(n, macs, params, valid)
               if ok and m <= budget and p <= params[size - 1])
    assert net.largest("n", macs=budget, params=params[size - 1]) == both


def test_a_budget_no_size_meets_or_every_size_meets():
    net = zoo.load("resnet18")
    with pytest.raises(symcnn.SymcnnError, match="no n is within these bounds"):
        net.largest("n", macs=1)
    with pytest.raises(symcnn.SymcnnError, match="do not limit it"):
        net.largest("n", params=10**9)  # the parameters do not grow with n
    with pytest.raises(symcnn.SymcnnError, match="no bound speed"):
        net.largest("n", speed=3)
    with pytest.raises(symcnn.SymcnnError, match="give values for k"):
        symcnn.parse("I(n, n, 3) C(8, k)").largest("n", macs=10**6)


def test_a_size_that_strides_demand_be_a_multiple():
    """Only even sizes are valid here (the branch gives 2·floor(n/2)); 41 costs what 40
    does, and is refused."""
    net = symcnn.parse("I(n, n, 3) Add([], [P(2) T(3, 2, s=2)])")
    with pytest.raises(symcnn.ShapeError):
        net.subs(n=41)
    budget = int(net.subs(n=40).macs)
    assert net.largest("n", macs=budget) == 40
    assert net.smallest("n", macs=budget) == 40
