"""``Mul`` and ``SE`` against PyTorch: torchvision's own ``SqueezeExcitation`` (the block
of MobileNetV3, EfficientNet and RegNetY), with its weights copied into symcnn's export,
gives the same numbers, parameters and MACs; ``Mul`` computes what ``x * branch(x)``
computes in plain torch, and refuses the shapes that PyTorch cannot broadcast.
"""

from __future__ import annotations

import pytest

import symcnn

import torchvision_models as tv  # skips this module without torch and torchvision

torch = tv.torch
nn = torch.nn

from symcnn.torch import to_torch  # noqa: E402  (after the skip)

ACTIVATIONS = {"ReLU": nn.ReLU, "SiLU": nn.SiLU, "Sigmoid": nn.Sigmoid,
               "Hardsigmoid": nn.Hardsigmoid, "Hardswish": nn.Hardswish}


def conv_macs(model: nn.Module, x: torch.Tensor) -> int:
    """Multiply-accumulates of every convolution of ``model`` on ``x`` (one sample)."""
    macs = 0

    def count(module: nn.Module, inputs: object, output: torch.Tensor) -> None:
        nonlocal macs
        if isinstance(module, nn.modules.conv._ConvNd):
            per_output = module.in_channels // module.groups
            for k in module.kernel_size:
                per_output *= k
            macs += output[0].numel() * per_output

    hooks = [m.register_forward_hook(count) for m in model.modules()]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return macs


SQUEEZES = [  # (channels, what SE is given, squeeze channels, act, gate)
    (32, "8", 8, "ReLU", "Sigmoid"),  # torchvision's defaults
    (32, "r=4", 8, "ReLU", "Sigmoid"),
    (96, "24, gate=Hardsigmoid", 24, "ReLU", "Hardsigmoid"),  # MobileNetV3
    (144, "6, act=SiLU", 6, "SiLU", "Sigmoid"),  # EfficientNet-B0's second block
    (48, "c=12, act=Hardswish, gate=Hardsigmoid", 12, "Hardswish", "Hardsigmoid"),
]


@pytest.mark.parametrize("c, written, q, act, gate", SQUEEZES)
def test_se_is_torchvisions_squeeze_excitation(c, written, q, act, gate):
    net = symcnn.parse(f"I(7, 9, {c}) SE({written})")
    theirs = tv.torchvision.ops.SqueezeExcitation(
        c, q, activation=ACTIVATIONS[act], scale_activation=ACTIVATIONS[gate]).eval()
    ours = to_torch(net).eval()
    names = {"fc1": "se1.scale.C1", "fc2": "se1.scale.C2"}
    ours.load_state_dict({f"{names[k.split('.')[0]]}.{k.split('.')[1]}": v
                          for k, v in theirs.state_dict().items()})
    x = torch.randn(2, c, 7, 9)
    with torch.no_grad():
        assert torch.allclose(ours(x), theirs(x), atol=1e-6)
    assert net.params == sum(p.numel() for p in theirs.parameters())
    assert net.macs == conv_macs(theirs, x[:1])
    assert net.output_shape == (7, 9, c)


@pytest.mark.parametrize("shape", [(11, 6), (3, 5, 4, 6)], ids=["signal", "volume"])
def test_se_on_signals_and_volumes(shape):
    """The same block with Conv1d or Conv3d, written out in plain torch."""
    rank, c = len(shape) - 1, shape[-1]
    conv = getattr(nn, f"Conv{rank}d")
    fc1, fc2 = conv(c, 3, 1), conv(3, c, 1)
    net = symcnn.parse("I(" + ", ".join(map(str, shape)) + ") SE(3, act=SiLU)")
    ours = to_torch(net).eval()
    ours.load_state_dict({"se1.scale.C1.weight": fc1.weight, "se1.scale.C1.bias": fc1.bias,
                          "se1.scale.C2.weight": fc2.weight, "se1.scale.C2.bias": fc2.bias})
    x = torch.randn(2, c, *shape[:-1])
    dims = tuple(range(2, 2 + rank))
    with torch.no_grad():
        expected = x * torch.sigmoid(fc2(nn.functional.silu(fc1(x.mean(dims, keepdim=True)))))
        assert torch.allclose(ours(x), expected, atol=1e-6)
    assert net.params == sum(p.numel() for p in (*fc1.parameters(), *fc2.parameters()))
    assert net.output_shape == shape


def test_mul_of_two_branches_is_their_product():
    net = symcnn.parse("I(6, 5, 4) Mul([C(8, 3, p=1) Sigmoid], [C(8, 1)], [G C(8, 1)])")
    a, b, c = nn.Conv2d(4, 8, 3, padding=1), nn.Conv2d(4, 8, 1), nn.Conv2d(4, 8, 1)
    ours = to_torch(net).eval()
    ours.load_state_dict({
        **{f"mul1.branch1.C1.{k}": v for k, v in a.state_dict().items()},
        **{f"mul1.branch2.C1.{k}": v for k, v in b.state_dict().items()},
        **{f"mul1.branch3.C1.{k}": v for k, v in c.state_dict().items()}})
    x = torch.randn(2, 4, 6, 5)
    with torch.no_grad():
        expected = torch.sigmoid(a(x)) * b(x) * c(x.mean((2, 3), keepdim=True))
        assert torch.allclose(ours(x), expected, atol=1e-6)
    assert net.output_shape == (6, 5, 8)
    assert net.params == sum(p.numel() for m in (a, b, c) for p in m.parameters())
    one = x[:1]
    assert net.macs == (conv_macs(a, one) + conv_macs(b, one)
                        + conv_macs(c, one.mean((2, 3), keepdim=True)))


@pytest.mark.parametrize("branch", [
    "G C(8, 1)",  # (1, 1, 8) on 32 channels
    "C(16, 1)",  # (8, 8, 16)
    "P(2)",  # (4, 4, 32)
    "G F",  # a vector
])
def test_mul_refuses_what_pytorch_cannot_broadcast(branch):
    x = "I(8, 8, 32)"
    with pytest.raises(symcnn.ShapeError, match="cannot multiply"):
        symcnn.parse(f"{x} Mul([{branch}])")
    gives = to_torch(symcnn.parse(f"{x} {branch}")).eval()
    image = torch.randn(1, 32, 8, 8)
    with pytest.raises(RuntimeError), torch.no_grad():
        image * gives(image)


def test_mul_with_symbols_is_a_condition():
    gate = symcnn.parse("I(n, n, c) Mul([G C(k, 1)])")
    assert gate.output_shape == symcnn.parse("I(n, n, c)").output_shape
    with pytest.raises(symcnn.ShapeError, match="cannot multiply"):
        gate.subs(n=8, c=32, k=16)
    assert gate.subs(n=8, c=32, k=32).output_shape == (8, 8, 32)
