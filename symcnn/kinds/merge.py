"""Merges: ``Add``, ``Cat`` and ``Res``, and ``Aux``, a side branch whose output leaves
the network. Each branch is a group that starts from the merge's input; the merge
combines the branches' output shapes, and has no parameters of its own."""

from __future__ import annotations

from typing import Any, Sequence

from .._math import eq, total
from ._base import Check, Merge, Out, Param, Shape, register, show
from ._reading import Op
from ._types import Variadic


class Branches(Variadic):
    """Groups in brackets, one per branch: ``Add([C(64, 3)], [])``."""
    words = "a group in brackets"

    def bind(self, ctx: Any, param: Param, given: Sequence[tuple[str | None, Any, Any]],
             at: Any) -> dict[str, Any]:
        kind: Merge = ctx.kind
        groups: list[Any] = []
        for key, value, pos in given:
            if key is not None or not hasattr(value, "group"):
                ctx.error(f"{kind.name} takes branches in brackets, such as "
                          f"{kind.name}([C(64, 3)], [])", pos)
            problem = kind.too_many(len(groups) + 1)
            if problem:
                ctx.error(problem, pos)
            groups.append(value)
        problem = kind.too_few(len(groups))
        if problem:
            ctx.error(problem, at)
        return {"branches": groups}


BRANCHES = Param("branches", Branches())


def agree(check: Check, kind: str, branches: list[Shape], spatial_only: bool,
          needs: str) -> None:
    """Every branch gives a shape of the first one's rank, equal to it in every size
    (or, with ``spatial_only``, in every size but the channels)."""
    if len(branches) < 2:
        check.fail(f"{kind} needs at least two branches, such as {kind}([C(64, 3)], [])"
                   if kind == "Add" else
                   f"{kind} needs at least two branches, such as "
                   f"{kind}([C(64, 1)], [C(32, 3, p=1)])")
    first = branches[0]
    for i, shape in enumerate(branches[1:], start=2):
        if len(shape) != len(first):
            check.fail(f"branch {i} gives a shape of {len(shape)} dimensions, "
                       f"branch 1 one of {len(first)}; {kind} needs {needs}")
        sizes = zip(first[:-1], shape[:-1]) if spatial_only else zip(first, shape)
        for a, b in sizes:
            check.holds(eq(a, b), lambda i=i, shape=shape: f"branch {i} gives {show(shape)} "
                        f"but branch 1 gives {show(first)}; {kind} needs {needs}")


@register
class Add(Merge):
    name = "Add"
    foreign: tuple[str, ...] = ("add", "sum", "plus")
    signature = (BRANCHES,)
    summary = "element-wise sum of branches that give one shape"
    unordered = True
    torch_ops: tuple[str, ...] = ("add", "add_", "iadd")
    onnx_ops: tuple[str, ...] = ("Add", "Sum")

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """A sum of tensors of one shape (not one with a number or a broadcast one)."""
        return {} if len(op.inputs) > 1 and len(set(op.inputs)) == 1 else None

    from_onnx = from_torch

    def combine(self, check: Check, x: Shape, branches: list[Shape]) -> Out:
        agree(check, "Add", branches, False, "one shape")
        return Out(branches[0])

    def torch_combine(self, outputs: list[Any]) -> Any:
        result = outputs[0]
        for out in outputs[1:]:
            result = result + out
        return result

    def signature_text(self) -> str:
        return f"{self.name}([A], [B], ...)"


@register
class Cat(Merge):
    name = "Cat"
    foreign = ("concatenate", "concat", "cat")
    signature = (BRANCHES,)
    summary = "concatenation on channels; the spatial sizes must agree"
    torch_ops = ("cat", "concat", "concatenate")
    onnx_ops = ("Concat",)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        if op.shares:  # the branches start from shares of the channels: Split
            return None
        return {} if op.arg("dim", 1, 0) % len(op.output) == 1 else None

    def from_onnx(self, op: Op) -> dict[str, Any] | None:
        return {} if op.attrs.get("axis", 0) % len(op.output) == 1 else None

    def combine(self, check: Check, x: Shape, branches: list[Shape]) -> Out:
        agree(check, "Cat", branches, True, "the same spatial size")
        return Out((*branches[0][:-1], total(s[-1] for s in branches)))

    def torch_combine(self, outputs: list[Any]) -> Any:
        import torch

        return torch.cat(outputs, dim=1)

    def signature_text(self) -> str:
        return f"{self.name}([A], [B], ...)"


_RES_FORMS = "Res {}: Res([BODY]) or Res([BODY], [SHORTCUT])"


@register
class Res(Add):
    """``Res([BODY], [SHORTCUT])`` is ``Add([BODY], [SHORTCUT])``; the shortcut is the
    identity when it is left out."""
    name = "Res"
    foreign = ("residual", "res", "skip", "shortcut")
    summary = "a body plus a shortcut, the identity when left out"

    def too_many(self, count: int) -> str | None:
        return _RES_FORMS.format("takes a body and at most one shortcut") if count > 2 else None

    def too_few(self, count: int) -> str | None:
        return _RES_FORMS.format("needs a body") if count == 0 else None

    def complete(self, count: int) -> int:
        return 2

    def branch_labels(self, count: int) -> list[str]:
        return ["body", "shortcut"]

    def signature_text(self) -> str:
        return "Res([BODY], [SHORTCUT])"

    def to_dsl(self, record: Any, branches: list[str]) -> str:
        if len(branches) == 2 and not branches[1]:  # the identity shortcut goes unsaid
            branches = branches[:1]
        return super().to_dsl(record, branches)

    def from_torch(self, op: Op) -> dict[str, Any] | None:
        """Two branches: a body and a shortcut."""
        return {} if len(op.inputs) == 2 and len(set(op.inputs)) == 1 else None

    from_onnx = from_torch


@register
class Aux(Merge):
    """A side output, such as an auxiliary classifier: its one branch is counted
    (records, parameters, MACs) but its output leaves the network, which goes on from
    the input."""
    name = "Aux"
    foreign = ("auxiliary", "auxlogits", "aux", "sideoutput")
    signature = (BRANCHES,)
    summary = "a side branch, counted, whose output leaves the network; the input goes on"
    keeps_input_field = True
    side_output = True

    def too_many(self, count: int) -> str | None:
        return "Aux takes one branch: Aux([BRANCH])" if count > 1 else None

    def too_few(self, count: int) -> str | None:
        return "Aux needs its branch: Aux([BRANCH])" if count == 0 else None

    def combine(self, check: Check, x: Shape, branches: list[Shape]) -> Out:
        return Out(x)

    def signature_text(self) -> str:
        return "Aux([BRANCH])"

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from .._torch_modules import SideBranch

        return SideBranch(children)


__all__ = ["Add", "Cat", "Res", "Aux"]
