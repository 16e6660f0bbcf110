"""The program of an imported model, with its repeated modules as blocks.

Consecutive top-level layers that one module instance computes (a torchvision
``Bottleneck``, an ``InvertedResidual``) make one call of a block when another instance of
the same class computes the same layers: ``def bottleneck = ...`` once, then
``bottleneck * 2`` where instances follow each other. Containers (``Sequential``) make
no blocks. What the blocks leave out, the layers say as they are.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, Sequence

from .kinds import lookup


class Item(Protocol):
    """What a block reads of a layer of the program being written
    (``_importing.Item``)."""
    node: Any
    branches: list[list[Any]]

    def text(self) -> str: ...

_CONTAINERS = frozenset(("Sequential", "ModuleList", "ModuleDict"))


def _nodes(item: Item) -> list[Item]:
    return [item, *(i for branch in item.branches for b in branch for i in _nodes(b))]


def _owners(item: Item) -> tuple[tuple[str, str], ...]:
    """The modules (path, class) that compute all of ``item`` and are no containers,
    outermost first."""
    scopes = [i.node.scope for i in _nodes(item)]
    common = 0
    while all(len(s) > common and s[common] == scopes[0][common] for s in scopes):
        common += 1
    return tuple(entry for entry in scopes[0][:common] if entry[1] not in _CONTAINERS)


def _block_name(cls: str, taken: set[str]) -> str:
    """``Bottleneck`` as ``bottleneck``, ``_DenseLayer`` as ``dense_layer``; a name a kind
    or another block has gets a number."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", cls.strip("_")).lower()
    base = re.sub(r"\W", "_", words) or "block"
    if not re.match(r"[A-Za-z_]", base):
        base = f"b_{base}"
    name, number = base, 2
    while name in taken or lookup(name) is not None:
        name, number = f"{base}_{number}", number + 1
    taken.add(name)
    return name


class _Writer:
    def __init__(self) -> None:
        self.names: dict[tuple[str, str], str] = {}
        self.taken: set[str] = set()
        self.defs: list[str] = []

    def lines(self, items: Sequence[Item], depth: int) -> list[str]:
        """The lines of ``items``, calls of blocks where the instances of a module class
        at this depth of nesting repeat; inside the others, the next depth is tried."""
        runs: list[tuple[tuple[str, str] | None, list[Item]]] = []
        for item in items:
            owners = _owners(item)
            owner = owners[depth] if len(owners) > depth else None
            if runs and owner is not None and runs[-1][0] == owner:
                runs[-1][1].append(item)
            else:
                runs.append((owner, [item]))
        keys = [(owner[1], " ".join(i.text() for i in run)) if owner else None
                for owner, run in runs]
        out: list[str] = []
        for (_, run), key in zip(runs, keys):
            if key is None:
                out.extend(item.text() for item in run)
            elif keys.count(key) < 2 and key not in self.names:
                out.extend(self.lines(run, depth + 1))
            else:
                if key not in self.names:
                    self.names[key] = _block_name(key[0], self.taken)
                    self.defs.append(f"def {self.names[key]} = [{key[1]}]")
                out.append(self.names[key])
        return out


def program(head: str, sequence: Sequence[Item]) -> str:
    """The program: the blocks, the input ``head``, then one line per layer or call."""
    writer = _Writer()
    lines = _repeated(writer.lines(sequence, 0))
    return "\n".join([*writer.defs, head, *lines])


def _repeated(lines: list[str]) -> list[str]:
    """Runs of one line as one, ``* r``."""
    out: list[str] = []
    count = 0
    for i, line in enumerate(lines):
        count += 1
        if i + 1 == len(lines) or lines[i + 1] != line:
            out.append(f"{line} * {count}" if count > 1 else line)
            count = 0
    return out
