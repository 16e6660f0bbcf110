"""``F`` (flatten), ``D`` (dense) and ``O`` (output: dense, then softmax)."""

from __future__ import annotations

from typing import Any

from .._math import ZERO, product
from ._base import Check, Kind, Needs, Out, Param, Shape, register
from ._reading import Op, Unfit
from ._types import Whole
from .conv import BIAS, bias_term, written_product, written_sum


@register
class Flatten(Kind):
    name = "F"
    aliases = ("Flatten",)
    foreign = ("flatten",)
    needs = Needs.ANY
    summary = "flatten to a vector"
    torch_ops = ("Flatten", "flatten", "view", "reshape")
    onnx_ops = ("Flatten", "Reshape")

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """Whatever the call's arguments, a reshape to (batch, everything else)."""
        x, out = op.inputs[0], op.output
        return {} if out == (x[0], product(x[1:])) else None

    from_onnx = from_torch

    def apply(self, check: Check, x: Shape) -> Out:
        return Out((product(x),))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        return nn.Flatten()


@register
class Dense(Kind):
    name = "D"
    aliases: tuple[str, ...] = ("Dense", "H")
    foreign: tuple[str, ...] = ("dense", "linear", "fc", "fullyconnected", "hidden")
    signature = (Param("u", Whole(), foreign=("units", "out_features")), BIAS)
    needs = Needs.ANY
    summary = "fully connected; an image is flattened first"
    softmax = False
    torch_ops: tuple[str, ...] = ("Linear",)
    onnx_ops: tuple[str, ...] = ("Gemm",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        if op.channels_last and op.rank:
            return None  # on the channels of an image: C(u, 1)
        if len(op.inputs[0]) != 2:
            raise Unfit("a Linear on a tensor of more than two dimensions acts on its "
                        "last one only; flatten first")
        return {"u": op.module.out_features, "bias": op.module.bias is not None}

    def from_onnx(self, op: Op) -> dict[str, Any] | None:
        weight = op.weights[1] if len(op.weights) > 1 else None
        if weight is None or op.attrs.get("transA", 0):
            raise Unfit("a Gemm whose weight is not a constant of the model")
        return {"u": weight[0] if op.attrs.get("transB", 0) else weight[1],
                "bias": len(op.weights) > 2}

    def apply(self, check: Check, x: Shape, u: Any, bias: Any) -> Out:
        inputs = product(x)
        params = written_product(written_sum(inputs, bias_term(bias)), u)
        return Out((u,), params, ZERO, inputs * u)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        x = record.input_shape
        parts: list[Any] = [] if len(x) == 1 else [nn.Flatten()]
        parts.append(nn.Linear(int(product(x)), int(record.args["u"]),
                               bias=record.args["bias"]))
        if self.softmax:
            parts.append(nn.Softmax(dim=1))
        return parts[0] if len(parts) == 1 else nn.Sequential(*parts)


@register
class Output(Dense):
    name = "O"
    aliases = ("Output",)
    foreign = ("output", "out", "classifier")
    summary = "dense, then softmax"
    softmax = True
    torch_ops = onnx_ops = ()  # an import reads D, then Softmax
