""""Did you mean ...?" for a misspelt layer kind, keyword or function.

Many programs are written by someone who knows Keras or PyTorch, so their names
(``Conv2D``, ``MaxPooling2D``, ``Linear``, ``stride=``, ``kernel_size=``) are matched
first, then near spellings of our own names.
"""

from __future__ import annotations

import difflib
from typing import Iterable

from . import layers as L

# Keras and PyTorch names, lower case, without "2d" and underscores, to our kinds.
_FOREIGN_KINDS = {
    "conv": "C", "convolution": "C", "conv2d": "C",
    "conv2dtranspose": "T", "convtranspose": "T", "convolutiontranspose": "T", "deconv": "T",
    "deconvolution": "T", "transposedconv": "T",
    "depthwiseconv": "DW", "depthwiseconvolution": "DW", "dwconv": "DW",
    "maxpooling": "P", "maxpool": "P", "pool": "P", "pooling": "P",
    "averagepooling": "A", "avgpool": "A", "averagepool": "A", "avgpooling": "A",
    "globalaveragepooling": "G", "globalavgpool": "G", "globalpooling": "G",
    "globalmaxpooling": "G", "gap": "G",
    "adaptiveavgpool": "AP", "adaptiveaveragepool": "AP", "adaptivepooling": "AP",
    "dense": "D", "linear": "D", "fc": "D", "fullyconnected": "D", "hidden": "D",
    "flatten": "F", "output": "O", "out": "O", "classifier": "O",
    "batchnormalization": "BN", "batchnorm": "BN", "bn": "BN", "norm": "BN",
    "dropout": "Drop", "drop": "Drop",
    "concatenate": "Cat", "concat": "Cat", "cat": "Cat", "add": "Add", "sum": "Add",
    "residual": "Res", "res": "Res", "skip": "Res",
    "input": "I", "inputlayer": "I", "in": "I",
    "swish": "SiLU", "hardswish": "Hardswish", "leakyrelu": "LeakyReLU",
    "localresponsenormalization": "LRN", "localresponsenorm": "LRN",
}

# Keras and PyTorch keywords to ours.
_FOREIGN_KEYWORDS = {
    "stride": "s", "strides": "s", "padding": "p", "pad": "p", "kernel": "k",
    "kernel_size": "k", "ksize": "k", "size": "k", "pool_size": "k", "dilation": "d",
    "dilation_rate": "d", "groups": "g", "filters": "f", "out_channels": "f",
    "channels": "f", "units": "u", "out_features": "u", "rate": "r", "p_drop": "r",
    "output_padding": "op", "use_bias": "bias", "ceil_mode": "ceil",
    "multiplier": "m", "depth_multiplier": "m", "output_size": "h",
}


def _normal(name: str) -> str:
    name = name.lower().replace("_", "")
    for suffix in ("2d", "1d", "layer"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


def _label(kind: str) -> str:
    rule = L.RULES[kind]
    return f"{rule.kind} ({rule.aliases[0]})" if rule.aliases else rule.kind


def _sentence(options: Iterable[str]) -> str:
    unique = list(dict.fromkeys(options))
    if not unique:
        return ""
    return "; did you mean " + " or ".join(unique) + "?"


def kind(name: str, blocks: Iterable[str] = ()) -> str:
    """``Conv2D`` -> ``"; did you mean C (Conv)?"``, or ``""`` when nothing is close."""
    ours = {n.lower(): n for n in L.RULES}
    probe = _normal(name)
    if name.lower() in ours:
        return _sentence([_label(ours[name.lower()])])
    if probe in _FOREIGN_KINDS:
        return _sentence([_label(_FOREIGN_KINDS[probe])])
    blocks = list(blocks)
    candidates = {**{n.lower(): _label(n) for n in L.RULES},
                  **{n: _label(k) for n, k in _FOREIGN_KINDS.items()},
                  **{b.lower(): f"the block {b}" for b in blocks}}
    close = difflib.get_close_matches(probe, list(candidates), n=3, cutoff=0.75)
    close += difflib.get_close_matches(name.lower(), list(candidates), n=3, cutoff=0.75)
    return _sentence(candidates[c] for c in close)


def keyword(key: str, names: Iterable[str]) -> str:
    """``stride`` among ``k, s, p, ...`` -> ``"; did you mean s=?"``."""
    names = list(names)
    ours = _FOREIGN_KEYWORDS.get(key.lower())
    if ours in names:
        return _sentence([f"{ours}="])
    candidates = {n.lower(): n for n in names}
    candidates.update({k: v for k, v in _FOREIGN_KEYWORDS.items() if v in names})
    close = difflib.get_close_matches(key.lower(), list(candidates), n=2, cutoff=0.6)
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
