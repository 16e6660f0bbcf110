"""Layers that keep the shape: ``Drop`` and the activations, ``PReLU`` with its trained
slopes among them. (The normalisations are in ``norm``.)"""

from __future__ import annotations

from typing import Any

from .._math import eq, product
from ._base import Check, Kind, Needs, Out, Param, Shape, register, same_window
from ._reading import Op, Unfit, rate
from ._types import Rate, Whole


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

    window = staticmethod(same_window)

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

    window = staticmethod(same_window)

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
    Activation("Hardsigmoid", "Hardsigmoid", ("hardsigmoid", "hsigmoid"), ("hardsigmoid",),
               ("HardSigmoid",)),
    Activation("Tanh", "Tanh", ("tanh",), ("tanh", "tanh_"), ("Tanh",)),
    Activation("Sigmoid", "Sigmoid", ("sigmoid", "logistic"), ("sigmoid", "sigmoid_"),
               ("Sigmoid",)),
    Activation("Softmax", "Softmax", ("softmax",), ("softmax",), ("Softmax",), dim=1),
    Activation("LRN", "LocalResponseNorm", ("localresponsenormalization", "localresponsenorm"),
               ("local_response_norm",), ("LRN",), size=5),
    Activation("Identity", "Identity", ("identity", "linearactivation"), (), ("Identity",)),
))


@register
class PReLU(Kind):
    """PyTorch's convention: one slope by default, or one per channel; Keras's default,
    one per element (``shared_axes=None``), is ``a`` = the number of elements."""
    name = "PReLU"
    foreign = ("prelu", "parametricrelu")
    signature = (Param("a", Whole(), 1, foreign=("num_parameters", "alpha", "shared_axes")),)
    needs = Needs.ANY
    summary = "parametric ReLU with a trained slopes: 1, one per channel or one per element"
    torch_ops = ("PReLU", "prelu")
    onnx_ops = ("PRelu",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        if op.module is not None:
            return {"a": op.module.num_parameters}
        slopes = op.weights[1] if len(op.weights) > 1 else None
        if slopes is None:
            raise Unfit("its slopes are not a parameter of the model")
        return {"a": product(slopes)}

    def from_onnx(self, op: Op) -> dict[str, Any] | None:
        return self.from_torch(op)

    window = staticmethod(same_window)

    def apply(self, check: Check, x: Shape, a: Any) -> Out:
        c, elements = x[-1], product(x)
        options = [eq(a, 1), eq(a, c), eq(a, elements)]
        if all(isinstance(o, bool) for o in options):
            fits: Any = any(options)
        else:
            import sympy

            fits = sympy.Or(*options)
        check.holds(fits, lambda: f"PReLU has one slope (a=1), one per channel (a={c}) or "
                    f"one per element (a={elements}), not a={a}")
        return Out(x, a)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        from .._torch_modules import ElementPReLU

        x, a = record.input_shape, int(record.args["a"])
        if a in (1, int(x[-1])):
            return nn.PReLU(a)
        return ElementPReLU((int(x[-1]), *(int(v) for v in x[:-1])))
