"""Normalisation and per-channel rescaling that keep the shape: ``GN`` (group
normalisation), ``Scale`` (ConvNeXt's layer scale) and Keras's input layers
``Normalization`` and ``Rescaling``. (``BN`` and ``LN`` are in ``elementwise``.)"""

from __future__ import annotations

from typing import Any

from .._math import ge, product
from ._base import Check, Kind, Needs, Out, Param, Shape, register, show
from ._types import Real, Whole
from .conv import written_product


@register
class GroupNorm(Kind):
    name = "GN"
    aliases = ("GroupNorm",)
    foreign = ("groupnormalization", "groupnorm")
    signature = (Param("g", Whole(), foreign=("groups", "num_groups")),)
    needs = Needs.ANY
    summary = "group normalisation in g groups: 2c trained, no running statistics"

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

    def apply(self, check: Check, x: Shape, scale: Any, offset: Any) -> Out:
        return Out(x)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import Rescale

        return Rescale(float(record.args["scale"]), float(record.args["offset"]))
