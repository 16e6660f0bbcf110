"""Layers that move values without weights: ``Up`` (upsampling), ``Shuffle`` (channel
shuffle), ``Split`` (the channels shared out among branches) and ``Resize`` (a branch
interpolated back to its input's size). None has parameters or MACs of its own."""

from __future__ import annotations

from typing import Any

from .._math import divide, total
from .._tree import WORDS, Name
from ._base import (OPTIONAL, Check, Kind, Merge, Needs, Out, Param, Shape, rank, register,
                    same_window, show)
from ._reading import Op, Unfit, per_dim
from ._types import Flag, PerDim, Whole
from .conv import ints
from .merge import BRANCHES, agree

INPUT = "input"  # Up(size=input): the network's input's spatial size
#: PyTorch's linear interpolation, by the number of spatial dimensions.
LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}


class UpSize(PerDim):
    """``Up``'s output size: one whole number for every spatial dimension, one per
    dimension, or the name ``input``, the spatial size of the network's input (where a
    segmentation network's prediction comes back to)."""
    words = "a whole number, a tuple of one per spatial dimension, or input"
    takes_names = True  # input; any other name is the expression it names

    def convert(self, ctx: Any, param: Param, value: Any) -> Any:
        if not (isinstance(value, str) and value == INPUT):
            if isinstance(value, str) and value not in WORDS:  # a name: what it names
                value = ctx.expressions.expr(Name(value, ctx.pos), {})
            return super().convert(ctx, param, value)
        x = ctx.network_input
        if rank(x) != ctx.rank:
            ctx.error(f"size=input is the spatial size of the network's input {show(x)}, "
                      f"which has {rank(x)} spatial dimension(s); this layer's input has "
                      f"{ctx.rank}")
        return tuple(x[:-1])


@register
class Upsample(Kind):
    """PyTorch's ``Upsample`` and Keras's ``UpSampling2D``: each spatial size times a
    whole factor, or a given output size; nearest neighbour, or linear interpolation in
    every spatial dimension (``linear``, ``bilinear`` or ``trilinear`` by rank)."""
    name = "Up"
    aliases = ("Upsample",)
    foreign = ("upsampling", "upsample", "interpolate", "resizing")
    signature = (Param("s", PerDim(), OPTIONAL, foreign=("scale_factor", "factor", "scale")),
                 Param("size", UpSize(), OPTIONAL, foreign=("output_size",)),
                 Param("linear", Flag(), False, foreign=("mode", "interpolation", "bilinear",
                                                          "trilinear")))
    summary = "upsampling by whole factors or to a size: no parameters, no MACs"
    torch_ops = ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "interpolate",
                 "upsample")
    _MODES = {"nearest": False, "linear": True, "bilinear": True, "trilinear": True}

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """``nn.Upsample`` or ``F.interpolate`` to a size, or by whole factors, nearest
        or (bi/tri)linear."""
        m = op.module
        if m is not None:
            size, factor, mode = m.size, m.scale_factor, m.mode
        else:
            size, factor = op.arg("size", 1), op.arg("scale_factor", 2)
            mode = op.arg("mode", 3, "nearest")
        if mode not in self._MODES:
            raise Unfit(f"mode={mode!r}: Up is nearest or linear")
        r = op.rank
        if size is not None:
            return {"s": None, "size": per_dim(size, r), "linear": self._MODES[mode]}
        factors = factor if isinstance(factor, (tuple, list)) else (factor,) * r
        if any(float(f) != int(f) or int(f) < 1 for f in factors):
            raise Unfit(f"scale_factor={factor}: Up scales by whole factors")
        return {"s": per_dim(tuple(int(f) for f in factors), r), "size": None,
                "linear": self._MODES[mode]}

    def signature_text(self) -> str:
        return "Up(s=2, linear=false) or Up(size=(h, w), linear=false)"

    def apply(self, check: Check, x: Shape, s: Any, size: Any, linear: Any) -> Out:
        if s is not None and size is not None:
            check.fail("Up takes a factor s or an output size, not both")
        if size is None:
            size = tuple(n * f for n, f in zip(x[:-1], s or (2,) * rank(x)))
        return Out((*size, x[-1]))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        a, r = record.args, rank(record.input_shape)
        mode, extra = "nearest", {}
        if a["linear"]:  # PyTorch's default, said so that it does not warn
            mode, extra = LINEAR[r], {"align_corners": False}
        if a["size"] is not None:
            return nn.Upsample(size=ints(a["size"]), mode=mode, **extra)
        factors = tuple(float(f) for f in (a["s"] or (2,) * r))
        return nn.Upsample(scale_factor=factors, mode=mode, **extra)


@register
class Shuffle(Kind):
    """ShuffleNet's channel shuffle: the channels as ``g`` groups of ``c/g``, read
    group-minor, so that each group of the next grouped layer sees every group of this
    one."""
    name = "Shuffle"
    aliases = ("ChannelShuffle",)
    foreign = ("channelshuffle", "shuffle")
    signature = (Param("g", Whole(), foreign=("groups",)),)
    needs = Needs.ANY
    summary = "channel shuffle in g groups (g divides c)"
    #: ``channel_shuffle`` is also torchvision's, written as view, transpose, view,
    #: which the import reads as one call
    torch_ops = ("ChannelShuffle", "channel_shuffle", "native_channel_shuffle")

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        return {"g": op.module.groups if op.module is not None else op.arg("groups", 1)}
    window = staticmethod(same_window)

    def apply(self, check: Check, x: Shape, g: Any) -> Out:
        check.divides(g, x[-1], lambda: f"the groups g={g} must divide the channels {x[-1]}")
        return Out(x)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import ChannelShuffle

        return ChannelShuffle(int(record.args["g"]))


@register
class Split(Merge):
    """ShuffleNet v2's channel split: with ``k`` branches, branch ``i`` runs on the
    ``i``-th ``c/k`` of the channels, and the outputs are concatenated on channels."""
    name = "Split"
    foreign = ("split", "channelsplit", "chunk")
    signature = (BRANCHES,)
    summary = "branch i on the i-th equal share of the channels, then concatenation"
    torch_ops = ("cat", "concat", "concatenate")

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """A concatenation on the channels of branches that start from the equal shares
        of one tensor's (``x1, x2 = x.chunk(2, dim=1)``), one each in order."""
        dim = op.arg("dim", 1, 0) % len(op.output)
        return {} if op.shares and op.shares == len(op.inputs) and dim == 1 else None

    def signature_text(self) -> str:
        return "Split([A], [B], ...)"

    def too_few(self, count: int) -> str | None:
        return ("Split needs at least two branches, such as Split([], [C(64, 1)])"
                if count < 2 else None)

    def branch_input(self, check: Check, x: Shape, count: int) -> Shape:
        c = x[-1]
        check.divides(count, c, lambda: f"Split's {count} branches must share the {c} "
                      f"channels equally: {count} must divide {c}")
        return (*x[:-1], divide(c, count))

    def combine(self, check: Check, x: Shape, branches: list[Shape]) -> Out:
        agree(check, "Split", branches, True, "the same spatial size")
        return Out((*branches[0][:-1], total(s[-1] for s in branches)))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import ChannelSplit

        return ChannelSplit(children)


@register
class Resize(Merge):
    """A branch whose output is interpolated back to the spatial size of its input, as
    torchvision's segmentation heads do with ``F.interpolate(..., size=x.shape[-2:],
    mode="bilinear")``: DeepLabV3's image-pooling branch of ASPP, LR-ASPP's path through
    the deeper, coarser features."""
    name = "Resize"
    foreign = ("aspppooling", "resizelike", "interpolateback")
    signature = (BRANCHES,)
    needs = Needs.SPATIAL
    interpolates = True
    summary = ("a branch, its output resized (linear interpolation) to the input's spatial "
               "size")

    def too_many(self, count: int) -> str | None:
        return "Resize takes one branch: Resize([BRANCH])" if count > 1 else None

    def too_few(self, count: int) -> str | None:
        return "Resize needs its branch: Resize([BRANCH])" if count == 0 else None

    def combine(self, check: Check, x: Shape, branches: list[Shape]) -> Out:
        out = branches[0]
        if rank(out) != rank(x):
            check.fail(f"the branch gives {show(out)}, which has {rank(out)} spatial "
                       f"dimension(s) where the input {show(x)} has {rank(x)}; Resize "
                       "interpolates the branch's output back to the input's size")
        return Out((*x[:-1], out[-1]))

    def signature_text(self) -> str:
        return "Resize([BRANCH])"

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import ResizedBranch

        return ResizedBranch(children, LINEAR[rank(record.input_shape)])
