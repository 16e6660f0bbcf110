"""A numeric network as a runnable PyTorch module.

``to_torch(net)`` builds plain ``torch.nn`` layers, channels-first as PyTorch is
(``(N, c, h, w)`` images, ``(N, c, l)`` signals, ``(N, c, d, h, w)`` volumes,
``(N, f)`` vectors). Each kind builds its own module (``Kind.to_torch``); every layer
becomes one submodule with the layer's own name, so ``model.get_submodule("res1.body.C1")``
is the layer that ``net.layers`` calls ``res1.body.C1``. TensorFlow's ``p=same`` becomes
explicit (possibly uneven) padding, since PyTorch's own ``padding="same"`` allows
stride 1 only.

This module imports torch; ``import symcnn`` does not import it.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ._model import Node
from .errors import SymcnnError
from .kinds import Merge
from .network import Network

__all__ = ["to_torch", "example_input"]


def _module(node: Node) -> nn.Module:
    children = []
    if isinstance(node.kind, Merge):
        labels = node.kind.branch_labels(len(node.branches))
        children = [(label, _sequence(branch)) for label, branch in zip(labels, node.branches)]
    module = node.kind.to_torch(node.record, children)
    if not isinstance(module, nn.Module):
        raise SymcnnError(f"{node.kind.name} built no torch.nn module for "
                          f"{node.record.name}")
    return module


def _sequence(nodes: tuple[Node, ...]) -> nn.Sequential:
    return nn.Sequential(OrderedDict(
        (node.record.name.rsplit(".", 1)[-1], _module(node)) for node in nodes))


def to_torch(net: Network) -> nn.Sequential:
    """A runnable ``torch.nn`` model of a numeric network (``net.subs(...)`` first if it
    has free symbols). Its submodules carry the names of ``net.layers``."""
    if net.symbols:
        names = ", ".join(s.name for s in net.symbols)
        raise SymcnnError(f"to_torch needs numbers; give values for {names} with "
                          "net.subs(...) first")
    return _sequence(net.exact.tree)


def example_input(net: Network, batch: int = 1) -> torch.Tensor:
    """A random input of the network's shape, channels-first."""
    shape = [int(v) for v in net.input_shape]
    if len(shape) > 1:
        shape = [shape[-1], *shape[:-1]]
    return torch.randn(batch, *shape)
