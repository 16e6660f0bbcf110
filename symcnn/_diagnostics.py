"""The errors of one program, made with the place they point at: each method raises,
so a caller's control flow ends there (``NoReturn``)."""

from __future__ import annotations

from typing import NoReturn

from . import limits
from ._syntax import context_lines
from ._tree import Pos
from .errors import DSLSyntaxError, ShapeError


class Diagnostics:
    def __init__(self, text: str):
        self.text = text

    def syntax(self, message: str, pos: Pos) -> NoReturn:
        raise DSLSyntaxError(message, pos.line, pos.column,
                             context_lines(self.text, pos.line, pos.column))

    def shape(self, message: str, *, layer: str, index: int, kind: str, pos: Pos) -> NoReturn:
        raise ShapeError(message, layer=layer, index=index, kind=kind, line=pos.line,
                         column=pos.column,
                         context=context_lines(self.text, pos.line, pos.column))

    def limit(self, what: str, limit: str, pos: Pos) -> NoReturn:
        raise limits.exceeded(what, limit, pos.line, pos.column,
                              context_lines(self.text, pos.line, pos.column))
