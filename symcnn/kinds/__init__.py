"""The layer kinds, each one self-contained definition (see ``_base.Kind``), found
through the registry: ``lookup("C")``, ``kinds()``.

Adding a kind is writing its class in the module of its family (or a new module
imported here) with its tests and its docs; see CONTRIBUTING.md.
"""

from . import input, conv, pool, dense, norm, elementwise, merge, reshape, gate  # noqa: F401
from . import attention  # noqa: F401
from ._base import (DIMENSIONS, OPTIONAL, REQUIRED, Check, Kind, Like, Merge, Needs,
                    Out, Param, Shape, kinds, lookup, rank, show)
from ._types import MAX_RANK, ParamType, Variadic

__all__ = ["Kind", "Merge", "Param", "ParamType", "Variadic", "Out", "Check", "Shape",
           "Needs", "Like", "REQUIRED", "OPTIONAL", "DIMENSIONS", "MAX_RANK", "kinds",
           "lookup", "rank", "show"]
