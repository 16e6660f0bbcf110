"""A numeric network as a runnable PyTorch module.

``to_torch(net)`` builds plain ``torch.nn`` layers, channels-first as PyTorch is
(``(N, c, h, w)`` images, ``(N, f)`` vectors). Every symcnn layer becomes one submodule
with the layer's own name, so ``model.get_submodule("res1.body.C1")`` is the layer that
``net.layers`` calls ``res1.body.C1``. TensorFlow's ``p=same`` becomes explicit
(possibly uneven) padding, since PyTorch's own ``padding="same"`` allows stride 1 only.

This module imports torch; ``import symcnn`` does not import it.
"""

from __future__ import annotations

from typing import Any, Callable

from collections import OrderedDict

import torch
from torch import nn
from torch.nn import functional

from ._evaluate import Node
from .errors import SymcnnError
from .network import Network

__all__ = ["to_torch", "example_input"]


class Pad(nn.Module):
    """Pads (or, with negative amounts, crops) height and width unevenly."""

    def __init__(self, top: int, bottom: int, left: int, right: int, value: float = 0.0):
        super().__init__()
        self.amounts = (left, right, top, bottom)
        self.value = value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return functional.pad(x, self.amounts, value=self.value)

    def extra_repr(self) -> str:
        return f"amounts={self.amounts}, value={self.value}"


class Merge(nn.Module):
    """Add, Cat or Res: runs each branch on the input and sums or concatenates."""

    def __init__(self, kind: str, branches: OrderedDict[str, nn.Module]):
        super().__init__()
        self.kind = kind
        for name, branch in branches.items():
            self.add_module(name, branch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = [branch(x) for branch in self.children()]
        if self.kind == "Cat":
            return torch.cat(outputs, dim=1)
        result = outputs[0]
        for out in outputs[1:]:
            result = result + out
        return result


class LocalResponseNorm(nn.LocalResponseNorm):
    """PyTorch's LRN, also for a vector ``(N, f)``: its features are its channels, as
    symcnn's ``LRN`` after a dense layer has them."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            return super().forward(x.unsqueeze(-1)).squeeze(-1)
        return super().forward(x)


_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "ReLU": nn.ReLU, "ReLU6": nn.ReLU6, "LeakyReLU": nn.LeakyReLU, "ELU": nn.ELU,
    "GELU": nn.GELU, "SiLU": nn.SiLU, "Hardswish": nn.Hardswish, "Tanh": nn.Tanh,
    "Sigmoid": nn.Sigmoid, "Identity": nn.Identity,
    "Softmax": lambda: nn.Softmax(dim=1), "LRN": lambda: LocalResponseNorm(5),
}


def _same_padding(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow's 'same': output ceil(n/s), the extra padding at the end."""
    out = -(-n // s)
    missing = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return missing // 2, missing - missing // 2


def _padded(x_shape: tuple[Any, ...], k: Any, s: Any, d: Any, value: float = 0.0) -> Pad:
    top, bottom = _same_padding(int(x_shape[0]), int(k[0]), int(s[0]), int(d[0]))
    left, right = _same_padding(int(x_shape[1]), int(k[1]), int(s[1]), int(d[1]))
    return Pad(top, bottom, left, right, value)


def _ints(pair: Any) -> tuple[int, int]:
    return int(pair[0]), int(pair[1])


def _module(node: Node) -> nn.Module:
    r = node.record
    a = r.args
    x = r.input_shape
    kind = r.kind
    if kind == "I":
        return nn.Identity()
    assert x is not None  # every layer after the input has an input shape
    if node.branches:
        labels = [b.split(".")[-1] for b in _branch_labels(node)]
        return Merge(kind, OrderedDict(
            (label, _sequence(branch)) for label, branch in zip(labels, node.branches)))
    if kind in ("C", "DW"):
        c = int(x[2])
        f = int(r.output_shape[2])
        groups = c if kind == "DW" else int(a["g"])
        same = a["p"] == "same"
        conv = nn.Conv2d(c, f, _ints(a["k"]), _ints(a["s"]), 0 if same else _ints(a["p"]),
                         _ints(a["d"]), groups, bias=a["bias"])
        if same:
            return nn.Sequential(_padded(x, a["k"], a["s"], a["d"]), conv)
        return conv
    if kind == "T":
        c, f = int(x[2]), int(r.output_shape[2])
        same = a["p"] == "same"
        deconv = nn.ConvTranspose2d(c, f, _ints(a["k"]), _ints(a["s"]),
                                    0 if same else _ints(a["p"]),
                                    0 if same else _ints(a["op"]), int(a["g"]),
                                    bias=a["bias"], dilation=_ints(a["d"]))
        if not same:
            return deconv
        crops = []
        for i in range(2):
            full = (int(x[i]) - 1) * int(a["s"][i]) + int(a["d"][i]) * (int(a["k"][i]) - 1) + 1
            excess = full - int(r.output_shape[i])
            crops += [-(excess // 2), -(excess - excess // 2)]
        return nn.Sequential(deconv, Pad(*crops))
    if kind in ("P", "A"):
        same = a["p"] == "same"
        pool_type = nn.MaxPool2d if kind == "P" else nn.AvgPool2d
        pool = pool_type(_ints(a["k"]), _ints(a["s"]), 0 if same else _ints(a["p"]),
                         ceil_mode=bool(a["ceil"]) and not same)
        if same:
            fill = float("-inf") if kind == "P" else 0.0
            return nn.Sequential(_padded(x, a["k"], a["s"], (1, 1), fill), pool)
        return pool
    if kind == "G":
        return nn.AdaptiveAvgPool2d(1)
    if kind == "AP":
        return nn.AdaptiveAvgPool2d((int(a["h"]), int(a["w"])))
    if kind == "F":
        return nn.Flatten()
    if kind in ("D", "O"):
        inputs = 1
        for v in x:
            inputs *= int(v)
        parts: list[nn.Module] = [] if len(x) == 1 else [nn.Flatten()]
        parts.append(nn.Linear(inputs, int(a["u"]), bias=a["bias"]))
        if kind == "O":
            parts.append(nn.Softmax(dim=1))
        return parts[0] if len(parts) == 1 else nn.Sequential(*parts)
    if kind == "BN":
        return nn.BatchNorm2d(int(x[2])) if len(x) == 3 else nn.BatchNorm1d(int(x[0]))
    if kind == "Drop":
        return nn.Dropout(float(a["r"]))
    return _ACTIVATIONS[kind]()


def _branch_labels(node: Node) -> list[str]:
    if node.record.kind == "Res":
        return ["body", "shortcut"]
    return [f"branch{i}" for i in range(1, len(node.branches) + 1)]


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
    return _sequence(net._nodes)


def example_input(net: Network, batch: int = 1) -> torch.Tensor:
    """A random input of the network's shape, channels-first."""
    shape = [int(v) for v in net.input_shape]
    if len(shape) == 3:
        shape = [shape[2], shape[0], shape[1]]
    return torch.randn(batch, *shape)
