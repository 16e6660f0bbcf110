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
