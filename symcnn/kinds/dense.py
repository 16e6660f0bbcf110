"""``F`` (flatten), ``D`` (dense) and ``O`` (output: dense, then softmax)."""

from __future__ import annotations

from typing import Any

from .._math import ZERO, product
from ._base import Check, Kind, Needs, Out, Param, Shape, register
from ._types import Whole
from .conv import BIAS, bias_term, written_product, written_sum


@register
class Flatten(Kind):
    name = "F"
    aliases = ("Flatten",)
    foreign = ("flatten",)
    needs = Needs.ANY
    summary = "flatten to a vector"

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
