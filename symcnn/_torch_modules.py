"""The few ``torch.nn`` modules that PyTorch lacks and the kinds' builders need (see
``kinds``' ``to_torch``). This module imports torch; only ``symcnn.torch`` and the
builders, at export time, import it."""

from __future__ import annotations

import math
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


# ---- vision transformers (kinds/attention.py); tensors are channels-first, (N, c, ...) --

class ClassTokenFirst(nn.Module):
    """ViT's class token: the positions as tokens ``(N, c, l)``, a trained token first."""

    def __init__(self, channels: int):
        super().__init__()
        self.token = nn.Parameter(torch.zeros(1, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(2)
        return torch.cat([self.token.expand(x.shape[0], -1, -1), x], dim=2)


class FirstToken(nn.Module):
    """The first token (position) of every channel: ViT's ``x[:, 0]``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(2)[:, :, 0]


class AddedEmbedding(nn.Module):
    """A trained value per position and channel, added (ViT's ``pos_embedding``);
    ``shape`` is channels-last, as symcnn writes it."""

    def __init__(self, shape: tuple[int, ...]):
        super().__init__()
        self.embedding = nn.Parameter(torch.zeros(1, shape[-1], *shape[:-1]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.embedding


def _attend(qkv: torch.Tensor, heads: int, bias: Any = None, cosine: Any = None
            ) -> torch.Tensor:
    """Multi-head attention of ``(B, T, 3c)`` queries, keys and values, written out with
    ``matmul`` (FlopCounterMode counts it on every device, the fused kernel only on
    ``meta``): scaled dot products, or cosine similarities times ``cosine`` (Swin V2),
    plus ``bias`` (per head and pair of tokens, or with the windows first), softmax,
    and the weighted sum, ``(B, T, c)``."""
    b, t, c3 = qkv.shape
    q, k, v = qkv.reshape(b, t, 3, heads, c3 // 3 // heads).permute(2, 0, 3, 1, 4)
    if cosine is None:
        scores = (q * (c3 // 3 // heads) ** -0.5).matmul(k.transpose(-2, -1))
    else:
        scores = functional.normalize(q, dim=-1).matmul(
            functional.normalize(k, dim=-1).transpose(-2, -1))
        scores = scores * torch.clamp(cosine, max=math.log(100.0)).exp()
    if bias is not None:
        scores = (scores.view(-1, bias.shape[0], *scores.shape[1:]) + bias).flatten(0, 1)
    return scores.softmax(-1).matmul(v).transpose(1, 2).reshape(b, t, c3 // 3)


class Attention(nn.Module):
    """Multi-head self-attention over every position (``nn.MultiheadAttention``'s
    weights: a Linear to queries, keys and values, and the output's Linear)."""

    def __init__(self, channels: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(channels, 3 * channels)
        self.proj = nn.Linear(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = x.flatten(2).transpose(1, 2)
        out = self.proj(_attend(self.qkv(tokens), self.heads))
        return out.transpose(1, 2).reshape(x.shape)


def _relative_index(window: tuple[int, ...]) -> torch.Tensor:
    """For each pair of positions of a window, the row of their relative position in a
    table of ``prod(2w - 1)`` rows (torchvision's ``relative_position_index``)."""
    grid = torch.stack(torch.meshgrid([torch.arange(w) for w in window], indexing="ij"))
    coords = grid.flatten(1)
    relative = coords[:, :, None] - coords[:, None, :]
    index = torch.zeros(relative.shape[1:], dtype=torch.long)
    for i, w in enumerate(window):
        index = index * (2 * w - 1) + relative[i] + w - 1
    return index.flatten()


def _relative_coords(window: tuple[int, ...]) -> torch.Tensor:
    """Swin V2's table of relative coordinates, log-spaced, ``(1, 2w - 1, ..., r)``."""
    axes = [torch.arange(-(w - 1), w, dtype=torch.float32) / max(w - 1, 1) for w in window]
    table = torch.stack(torch.meshgrid(axes, indexing="ij"), dim=-1).unsqueeze(0) * 8
    return torch.sign(table) * torch.log2(torch.abs(table) + 1.0) / 3.0


def _partition_axes(sizes: list[int], window: tuple[int, ...], grid: bool
                    ) -> tuple[list[int], list[int]]:
    """Each size split in two, ``(n/w, w)`` for windows and ``(w, n/w)`` for a grid, and
    the order that puts the axes that tell the groups first, those of the ``T`` tokens of
    a group next (after the batch; the channels last)."""
    split = [v for n, w in zip(sizes, window) for v in ((w, n // w) if grid else (n // w, w))]
    r = len(window)
    groups, tokens = range(1, 2 * r, 2), range(2, 2 * r + 1, 2)
    if grid:
        groups, tokens = tokens, groups
    return split, [0, *groups, *tokens, 2 * r + 1]


def _partition(x: torch.Tensor, window: tuple[int, ...], grid: bool) -> torch.Tensor:
    """``(N, *sizes, c)`` as ``(N·groups, T, c)``: windows of ``window`` positions, or
    (``grid``) groups of one position from each cell of a ``window`` grid (MaxViT's)."""
    split, order = _partition_axes(list(x.shape[1:-1]), window, grid)
    x = x.reshape(x.shape[0], *split, x.shape[-1]).permute(order)
    return x.reshape(-1, math.prod(window), x.shape[-1])


def _departition(x: torch.Tensor, shape: torch.Size, window: tuple[int, ...],
                 grid: bool) -> torch.Tensor:
    """The inverse of :func:`_partition`, back to ``shape``."""
    split, order = _partition_axes(list(shape[1:-1]), window, grid)
    full = [shape[0], *split, shape[-1]]
    x = x.reshape([full[i] for i in order])
    return x.permute([order.index(i) for i in range(len(order))]).reshape(shape)


class WindowAttention(nn.Module):
    """Swin's shifted window attention (torchvision's ``shifted_window_attention``) on
    a map of any rank: padded at the end to whole windows, rolled back by ``shift``
    (none in a dimension that one window covers), attention within each window with a
    relative position bias and, where the roll joined distant positions, a mask; then
    rolled forward and cropped. ``cosine_mlp``: Swin V2's cosine attention and position
    bias network of that many hidden units. ``grid``: MaxViT's grid attention, each
    group one position of each cell of a ``window`` grid."""

    relative_position_index: torch.Tensor

    def __init__(self, channels: int, heads: int, window: tuple[int, ...],
                 shift: tuple[int, ...], cosine_mlp: int = 0, grid: bool = False):
        super().__init__()
        self.heads, self.window, self.shift, self.grid = heads, window, shift, grid
        self.qkv = nn.Linear(channels, 3 * channels)
        self.proj = nn.Linear(channels, channels)
        relative = math.prod(2 * w - 1 for w in window)
        if cosine_mlp:
            self.logit_scale = nn.Parameter(torch.log(10 * torch.ones(heads, 1, 1)))
            self.cpb_mlp = nn.Sequential(nn.Linear(len(window), cosine_mlp), nn.ReLU(),
                                         nn.Linear(cosine_mlp, heads, bias=False))
            self.register_buffer("relative_coords_table", _relative_coords(window))
        else:
            self.relative_position_bias_table = nn.Parameter(torch.zeros(relative, heads))
        self.register_buffer("relative_position_index", _relative_index(window))

    def _bias(self) -> torch.Tensor:
        t = math.prod(self.window)
        if hasattr(self, "cpb_mlp"):
            table = self.cpb_mlp(self.relative_coords_table).view(-1, self.heads)
            return 16 * torch.sigmoid(table[self.relative_position_index].view(t, t, -1)
                                      .permute(2, 0, 1))
        table = self.relative_position_bias_table[self.relative_position_index]
        return table.view(t, t, -1).permute(2, 0, 1)

    def _mask(self, padded: list[int], shift: list[int], like: torch.Tensor) -> torch.Tensor:
        """-100 between positions of one window that the roll brought from different
        regions, else 0: ``(windows, T, T)``."""
        labels = like.new_zeros(padded)
        for i, (w, s) in enumerate(zip(self.window, shift)):
            region = like.new_zeros(padded[i])
            region[-w:] = 1
            if s:
                region[-s:] = 2
            labels = labels * 3 + region.view(-1, *(1,) * (len(padded) - i - 1))
        labels = _partition(labels.unsqueeze(0).unsqueeze(-1), self.window, False).squeeze(-1)
        differ = labels.unsqueeze(1) != labels.unsqueeze(2)
        return torch.zeros_like(differ, dtype=like.dtype).masked_fill(differ, -100.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sizes, r = list(x.shape[2:]), len(self.window)
        x = x.movedim(1, -1)
        amounts = [(0, -n % w) for n, w in zip(sizes, self.window)]
        x = functional.pad(x, [0, 0, *(v for pair in reversed(amounts) for v in pair)])
        padded = list(x.shape[1:-1])
        shift = [0 if w >= n else s for n, w, s in zip(padded, self.window, self.shift)]
        dims = tuple(range(1, r + 1))
        if any(shift):
            x = torch.roll(x, [-s for s in shift], dims)
        bias = self._bias().unsqueeze(0)
        if any(shift):
            bias = bias + self._mask(padded, shift, x).unsqueeze(1)
        out = _attend(self.qkv(_partition(x, self.window, self.grid)), self.heads, bias,
                      getattr(self, "logit_scale", None))
        out = _departition(self.proj(out), x.shape, self.window, self.grid)
        if any(shift):
            out = torch.roll(out, shift, dims)
        crop = (slice(None), *(slice(0, n) for n in sizes))
        return out[crop].movedim(-1, 1)


class PatchMerging(nn.Module):
    """Swin's patch merging on a map of any rank: each spatial size padded at the end to
    an even one, the 2x2 (2, 2x2x2) blocks side by side on the channels in torchvision's
    order (the first dimension's offset changing fastest), then LayerNorm and a Linear
    without bias (``v2``: the Linear, then LayerNorm)."""

    def __init__(self, merged: int, channels: int, v2: bool):
        super().__init__()
        self.v2 = v2
        self.norm = nn.LayerNorm(channels if v2 else merged)
        self.reduction = nn.Linear(merged, channels, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = x.dim() - 2
        x = functional.pad(x, [v for n in reversed(x.shape[2:]) for v in (0, n % 2)])
        parts = []
        for offset in range(2 ** r):
            picks = (slice(None), slice(None),
                     *(slice((offset >> i) & 1, None, 2) for i in range(r)))
            parts.append(x[picks])
        x = torch.cat(parts, dim=1).movedim(1, -1)
        x = self.norm(self.reduction(x)) if self.v2 else self.reduction(self.norm(x))
        return x.movedim(-1, 1)
