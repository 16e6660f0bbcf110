"""The exceptions symcnn raises: every one derives from :class:`SymcnnError`.

Messages are meant to be shown to a user as they are: they name the place in the
program (line and column, and the layer for shape errors), show the line with a caret
under the column, and say what would be right. No other exception leaves ``parse``,
``load``, ``Network.subs`` or the command line for any text; ``tests/test_safety.py``
and ``fuzz/`` hold them to that.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from typing import Any, Iterator


class SymcnnError(Exception):
    """Base class of every error symcnn raises for bad input.

    ``line`` and ``column`` (1-based) are the place in the program the error is about,
    or ``None`` when it is about no one place; ``context`` is that line with a caret
    under the column.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None,
                 context: str = "") -> None:
        self.message = message
        self.line = line
        self.column = column
        self.context = context
        super().__init__(self._render(self._where()))

    def _where(self) -> str:
        return f"line {self.line}, column {self.column}" if self.line is not None else ""

    def _render(self, where: str) -> str:
        text = f"{where}: {self.message}" if where else self.message
        return f"{text}\n{self.context}" if self.context else text


class DSLSyntaxError(SymcnnError):
    """The text is not a program of the symcnn language, or uses it wrongly: a
    misspelt layer kind, a missing argument, a repetition count with a free symbol."""


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
        self.layer = layer
        self.index = index
        self.kind = kind
        super().__init__(message, line, column, context)

    def _where(self) -> str:
        parts = []
        if self.layer is not None:
            parts.append(f"layer {self.index} ({self.layer})" if self.index is not None
                         else f"layer {self.layer}")
        if self.line is not None:
            parts.append(super()._where())
        return ", ".join(parts)


class LimitError(SymcnnError):
    """The program would need more work or memory than symcnn allows (see
    :mod:`symcnn.limits`); the message names the limit and how to raise it."""


class ImportFailed(SymcnnError):
    """A model that ``from_torch`` or ``from_onnx`` cannot write as a network: the
    message lists each operation or module at fault, where it is in the model and why."""


class SymcnnWarning(UserWarning):
    """A program that is valid but probably not what its writer meant: ``I(3, 224,
    224)`` written channels-first, a line indented under a ``def`` as if it went on
    with the block. The network is computed as written."""


@contextlib.contextmanager
def warnings_as_lines() -> Iterator[None]:
    """For the command line: every :class:`SymcnnWarning` is printed to standard error
    as one line, ``symcnn: warning: ...``, each time it is issued; other warnings are
    shown as Python shows them."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", SymcnnWarning)
        shown = warnings.showwarning

        def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if issubclass(category, SymcnnWarning):
                print(f"symcnn: warning: {message}", file=sys.stderr)
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show
        yield
