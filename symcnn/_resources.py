"""Files symcnn reads at run time. The wheel carries them inside the package (see
``pyproject.toml``); a source checkout has them in their top-level folders."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importlib.abc has it no more in Python 3.14 (Pyodide's)
    from importlib.abc import Traversable

_CHECKOUT = Path(__file__).resolve().parent.parent


def data(packaged: str, checkout: str) -> Traversable:
    """The file or folder at ``symcnn/<packaged>`` in an installed wheel, or at
    ``<checkout>`` from the top of a source checkout."""
    inside = resources.files("symcnn").joinpath(packaged)
    if inside.is_file() or inside.is_dir():
        return inside
    return _CHECKOUT / checkout
