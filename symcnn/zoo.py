"""Classic networks, written in the symcnn language, reachable by name.

>>> from symcnn import zoo
>>> "vgg16" in zoo.names()
True
>>> int(zoo.load("vgg16").params)
138357544
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Mapping

from ._resources import data
from .errors import SymcnnError
from .network import Network, parse, parse_at

if TYPE_CHECKING:  # importlib.abc has it no more in Python 3.14 (Pyodide's)
    from importlib.abc import Traversable

__all__ = ["names", "source", "load"]


def _folder() -> Traversable:
    return data("zoo_networks", "examples/zoo")


def names() -> list[str]:
    """The names of the zoo's networks, sorted."""
    return sorted(entry.name[:-4] for entry in _folder().iterdir()
                  if entry.name.endswith(".cnn"))


def source(name: str) -> str:
    """The program text of a zoo network."""
    known = names()
    if name not in known:  # a name, never a path: "../x" must not reach the file system
        close = difflib.get_close_matches(str(name), known, n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise SymcnnError(f"the zoo has no network {name!r}{hint} "
                          f"(it has: {', '.join(known)})")
    return _folder().joinpath(f"{name}.cnn").read_text(encoding="utf-8")


def load(name: str, values: Mapping[str, Any] | None = None) -> Network:
    """A zoo network, parsed; with ``values`` (``{"n": 224}``), those that name its free
    symbols put in, as ``load(name).subs(...)`` would but quicker: with numbers, it is
    computed with numbers only."""
    return parse_at(source(name), values) if values else parse(source(name))
