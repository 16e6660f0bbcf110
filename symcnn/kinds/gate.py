"""Gating: ``Mul`` multiplies branches, a per-channel scale such as ``(1, 1, c)``
broadcast over the spatial sizes, and ``SE`` is the squeeze-and-excitation block
written as a ``Mul`` whose branch it writes itself (``Merge.expand``), so that its
pool, its two 1x1 convolutions and its activations are layers of the network, each with
its own record."""

from __future__ import annotations

import functools
from typing import Any

from .._math import divide, eq
from .._tree import WORDS, Call, Group, Name, Num
from ._base import Check, Kind, Merge, Needs, Out, Param, Shape, kinds, lookup, register, show
from ._reading import Op
from ._types import OPTIONAL, ParamType, Whole, describe
from .elementwise import Activation
from .merge import BRANCHES


def _spread(shape: Shape) -> bool:
    """Whether a shape is one value per channel, ``(1, ..., 1, c)``, which multiplies
    any shape of its channels."""
    return all(v == 1 for v in shape[:-1])


@functools.lru_cache(maxsize=1024)
def _branch(act: str, gate: str, at: Any) -> Group:
    """SE's branch, written at ``at``: the same for every block that calls SE there, so
    that the evaluator meets the same calls again (and takes what it bound for them)."""
    def conv(f: str) -> Call:
        return Call("C", (Name(f, at), Num(1, at)), at)

    return Group((Call("G", (), at), conv("q"), Call(act, (), at), conv("c"),
                  Call(gate, (), at)), at)


_MUL_FORMS = ("Mul([BRANCH]) multiplies the input by its branch, Mul([A], [B], ...) "
              "multiplies the branches")


@register
class Mul(Merge):
    """``Mul([BRANCH])`` is ``Mul([BRANCH], [])``: the input times the branch (the
    squeeze-and-excitation gate); ``Mul([A], [B], ...)`` the product of the branches."""
    name = "Mul"
    aliases: tuple[str, ...] = ("Gate",)
    foreign: tuple[str, ...] = ("multiply", "mul", "gating")
    signature: tuple[Param, ...] = (BRANCHES,)
    summary = ("element-wise product of branches that give one shape, or (1, ..., 1, c), "
               "broadcast")
    torch_ops: tuple[str, ...] = ("mul", "mul_", "imul")
    onnx_ops: tuple[str, ...] = ("Mul",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """A product of two tensors, each of the product's shape or one value per
        channel (``x * gate``), not a product with a number or a weight."""
        out = op.output
        if len(op.inputs) != 2 or len(out) < 2:
            return None
        fits = all(len(s) == len(out) and s[:2] == out[:2] and
                   (s == out or all(v == 1 for v in s[2:])) for s in op.inputs)
        return {} if fits else None

    from_onnx = from_torch

    def too_few(self, count: int) -> str | None:
        return f"Mul needs a branch: {_MUL_FORMS}" if count == 0 else None

    def complete(self, count: int) -> int:
        return max(count, 2)

    def combine(self, check: Check, x: Shape, branches: list[Shape]) -> Out:
        # the product's shape: the last branch that is not a per-channel scale (the
        # input, when one branch is written), or the scales' own
        full = next((s for s in reversed(branches) if not _spread(s)), branches[-1])
        scale = (*(1 for _ in full[:-1]), full[-1])
        for i, shape in enumerate(branches, start=1):
            def wrong(i: int = i, shape: Shape = shape) -> str:
                return (f"branch {i} gives {show(shape)}, which cannot multiply "
                        f"{show(full)}; {self.name} needs each branch to give {show(full)} "
                        f"or {show(scale)}, one value per channel")

            if len(shape) != len(full):
                check.fail(wrong())
            sizes = [shape[-1]] if _spread(shape) else shape
            for a, b in zip(sizes, [full[-1]] if _spread(shape) else full):
                check.holds(eq(a, b), wrong)
        return Out(full)

    def torch_combine(self, outputs: list[Any]) -> Any:
        result = outputs[0]
        for out in outputs[1:]:
            result = result * out
        return result

    def signature_text(self) -> str:
        return "Mul([A], [B], ...)"


class ActivationName(ParamType):
    """The name of an activation, written as a layer would be: ``act=SiLU``."""
    words = "the name of an activation"
    takes_names = True

    @staticmethod
    def choices() -> list[str]:
        return [kind.name for kind in kinds() if isinstance(kind, Activation)]

    def convert(self, ctx: Any, param: Param, value: Any) -> Any:
        if isinstance(value, str) and isinstance(lookup(value), Activation):
            return value
        if getattr(value, "is_Symbol", False) and isinstance(lookup(str(value)), Activation):
            ctx.error(f"{param.name} of {ctx.kind.name} takes the name of an activation "
                      f"written in the {ctx.kind.name} call itself; a block's parameter "
                      f"cannot pass one on (there {value} is a symbol)")
        choices = self.choices()
        near = [c for c in choices if c.lower() == str(value).lower()]
        hint = (f"; did you mean {near[0]}?" if near else
                f"; the activations are {', '.join(choices)}")
        shown = value if isinstance(value, str) and value not in WORDS else describe(value)
        ctx.error(f"{param.name} of {ctx.kind.name} takes {self.words}, not {shown}{hint}")

    def show(self, value: Any) -> str:
        return str(value)


@register
class SqueezeExcitation(Mul):
    """``SE(q)`` is ``Mul([G C(q, 1) act C(c, 1) gate])`` on an input of ``c`` channels;
    ``SE(r=r)`` squeezes to ``q = c / r``."""
    name = "SE"
    aliases = ()
    foreign = ("squeezeexcitation", "squeezeexcite", "semodule", "seblock")
    signature = (Param("c", Whole(), OPTIONAL, foreign=("squeeze_channels", "rd_channels",
                                                          "squeeze")),
                 Param("r", Whole(), OPTIONAL, foreign=("reduction", "ratio",
                                                         "reduction_ratio")),
                 Param("act", ActivationName(), "ReLU", foreign=("activation",)),
                 Param("gate", ActivationName(), "Sigmoid",
                       foreign=("scale_activation", "gate_fn", "gate_layer")))
    needs = Needs.SPATIAL
    summary = ("squeeze-and-excitation: the input times G C(c, 1) act C(input channels, 1) "
               "gate")
    torch_ops = onnx_ops = ()  # the import reads Mul, then SE in it (from_merge)

    def from_merge(self, merge: str, branches: list[list[tuple[str, dict[str, Any]]]],
                   channels: Any) -> dict[str, Any] | None:
        """``Mul([], [G C(q, 1) act C(c, 1) gate])`` on ``c`` channels, with 1x1
        convolutions that have a bias and nothing else (torchvision's
        ``SqueezeExcitation``)."""
        written = [b for b in branches if b]
        if merge != "Mul" or len(branches) != 2 or len(written) != 1:
            return None
        layers = written[0]
        names = [name for name, _ in layers]
        if len(layers) != 5 or names[0] != "G" or names[1::2] != ["C", "C"]:
            return None
        if not all(isinstance(lookup(name), Activation) for name in names[2::2]):
            return None
        for _, args in layers[1::2]:
            plain = {key: set(value) for key, value in args.items()
                     if key in ("k", "s", "d") and isinstance(value, tuple)}
            if (plain != {"k": {1}, "s": {1}, "d": {1}} or set(args["p"]) != {0}
                    or args["g"] != 1 or not args["bias"]):
                return None
        if layers[3][1]["f"] != channels:
            return None
        return {"c": layers[1][1]["f"], "r": None, "act": names[2], "gate": names[4]}

    def branch_labels(self, count: int) -> list[str]:
        return ["scale", "input"]

    def expand(self, check: Check, x: Shape, args: dict[str, Any],
               at: Any) -> list[tuple[Any, dict[str, Any]]] | None:
        channels, squeeze, r = x[-1], args["c"], args["r"]
        if (squeeze is None) == (r is None):
            check.fail("SE takes the squeeze channels or the reduction, one of them: "
                       "SE(8) or SE(r=4)" if squeeze is None else
                       f"SE takes the squeeze channels c={squeeze} or the reduction "
                       f"r={r}, not both")
        if squeeze is None:
            check.divides(r, channels, lambda: f"the reduction r={r} must divide the input "
                          f"channels {channels}; give the squeeze channels instead, as "
                          "SE(8)")
            squeeze = divide(channels, r)
        return [(_branch(args["act"], args["gate"], at), {"q": squeeze, "c": channels})]

    def to_dsl(self, record: Any, branches: list[str]) -> str:
        return Kind.to_dsl(self, record, branches)  # its arguments; it writes its branch

    def signature_text(self) -> str:
        return Kind.signature_text(self)
