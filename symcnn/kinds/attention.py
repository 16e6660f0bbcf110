"""Vision transformers' kinds: a map's positions as tokens (``Tokens``), a class token
(``Cls``) and its read-out (``ClsOut``), a learned position embedding (``Pos``),
multi-head self-attention over every position (``MSA``), Swin's window attention
(``WMSA``, and Swin V2's cosine attention with a continuous position bias, ``WMSA2``),
Swin's patch merging (``PatchMerge``) and MaxViT's grid attention (``GMSA``).

A sequence of tokens is a 1-D map with channels, ``(l, c)``; on an image or a volume,
the positions are the tokens (row-major, as ``Tokens`` orders them), so that every kind
takes a signal, an image and a volume alike. Attention sees every position of its
input (or of its window), so its outputs have no receptive field (``Kind.window``).

Counted as torchvision counts its published operations, which are PyTorch's
``FlopCounterMode`` halved: the products with trained matrices (the query, key, value
and output projections, each a Linear applied per token) and the two products of the
attention itself, the scores :math:`QK^T` and their weighted sum of the values; no
softmax, normalisation, bias or addition.
"""

from __future__ import annotations

from typing import Any

from .._math import ceil_div, lt, product
from ._base import DIMENSIONS, Check, Kind, NoWindow, Out, Param, Shape, rank, register
from ._types import Flag, PerDim, Whole
from ._reading import Op, Unfit, per_dim
from .conv import ints, written_product, written_sum

HEADS = Param("heads", Whole(), foreign=("num_heads", "nhead", "n_heads"))
WINDOW = Param("w", PerDim(), foreign=("window_size", "window", "ws"))
SHIFT = Param("shift", PerDim(least=0), 0, foreign=("shift_size", "shifts"))


def _heads_divide(check: Check, heads: Any, c: Any) -> None:
    check.divides(heads, c, lambda: f"the heads={heads} must divide the channels {c}: "
                  f"each head attends with c/heads of them")


def attends(record: Any) -> tuple[tuple[Any, Any, Any], ...]:
    """Attention's step in the receptive field: none, each output weighs every position
    of its input (or of its window, which the next block's shift moves)."""
    raise NoWindow(f"{record.kind} has no receptive field: each of its outputs weighs every "
                   "position of its input (of its window, for window attention), a global "
                   "field rather than a window that slides")


def projections(c: Any) -> Any:
    """The parameters of attention's four projections, queries, keys, values and output,
    each a Linear of ``c`` to ``c`` with a bias: ``4(c + 1)c``."""
    return written_product(4, written_sum(c, 1), c)


def bias_table(window: Any, heads: Any) -> Any:
    """A trained bias per relative position in a window and head: ``(2w - 1)²·heads``."""
    return written_product(*(2 * k - 1 for k in window), heads)


def attention_macs(tokens: Any, per_window: Any, c: Any) -> Any:
    """The MACs of attention over ``tokens`` positions in windows of ``per_window``
    each: the four projections, ``4·tokens·c²``, and the scores and their weighted sum,
    ``2·tokens·per_window·c``."""
    return 4 * tokens * c * c + 2 * tokens * per_window * c


@register
class Tokens(Kind):
    """A map's positions as a sequence of tokens, row-major: PyTorch's
    ``x.flatten(2).transpose(1, 2)`` after a patch embedding."""
    name = "Tokens"
    aliases = ("ToTokens",)
    foreign = ("tosequence", "sequence", "flattentokens", "patchtokens")
    summary = "the positions as a sequence of tokens: (h, w, c) to (h·w, c)"
    torch_ops = ("flatten", "reshape", "view", "Flatten")

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """A reshape of (batch, channels, h, w) to (batch, channels, h·w): ViT's patches
        as tokens, which the permute after it lays channels last."""
        x = op.inputs[0]
        if op.channels_last or len(x) < 4 or op.output != (*x[:2], product(x[2:])):
            return None
        return {}

    def window(self, record: Any) -> tuple[tuple[Any, Any, Any], ...]:
        raise NoWindow("Tokens has no receptive field: it lays the rows of the map end to "
                       "end, so a token's neighbours are not its position's")

    def apply(self, check: Check, x: Shape) -> Out:
        return Out((product(x[:-1]), x[-1]))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        return nn.Flatten(2)


@register
class ClassToken(Kind):
    """ViT's class token: one trained token put before the others."""
    name = "Cls"
    aliases = ("ClassToken",)
    foreign = ("clstoken", "classtoken", "classembedding", "cls")
    summary = "a trained class token before the tokens (the positions): c trained"
    torch_ops = ("cat", "concat", "concatenate")

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """``torch.cat([token.expand(batch, -1, -1), x], dim=1)`` of tokens ``x``
        (batch, tokens, channels) and a trained token of their channels."""
        token = op.weights[0] if op.weights else None
        if (not op.channels_last or len(op.inputs) != 1 or len(op.inputs[0]) != 3
                or op.arg("dim", 1, 0) % 3 != 1 or token is None):
            return None
        x = op.inputs[0]
        return {} if token[1:] == (1, x[1]) else None

    def apply(self, check: Check, x: Shape) -> Out:
        return Out((product(x[:-1]) + 1, x[-1]), x[-1])

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import ClassTokenFirst

        return ClassTokenFirst(int(record.input_shape[-1]))


@register
class ClassTokenOut(Kind):
    """What ViT's classifier reads: the first token (the class token) of the output."""
    name = "ClsOut"
    aliases = ("ClassTokenOut",)
    foreign = ("firsttoken", "clspool", "tokenpool", "classtokenpool")
    summary = "the first token (ViT's class token) as a vector (c,)"
    torch_ops = ("getitem",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """``x[:, 0]`` of tokens (batch, tokens, channels)."""
        if not op.channels_last or len(op.inputs) != 1 or len(op.inputs[0]) != 3:
            return None
        return {} if op.args[1:] == ((slice(None), 0),) else None

    def apply(self, check: Check, x: Shape) -> Out:
        return Out((x[-1],))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import FirstToken

        return FirstToken()


@register
class PositionEmbedding(Kind):
    """A trained embedding added to every token (every position): ViT's
    ``pos_embedding``, one value per position and channel."""
    name = "Pos"
    aliases = ("PosEmbed", "PositionEmbedding")
    foreign = ("posembedding", "positionalembedding", "learnedpositionalembedding",
               "posemb", "absolutepositionembedding")
    summary = "a trained position embedding added: l·c trained (every position's)"
    torch_ops = ("add", "add_", "iadd")

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """``x + embedding`` of a trained tensor of one sample's shape (tokens and
        channels, or channels first on a map)."""
        embedding = next((w for w in op.weights if w is not None), None)
        if len(op.inputs) != 1 or embedding is None:
            return None
        x = op.inputs[0]
        sample = (*x[2:], x[1]) if op.channels_last else x[1:]
        return {} if embedding == (1, *sample) else None

    def apply(self, check: Check, x: Shape) -> Out:
        return Out(x, written_product(*x))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import AddedEmbedding

        return AddedEmbedding(ints(record.input_shape))


@register
class SelfAttention(Kind):
    """Multi-head self-attention over every token (``torch.nn.MultiheadAttention`` of
    query, key and value the input): the input projected to queries, keys and values,
    ``heads`` attentions of ``c/heads`` channels each, and an output projection."""
    name = "MSA"
    aliases = ("MultiheadAttention", "SelfAttention")
    foreign = ("multiheadattention", "multiheadselfattention", "selfattention", "attention",
               "mha")
    signature = (HEADS,)
    summary = "multi-head self-attention over every token: 4(c + 1)c trained"
    torch_ops = ("MultiheadAttention",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """``nn.MultiheadAttention(c, heads, batch_first=True)`` of query, key and
        value the same tokens (batch, tokens, channels), with its biases and no mask."""
        m = op.module
        masks = any(op.arg(name, i) is not None
                    for name, i in (("key_padding_mask", 3), ("attn_mask", 5)))
        if (len(op.inputs) != 1 or any(a is not None for a in op.args[:3]) or masks
                or not op.channels_last or len(op.inputs[0]) != 3):
            raise Unfit("MSA reads nn.MultiheadAttention(batch_first=True) called as "
                        "attention(x, x, x) on tokens (batch, tokens, channels), "
                        "without masks")
        if (not m._qkv_same_embed_dim or m.in_proj_bias is None or m.bias_k is not None
                or m.add_zero_attn or m.out_proj.bias is None):
            raise Unfit("MSA has query, key, value and output projections of the "
                        "channels, each with a bias; this attention has other weights")
        return {"heads": int(m.num_heads)}

    window = staticmethod(attends)

    def apply(self, check: Check, x: Shape, heads: Any) -> Out:
        c, tokens = x[-1], product(x[:-1])
        _heads_divide(check, heads, c)
        return Out(x, projections(c), macs=attention_macs(tokens, tokens, c))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import Attention

        return Attention(int(record.input_shape[-1]), int(record.args["heads"]))


def _partition_attention(op: Op, partition: str) -> dict[str, Any] | None:
    """The heads and partition size of torchvision's (MaxViT's)
    ``RelativePositionalMultiHeadAttention`` on a map cut into ``partition``
    partitions, else None (the other partition's kind reads it)."""
    if op.partition != partition:
        return None
    m = op.module
    if op.rank != 2 or m.to_qkv.bias is None or m.merge.bias is None:
        raise Unfit("window and grid attention read MaxViT's attention on an image cut "
                    "into partitions, with biases on its projections")
    return {"heads": int(m.n_heads), "size": (int(m.size),) * 2}


def _windowed(check: Check, x: Shape, w: Any, shift: Any) -> tuple[Any, Any]:
    """The padded positions and the tokens per window of attention in windows ``w``
    (torchvision pads each spatial size up to a multiple of its window)."""
    for i in range(rank(x)):
        check.holds(lt(shift[i], w[i]), lambda i=i: f"the shift {shift[i]} must be less "
                    f"than the window {w[i]}")
    padded = product(ceil_div(n, k) * k for n, k in zip(x[:-1], w))
    return padded, product(w)


@register
class WindowAttention(Kind):
    """Swin's (shifted) window attention, torchvision's ``ShiftedWindowAttention``: the
    map padded at the end of each spatial dimension to a multiple of the window ``w``,
    rolled back by ``shift`` (with a mask, so that no window mixes positions that the
    roll brought together), cut into windows, and multi-head self-attention in each
    window with a trained bias per relative position and head."""
    name = "WMSA"
    aliases = ("WindowAttention", "ShiftedWindowAttention")
    foreign = ("windowattention", "shiftedwindowattention", "swinattention", "wmsa",
               "swmsa")
    signature = (HEADS, WINDOW, SHIFT)
    summary = ("window attention (Swin), shifted windows: 4(c + 1)c + (2w - 1)²·heads "
               "trained, w⁴ indices")
    torch_ops: tuple[str, ...] = ("ShiftedWindowAttention",
                                  "RelativePositionalMultiHeadAttention")

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """torchvision's ``ShiftedWindowAttention`` on a map with its channels last
        (batch, h, w, c), with its biases; MaxViT's block attention (its
        ``RelativePositionalMultiHeadAttention`` on window partitions), unshifted."""
        if op.name == "RelativePositionalMultiHeadAttention":
            found = _partition_attention(op, "window")
            return found and {"heads": found["heads"], "w": found["size"], "shift": (0, 0)}
        m = op.module
        if not op.channels_last or op.rank != 2:
            raise Unfit("window attention reads torchvision's ShiftedWindowAttention on "
                        "an image with its channels last (batch, h, w, c)")
        if m.qkv.bias is None or m.proj.bias is None:
            raise Unfit(f"{self.name} has biases on its projections; this one has not")
        return {"heads": int(m.num_heads), "w": per_dim(m.window_size, 2),
                "shift": per_dim(m.shift_size, 2)}

    window = staticmethod(attends)

    def apply(self, check: Check, x: Shape, heads: Any, w: Any, shift: Any) -> Out:
        c = x[-1]
        _heads_divide(check, heads, c)
        padded, per_window = _windowed(check, x, w, shift)
        return Out(x, written_sum(projections(c), bias_table(w, heads)),
                   per_window * per_window, attention_macs(padded, per_window, c))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import WindowAttention as Module

        a = record.args
        return Module(int(record.input_shape[-1]), int(a["heads"]), ints(a["w"]),
                      ints(a["shift"]))


@register
class CosineWindowAttention(Kind):
    """Swin V2's window attention, torchvision's ``ShiftedWindowAttentionV2``: as
    ``WMSA``, with cosine similarities scaled by a trained factor per head
    (``logit_scale``) and the position bias given by a small network (``cpb_mlp``: a
    Linear from the rank's relative coordinates to ``mlp`` units, ReLU, and a Linear
    without bias to the heads) run on the table of relative coordinates (a buffer)."""
    name = "WMSA2"
    aliases = ("WindowAttentionV2", "ShiftedWindowAttentionV2")
    foreign = ("windowattentionv2", "shiftedwindowattentionv2", "swinv2attention",
               "cosineattention")
    signature = (HEADS, WINDOW, SHIFT, Param("mlp", Whole(), 512, foreign=("cpb_hidden",)))
    summary = ("Swin V2's window attention: 4(c + 1)c + heads + (r + 1 + heads)·mlp "
               "trained; the MLP's MACs on the (2w - 1)² relative positions")
    torch_ops = ("ShiftedWindowAttentionV2",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """torchvision's ``ShiftedWindowAttentionV2``, as ``WMSA`` reads V1's, with its
        position-bias network's width."""
        args = WindowAttention.from_torch(self, op)  # type: ignore[arg-type]
        return {**(args or {}), "mlp": int(op.module.cpb_mlp[0].out_features)}

    window = staticmethod(attends)

    def apply(self, check: Check, x: Shape, heads: Any, w: Any, shift: Any,
              mlp: Any) -> Out:
        c, r = x[-1], rank(x)
        _heads_divide(check, heads, c)
        padded, per_window = _windowed(check, x, w, shift)
        relative = product(2 * k - 1 for k in w)
        cpb = written_product(written_sum(r, 1, heads), mlp)
        params = written_sum(projections(c), heads, cpb)
        buffers = per_window * per_window + r * relative
        return Out(x, params, buffers, attention_macs(padded, per_window, c)
                   + relative * (r + heads) * mlp)

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import WindowAttention as Module

        a = record.args
        return Module(int(record.input_shape[-1]), int(a["heads"]), ints(a["w"]),
                      ints(a["shift"]), cosine_mlp=int(a["mlp"]))


@register
class GridAttention(Kind):
    """MaxViT's grid attention (torchvision's ``PartitionAttentionLayer`` of type
    "grid", its attention only): the map cut into a ``g`` x ``g`` grid of cells, and
    multi-head self-attention among the positions at one place of every cell (a dilated
    window of ``g`` x ``g`` positions spread over the whole map), with a trained bias
    per relative position and head. ``g`` must divide every spatial size, as
    torchvision requires. MaxViT's block attention is ``WMSA(heads, g)``."""
    name = "GMSA"
    aliases = ("GridAttention",)
    foreign = ("gridattention", "partitionattention", "gridpartitionattention")
    signature = (HEADS, Param("g", PerDim(), foreign=("grid_size", "partition_size", "grid")))
    summary = ("grid attention (MaxViT): 4(c + 1)c + (2g - 1)²·heads trained, g⁴ indices")
    torch_ops = ("RelativePositionalMultiHeadAttention",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """torchvision's MaxViT attention (``RelativePositionalMultiHeadAttention``)
        on grid partitions."""
        found = _partition_attention(op, "grid")
        return found and {"heads": found["heads"], "g": found["size"]}

    window = staticmethod(attends)

    def apply(self, check: Check, x: Shape, heads: Any, g: Any) -> Out:
        c = x[-1]
        _heads_divide(check, heads, c)
        for n, k, what in zip(x[:-1], g, DIMENSIONS[rank(x)]):
            check.divides(k, n, lambda n=n, k=k, what=what: f"the grid g={k} must divide "
                          f"the {what} {n}")
        per_group = product(g)
        return Out(x, written_sum(projections(c), bias_table(g, heads)),
                   per_group * per_group, attention_macs(product(x[:-1]), per_group, c))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import WindowAttention as Module

        a = record.args
        return Module(int(record.input_shape[-1]), int(a["heads"]), ints(a["g"]),
                      (0,) * len(a["g"]), grid=True)


@register
class PatchMerge(Kind):
    """Swin's patch merging (torchvision's ``PatchMerging``, with ``f = 2c``): each
    spatial size padded at the end to an even one, each 2x2 block of positions side by
    side on the channels, then LayerNorm and a Linear without bias to ``f`` channels
    (Swin V2's, ``v2=true``: the Linear, then LayerNorm)."""
    name = "PatchMerge"
    aliases = ("PatchMerging",)
    foreign = ("patchmerging", "patchmergingv2", "patchmerge")
    signature = (Param("f", Whole(), foreign=("out_channels", "dim")),
                 Param("v2", Flag(), False, foreign=("post_norm",)))
    summary = ("each 2x2 block of positions side by side on the channels, LayerNorm and a "
               "Linear to f: (⌈h/2⌉, ⌈w/2⌉, f)")
    torch_ops = ("PatchMerging", "PatchMergingV2")

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """torchvision's ``PatchMerging`` (``PatchMergingV2``: ``v2=true``) on a map with
        its channels last (batch, h, w, c)."""
        if not op.channels_last or op.rank != 2 or op.module.reduction.bias is not None:
            raise Unfit("PatchMerge reads torchvision's PatchMerging on an image with its "
                        "channels last (batch, h, w, c)")
        return {"f": int(op.module.reduction.out_features), "v2": op.name == "PatchMergingV2"}

    def window(self, record: Any) -> tuple[tuple[Any, Any, Any], ...]:
        return ((2, 2, 0),) * rank(record.input_shape)

    def apply(self, check: Check, x: Shape, f: Any, v2: Any) -> Out:
        sizes = tuple(ceil_div(n, 2) for n in x[:-1])
        merged = written_product(2 ** rank(x), x[-1])
        norm = written_product(2, f if v2 else merged)
        return Out((*sizes, f), written_sum(written_product(merged, f), norm),
                   macs=product((*sizes, 2 ** rank(x), x[-1], f)))

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import PatchMerging

        x, a = record.input_shape, record.args
        return PatchMerging(2 ** rank(x) * int(x[-1]), int(a["f"]), a["v2"])
