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
