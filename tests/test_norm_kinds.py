"""GN, Scale, Normalization, Rescaling, PReLU and BN's scale/center options against the
PyTorch modules that are the same layers (and, for Keras's layers, the weights Keras
creates). test_kinds.py checks each on random inputs of every rank; here are the
cases it seldom draws: refusals, one-sided BN, per-element slopes."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

import symcnn

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from symcnn.torch import example_input, to_torch  # noqa: E402


def numel(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


# ---- GN ----------------------------------------------------------------------------------

@pytest.mark.parametrize("program, g, c", [
    ("I(n, n, 64) GN(32)", 32, 64), ("I(7, 7, 96) GN(1)", 1, 96), ("I(30) GN(5)", 5, 30),
    ("I(l, 12) GN(4)", 4, 12), ("I(2, 3, 3, 8) GN(8)", 8, 8),
])
def test_group_norm_counts_what_pytorch_has(program, g, c):
    net = symcnn.parse(program)
    assert net.params == numel(nn.GroupNorm(g, c)) == 2 * c
    assert net.non_trainable == 0 == sum(b.numel() for b in nn.GroupNorm(g, c).buffers())
    assert net.output_shape == net.input_shape


def test_group_norm_refuses_what_pytorch_refuses():
    """Every small case: groups that do not divide the channels (GroupNorm's
    constructor refuses them) and groups of one value (its forward pass does)."""
    for c, g, (h, w) in itertools.product(range(1, 7), range(1, 7), [(1, 1), (1, 2), (2, 2)]):
        try:
            nn.GroupNorm(g, c)(torch.zeros(1, c, h, w))
            torch_refuses = False
        except (ValueError, RuntimeError):
            torch_refuses = True
        try:
            symcnn.parse(f"I({h}, {w}, {c}) GN({g})")
            refused = False
        except symcnn.ShapeError:
            refused = True
        assert refused == torch_refuses, (c, g, h, w)


def test_group_norm_divides_symbolically():
    net = symcnn.parse("I(n, n, c) GN(g)")
    assert [str(v) for v in net.constraints] == ["Eq(Mod(c, g), 0)", "c*n**2 >= 2*g"]
    with pytest.raises(symcnn.ShapeError, match="the groups g=4 must divide the channels 6"):
        net.subs(n=8, c=6, g=4)


# ---- BN(scale=..., center=...) -------------------------------------------------------------

@pytest.mark.parametrize("scale, center", list(itertools.product([True, False], repeat=2)))
def test_batch_norm_options_count_gamma_and_beta(scale, center):
    """PyTorch's BatchNorm2d holds gamma as ``weight`` and beta as ``bias``; Keras's
    ``scale=False`` drops gamma and ``center=False`` beta, and keeps the statistics."""
    c = 24
    reference = nn.BatchNorm2d(c)
    gamma, beta = reference.weight.numel(), reference.bias.numel()
    statistics = reference.running_mean.numel() + reference.running_var.numel()
    flags = f"scale={str(scale).lower()}, center={str(center).lower()}"
    net = symcnn.parse(f"I(5, 5, {c}) BN({flags})")
    assert net.params == gamma * scale + beta * center
    assert net.non_trainable == statistics == 2 * c

    model = to_torch(net)
    assert numel(model) == net.params
    hidden = model(example_input(net, batch=4))
    assert hidden.shape == (4, c, 5, 5)


def test_batch_norm_without_options_is_pytorchs_own():
    net = symcnn.parse("I(5, 5, 8) BN")
    assert net.to_dsl().splitlines()[-1] == "BN"
    assert type(to_torch(net)[-1]) is nn.BatchNorm2d


def test_batch_norm_without_scale_shifts_each_channel():
    """BatchNorm(affine=False), then a trained shift per channel: Keras's
    ``BatchNormalization(scale=False)`` in eval mode."""
    net = symcnn.parse("I(3, 3, 4) BN(scale=false)")
    model = to_torch(net).eval()
    norm, shift = model[-1]
    with torch.no_grad():
        shift.bias.copy_(torch.arange(4.0))
    x = example_input(net)
    expected = nn.functional.batch_norm(x, norm.running_mean, norm.running_var) + \
        torch.arange(4.0).view(1, 4, 1, 1)
    assert torch.allclose(model(x), expected)


# ---- Scale --------------------------------------------------------------------------------

def test_layer_scale_multiplies_each_channel():
    net = symcnn.parse("I(4, 4, 6) Scale")
    assert net.params == 6
    model = to_torch(net)
    (weight,) = model.parameters()
    with torch.no_grad():
        weight.copy_(torch.arange(6.0))
    x = example_input(net)
    assert torch.equal(model(x), x * torch.arange(6.0).view(1, 6, 1, 1))


# ---- Keras's input layers --------------------------------------------------------------

def test_normalization_keeps_keras_weights():
    """Keras's Normalization.build (keras/src/layers/preprocessing/normalization.py)
    adds, for axis=-1, the non-trainable weights ``mean`` and ``variance`` of shape (c,)
    and ``count`` of shape (): 2c + 1. The export holds them as buffers."""
    for program, c in [("I(32, 32, 3) Normalization", 3), ("I(13) Normalization", 13)]:
        net = symcnn.parse(program)
        model = to_torch(net)
        buffers = dict(model[-1].named_buffers())
        assert {k: tuple(v.shape) for k, v in buffers.items()} == {
            "mean": (c,), "variance": (c,), "count": ()}
        assert net.non_trainable == sum(b.numel() for b in buffers.values()) == 2 * c + 1
        assert net.params == numel(model) == 0


def test_normalization_and_rescaling_compute_what_keras_does():
    net = symcnn.parse("I(4, 4, 2) Rescaling(1/255, offset=-1) Normalization")
    model = to_torch(net)
    rescale, standardize = model[1], model[2]
    standardize.mean.copy_(torch.tensor([1.0, 2.0]))
    standardize.variance.copy_(torch.tensor([4.0, 9.0]))
    x = example_input(net)
    scaled = x / 255 - 1
    assert torch.allclose(rescale(x), scaled)
    expected = (scaled - torch.tensor([1.0, 2.0]).view(1, 2, 1, 1)) / torch.tensor(
        [2.0, 3.0]).view(1, 2, 1, 1)
    assert torch.allclose(model(x), expected)


def test_rescaling_takes_exact_numbers():
    net = symcnn.parse("I(8, 8, 3) Rescaling(1/127.5, -1)")
    assert net.layers[-1].args == {"scale": Fraction(2, 255), "offset": -1}
    with pytest.raises(symcnn.DSLSyntaxError, match="scale of Rescaling takes a number"):
        symcnn.parse("I(8, 8, 3) Rescaling(same)")


# ---- PReLU ---------------------------------------------------------------------------------

@pytest.mark.parametrize("layer, reference", [
    ("PReLU", lambda c, h: nn.PReLU()),
    ("PReLU(16)", lambda c, h: nn.PReLU(num_parameters=c)),
])
def test_prelu_counts_what_pytorch_has(layer, reference):
    net = symcnn.parse(f"I(6, 6, 16) {layer}")
    assert net.params == numel(reference(16, 6)) == numel(to_torch(net))


def test_prelu_per_element_is_pytorchs_prelu_with_one_slope_per_element():
    """Keras's default: one slope per element. With every slope equal, the export
    computes what PyTorch's PReLU computes."""
    net = symcnn.parse("I(5, 7, 3) PReLU(5 * 7 * 3)")
    model = to_torch(net)
    assert net.params == numel(model) == 105
    with torch.no_grad():
        model[-1].weight.fill_(0.1)
    reference = nn.PReLU(init=0.1)
    x = example_input(net, batch=2)
    assert torch.allclose(model(x), reference(x))


@pytest.mark.parametrize("program", ["I(8, 8, 3) PReLU(2)", "I(8, 8, 3) PReLU(a=8)"])
def test_prelu_refuses_other_counts(program):
    with pytest.raises(symcnn.ShapeError, match="one per channel .a=3. or one per element"):
        symcnn.parse(program)
