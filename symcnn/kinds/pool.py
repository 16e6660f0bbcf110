"""Pooling: ``P`` (max), ``A`` (average), ``G`` (global average) and ``AP`` (adaptive
average), on signals, images and volumes alike. None has parameters or MACs."""

from __future__ import annotations

from typing import Any, Sequence

from .._math import ONE, ceil_div, ceil_mode_steps, floor_div, ge, le
from ._base import DIMENSIONS, Check, Kind, Like, Out, Param, Shape, rank, register
from ._types import LETTERS, Flag, PerDim, Variadic, expression, is_uneven, sides
from ._reading import Op, Unfit, per_dim
from .conv import PAD, SIZE, ints, onnx_window, sliding_window, torch_pad, torch_window

POOL = (SIZE, Param("s", PerDim(), Like("k"), foreign=("stride", "strides")), PAD,
        Param("ceil", Flag(), False, foreign=("ceil_mode",)))


def pooled(check: Check, x: Shape, k: Any, s: Any, p: Any, ceil: bool) -> Out:
    """A pool's output shape. Uneven padding ``(before, after)`` must be at most half the
    kernel on each side, PyTorch's rule for even padding taken per side (so every window
    holds some of the input), and takes no ``ceil=true``: PyTorch's ceil mode, after an
    explicit pad, counts its windows otherwise."""
    uneven = is_uneven(p)
    if uneven and ceil:
        check.fail("ceil=true takes even padding; uneven padding (before, after) pools "
                   "with ceil=false only")
    sizes = []
    for i, what in enumerate(DIMENSIONS[rank(x)]):
        n = x[i]
        if p == "same":
            out = ceil_div(n, s[i])
        elif uneven:
            before, after = sides(p, i)
            for side, amount in (("before", before), ("after", after)):
                check.holds(le(2 * amount, k[i]), lambda i=i, side=side, amount=amount:
                            f"pool padding {amount} {side} must be at most half the "
                            f"kernel k={k[i]}")
            out = floor_div(n + before + after - k[i], s[i]) + 1
        else:
            check.holds(le(2 * p[i], k[i]), lambda i=i: f"pool padding p={p[i]} must be at "
                        f"most half the kernel k={k[i]}")
            span = n + 2 * p[i] - k[i]
            if ceil:  # PyTorch's ceil_mode, its correction included: see _math
                out = ceil_mode_steps(span, n, k[i], s[i], p[i]) + 1
            else:
                out = floor_div(span, s[i]) + 1
        check.at_least(out, 1, f"output {what}")
        sizes.append(out)
    return Out((*sizes, x[-1]))


def torch_pool(op: Op, dilation_at: int | None) -> dict[str, Any]:
    """A PyTorch pool, module or function (``max_pool2d(x, k, s, p, dilation, ceil)``,
    ``avg_pool2d(x, k, s, p, ceil)``), held as ``P`` holds its arguments."""
    r, m = op.rank, op.module
    if m is not None:
        k, s, p, ceil = m.kernel_size, m.stride, m.padding, m.ceil_mode
        dilation, indices = getattr(m, "dilation", 1), getattr(m, "return_indices", False)
    else:
        ceil_at = 5 if dilation_at else 4
        k, s, p = op.arg("kernel_size", 1), op.arg("stride", 2), op.arg("padding", 3, 0)
        ceil = op.arg("ceil_mode", ceil_at, False)
        dilation = op.arg("dilation", dilation_at, 1) if dilation_at else 1
        indices = op.arg("return_indices", 6, False)
    if per_dim(dilation, r) != (1,) * r:
        raise Unfit("a dilated pool has no symcnn form")
    if indices:
        raise Unfit("return_indices=True")
    k = per_dim(k, r)
    return {"k": k, "s": k if s is None or s == [] else per_dim(s, r), "p": per_dim(p, r),
            "ceil": bool(ceil)}


class _Pool(Kind):
    signature = POOL

    def window(self, record: Any) -> tuple[tuple[Any, Any, Any], ...]:
        return sliding_window(record, (1,) * rank(record.input_shape))

    torch_name = ""
    fill = 0.0  # what 'same' padding pads with

    def from_onnx(self, op: Op) -> dict[str, Any] | None:
        args = onnx_window(op)
        if args.pop("d") != (1,) * op.rank:
            raise Unfit("a dilated pool has no symcnn form")
        ceil = bool(op.attrs.get("ceil_mode", 0))
        if ceil and is_uneven(args["p"]):
            raise Unfit("ceil_mode with uneven padding has no symcnn form")
        return {**args, "ceil": ceil}

    def apply(self, check: Check, x: Shape, k: Any, s: Any, p: Any, ceil: Any) -> Out:
        return pooled(check, x, k, s, p, ceil)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        a, x = record.args, record.input_shape
        pool = getattr(nn, f"{self.torch_name}{rank(x)}d")(
            ints(a["k"]), ints(a["s"]), torch_pad(a["p"]),
            ceil_mode=bool(a["ceil"]) and a["p"] != "same")
        return torch_window(pool, record, (1,) * rank(x), self.fill)


@register
class MaxPool(_Pool):
    name = "P"
    aliases = ("MaxPool",)
    foreign = ("maxpooling", "maxpool", "pool", "pooling")
    summary = "max pooling"
    torch_name = "MaxPool"
    fill = float("-inf")
    torch_ops = ("MaxPool1d", "MaxPool2d", "MaxPool3d", "max_pool1d", "max_pool2d",
                 "max_pool3d")
    onnx_ops = ("MaxPool",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        return torch_pool(op, dilation_at=4)


@register
class AvgPool(_Pool):
    name = "A"
    aliases = ("AvgPool",)
    foreign = ("averagepooling", "avgpool", "averagepool", "avgpooling")
    summary = "average pooling"
    torch_name = "AvgPool"
    torch_ops = ("AvgPool1d", "AvgPool2d", "AvgPool3d", "avg_pool1d", "avg_pool2d",
                 "avg_pool3d")
    onnx_ops = ("AveragePool",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        return torch_pool(op, dilation_at=None)

    def apply(self, check: Check, x: Shape, k: Any, s: Any, p: Any, ceil: Any) -> Out:
        if rank(x) == 3 and p != "same" and not is_uneven(p):
            # PyTorch's avg_pool3d (not 1d or 2d) checks the unpadded input against the kernel
            for i, what in enumerate(DIMENSIONS[3]):
                check.holds(ge(x[i], k[i]), lambda i=i, what=what: f"input {what} {x[i]} is "
                            f"smaller than the kernel k={k[i]}; on a volume, average pooling "
                            "needs the unpadded input at least the kernel, as PyTorch's "
                            "AvgPool3d")
        return pooled(check, x, k, s, p, ceil)


@register
class GlobalPool(Kind):
    name = "G"
    aliases = ("GlobalPool",)
    foreign = ("globalaveragepooling", "globalavgpool", "globalpooling", "globalmaxpooling",
               "gap")
    summary = "global average pooling"
    torch_ops = ("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
                 "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "mean")
    onnx_ops = ("GlobalAveragePool",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        if op.name == "mean":  # x.mean((2, 3), keepdim=True)
            dims = op.arg("dim", 1)
            dims = dims if isinstance(dims, (tuple, list)) else (dims,)
            spatial = {d % len(op.inputs[0]) for d in dims} == set(range(2, 2 + op.rank))
            return {} if op.rank and spatial and op.arg("keepdim", 2, False) else None
        return {} if adaptive_size(op) == (1,) * op.rank else None

    def apply(self, check: Check, x: Shape) -> Out:
        return Out((ONE,) * rank(x) + (x[-1],))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        return getattr(nn, f"AdaptiveAvgPool{rank(record.input_shape)}d")(1)


class OutputSizes(Variadic):
    """The output size of an adaptive pool: one size for every spatial dimension, or
    one per dimension (``AP(6)``, ``AP(6, 4)``; by keyword ``h=``, ``w=``, ``l=``,
    ``d=``)."""
    words = "whole numbers, one or one per spatial dimension"

    def bind(self, ctx: Any, param: Param, given: Sequence[tuple[str | None, Any, Any]],
             at: Any) -> dict[str, Any]:
        names = LETTERS[ctx.rank]
        values: dict[str, Any] = {}
        for i, (key, value, pos) in enumerate(given):
            if key is None:
                if i >= len(names):
                    ctx.error(f"{ctx.kind.name} takes at most {len(names)} size(s) on an "
                              f"input with {ctx.rank} spatial dimension(s): "
                              f"{ctx.kind.name}({', '.join(names)})", pos)
                key = names[i]
            elif key not in names:
                ctx.error(f"{ctx.kind.name} has no argument {key}= on this input; it takes "
                          f"{ctx.kind.name}({', '.join(names)})", pos)
            if key in values:
                ctx.error(f"{key} is given twice", pos)
            values[key] = (value, pos)
        if not values:
            ctx.error(f"{ctx.kind.name} needs an output size: "
                      f"{ctx.kind.name}({', '.join(names)})", at)
        from ._types import Whole

        whole, out = Whole(), {}
        first = names[0] if names[0] in values else next(iter(values))
        for name in names:
            value, pos = values.get(name, values[first])
            ctx.pos = pos
            out[name] = whole.convert(ctx, Param(name, whole), value)
        return {"size": tuple(out[n] for n in names)}


@register
class AdaptivePool(Kind):
    name = "AP"
    aliases = ("AdaptivePool",)
    foreign = ("adaptiveavgpool", "adaptiveaveragepool", "adaptivepooling")
    signature = (Param("size", OutputSizes(), foreign=("output_size",)),)
    summary = "adaptive average pooling"

    def signature_text(self) -> str:
        return "AP(h, w)"

    def apply(self, check: Check, x: Shape, size: Any) -> Out:
        return Out((*size, x[-1]))

    def to_dsl(self, record: Any, branches: list[str]) -> str:
        size = record.args["size"]
        shown = size[:1] if len(set(size)) == 1 else size
        return "AP(" + ", ".join(expression(v) for v in shown) + ")"

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        size = record.args["size"]
        return getattr(nn, f"AdaptiveAvgPool{len(size)}d")(ints(size))

    torch_ops = GlobalPool.torch_ops[:-1]

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        size = adaptive_size(op)
        return None if size == (1,) * op.rank else {"size": size}  # G says that


def adaptive_size(op: Op) -> tuple[int, ...]:
    """The output size of a PyTorch adaptive pool."""
    size = op.module.output_size if op.module is not None else op.arg("output_size", 1)
    if size is None or isinstance(size, (tuple, list)) and None in size:
        raise Unfit("an output size of None (keep the input's) has no symcnn form")
    return per_dim(size, op.rank)
