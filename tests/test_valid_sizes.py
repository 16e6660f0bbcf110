"""net.valid_sizes: the values of a free symbol for which a network is valid, as a
congruence, against a brute-force scan: ``net.subs`` at every value (it raises where
the network is invalid), and for the zoo the sweep's ``valid`` column."""

from __future__ import annotations

import sys

import pytest

import symcnn
from symcnn import zoo
from symcnn._solve import ValidSizes

pytest.importorskip("numpy")


def valid_by_subs(net, values):
    found = []
    for v in values:
        try:
            net.subs(n=v)
        except symcnn.ShapeError:
            continue
        found.append(v)
    return found


# (program, what valid_sizes says): merges whose branches agree on some residues only
HAND_WRITTEN = [
    ("I(n, n, 3) Add([C(8, 3, s=2, p=1)], [P(2) C(8, 1)])", "n ≥ 2, n ≡ 0 (mod 2)"),
    ("I(n, n, 3) C(8, 3) P(2)", "n ≥ 4"),
    # two merges, of periods 4 and 3: n = 12q + r needs r < 4
    ("I(n, n, 3) Add([P(4)], [P(2) P(2)]) Add([P(3)], [A(3, s=3, p=1)])",
     "n ≥ 12, n ≡ 0–3 (mod 12)"),
    # floor(n/3) against floor(n/2) - 1: equal at 4 to 7 and 9 only, a finite set
    ("I(n, n, 3) Add([P(3, s=3)], [P(2) P(2, s=1)])", "n ∈ {4–7, 9}"),
    # a U-Net's skip connection wants n ≡ 0 (mod 4) from the first 4 on
    ("I(n, n, 8) Cat([], [P(2) Cat([], [P(2) C(8, 3, p=1) T(8, 2, s=2)]) T(8, 2, s=2)])",
     "n ≥ 4, n ≡ 0 (mod 4)"),
    # ceil(n/2) = ceil(n/3) at 1, 2 and 4 only
    ("I(n, n, 3) Add([C(3, 1, s=2)], [C(3, 1, s=3)])", "n ∈ {1, 2, 4}"),
    ("I(n, n, 3) Add([P(2)], [P(2) P(2)])", "no n"),
]


@pytest.mark.parametrize("program, expected", HAND_WRITTEN)
def test_hand_written_networks_agree_with_every_size_tried(program, expected):
    net = symcnn.parse(program)
    sizes = net.valid_sizes("n")
    assert str(sizes) == expected
    upto = (sizes.least or 1) + 3 * sizes.modulus + max(sizes.exceptions, default=0)
    found = valid_by_subs(net, range(1, max(upto, 40) + 1))
    assert [v for v in range(1, max(upto, 40) + 1) if v in sizes] == found


ONE_SYMBOL = [name for name in zoo.names() if [s.name for s in zoo.load(name).symbols] == ["n"]]


@pytest.mark.parametrize("name", ONE_SYMBOL)
def test_every_zoo_network_agrees_with_a_sweep(name):
    net = zoo.load(name)
    sizes = net.valid_sizes()
    upto = (sizes.least or 1) + 3 * sizes.modulus + max(sizes.exceptions, default=0)
    table = net.sweep(n=range(1, upto + 1))
    assert [v in sizes for v in range(1, upto + 1)] == [bool(ok) for ok in table["valid"]]


def test_zoo_figures():
    assert str(zoo.load("resnet50").valid_sizes()) == "n ≥ 1"
    assert str(zoo.load("vgg16").valid_sizes()) == "n ≥ 32"
    assert str(zoo.load("inception_v3").valid_sizes()) == "n ≥ 75"
    # window attention of 7x7 windows at strides 4 to 32: ceil(n/32) a multiple of 7
    maxvit = zoo.load("maxvit_t")
    sizes = maxvit.valid_sizes()
    assert (sizes.least, sizes.modulus, sizes.residues) == (221, 224, (0, 221, 222, 223))
    assert 224 in sizes and 225 not in sizes and 448 in sizes
    assert valid_by_subs(maxvit, range(200, 250)) == [221, 222, 223, 224]


def test_reading_and_membership():
    sizes = ValidSizes("n", 12, 4, (0, 1), (3, 5, 6, 7))
    assert str(sizes) == "n ∈ {3, 5–7} or (n ≥ 12, n ≡ 0, 1 (mod 4))"
    assert [v for v in range(20) if v in sizes] == [3, 5, 6, 7, 12, 13, 16, 17]
    assert "12" not in sizes and True not in sizes


def test_smallest_and_between():
    sizes = ValidSizes("n", 12, 4, (0, 1), (3, 5, 6, 7))
    assert sizes.smallest == 3
    assert list(sizes.between(1, 20)) == [v for v in range(1, 21) if v in sizes]
    assert list(sizes.between(6, 13)) == [6, 7, 12, 13]
    assert list(sizes.between(8, 11)) == [] and list(sizes.between(30, 10)) == []
    # a wide range costs only the values taken
    far = sizes.between(10**30 + 2, 10**40)
    assert [next(far) for _ in range(3)] == [10**30 + 4, 10**30 + 5, 10**30 + 8]
    assert ValidSizes("n", None, 1, (), ()).smallest is None
    assert ValidSizes("n", 32, 1, (0,)).smallest == 32


@pytest.mark.parametrize("program, expected", HAND_WRITTEN)
def test_between_agrees_with_every_size_tried(program, expected):
    net = symcnn.parse(program)
    sizes = net.valid_sizes("n")
    found = valid_by_subs(net, range(1, 61))
    assert list(sizes.between(1, 60)) == found
    assert sizes.smallest == (found[0] if found else None)


@pytest.mark.parametrize("program, expected", HAND_WRITTEN)
def test_without_numpy_the_same_answers(program, expected, monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)  # as in the browser playground
    assert str(symcnn.parse(program).valid_sizes("n")) == expected


def test_without_numpy_the_zoo_has_the_same_answers(monkeypatch):
    expected = {name: zoo.load(name).valid_sizes() for name in ONE_SYMBOL}
    monkeypatch.setitem(sys.modules, "numpy", None)
    assert {name: zoo.load(name).valid_sizes() for name in ONE_SYMBOL} == expected


def test_without_numpy_a_long_scan_is_refused(monkeypatch):
    # 17 conditions (one per pool), each computed over a period of 2^17 sizes: more than
    # one value at a time can do in a second
    net = symcnn.parse("I(n, n, 3) " + "P(2) " * 17)
    assert str(net.valid_sizes()) == "n ≥ 131072"
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(symcnn.SymcnnError, match=r'too many to compute without NumPy: '
                                                 r'pip install "symcnn\[sweep\]"'):
        net.valid_sizes()


def test_other_symbols_need_values_and_other_shapes_are_refused():
    with pytest.raises(symcnn.SymcnnError, match="give values for k"):
        symcnn.parse("I(n, n, 3) C(8, k)").valid_sizes("n")
    with pytest.raises(symcnn.SymcnnError, match="m is not a free symbol"):
        symcnn.parse("I(n, n, 3) C(8, 3)").valid_sizes("m")
    with pytest.raises(symcnn.SymcnnError, match="not built from floors and ceilings"):
        symcnn.parse("I(n * n, 3) Add([P(2)], [C(3, 1, s=2)])").valid_sizes("n")


def test_the_command_line(capsys):
    from symcnn.cli import main

    assert main(["solve", "I(n, n, 3) Add([C(8, 3, s=2, p=1)], [P(2) C(8, 1)])",
                 "--valid", "n"]) == 0
    assert capsys.readouterr().out == "n ≥ 2, n ≡ 0 (mod 2)\n"
    assert main(["solve", "--zoo", "mc3_18", "--set", "t=16", "--valid", "n"]) == 0
    assert capsys.readouterr().out == "n ≥ 1\n"
    assert main(["solve", "--zoo", "vgg16", "--valid", "n", "--macs", "10"]) == 2
    assert "--valid takes no bounds" in capsys.readouterr().err
    assert main(["solve", "--zoo", "mc3_18", "--valid", "n"]) == 2
    assert "give values for t first" in capsys.readouterr().err


def test_a_period_too_long_to_scan_is_refused_quickly():
    net = symcnn.parse("I(n, n, 3) C(3, 3, s=1000) C(3, 3, s=1000) "
                       "Add([P(1000)], [C(3, 1, s=1000)])")
    with pytest.raises(symcnn.SymcnnError, match="repeats only every 1,000,000,000 values"):
        net.valid_sizes()
