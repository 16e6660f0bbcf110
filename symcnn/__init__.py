"""symcnn: exact, symbolic shapes, parameter counts and MACs of convolutional networks,
from a compact network language.

>>> import symcnn
>>> net = symcnn.parse("I(28,28,1) C(32,5) P(2) C(32,3) P(2) D(256) O(10)")
>>> int(net.params)
217706
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import limits as limits  # symcnn.limits.MAX_LAYERS = ... works after import symcnn
from .errors import (DSLSyntaxError, ImportFailed, LimitError, ShapeError, SymcnnError,
                     SymcnnWarning)

if TYPE_CHECKING:
    from .network import Network, load, parse
    from .importing import from_onnx, from_torch

from ._version import __version__

__all__ = ["parse", "load", "Network", "from_torch", "from_onnx", "SymcnnError",
           "DSLSyntaxError", "ShapeError", "LimitError", "ImportFailed", "SymcnnWarning",
           "__version__"]


def __getattr__(name: str) -> Any:
    """``parse``, ``load`` and ``Network`` come from ``symcnn.network`` on first use: the
    command line starts (and takes charge of Ctrl-C) before the language's modules and
    Lark are imported."""
    if name in ("Network", "load", "parse"):
        from . import network

        return getattr(network, name)
    if name in ("from_torch", "from_onnx"):
        from . import importing

        return getattr(importing, name)
    raise AttributeError(f"module 'symcnn' has no attribute {name!r}")
