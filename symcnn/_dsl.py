"""A network printed back in the symcnn language: its canonical form.

``Network.to_dsl()`` writes every layer out, one per line, with its arguments as the
evaluator checked them: blocks, repetitions and bindings are expanded, values given to
``subs`` are in place, and an argument left at its default is left out. Parsing that text
gives the same network, layer for layer; ``tests/test_properties.py`` checks it for
programs over the whole grammar. It is also a way to see what a program with blocks and
repetitions expands to. Each kind prints its own layers (``Kind.to_dsl``); this module
walks the tree.
"""

from __future__ import annotations

from ._model import Node


def to_dsl(nodes: tuple[Node, ...]) -> str:
    """The canonical program of a network's layer tree, one layer per line."""
    return "\n".join(_layer(node) for node in nodes)


def _layer(node: Node) -> str:
    branches = [" ".join(_layer(n) for n in branch) for branch in node.branches]
    return node.kind.to_dsl(node.record, branches)
