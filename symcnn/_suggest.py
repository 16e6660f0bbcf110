""""Did you mean ...?" for a misspelt layer kind, keyword or function.

Many programs are written by someone who knows Keras or PyTorch, so their names
(``Conv2D``, ``MaxPooling2D``, ``Linear``, ``stride=``, ``kernel_size=``) are matched
first, then near spellings of our own names. The foreign names belong to the kinds and
their parameters (``Kind.foreign``, ``Param.foreign``); this module only compares.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterable

from .kinds import Kind, kinds, lookup


def _normal(name: str) -> str:
    """Lower case, without underscores and without a ``1d``/``2d``/``3d``/``layer`` end."""
    name = name.lower().replace("_", "")
    for suffix in ("1d", "2d", "3d", "layer"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


def _label(kind: Kind) -> str:
    return f"{kind.name} ({kind.aliases[0]})" if kind.aliases else kind.name


def _sentence(options: Iterable[str]) -> str:
    unique = list(dict.fromkeys(options))
    if not unique:
        return ""
    return "; did you mean " + " or ".join(unique) + "?"


def kind(name: str, blocks: Iterable[str] = ()) -> str:
    """``Conv2D`` -> ``"; did you mean C (Conv)?"``, or ``""`` when nothing is close."""
    ours = {key.lower(): k for k in kinds() for key in (k.name, *k.aliases)}
    if name.lower() in ours:
        return _sentence([_label(ours[name.lower()])])
    probe = _normal(name)
    foreign = {_normal(f): k for k in kinds() for f in k.foreign}
    if probe in foreign:
        return _sentence([_label(foreign[probe])])
    candidates = {**{n: _label(k) for n, k in ours.items()},
                  **{n: _label(k) for n, k in foreign.items()},
                  **{b.lower(): f"the block {b}" for b in blocks}}
    # a short name is too easily near another one (LN is not LRN)
    cutoff = 0.75 if len(probe) > 3 else 0.95
    close = difflib.get_close_matches(probe, list(candidates), n=3, cutoff=cutoff)
    close += difflib.get_close_matches(name.lower(), list(candidates), n=3, cutoff=cutoff)
    return _sentence(candidates[c] for c in close)


def keyword(key: str, params: Iterable[Any]) -> str:
    """``stride`` among a kind's parameters -> ``"; did you mean s=?"``. ``params`` are a
    kind's ``Param`` objects, or the names of a block's parameters."""
    names = {getattr(p, "name", p): getattr(p, "foreign", ()) for p in params}
    candidates = {n.lower(): n for n in names}
    for name, foreign in names.items():
        for f in foreign:
            candidates.setdefault(f.lower(), name)
    if key.lower() in candidates:
        return _sentence([f"{candidates[key.lower()]}="])
    close = difflib.get_close_matches(key.lower(), list(candidates), n=2, cutoff=0.75)
    return _sentence(f"{candidates[c]}=" for c in close)


def one_of(name: str, choices: Iterable[str]) -> str:
    """A near spelling among ``choices``: ``ceiling`` -> ``"; did you mean ceil?"``."""
    lowered = {c.lower(): c for c in choices}
    if name.lower() in lowered:
        return _sentence([lowered[name.lower()]])
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    if name.lower().startswith("ceil"):
        close = [c for c in lowered if c == "ceil"] + close
    return _sentence(lowered[c] for c in close)


__all__ = ["kind", "keyword", "one_of", "lookup"]
