"""Layers that keep the shape: ``BN``, ``Drop`` and the activations."""

from __future__ import annotations

from typing import Any

from ._base import Check, Kind, Needs, Out, Param, Shape, register
from ._types import Rate
from .conv import written_product


@register
class BatchNorm(Kind):
    name = "BN"
    aliases = ("BatchNorm",)
    foreign = ("batchnormalization", "batchnorm", "bn", "norm")
    needs = Needs.ANY
    summary = "batch normalisation: 2c trained, 2c running statistics"

    def apply(self, check: Check, x: Shape) -> Out:
        c = x[-1]
        return Out(x, written_product(2, c), 2 * c)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        x = record.input_shape
        return getattr(nn, f"BatchNorm{max(len(x) - 1, 1)}d")(int(x[-1]))


@register
class LayerNorm(Kind):
    name = "LN"
    aliases = ("LayerNorm",)
    foreign = ("layernormalization", "layernorm")
    needs = Needs.ANY
    summary = "layer normalisation over the channels: 2c trained, no running statistics"

    def apply(self, check: Check, x: Shape) -> Out:
        return Out(x, written_product(2, x[-1]))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import ChannelNorm

        return ChannelNorm(int(record.input_shape[-1]))


@register
class Dropout(Kind):
    name = "Drop"
    aliases = ("Dropout",)
    foreign = ("dropout", "drop")
    signature = (Param("r", Rate(), foreign=("rate", "p_drop")),)
    needs = Needs.ANY
    summary = "dropout with rate r"

    def apply(self, check: Check, x: Shape, r: Any) -> Out:
        return Out(x)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        return nn.Dropout(float(record.args["r"]))


class Activation(Kind):
    """An element-wise function: shape unchanged, no parameters, no MACs."""
    needs = Needs.ANY
    summary = "activation"

    def __init__(self, name: str, torch: str, foreign: tuple[str, ...] = (),
                 **torch_args: Any):
        self.name = name
        self.foreign = foreign
        self.torch_name = torch
        self.torch_args = torch_args

    def apply(self, check: Check, x: Shape) -> Out:
        return Out(x)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        if self.torch_name == "LocalResponseNorm":
            from .._torch_modules import LocalResponseNorm

            return LocalResponseNorm(**self.torch_args)
        from torch import nn

        return getattr(nn, self.torch_name)(**self.torch_args)


ACTIVATIONS = tuple(register(kind) for kind in (
    Activation("ReLU", "ReLU", ("relu",)),
    Activation("ReLU6", "ReLU6", ("relu6",)),
    Activation("LeakyReLU", "LeakyReLU", ("leakyrelu",)),
    Activation("ELU", "ELU", ("elu",)),
    Activation("GELU", "GELU", ("gelu",)),
    Activation("SiLU", "SiLU", ("silu", "swish")),
    Activation("Hardswish", "Hardswish", ("hardswish", "hswish")),
    Activation("Hardsigmoid", "Hardsigmoid", ("hardsigmoid", "hsigmoid")),
    Activation("Tanh", "Tanh", ("tanh",)),
    Activation("Sigmoid", "Sigmoid", ("sigmoid", "logistic")),
    Activation("Softmax", "Softmax", ("softmax",), dim=1),
    Activation("LRN", "LocalResponseNorm", ("localresponsenormalization", "localresponsenorm"),
               size=5),
    Activation("Identity", "Identity", ("identity", "linearactivation")),
))
