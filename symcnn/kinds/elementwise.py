"""Layers that keep the shape: ``BN``, ``Drop`` and the activations."""

from __future__ import annotations

from typing import Any

from ._base import Check, Kind, Needs, Out, Param, Shape, register
from ._reading import Op, Unfit, rate
from ._types import Rate
from .conv import written_product


@register
class BatchNorm(Kind):
    name = "BN"
    aliases = ("BatchNorm",)
    foreign = ("batchnormalization", "batchnorm", "bn", "norm")
    needs = Needs.ANY
    summary = "batch normalisation: 2c trained, 2c running statistics"
    torch_ops = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
    onnx_ops = ("BatchNormalization",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        if not (op.module.affine and op.module.track_running_stats):
            raise Unfit("BN has a trained scale and shift and running statistics; "
                        "this one has affine=False or track_running_stats=False")
        return {}

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
    torch_ops = ("LayerNorm",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        m, x = op.module, op.inputs[0]
        if len(x) != 2 or tuple(m.normalized_shape) != x[1:]:
            raise Unfit("PyTorch's LayerNorm normalises the last dimensions, which are "
                        "the channels only for a vector (batch, features)")
        if not m.elementwise_affine or getattr(m, "bias", True) is None:
            raise Unfit("LN has a trained scale and shift; this one has not both")
        return {}

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
    torch_ops = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "dropout")
    onnx_ops = ("Dropout",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        return {"r": rate(op.module.p if op.module is not None else op.arg("p", 1, 0.5))}

    def from_onnx(self, op: Op) -> dict[str, Any] | None:
        return {"r": rate(op.attrs.get("ratio", 0.5))}

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
                 functions: tuple[str, ...] = (), onnx: tuple[str, ...] = (),
                 **torch_args: Any):
        self.name = name
        self.foreign = foreign
        self.torch_name = torch
        self.torch_args = torch_args
        self.torch_ops = (torch, *functions)  # the module, then its functions and methods
        self.onnx_ops = onnx

    def apply(self, check: Check, x: Shape) -> Out:
        return Out(x)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        if self.torch_name == "LocalResponseNorm":
            from .._torch_modules import LocalResponseNorm

            return LocalResponseNorm(**self.torch_args)
        from torch import nn

        return getattr(nn, self.torch_name)(**self.torch_args)


class ReLU6(Activation):
    """ONNX writes ReLU6 as ``Clip(x, 0, 6)``."""

    def from_onnx(self, op: Op) -> dict[str, Any] | None:
        bounds = (op.attrs.get("min"), op.attrs.get("max"))
        return {} if bounds in ((0, 6), (None, None)) else None


ACTIVATIONS = tuple(register(kind) for kind in (
    Activation("ReLU", "ReLU", ("relu",), ("relu", "relu_"), ("Relu",)),
    ReLU6("ReLU6", "ReLU6", ("relu6",), ("relu6",), ("Clip",)),
    Activation("LeakyReLU", "LeakyReLU", ("leakyrelu",), ("leaky_relu", "leaky_relu_"),
               ("LeakyRelu",)),
    Activation("ELU", "ELU", ("elu",), ("elu", "elu_"), ("Elu",)),
    Activation("GELU", "GELU", ("gelu",), ("gelu",), ("Gelu",)),
    Activation("SiLU", "SiLU", ("silu", "swish"), ("silu",)),
    Activation("Hardswish", "Hardswish", ("hardswish", "hswish"), ("hardswish",),
               ("HardSwish",)),
    Activation("Tanh", "Tanh", ("tanh",), ("tanh", "tanh_"), ("Tanh",)),
    Activation("Sigmoid", "Sigmoid", ("sigmoid", "logistic"), ("sigmoid", "sigmoid_"),
               ("Sigmoid",)),
    Activation("Softmax", "Softmax", ("softmax",), ("softmax",), ("Softmax",), dim=1),
    Activation("LRN", "LocalResponseNorm", ("localresponsenormalization", "localresponsenorm"),
               ("local_response_norm",), ("LRN",), size=5),
    Activation("Identity", "Identity", ("identity", "linearactivation"), (), ("Identity",)),
))
