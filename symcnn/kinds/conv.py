"""Convolutions: ``C``, ``T`` (transposed), ``DW`` (depthwise) and ``SC`` (separable),
on signals, images and volumes alike."""

from __future__ import annotations

from typing import Any

from .._math import ONE, ZERO, ceil_div, divide, floor_div, formula, lt, maximum, product
from ._base import DIMENSIONS, Check, Kind, Out, Param, Shape, rank, register
from ._reading import Op, Unfit, per_dim
from ._types import Flag, Padding, PerDim, Whole, is_uneven, sides

FILTERS = Param("f", Whole(), foreign=("filters", "out_channels", "channels"))
SIZE = Param("k", PerDim(), foreign=("kernel", "kernel_size", "ksize", "size", "pool_size"))
STRIDE = Param("s", PerDim(), 1, foreign=("stride", "strides"))
PAD = Param("p", Padding(), 0, foreign=("padding", "pad"))
EVEN_PAD = Param("p", Padding(uneven=False), 0, foreign=("padding", "pad"))  # T's
DILATION = Param("d", PerDim(), 1, foreign=("dilation", "dilation_rate"))
GROUPS = Param("g", Whole(), 1, foreign=("groups",))
BIAS = Param("bias", Flag(), True, foreign=("use_bias",))


def written_product(*factors: Any) -> Any:
    """A product kept as written (``5·5·1``); see ``_math.formula``."""
    return formula("*", factors)


def written_sum(*terms: Any) -> Any:
    return formula("+", terms)


def per_group(channels: Any, groups: Any) -> Any:
    return channels if groups == 1 else divide(channels, groups)


def bias_term(on: bool) -> Any:
    return ONE if on else None


def window_out(check: Check, n: Any, k: Any, s: Any, p: Any, d: Any, what: str) -> Any:
    """Output length of a sliding window: ``floor((n + 2p - d(k-1) - 1)/s) + 1``, with
    ``before + after`` for ``2p`` if ``p`` is a pair, or TensorFlow's ``ceil(n/s)`` for
    ``p=same``."""
    if isinstance(p, str):  # "same"; comparing a sympy number with a str is slow
        out = ceil_div(n, s)
    elif isinstance(p, tuple):  # (before, after)
        out = floor_div(n + p[0] + p[1] - d * (k - 1) - 1, s) + 1
    else:
        out = floor_div(n + 2 * p - d * (k - 1) - 1, s) + 1
    check.at_least(out, 1, f"output {what}")
    return out


def check_groups(check: Check, g: Any, c: Any, f: Any) -> None:
    check.divides(g, c, lambda: f"the groups g={g} must divide the input channels {c}")
    check.divides(g, f, lambda: f"the groups g={g} must divide the output channels {f}")


def convolved(check: Check, x: Shape, f: Any, k: Any, s: Any, p: Any, d: Any,
              g: Any) -> tuple[Shape, Any]:
    """The output shape of a convolution and its MACs."""
    c = x[-1]
    check_groups(check, g, c, f)
    names = DIMENSIONS[rank(x)]
    sizes = tuple(window_out(check, x[i], k[i], s[i], p if p == "same" else p[i], d[i],
                             names[i]) for i in range(rank(x)))
    return (*sizes, f), product((*sizes, f, *k, per_group(c, g)))


def same_padding(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow's 'same': output ceil(n/s), the extra padding at the end."""
    out = -(-n // s)
    missing = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return missing // 2, missing - missing // 2


def ints(values: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


def torch_uneven(module: Any, p: Any, value: float = 0.0) -> Any:
    """``module`` (built with no padding) after padding ``p``'s ``(before, after)`` pairs,
    which PyTorch's convolutions and pools cannot take."""
    from torch import nn

    from .._torch_modules import Pad

    return nn.Sequential(Pad([ints(sides(p, i)) for i in range(len(p))], value), module)


def torch_window(module: Any, record: Any, dilation: Any, value: float = 0.0) -> Any:
    """A convolution or a pool built with ``padding=0`` where ``p`` is ``same`` or
    uneven, after the padding it needs."""
    a, x = record.args, record.input_shape
    if a["p"] == "same":
        return torch_padded(module, x, a["k"], a["s"], dilation, value)
    if is_uneven(a["p"]):
        return torch_uneven(module, a["p"], value)
    return module


def torch_pad(p: Any) -> Any:
    """The ``padding`` of a PyTorch module whose padding, if any other, is added before
    it (:func:`torch_window`)."""
    return 0 if p == "same" or is_uneven(p) else ints(p)


def torch_padded(module: Any, x: Shape, k: Any, s: Any, d: Any, value: float = 0.0) -> Any:
    """``module`` after TensorFlow's 'same' padding, which PyTorch's own
    ``padding="same"`` gives for stride 1 only."""
    from torch import nn

    from .._torch_modules import Pad

    amounts = [same_padding(int(x[i]), int(k[i]), int(s[i]), int(d[i]))
               for i in range(rank(x))]
    return nn.Sequential(Pad(amounts, value), module)


def sliding_window(record: Any, dilation: Any) -> tuple[tuple[Any, Any, Any], ...]:
    """The receptive-field step of a convolution or a pool: with ``p=same``, the padding
    before is half of what TensorFlow adds, rounded down (the rest goes after)."""
    a, x = record.args, record.input_shape
    steps = []
    for i in range(rank(x)):
        k = dilation[i] * (a["k"][i] - 1) + 1
        if a["p"] == "same":
            total = maximum((ceil_div(x[i], a["s"][i]) - 1) * a["s"][i] + k - x[i], 0)
            before = floor_div(total, 2)
        else:
            before = sides(a["p"], i)[0]
        steps.append((k, a["s"][i], before))
    return tuple(steps)


def torch_padding(padding: Any, rank: int) -> Any:
    """PyTorch's ``padding``: ints, or ``same`` (stride 1 only, so TensorFlow's too)."""
    if padding == "valid":
        return (0,) * rank
    return "same" if padding == "same" else per_dim(padding, rank)


def onnx_window(op: Op, kernel: tuple[int, ...] | None = None) -> dict[str, Any]:
    """The kernel, stride, padding and dilation of an ONNX Conv or pool node, held as
    ``C`` holds them: uneven padding as ``(before, after)`` pairs."""
    r = op.rank
    attrs = op.attrs
    k = tuple(attrs.get("kernel_shape") or kernel or ())
    auto = attrs.get("auto_pad", "NOTSET")
    if auto == "SAME_UPPER":
        p: Any = "same"
    elif auto in ("NOTSET", "VALID"):
        pads = tuple(attrs.get("pads") or (0,) * 2 * r)
        # ONNX's pads are every dimension's start, then every dimension's end
        p = pads[:r] if pads[:r] == pads[r:] else tuple(zip(pads[:r], pads[r:]))
    else:
        raise Unfit(f"auto_pad={auto} has no symcnn form")
    return {"k": k, "s": tuple(attrs.get("strides") or (1,) * r), "p": p,
            "d": tuple(attrs.get("dilations") or (1,) * r)}


def onnx_conv(op: Op) -> dict[str, Any]:
    """An ONNX Conv node: its weight is (filters, channels/groups, kernel...)."""
    weight = op.weights[1] if len(op.weights) > 1 else None
    if weight is None:
        raise Unfit("its weight is not a constant of the model")
    return {"f": weight[0], **onnx_window(op, weight[2:]), "g": int(op.attrs.get("group", 1)),
            "bias": len(op.weights) > 2}


def torch_conv(op: Op) -> dict[str, Any]:
    m = op.module
    if m is None:
        raise Unfit("a functional convolution; use the torch.nn module")
    if op.name == "Linear":  # on the channels, permuted last: a 1x1 convolution
        ones = (1,) * op.rank
        return {"f": m.out_features, "k": ones, "s": ones, "p": (0,) * op.rank, "d": ones,
                "g": 1, "bias": m.bias is not None}
    r = len(m.kernel_size)
    return {"f": m.out_channels, "k": tuple(m.kernel_size), "s": tuple(m.stride),
            "p": padded(torch_padding(m.padding, r), op.pads), "d": tuple(m.dilation),
            "g": m.groups, "bias": m.bias is not None}


def padded(p: Any, pads: tuple[tuple[int, int], ...]) -> Any:
    """A convolution's padding with the zeros padded around its input before it
    (``nn.ZeroPad2d((0, 1, 0, 1))``): ``(before, after)`` pairs where they differ."""
    if not pads:
        return p
    if p == "same":
        raise Unfit("zero padding before a convolution with padding='same'")
    pairs = tuple((before + e, after + e) for (before, after), e in zip(pads, p))
    return pairs if any(b != a for b, a in pairs) else tuple(b for b, _ in pairs)


class _Convolution(Kind):
    """What ``C`` and ``DW`` share: their PyTorch module, and what they import: a
    ``Linear`` too where the model permuted the channels last (ConvNeXt's blocks)."""
    torch_ops = ("Conv1d", "Conv2d", "Conv3d", "Linear")
    onnx_ops = ("Conv",)

    def window(self, record: Any) -> tuple[tuple[Any, Any, Any], ...]:
        return sliding_window(record, record.args["d"])

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        a, x = record.args, record.input_shape
        conv = getattr(nn, f"Conv{rank(x)}d")(
            int(x[-1]), int(record.output_shape[-1]), ints(a["k"]), ints(a["s"]),
            torch_pad(a["p"]), ints(a["d"]), self.groups(record), bias=a["bias"])
        return torch_window(conv, record, a["d"])

    def groups(self, record: Any) -> int:
        raise NotImplementedError


@register
class Conv(_Convolution):
    name = "C"
    aliases = ("Conv",)
    foreign: tuple[str, ...] = ("conv", "convolution", "conv2d", "conv1d", "conv3d")
    signature: tuple[Param, ...] = (FILTERS, SIZE, STRIDE, PAD, DILATION, GROUPS, BIAS)
    summary = "convolution"

    def apply(self, check: Check, x: Shape, f: Any, k: Any, s: Any, p: Any, d: Any, g: Any,
              bias: Any) -> Out:
        shape, macs = convolved(check, x, f, k, s, p, d, g)
        params = written_product(written_sum(written_product(*k, per_group(x[-1], g)),
                                             bias_term(bias)), f)
        return Out(shape, params, ZERO, macs)

    def groups(self, record: Any) -> int:
        return int(record.args["g"])

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        if op.name == "Linear" and not (op.channels_last and op.rank):
            return None  # D's
        return torch_conv(op)

    def from_onnx(self, op: Op) -> dict[str, Any] | None:
        return onnx_conv(op)


@register
class ConvTranspose(Kind):
    name = "T"
    aliases = ("ConvT",)
    foreign = ("conv2dtranspose", "convtranspose", "convolutiontranspose", "deconv",
               "deconvolution", "transposedconv", "conv1dtranspose", "conv3dtranspose")
    signature = (FILTERS, SIZE, STRIDE, EVEN_PAD,
                 Param("op", PerDim(least=0), 0, foreign=("output_padding",)),
                 DILATION, GROUPS, BIAS)
    summary = "transposed convolution"
    torch_ops = ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")
    onnx_ops = ("ConvTranspose",)

    def apply(self, check: Check, x: Shape, f: Any, k: Any, s: Any, p: Any, op: Any, d: Any,
              g: Any, bias: Any) -> Out:
        c = x[-1]
        check_groups(check, g, c, f)
        sizes = []
        for i, what in enumerate(DIMENSIONS[rank(x)]):
            check.holds(lt(op[i], maximum(s[i], d[i])),
                        lambda i=i: f"output padding op={op[i]} must be smaller than the "
                        "stride or the dilation, as in PyTorch")
            if p == "same":
                out = x[i] * s[i]
            else:
                out = (x[i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op[i] + 1
            check.at_least(out, 1, f"output {what}")
            sizes.append(out)
        params = written_product(written_sum(written_product(*k, per_group(c, g)),
                                             bias_term(bias)), f)
        macs = product((*x[:-1], c, *k, per_group(f, g)))
        return Out((*sizes, f), params, ZERO, macs)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        from .._torch_modules import Pad

        a, x, out = record.args, record.input_shape, record.output_shape
        same = a["p"] == "same"
        deconv = getattr(nn, f"ConvTranspose{rank(x)}d")(
            int(x[-1]), int(out[-1]), ints(a["k"]), ints(a["s"]), 0 if same else ints(a["p"]),
            0 if same else ints(a["op"]), int(a["g"]), bias=a["bias"], dilation=ints(a["d"]))
        if not same:
            return deconv
        crops = []
        for i in range(rank(x)):
            full = (int(x[i]) - 1) * int(a["s"][i]) + int(a["d"][i]) * (int(a["k"][i]) - 1) + 1
            excess = full - int(out[i])
            crops.append((-(excess // 2), -(excess - excess // 2)))
        return nn.Sequential(deconv, Pad(crops))

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        args = torch_conv(op)
        if args["p"] == "same":
            raise Unfit("padding='same'")
        return {**args, "op": tuple(op.module.output_padding)}

    def from_onnx(self, op: Op) -> dict[str, Any] | None:
        if "output_shape" in op.attrs:
            raise Unfit("an output_shape attribute; give pads instead")
        args = onnx_conv(op)
        if is_uneven(args["p"]):
            raise Unfit("uneven padding of a transposed convolution has no symcnn form")
        weight = op.weights[1] or ()  # (channels, filters/groups, kernel...)
        rank = len(weight) - 2
        return {**args, "f": weight[1] * args["g"],
                "op": tuple(op.attrs.get("output_padding") or (0,) * rank)}


@register
class Depthwise(_Convolution):
    name = "DW"
    aliases = ("Depthwise",)
    foreign = ("depthwiseconv", "depthwiseconvolution", "dwconv")
    signature = (SIZE, STRIDE, PAD,
                 Param("m", Whole(), 1, foreign=("multiplier", "depth_multiplier")),
                 DILATION, BIAS)
    summary = "depthwise convolution"

    def apply(self, check: Check, x: Shape, k: Any, s: Any, p: Any, m: Any, d: Any,
              bias: Any) -> Out:
        c = x[-1]
        shape, macs = convolved(check, x, c * m, k, s, p, d, c)
        params = written_sum(written_product(c, m, *k),
                             written_product(c, m) if bias else None)
        return Out(shape, params, ZERO, macs)

    def groups(self, record: Any) -> int:
        return int(record.input_shape[-1])

    def _depthwise(self, args: dict[str, Any], channels: int) -> dict[str, Any] | None:
        """``C``'s arguments as ``DW``'s, if each input channel has its own filters."""
        g, f = args.pop("g"), args.pop("f")
        if g != channels or channels == 1 or f % g:
            return None
        return {**args, "m": f // g}

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        if op.name == "Linear":
            return None  # C's, where it is one
        return self._depthwise(torch_conv(op), op.module.in_channels)

    def from_onnx(self, op: Op) -> dict[str, Any] | None:
        return self._depthwise(onnx_conv(op), op.inputs[0][1])

@register
class SeparableConv(Kind):
    """Keras's ``SeparableConv2D``: a depthwise convolution of ``m`` filters per channel
    (stride, padding and dilation are its), then a pointwise ``1x1`` one to ``f``
    channels; the bias is the pointwise one's."""
    name = "SC"
    aliases = ("SeparableConv",)
    foreign = ("separableconv", "separableconvolution", "sepconv", "separableconv2d")
    signature = (FILTERS, SIZE, STRIDE, PAD,
                 Param("m", Whole(), 1, foreign=("multiplier", "depth_multiplier")),
                 DILATION, BIAS)
    summary = "separable convolution: depthwise, then pointwise"

    def window(self, record: Any) -> tuple[tuple[Any, Any, Any], ...]:
        return sliding_window(record, record.args["d"])  # the pointwise part sees one

    def apply(self, check: Check, x: Shape, f: Any, k: Any, s: Any, p: Any, m: Any, d: Any,
              bias: Any) -> Out:
        c = x[-1]
        (*sizes, _), depthwise = convolved(check, x, c * m, k, s, p, d, c)
        params = written_sum(written_product(*k, c, m), written_product(c, m, f),
                             f if bias else None)
        return Out((*sizes, f), params, ZERO, depthwise + product((*sizes, c * m, f)))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        a, x = record.args, record.input_shape
        c, r = int(x[-1]), rank(x)
        hidden = c * int(a["m"])
        depthwise = getattr(nn, f"Conv{r}d")(c, hidden, ints(a["k"]), ints(a["s"]),
                                             torch_pad(a["p"]), ints(a["d"]), c, bias=False)
        depthwise = torch_window(depthwise, record, a["d"])
        pointwise = getattr(nn, f"Conv{r}d")(hidden, int(a["f"]), 1, bias=a["bias"])
        return nn.Sequential(depthwise, pointwise)
