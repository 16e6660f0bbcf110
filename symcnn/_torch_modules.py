"""The few ``torch.nn`` modules that PyTorch lacks and the kinds' builders need (see
``kinds``' ``to_torch``). This module imports torch; only ``symcnn.torch`` and the
builders, at export time, import it."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable

import torch
from torch import nn
from torch.nn import functional


class Pad(nn.Module):
    """Pads (or, with negative amounts, crops) each spatial dimension unevenly:
    ``amounts`` holds ``(before, after)`` per dimension, first dimension first."""

    def __init__(self, amounts: list[tuple[int, int]], value: float = 0.0):
        super().__init__()
        # functional.pad takes the last dimension first
        self.amounts = tuple(v for pair in reversed(amounts) for v in pair)
        self.value = value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return functional.pad(x, self.amounts, value=self.value)

    def extra_repr(self) -> str:
        return f"amounts={self.amounts}, value={self.value}"


class Branches(nn.Module):
    """A merge: runs each branch on the input and joins the outputs with the merge
    kind's own ``combine``."""

    def __init__(self, combine: Callable[[list[torch.Tensor]], torch.Tensor],
                 branches: list[tuple[str, nn.Module]]):
        super().__init__()
        self.combine = combine
        for name, branch in OrderedDict(branches).items():
            self.add_module(name, branch)

    def forward(self, x: torch.Tensor) -> Any:
        return self.combine([branch(x) for branch in self.children()])


class SideBranch(nn.Module):
    """``Aux``: runs its branch (so that it is counted, as torchvision's auxiliary
    classifiers in training) and goes on with the input; the branch's output leaves the
    model."""

    def __init__(self, branches: list[tuple[str, nn.Module]]):
        super().__init__()
        for name, branch in branches:
            self.add_module(name, branch)

    def forward(self, x: torch.Tensor) -> Any:
        for branch in self.children():
            branch(x)
        return x


class ResizedBranch(nn.Module):
    """``Resize``: runs its branch and interpolates the output back to the input's
    spatial size with ``mode`` (torchvision's ``F.interpolate(..., mode="bilinear",
    align_corners=False)`` on an image)."""

    def __init__(self, branches: list[tuple[str, nn.Module]], mode: str):
        super().__init__()
        for name, branch in branches:
            self.add_module(name, branch)
        self.mode = mode

    def forward(self, x: torch.Tensor) -> Any:
        (branch,) = self.children()
        return functional.interpolate(branch(x), size=x.shape[2:], mode=self.mode,
                                      align_corners=False)


class ChannelSplit(Branches):
    """``Split``: branch ``i`` runs on the ``i``-th equal share of the channels; the
    outputs are concatenated on channels (ShuffleNet v2's ``x.chunk(2, dim=1)``)."""

    def __init__(self, branches: list[tuple[str, nn.Module]]):
        super().__init__(lambda outputs: torch.cat(outputs, dim=1), branches)

    def forward(self, x: torch.Tensor) -> Any:
        branches = list(self.children())
        parts = x.chunk(len(branches), dim=1)
        return self.combine([branch(part) for branch, part in zip(branches, parts)])


class ChannelShuffle(nn.Module):
    """ShuffleNet's channel shuffle, on a tensor of any rank: the channels as ``groups``
    rows, read by columns (torchvision's ``channel_shuffle``)."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, *rest = x.shape
        x = x.view(n, self.groups, c // self.groups, *rest).transpose(1, 2)
        return x.reshape(n, c, *rest)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class LocalResponseNorm(nn.LocalResponseNorm):
    """PyTorch's LRN, also for a vector ``(N, f)``: its features are its channels, as
    symcnn's ``LRN`` after a dense layer has them."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            return super().forward(x.unsqueeze(-1)).squeeze(-1)
        return super().forward(x)


class ChannelNorm(nn.LayerNorm):
    """LayerNorm over the channels of a channels-first tensor of any rank (ConvNeXt's
    ``LayerNorm2d``): PyTorch's own normalises the last dimensions."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            return super().forward(x)
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)


def _per_channel(weight: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """A ``(c,)`` tensor shaped to broadcast over the channels of a channels-first ``x``."""
    return weight.view(-1, *(1,) * (x.dim() - 2))


class ChannelAffine(nn.Module):
    """A trained factor per channel (ConvNeXt's ``layer_scale``), a trained shift per
    channel, or both: what a batch normalisation with only one of Keras's ``scale`` and
    ``center`` adds to ``BatchNorm(affine=False)``, which PyTorch lacks."""

    def __init__(self, channels: int, scale: bool = True, shift: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels)) if scale else None
        self.bias = nn.Parameter(torch.zeros(channels)) if shift else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight is not None:
            x = x * _per_channel(self.weight, x)
        if self.bias is not None:
            x = x + _per_channel(self.bias, x)
        return x


class ElementPReLU(nn.Module):
    """Keras's default PReLU: one trained slope per element (``shared_axes=None``);
    PyTorch's takes one slope or one per channel."""

    def __init__(self, shape: tuple[int, ...]):
        super().__init__()
        self.weight = nn.Parameter(torch.full(shape, 0.25))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp(x, min=0) + self.weight * torch.clamp(x, max=0)


class Standardize(nn.Module):
    """Keras's ``Normalization`` layer, adapted: a mean and a variance per channel and
    the count of samples they were taken from, held as buffers (not trained)."""

    mean: torch.Tensor
    variance: torch.Tensor

    def __init__(self, channels: int):
        super().__init__()
        self.register_buffer("mean", torch.zeros(channels))
        self.register_buffer("variance", torch.ones(channels))
        self.register_buffer("count", torch.zeros((), dtype=torch.int64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean, variance = _per_channel(self.mean, x), _per_channel(self.variance, x)
        return (x - mean) / torch.sqrt(torch.clamp(variance, min=1e-7))


class Rescale(nn.Module):
    """Keras's ``Rescaling``: ``x * scale + offset``, nothing trained."""

    def __init__(self, scale: float, offset: float = 0.0):
        super().__init__()
        self.scale, self.offset = scale, offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.offset

    def extra_repr(self) -> str:
        return f"scale={self.scale}, offset={self.offset}"
