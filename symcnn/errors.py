"""The exceptions symcnn raises: every one derives from :class:`SymcnnError`.

Messages are meant to be shown to a user as they are: they name the place in the
program (line and column, and the layer for shape errors) and say what would be right.
"""

from __future__ import annotations


class SymcnnError(Exception):
    """Base class of every error symcnn raises for bad input."""


class DSLSyntaxError(SymcnnError):
    """The text is not a program of the symcnn language, or uses it wrongly.

    ``line`` and ``column`` are 1-based; ``context`` is the offending line with a caret
    under the column.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 context: str = "") -> None:
        self.message = message
        self.line = line
        self.column = column
        self.context = context
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line is not None else ""
        text = where + self.message
        return f"{text}\n{self.context}" if self.context else text


class ShapeError(SymcnnError):
    """The network is invalid for the values given: a size below 1, groups that do not
    divide the channels, branches whose shapes differ, a layer before the input, ...

    ``layer`` is the name of the layer (``C2``, ``res1.body.C1``), ``index`` its position
    in ``net.layers``, ``kind`` its short kind; ``line`` and ``column`` its place in the
    source.
    """

    def __init__(self, message: str, *, layer: str | None = None, index: int | None = None,
                 kind: str | None = None, line: int | None = None,
                 column: int | None = None, context: str = "") -> None:
        self.message = message
        self.layer = layer
        self.index = index
        self.kind = kind
        self.line = line
        self.column = column
        self.context = context
        parts = []
        if layer is not None:
            parts.append(f"layer {index} ({layer})" if index is not None else f"layer {layer}")
        if line is not None:
            parts.append(f"line {line}, column {column}")
        head = ", ".join(parts)
        text = f"{head}: {message}" if head else message
        super().__init__(f"{text}\n{context}" if context else text)


class LimitError(SymcnnError):
    """The program would need more work or memory than symcnn allows; the message
    names the limit and how to raise it."""
