"""Layers that keep the shape: ``Drop`` and the activations, ``PReLU`` with its trained
slopes among them. (The normalisations are in ``norm``.)"""

from __future__ import annotations

from typing import Any

from .._math import eq, product
from ._base import Check, Kind, Needs, Out, Param, Shape, register, same_window
from ._types import Rate, Whole


@register
class Dropout(Kind):
    name = "Drop"
    aliases = ("Dropout",)
    foreign = ("dropout", "drop")
    signature = (Param("r", Rate(), foreign=("rate", "p_drop")),)
    needs = Needs.ANY
    summary = "dropout with rate r"

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
                 **torch_args: Any):
        self.name = name
        self.foreign = foreign
        self.torch_name = torch
        self.torch_args = torch_args

    window = staticmethod(same_window)

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
    Activation("Tanh", "Tanh", ("tanh",)),
    Activation("Sigmoid", "Sigmoid", ("sigmoid", "logistic")),
    Activation("Softmax", "Softmax", ("softmax",), dim=1),
    Activation("LRN", "LocalResponseNorm", ("localresponsenormalization", "localresponsenorm"),
               size=5),
    Activation("Identity", "Identity", ("identity", "linearactivation")),
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
