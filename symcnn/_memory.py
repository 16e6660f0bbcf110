"""Memory: the bytes a network's weights, a batch's activations and a training step take,
exactly, for a number type and a batch size that may be a symbol (``b``).

The counts come from the totals (``Totals.activations`` sums every layer's output
elements but the input's, for one sample); this module only multiplies them by bytes.
The conventions, and how torchinfo's and fvcore's figures differ, are in
``docs/conventions.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ._math import product, symbol
from ._model import Viewed
from .errors import SymcnnError

#: Bytes per value of each number type ``memory`` knows.
DTYPES = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
#: Values of optimiser state kept per trainable parameter: none for plain SGD, a
#: velocity for SGD with momentum, the two moments for Adam (and AdamW).
OPTIMIZERS = {"sgd": 0, "momentum": 1, "adam": 2}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Memory:
    """Bytes, exact, of a network at a batch size and a number type (``net.memory``).

    ``activations`` is in values for one sample; every other field is in bytes for the
    whole batch: ``weights`` every parameter (trainable or not), ``input`` the batch's
    input, ``activations_bytes`` every layer's output over the batch (what the backward
    pass reads), ``gradients`` one per trainable parameter, ``optimizer_state`` the
    optimiser's values per trainable parameter, and ``training`` their sum: the memory of
    a training step when every layer's output is kept, in one number type throughout.
    """
    batch: Any
    dtype: str
    optimizer: str
    activations: Any
    weights: Any
    input: Any
    activations_bytes: Any
    gradients: Any
    optimizer_state: Any

    @property
    def value_bytes(self) -> int:
        """Bytes per value of the number type."""
        return DTYPES[self.dtype]

    @property
    def training(self) -> Any:
        return (self.weights + self.gradients + self.optimizer_state + self.input
                + self.activations_bytes)

    def items(self) -> list[tuple[str, str, Any]]:
        """(key, label, value) in the order tables show them; keys ending in ``_bytes``
        are bytes."""
        batch = f"batch {self.batch}, {self.dtype}"
        return [("activations", "activations per sample", self.activations),
                ("weights_bytes", f"weights ({self.dtype})", self.weights),
                ("input_bytes", f"input ({batch})", self.input),
                ("activations_bytes", f"activations ({batch})", self.activations_bytes),
                ("gradients_bytes", f"gradients ({self.dtype})", self.gradients),
                ("optimizer_bytes", f"optimizer state ({self.optimizer})",
                 self.optimizer_state),
                ("training_bytes", f"training ({self.optimizer})", self.training)]


def memory(net: Viewed, batch: Any = 1, dtype: str = "float32",
           optimizer: str = "adam") -> Memory:
    """The memory of ``net`` (see :class:`Memory`); ``batch`` is a whole number of at
    least 1 or the name of a symbol (``"b"``)."""
    if dtype not in DTYPES:
        raise SymcnnError(f"the dtype is one of {', '.join(DTYPES)}, not {dtype!r}")
    if optimizer not in OPTIMIZERS:
        raise SymcnnError(f"the optimizer is one of {', '.join(OPTIMIZERS)}, not "
                          f"{optimizer!r}")
    size = DTYPES[dtype]
    count = _batch(batch)
    totals = (net.evaluated if type(count) is int else net.exact).totals
    trainable = totals.trainable
    samples = size * count
    return Memory(batch=count, dtype=dtype, optimizer=optimizer,
                  activations=totals.activations,
                  weights=size * totals.total,
                  input=samples * product(_converted(net.input_shape, count)),
                  activations_bytes=samples * totals.activations,
                  gradients=size * trainable,
                  optimizer_state=size * OPTIMIZERS[optimizer] * trainable)


def _batch(batch: Any) -> Any:
    if type(batch) is int:
        if batch < 1:
            raise SymcnnError(f"the batch size is at least 1, not {batch}")
        return batch
    name = getattr(batch, "name", batch)
    if isinstance(name, str) and _NAME.match(name):
        return symbol(name)
    raise SymcnnError(f"the batch size is a whole number or a symbol's name (b), not "
                      f"{batch!r}")


def _converted(shape: tuple[Any, ...], count: Any) -> tuple[Any, ...]:
    """The input shape as Python ints beside an int batch, else as sympy values."""
    if type(count) is int:
        return tuple(int(v) if getattr(v, "is_Integer", False) else v for v in shape)
    return shape
