"""Bring your own model: a PyTorch module or an ONNX graph as a symcnn network.

``from_torch`` needs torch and ``from_onnx`` the ``onnx`` package; each imports it when
called, so ``import symcnn`` imports neither. See ``docs/import.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .errors import SymcnnError

if TYPE_CHECKING:
    from .network import Network

__all__ = ["from_torch", "from_onnx"]


def from_torch(module: Any, input_shape: Sequence[int | str], *,
               example: Mapping[str, int] | None = None) -> Network:
    """The network of a ``torch.nn.Module``.

    ``input_shape`` is one sample's shape, channels first as PyTorch has it, without
    the batch: ``(3, 224, 224)``, or with names, ``(3, "n", "n")``, for a network
    symbolic in ``n``. ``torch.fx`` traces the module (in eval mode; its modes are
    restored), which then runs once on the ``meta`` device, its weights untouched, with
    each name at ``example``'s value (224 unless given), so that every operation's
    shapes are known. Every layer's parameters and output shape are checked against
    the model's; an operation no kind reads, or parameters no layer holds, raise
    ``SymcnnError`` naming each one.
    """
    try:
        from ._from_torch import from_torch as imported
    except ImportError as error:
        raise SymcnnError(f"from_torch needs PyTorch ({error}); pip install "
                          "'symcnn[torch]'") from None
    return imported(module, input_shape, example=example)


def from_onnx(model: Any, *, example: Mapping[str, int] | None = None) -> Network:
    """The network of an ONNX model: a path to an ``.onnx`` file, or an
    ``onnx.ModelProto``. The input's named sizes (``dim_param``) stay names (the batch,
    its first size, is left out); ``example`` gives the values they take while the
    shapes are inferred (224 unless given)."""
    try:
        from ._from_onnx import from_onnx as imported
    except ImportError as error:
        raise SymcnnError(f"from_onnx needs the onnx package ({error}); pip install "
                          "'symcnn[onnx]'") from None
    return imported(model, example=example)


#: Files that hold a pickled model: loading one runs the code inside it.
