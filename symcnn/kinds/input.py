"""``I``: the network's input, a vector, a signal, an image or a volume."""

from __future__ import annotations

from typing import Any, Sequence

from ._base import Check, Kind, Needs, Out, Param, Shape, register
from ._types import LETTERS, Variadic, Whole, expression

#: The input's forms by the number of sizes, channels last.
FORMS = {1: ("f",), **{rank + 1: (*letters, "c") for rank, letters in LETTERS.items()}}
_WRITTEN = "I(f), I(l, c), I(h, w, c) or I(d, h, w, c)"


class Sizes(Variadic):
    """The sizes of the input, by position or by the names of one form."""
    words = "whole numbers"

    def bind(self, ctx: Any, param: Param, given: Sequence[tuple[str | None, Any, Any]],
             at: Any) -> dict[str, Any]:
        if len(given) not in FORMS:
            ctx.error(f"an input is {_WRITTEN} (a vector, a signal, an image or a volume, "
                      f"channels last), not {len(given)} sizes",
                      given[-1][2] if given else at)
        form = FORMS[len(given)]
        values: dict[str, Any] = {}
        for i, (key, value, pos) in enumerate(given):
            key = key or form[i]
            if form == FORMS[1] and key == "h":
                key = "f"  # I(h=784): a vector's size, as written before signals and volumes
            if key not in form:
                ctx.error(f"I has no argument {key}= in the form I({', '.join(form)}); "
                          f"an input is {_WRITTEN}", pos)
            if key in values:
                ctx.error(f"{key} is given twice", pos)
            ctx.pos = pos
            whole = Whole()
            values[key] = whole.convert(ctx, Param(key, whole), value)
        return {name: values[name] for name in form}


@register
class Input(Kind):
    name = "I"
    aliases = ("Input",)
    foreign = ("input", "inputlayer", "in")
    signature = (Param("sizes", Sizes()),)
    needs = Needs.NOTHING
    summary = "the input, channels last; first and once"

    def signature_text(self) -> str:
        return "I(h, w, c)"

    def apply(self, check: Check, x: Shape, **sizes: Any) -> Out:
        return Out(tuple(sizes.values()))

    def to_dsl(self, record: Any, branches: list[str]) -> str:
        return "I(" + ", ".join(expression(v) for v in record.args.values()) + ")"

    def to_torch(self, record: Any, children: list[tuple[str, Any]]) -> Any:
        from torch import nn

        return nn.Identity()
