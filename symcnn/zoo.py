"""Classic networks, written in the symcnn language, reachable by name.

>>> from symcnn import zoo
>>> "vgg16" in zoo.names()
True
>>> int(zoo.load("vgg16").params)
138357544
"""

from __future__ import annotations

import difflib
import re
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


def source(name: str, rectangular: bool = False) -> str:
    """The program text of a zoo network; ``rectangular``, with its square input
    ``I(n, n, c)`` written ``I(h, w, c)``."""
    known = names()
    if name not in known:  # a name, never a path: "../x" must not reach the file system
        close = difflib.get_close_matches(str(name), known, n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        raise SymcnnError(f"the zoo has no network {name!r}{hint} "
                          f"(it has: {', '.join(known)})")
    text = _folder().joinpath(f"{name}.cnn").read_text(encoding="utf-8")
    if rectangular:
        text, found = _SQUARE.subn(r"\1h, w,", text, count=1)
        if not found:
            raise SymcnnError(f"{name}'s input is not written I(n, n, c), so h= and w= "
                              "cannot replace its sizes")
    return text


def load(name: str, values: Mapping[str, Any] | None = None, /, **more: Any) -> Network:
    """A zoo network, parsed; with values (``{"n": 224}`` or ``n=224``), those that name
    its free symbols put in, as ``load(name).subs(...)`` would but quicker: with numbers,
    it is computed with numbers only.

    The zoo writes its images square, ``I(n, n, 3)``; values for ``h`` or ``w`` make the
    input ``I(h, w, 3)``, the height and the width apart (``load("resnet50", h=512,
    w=384)``), and one not given stays a free symbol.

    >>> load("resnet50", h=512, w=384).macs
    16016949248
    """
    given = {**dict(values or {}), **more}
    text = source(name, rectangular="h" in given or "w" in given)
    return parse_at(text, given) if given else parse(text)


# The input of a square image, I(n, n, c), at the start of a line of a zoo program.
_SQUARE = re.compile(r"^(\s*I\(\s*)n\s*,\s*n\s*,", re.MULTILINE)
