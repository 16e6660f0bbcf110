"""Uneven padding, ``p=((before, after), ...)`` (issue 11), against PyTorch: ``F.pad``
by the pairs, then the convolution or the pool with no padding of its own."""

import math

import pytest

import symcnn

torch = pytest.importorskip("torch")
F = torch.nn.functional


def reference_conv(shape, f, k, s, pads, groups=1, bias=True):
    """The output shape, parameters and MACs of F.pad then a PyTorch convolution."""
    r = len(shape) - 1
    conv = getattr(torch.nn, f"Conv{r}d")(shape[-1], f, k, s, 0, groups=groups, bias=bias)
    x = torch.zeros(1, shape[-1], *shape[:-1])
    amounts = tuple(v for pair in reversed(pads) for v in pair)
    y = conv(F.pad(x, amounts))
    out = (*y.shape[2:], y.shape[1])
    params = sum(p.numel() for p in conv.parameters())
    k = (k,) * r if isinstance(k, int) else k
    macs = math.prod(out) * math.prod(k) * shape[-1] // groups
    return out, params, macs


def pairs_text(pads):
    return "(" + ", ".join(f"({b}, {a})" for b, a in pads) + ("," if len(pads) == 1 else "") + ")"


CONVS = [
    ((112, 112, 32), 3, 2, ((0, 1), (0, 1))),  # MobileNet's strided depthwise, in Keras
    ((15, 10, 4), 4, 1, ((1, 2), (2, 1))),     # TensorFlow's same with an even kernel
    ((9, 9, 2), 3, 3, ((2, 0), (0, 2))),
    ((17, 3), 4, 2, ((1, 2),)),                # a signal
    ((8, 5), 1, 1, ((0, 3),)),
]


@pytest.mark.parametrize("shape, k, s, pads", CONVS)
def test_a_convolution_with_uneven_padding_is_pytorch_s_after_a_pad(shape, k, s, pads):
    dims = ", ".join(map(str, shape))
    net = symcnn.parse(f"I({dims}) C(6, {k}, s={s}, p={pairs_text(pads)})")
    out, params, macs = reference_conv(shape, 6, k, s, pads)
    assert (net.output_shape, net.params, net.macs) == (out, params, macs)


@pytest.mark.parametrize("shape, k, s, pads", CONVS)
def test_depthwise_and_separable_convolutions_take_uneven_padding(shape, k, s, pads):
    dims, c = ", ".join(map(str, shape)), shape[-1]
    dw = symcnn.parse(f"I({dims}) DW({k}, s={s}, p={pairs_text(pads)})")
    out, params, macs = reference_conv(shape, c, k, s, pads, groups=c)
    assert (dw.output_shape, dw.params, dw.macs) == (out, params, macs)
    sc = symcnn.parse(f"I({dims}) SC(5, {k}, s={s}, p={pairs_text(pads)})")
    assert sc.output_shape == (*out[:-1], 5)
    assert sc.params == params - c + c * 5 + 5  # the depthwise part has no bias
    assert sc.macs == macs + math.prod(out[:-1]) * c * 5


@pytest.mark.parametrize("kind, module, fill", [("P", "MaxPool", float("-inf")),
                                                ("A", "AvgPool", 0.0)])
@pytest.mark.parametrize("shape, k, s, pads", [
    ((10, 10, 3), 2, 2, ((0, 1), (1, 0))),
    ((7, 12, 3), 3, 2, ((1, 0), (0, 1))),
    ((11, 2), 4, 3, ((2, 1),)),
])
def test_a_pool_with_uneven_padding_is_pytorch_s_after_a_pad(kind, module, fill, shape, k, s,
                                                             pads):
    dims, r = ", ".join(map(str, shape)), len(shape) - 1
    net = symcnn.parse(f"I({dims}) {kind}({k}, s={s}, p={pairs_text(pads)})")
    pool = getattr(torch.nn, f"{module}{r}d")(k, s, 0)
    x = torch.zeros(1, shape[-1], *shape[:-1])
    y = pool(F.pad(x, tuple(v for pair in reversed(pads) for v in pair), value=fill))
    assert net.output_shape == (*y.shape[2:], y.shape[1])
    assert (net.params, net.macs) == (0, 0)


@pytest.mark.parametrize("text", [
    "I(9, 9, 3) DW(3, s=2, p=((0, 1), (0, 1)))",
    "I(8, 8, 4) C(8, 4, s=2, p=((1, 2), 1))",
    "I(9, 4) A(3, s=2, p=((1, 0),))",
    "I(8, 8, 4) SC(8, 3, s=2, p=((0, 1), (1, 0))) P(2, p=((0, 1), (1, 0)))",
])
def test_to_torch_pads_then_runs_the_layer_and_to_dsl_prints_the_pairs(text):
    from symcnn.torch import example_input, to_torch

    net = symcnn.parse(text)
    model = to_torch(net)
    y = model(example_input(net))
    assert (*y.shape[2:], y.shape[1]) == net.output_shape
    assert sum(p.numel() for p in model.parameters()) == net.params
    again = symcnn.parse(net.to_dsl())
    assert again.to_dsl() == net.to_dsl() and again.output_shape == net.output_shape
    assert "p=((" in net.to_dsl()


def test_even_pairs_are_held_as_symmetric_padding():
    net = symcnn.parse("I(8, 8, 4) C(8, 3, p=((1, 1), (2, 2)))")
    assert net.to_dsl() == symcnn.parse("I(8, 8, 4) C(8, 3, p=(1, 2))").to_dsl()


def test_symbolic_uneven_padding_adds_the_two_sides():
    net = symcnn.parse("I(n, n, 3) C(8, 2, s=2, p=((0, 1), (0, 1)))")
    assert str(net.output_shape) == "(floor(n/2 - 1/2) + 1, floor(n/2 - 1/2) + 1, 8)"  # ceil(n/2)


@pytest.mark.parametrize("text, message", [
    ("I(8, 8, 4) P(2, p=((0, 1), 1), ceil=true)", "ceil=true takes even padding"),
    ("I(8, 8, 4) P(2, p=((0, 2), 1))", "pool padding 2 after must be at most half the kernel"),
    ("I(8, 8, 4) T(8, 3, p=((0, 1), (1, 0)))", "p of T takes the same padding on both sides"),
    ("I(8, 8, 4) C(8, 3, p=((0, 1, 2), 1))", "takes a pair (before, after)"),
    ("I(8, 8, 4) C(8, 3, p=((0, 1),))", "not a tuple of 1"),
    ("I(8, 8, 4) C(8, (3, 3), s=((1, 2), 1))", "not a tuple of tuples"),
    ("I(8, 8, 4) C(8, 3, p=((0, -1), 1))", "p"),  # each side at least 0
])
def test_what_uneven_padding_refuses(text, message):
    with pytest.raises(symcnn.errors.SymcnnError) as caught:
        symcnn.parse(text)
    assert message in str(caught.value)


def test_the_receptive_field_starts_at_the_padding_before():
    net = symcnn.parse("I(9, 9, 3) C(4, 3, s=2, p=((0, 1), (1, 0))) P(2, p=((1, 0), (0, 1)))")
    field = net.receptive_field
    assert (field.size, field.stride, field.padding) == ((5, 5), (4, 4), (2, 1))


def onnx_op(name, pads, **attrs):
    from symcnn.kinds._reading import Op

    weights = (None, (8, 3, 3, 3)) if name != "MaxPool" else ()
    return Op(name, "node", inputs=((1, 3, 9, 9),), weights=weights,
              attrs={"kernel_shape": [3, 3], "strides": [2, 2], "pads": pads, **attrs})


def test_onnx_s_uneven_pads_are_read_as_pairs():
    from symcnn.kinds._base import kinds
    from symcnn.kinds._reading import Unfit

    by_name = {kind.name: kind for kind in kinds()}
    # ONNX's pads: every dimension's start, then every dimension's end
    args = by_name["C"].from_onnx(onnx_op("Conv", [0, 1, 1, 0]))
    assert args["p"] == ((0, 1), (1, 0))
    assert by_name["C"].from_onnx(onnx_op("Conv", [1, 2, 1, 2]))["p"] == (1, 2)
    assert by_name["P"].from_onnx(onnx_op("MaxPool", [0, 0, 1, 1]))["p"] == ((0, 1), (0, 1))
    with pytest.raises(Unfit, match="ceil_mode"):
        by_name["P"].from_onnx(onnx_op("MaxPool", [0, 0, 1, 1], ceil_mode=1))
    with pytest.raises(Unfit, match="transposed"):
        by_name["T"].from_onnx(onnx_op("ConvTranspose", [0, 0, 1, 1]))
