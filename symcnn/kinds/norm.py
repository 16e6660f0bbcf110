"""Normalisation and per-channel rescaling, which keep the shape: ``BN``, ``LN``, ``GN``
(group normalisation), ``Scale`` (ConvNeXt's layer scale) and Keras's input layers
``Normalization`` and ``Rescaling``."""

from __future__ import annotations

from typing import Any

from .._math import ZERO, ge, product
from ._base import Check, Kind, Needs, Out, Param, Shape, register, same_window, show
from ._reading import Op, Unfit
from ._types import Flag, Real, Whole
from .conv import written_product


@register
class BatchNorm(Kind):
    name = "BN"
    aliases = ("BatchNorm",)
    foreign = ("batchnormalization", "batchnorm", "bn", "norm")
    # Keras's scale and center: without them, no trained factor (gamma) or shift (beta)
    signature = (Param("scale", Flag(), True, foreign=("gamma", "affine")),
                 Param("center", Flag(), True, foreign=("beta",)))
    needs = Needs.ANY
    summary = "batch normalisation: 2c trained (c each for scale and center), 2c running statistics"
    torch_ops = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
    onnx_ops = ("BatchNormalization",)

    window = staticmethod(same_window)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        if not op.module.track_running_stats:
            raise Unfit("BN keeps running statistics; this one has track_running_stats=False")
        affine = bool(op.module.affine)
        return {} if affine else {"scale": False, "center": False}

    def from_onnx(self, op: Op) -> dict[str, Any] | None:
        return {}  # ONNX's BatchNormalization always has its scale and shift

    def apply(self, check: Check, x: Shape, scale: Any, center: Any) -> Out:
        c = x[-1]
        trained = written_product(2, c) if scale and center else c if scale or center else ZERO
        return Out(x, trained, 2 * c)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        x, scale, center = record.input_shape, record.args["scale"], record.args["center"]
        norm = getattr(nn, f"BatchNorm{max(len(x) - 1, 1)}d")(int(x[-1]),
                                                              affine=scale and center)
        if scale == center:
            return norm
        from .._torch_modules import ChannelAffine  # PyTorch's affine is both or neither

        return nn.Sequential(norm, ChannelAffine(int(x[-1]), scale=scale, shift=center))


@register
class LayerNorm(Kind):
    name = "LN"
    aliases = ("LayerNorm",)
    foreign = ("layernormalization", "layernorm")
    needs = Needs.ANY
    summary = "layer normalisation over the channels: 2c trained, no running statistics"
    torch_ops = ("LayerNorm",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """PyTorch's LayerNorm on a vector, or on the channels of a signal, an image or
        a volume where the model permuted them last (ConvNeXt's blocks), or a subclass
        that normalises the channels (torchvision's ``LayerNorm2d``: it ran with the
        channels as its ``normalized_shape``, which a plain LayerNorm does only where
        the last size is the channels too)."""
        m, x = op.module, op.inputs[0]
        channels = len(x) == 2 or op.channels_last or (
            type(m).__name__ != "LayerNorm" and x[-1] != x[1])
        if tuple(m.normalized_shape) != x[1:2] or not channels:
            raise Unfit("PyTorch's LayerNorm normalises the last dimensions, which are "
                        "the channels only for a vector (batch, features) or a tensor "
                        "permuted to channels last")
        if not m.elementwise_affine or getattr(m, "bias", True) is None:
            raise Unfit("LN has a trained scale and shift; this one has not both")
        return {}

    window = staticmethod(same_window)

    def apply(self, check: Check, x: Shape) -> Out:
        return Out(x, written_product(2, x[-1]))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import ChannelNorm

        return ChannelNorm(int(record.input_shape[-1]))


@register
class GroupNorm(Kind):
    name = "GN"
    aliases = ("GroupNorm",)
    foreign = ("groupnormalization", "groupnorm")
    signature = (Param("g", Whole(), foreign=("groups", "num_groups")),)
    needs = Needs.ANY
    summary = "group normalisation in g groups: 2c trained, no running statistics"
    torch_ops = ("GroupNorm",)
    onnx_ops = ("GroupNormalization",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        if not op.module.affine:
            raise Unfit("GN has a trained scale and shift; this one has affine=False")
        return {"g": op.module.num_groups}

    def from_onnx(self, op: Op) -> dict[str, Any] | None:
        return {"g": int(op.attrs["num_groups"])}

    window = staticmethod(same_window)

    def apply(self, check: Check, x: Shape, g: Any) -> Out:
        c = x[-1]
        check.divides(g, c, lambda: f"the groups g={g} must divide the channels {c}")
        # a group of one value has no spread to normalise by; PyTorch refuses it
        check.holds(ge(product(x), 2 * g), lambda: f"each of the g={g} groups holds one "
                    f"value of the input {show(x)}; group normalisation needs at least two, "
                    "as PyTorch's GroupNorm")
        return Out(x, written_product(2, c))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        return nn.GroupNorm(int(record.args["g"]), int(record.input_shape[-1]))


@register
class LayerScale(Kind):
    name = "Scale"
    aliases = ("LayerScale",)
    foreign = ("layerscale", "scale", "channelscale")
    needs = Needs.ANY
    summary = "a trained factor per channel (ConvNeXt's layer scale): c trained"
    torch_ops = ("mul", "mul_")
    onnx_ops = ("Mul",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """The input times a weight of one value per channel (``layer_scale * x``)."""
        weights = [w for w in op.weights if w is not None]
        if len(op.inputs) != 1 or len(weights) != 1 or len(op.inputs[0]) < 2:
            return None
        c, ones = op.inputs[0][1], (1,) * op.rank
        return {} if weights[0] in ((c, *ones), (1, c, *ones)) else None

    from_onnx = from_torch

    window = staticmethod(same_window)

    def apply(self, check: Check, x: Shape) -> Out:
        return Out(x, x[-1])

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import ChannelAffine

        return ChannelAffine(int(record.input_shape[-1]))


@register
class Normalization(Kind):
    name = "Normalization"
    foreign = ("normalization", "standardization", "normalize")
    needs = Needs.ANY
    summary = ("Keras's input normalisation, adapted: a mean and a variance per channel "
               "and a count, 2c + 1 not trained")

    window = staticmethod(same_window)

    def apply(self, check: Check, x: Shape) -> Out:
        return Out(x, non_trainable=2 * x[-1] + 1)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import Standardize

        return Standardize(int(record.input_shape[-1]))


@register
class Rescaling(Kind):
    name = "Rescaling"
    foreign = ("rescaling", "rescale")
    signature = (Param("scale", Real()), Param("offset", Real(), 0))
    needs = Needs.ANY
    summary = "Keras's x · scale + offset, nothing trained"

    window = staticmethod(same_window)

    def apply(self, check: Check, x: Shape, scale: Any, offset: Any) -> Out:
        return Out(x)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import Rescale

        return Rescale(float(record.args["scale"]), float(record.args["offset"]))
