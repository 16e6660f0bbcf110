"""What a kind reads when a model is imported (``symcnn.from_torch``, ``from_onnx``).

An importer turns each operation of a traced model into an :class:`Op` and asks the
kinds that name it (``Kind.torch_ops``, ``Kind.onnx_ops``) for their arguments
(``Kind.from_torch``, ``Kind.from_onnx``). An ``Op`` holds plain Python values only:
this module, like the kinds, imports neither torch nor onnx.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping

__all__ = ["Op", "Unfit", "per_dim", "rate"]


class Unfit(Exception):
    """Raised by a reader whose kind names the operation but cannot say it as imported
    (``BatchNorm2d(affine=False)``); the message is the hint the import error shows."""


@dataclass(frozen=True)
class Op:
    """One operation of an imported model.

    ``name`` is what kinds declare: a PyTorch module's class name (``Conv2d``), a
    function's or a tensor method's name (``relu``, ``cat``), an ONNX operator type
    (``Conv``). ``inputs`` are the shapes of its tensor inputs and ``output`` the shape
    of its result, PyTorch's way (batch first, then channels) and as numbers, taken
    while the model ran once at example sizes.
    """
    name: str
    where: str  # the module path or node name, for messages
    inputs: tuple[tuple[int, ...], ...] = ()
    output: tuple[int, ...] = ()
    module: Any = None  # PyTorch: the module a module call runs
    args: tuple[Any, ...] = ()  # PyTorch: a call's positional arguments (tensors as None)
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    attrs: Mapping[str, Any] = field(default_factory=dict)  # ONNX: the node's attributes
    #: for each input of an ONNX node, or each positional argument of a PyTorch call,
    #: the shape of a weight of the model (a constant; a parameter), else None
    weights: tuple[tuple[int, ...] | None, ...] = ()
    #: PyTorch: the call runs where the model permuted its tensors to channels last
    #: (ConvNeXt's ``Permute``), so that a ``Linear`` acts on the channels, a
    #: ``LayerNorm`` normalises them; ``inputs`` and ``output`` are channels first still
    channels_last: bool = False
    #: PyTorch: the number of equal shares of one tensor's channels (``torch.chunk``,
    #: ``torch.split``) that the call's tensor inputs start from, one each in order;
    #: 0 where they do not
    shares: int = 0
    #: PyTorch: the zeros a ``ZeroPad2d`` (or ``F.pad``) put around a convolution's
    #: input just before it, ``(before, after)`` for each spatial dimension, which the
    #: convolution's padding takes in; () where there is none
    pads: tuple[tuple[int, int], ...] = ()
    #: PyTorch: the call runs on a map cut into partitions (MaxViT's
    #: ``PartitionAttentionLayer``), "window" where each partition is a window of
    #: neighbouring positions, "grid" where it is spread over the map; "" where it does
    #: not; ``inputs`` and ``output`` are the map's shapes still, channels first
    partition: str = ""

    @property
    def rank(self) -> int:
        """The spatial dimensions of the first input (0 for a vector)."""
        return max(len(self.inputs[0]) - 2, 0) if self.inputs else 0

    def arg(self, name: str, index: int, default: Any = None) -> Any:
        """A PyTorch call's argument by keyword or position (``index`` counts the tensor
        a function takes first, as ``args`` holds it)."""
        if name in self.kwargs:
            return self.kwargs[name]
        return self.args[index] if index < len(self.args) else default


def per_dim(value: Any, rank: int) -> tuple[int, ...]:
    """A PyTorch size argument, an int or a tuple, as one int per spatial dimension."""
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return (int(value[0]),) * rank
        if len(value) != rank:
            raise Unfit(f"{len(value)} sizes for {rank} spatial dimension(s)")
        return tuple(int(v) for v in value)
    return (int(value),) * rank


def rate(value: Any) -> Fraction:
    """A float rate as the exact decimal it prints as (0.2, not 3602879701896397/2**54)."""
    return Fraction(repr(float(value)))
