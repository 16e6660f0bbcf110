"""Warnings about programs that are valid but probably not what their writer meant.

Each check reads a parsed program and its evaluated layers and returns messages; `parse`
issues them as :class:`~symcnn.SymcnnWarning` (``warnings.warn``), and the command line
prints each as one ``symcnn: warning: ...`` line. A warning never changes the network.
"""

from __future__ import annotations

import sys
import warnings
from typing import TYPE_CHECKING, Any

from ._tree import Definition, Program, pos_of
from .errors import SymcnnWarning

if TYPE_CHECKING:
    from ._model import LayerRecord

# A first size that reads like PyTorch's channel count (grey, RGB, RGBA), then two that
# read like an image's sizes: I(1, 1, 512) and I(4, 4, 64) are feature maps.
_CHANNEL_COUNTS = (1, 3, 4)
_LEAST_SIZE = 16


def channels_first(record: LayerRecord) -> str | None:
    """``I(3, 224, 224)``, written PyTorch's way, is a 3×224 image of 224 channels."""
    shape = record.output_shape
    if len(shape) != 3 or not all(type(v) is int or getattr(v, "is_Integer", False)
                                  for v in shape):
        return None
    h, w, c = (int(v) for v in shape)
    if h not in _CHANNEL_COUNTS or w < _LEAST_SIZE or c < _LEAST_SIZE:
        return None
    return (f"line {record.line}, column {record.column}: I({h}, {w}, {c}) is an image "
            f"{h} high and {w} wide with {c} channels; shapes are channels-last, so "
            f"{h} channels of {w}×{c} are I({w}, {c}, {h})")


def indented_after_def(program: Program) -> list[str]:
    """A line indented under a ``def`` reads as the block's body going on, but a new
    line ends a ``def``: the line belongs to the main network."""
    lines = program.text.split("\n")
    found = []
    statements = program.statements
    for definition, following in zip(statements, statements[1:]):
        if not isinstance(definition, Definition):
            continue
        pos = pos_of(following)
        if pos.line <= definition.pos.line or pos.line > len(lines):
            continue
        line = lines[pos.line - 1]
        before = line[:pos.column - 1]
        if before.strip() not in ("", "def"):  # not the first thing on its line
            continue
        indent = len(line) - len(line.lstrip(" \t"))
        def_line = lines[definition.pos.line - 1]
        if indent > len(def_line) - len(def_line.lstrip(" \t")):
            found.append(
                f"line {pos.line}, column {indent + 1}: this line is indented as if it "
                f"went on with the block {definition.name} of line {definition.pos.line}, "
                "but a new line ends a def, so it is part of the main network; to write a "
                "block on several lines, put its body in [ ], where new lines are "
                "whitespace")
    return found


def warn(program: Program, records: tuple[Any, ...]) -> None:
    """Issues the warnings of every check, as from the caller of ``parse``."""
    messages = indented_after_def(program)
    if records:  # the first record is always the input
        message = channels_first(records[0])
        if message:
            messages.append(message)
    for message in messages:
        warnings.warn(SymcnnWarning(message), stacklevel=_outside())


def _outside() -> int:
    """The ``stacklevel`` of the first frame outside symcnn: the warning points at the
    caller's line, through ``parse``, ``load`` or ``zoo.load``."""
    level, frame = 2, sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("symcnn"):
        level, frame = level + 1, frame.f_back  # type: ignore[assignment]
    return level
