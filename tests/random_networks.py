"""Random valid symcnn programs, for property tests (hypothesis strategies).

``networks()`` builds a program layer by layer from the current shape, over every layer
kind and argument of SPEC.md §2, so that it is valid by construction: the shape
tracking follows PyTorch's documented output-size formulas. It only keeps the networks
valid; the tests check symcnn against PyTorch (test_torch_differential.py) and against
itself with symbols (test_symbolic.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hypothesis import strategies as st

MAX_SIZE = 40  # spatial sizes stay at most this, channels at most MAX_CHANNELS
MAX_CHANNELS = 16
MAX_DEPTH = 2  # nesting of Add / Cat / Res

ACTIVATIONS = ["ReLU", "ReLU6", "LeakyReLU", "ELU", "GELU", "SiLU", "Hardswish", "Tanh",
               "Sigmoid", "Softmax", "LRN", "Identity"]
ALIASES = {"C": "Conv", "T": "ConvT", "DW": "Depthwise", "P": "MaxPool", "A": "AvgPool",
           "G": "GlobalPool", "F": "Flatten", "D": "Dense", "O": "Output", "BN": "BatchNorm",
           "Drop": "Dropout", "AP": "AdaptivePool", "I": "Input"}


# ---- PyTorch's output sizes (for generating valid networks) ----------------------

def conv_size(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def transposed_size(n, k, s, p, op, d):
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


def pool_size(n, k, s, p, ceil):
    """PyTorch's pooling_output_shape, ceil_mode included."""
    if not ceil:
        return (n + 2 * p - k) // s + 1
    out = -(-(n + 2 * p - k) // s) + 1
    if (out - 1) * s >= n + p:
        out -= 1
    return out


def same_size(n, s):
    return -(-n // s)


# ---- writing a layer --------------------------------------------------------------

@dataclass
class Arg:
    name: str
    text: str
    default: bool = False  # the value equals the default, so it may be left out


def pair_text(draw, a, b):
    if a == b and draw(st.booleans()):
        return str(a)
    return f"({a}, {b})"


def call_text(draw, kind, args):
    """``KIND(args)`` with a random split into positional and keyword arguments and
    defaults sometimes left out; the alias of the kind now and then."""
    name = ALIASES[kind] if kind in ALIASES and draw(st.integers(0, 4)) == 0 else kind
    positional = draw(st.integers(0, len(args)))
    parts = [a.text for a in args[:positional]]
    for a in args[positional:]:
        if not a.default or draw(st.booleans()):
            parts.append(f"{a.name}={a.text}")
    if not parts and draw(st.booleans()):
        return name
    return f"{name}({', '.join(parts)})"


def sizes(draw, low, high):
    return draw(st.integers(low, high)), draw(st.integers(low, high))


def divisor(draw, c):
    return draw(st.sampled_from([g for g in range(1, c + 1) if c % g == 0]))


# ---- one layer per kind: (text, output shape) or None when it does not fit ----------

def conv(draw, x):
    h, w, c = x
    g = divisor(draw, c) if draw(st.booleans()) else 1
    f = g * draw(st.integers(1, max(MAX_CHANNELS // g, 1)))
    k, s, d = sizes(draw, 1, 5), sizes(draw, 1, 3), sizes(draw, 1, 3)
    same = draw(st.integers(0, 3)) == 0
    p = (0, 0) if same else sizes(draw, 0, 2)
    if same:
        out = (same_size(h, s[0]), same_size(w, s[1]))
        p_text = "same"
    else:
        out = (conv_size(h, k[0], s[0], p[0], d[0]), conv_size(w, k[1], s[1], p[1], d[1]))
        if min(out) < 1:
            k, d = (1, 1), (1, 1)
            out = (conv_size(h, 1, s[0], p[0], 1), conv_size(w, 1, s[1], p[1], 1))
        p_text = "valid" if p == (0, 0) and draw(st.booleans()) else pair_text(draw, *p)
    if max(out) > MAX_SIZE:
        return None
    bias = draw(st.booleans())
    args = [Arg("f", str(f)), Arg("k", pair_text(draw, *k)),
            Arg("s", pair_text(draw, *s), s == (1, 1)), Arg("p", p_text, p_text == "0"),
            Arg("d", pair_text(draw, *d), d == (1, 1)), Arg("g", str(g), g == 1),
            Arg("bias", "true" if bias else "false", bias)]
    return call_text(draw, "C", args), (*out, f)


def transposed(draw, x):
    h, w, c = x
    g = divisor(draw, c) if draw(st.booleans()) else 1
    f = g * draw(st.integers(1, max(MAX_CHANNELS // g, 1)))
    k, s, d = sizes(draw, 1, 4), sizes(draw, 1, 3), sizes(draw, 1, 2)
    op = tuple(draw(st.integers(0, max(s[i], d[i]) - 1)) for i in range(2))
    if draw(st.integers(0, 3)) == 0:
        out = (h * s[0], w * s[1])
        p_text, op = "same", (0, 0)
    else:
        p = sizes(draw, 0, 2)
        out = tuple(transposed_size(x[i], k[i], s[i], p[i], op[i], d[i]) for i in range(2))
        if min(out) < 1:
            p = (0, 0)
            out = tuple(transposed_size(x[i], k[i], s[i], 0, op[i], d[i]) for i in range(2))
        p_text = pair_text(draw, *p)
    if max(out) > MAX_SIZE:
        return None
    bias = draw(st.booleans())
    args = [Arg("f", str(f)), Arg("k", pair_text(draw, *k)),
            Arg("s", pair_text(draw, *s), s == (1, 1)), Arg("p", p_text, p_text == "0"),
            Arg("op", pair_text(draw, *op), op == (0, 0)),
            Arg("d", pair_text(draw, *d), d == (1, 1)), Arg("g", str(g), g == 1),
            Arg("bias", "true" if bias else "false", bias)]
    return call_text(draw, "T", args), (*out, f)


def depthwise(draw, x):
    h, w, c = x
    m = draw(st.integers(1, max(MAX_CHANNELS // c, 1)))
    k, s, d = sizes(draw, 1, 5), sizes(draw, 1, 3), sizes(draw, 1, 2)
    if draw(st.integers(0, 3)) == 0:
        out, p_text = (same_size(h, s[0]), same_size(w, s[1])), "same"
    else:
        p = sizes(draw, 0, 2)
        out = (conv_size(h, k[0], s[0], p[0], d[0]), conv_size(w, k[1], s[1], p[1], d[1]))
        if min(out) < 1:
            k, d = (1, 1), (1, 1)
            out = (conv_size(h, 1, s[0], p[0], 1), conv_size(w, 1, s[1], p[1], 1))
        p_text = pair_text(draw, *p)
    bias = draw(st.booleans())
    args = [Arg("k", pair_text(draw, *k)), Arg("s", pair_text(draw, *s), s == (1, 1)),
            Arg("p", p_text, p_text == "0"), Arg("m", str(m), m == 1),
            Arg("d", pair_text(draw, *d), d == (1, 1)),
            Arg("bias", "true" if bias else "false", bias)]
    return call_text(draw, "DW", args), (*out, c * m)


def pool(draw, x):
    h, w, c = x
    kind = draw(st.sampled_from(["P", "A"]))
    k = sizes(draw, 1, 4)
    stride_given = draw(st.booleans())
    s = sizes(draw, 1, 4) if stride_given else k
    ceil = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        out, p_text = (same_size(h, s[0]), same_size(w, s[1])), "same"
    else:
        p = tuple(draw(st.integers(0, k[i] // 2)) for i in range(2))
        out = (pool_size(h, k[0], s[0], p[0], ceil), pool_size(w, k[1], s[1], p[1], ceil))
        if min(out) < 1:
            return None
        p_text = pair_text(draw, *p)
    args = [Arg("k", pair_text(draw, *k)), Arg("s", pair_text(draw, *s), not stride_given),
            Arg("p", p_text, p_text == "0"), Arg("ceil", "true" if ceil else "false", not ceil)]
    return call_text(draw, kind, args), (*out, c)


def adaptive(draw, x):
    oh, ow = sizes(draw, 1, 6)
    args = [Arg("h", str(oh)), Arg("w", str(ow), oh == ow)]
    return call_text(draw, "AP", args), (oh, ow, x[2])


def dense(draw, x):
    u = draw(st.integers(1, MAX_CHANNELS))
    kind = draw(st.sampled_from(["D", "D", "O", "H"]))
    bias = draw(st.booleans())
    args = [Arg("u", str(u)), Arg("bias", "true" if bias else "false", bias)]
    return call_text(draw, kind, args), (u,)


def simple(draw, x):
    """A layer that keeps the shape: BN, Drop or an activation."""
    kind = draw(st.sampled_from(["BN", "Drop", "Act", "Act", "Act"]))
    if kind == "Drop":
        rate = draw(st.sampled_from(["0", "0.5", "0.25", ".1", "1", "0.0"]))
        return call_text(draw, "Drop", [Arg("r", rate)]), x
    if kind == "Act":
        return call_text(draw, draw(st.sampled_from(ACTIVATIONS)), []), x
    return call_text(draw, "BN", []), x


def collapse(draw, x):
    """G or F on an image."""
    if draw(st.booleans()):
        return call_text(draw, "G", []), (1, 1, x[2])
    return call_text(draw, "F", []), (math.prod(x),)


# ---- branches ------------------------------------------------------------------

def adapter(draw, x, target):
    """A branch from shape ``x`` to shape ``target`` (only the spatial sizes when the
    target's channels are None); None when there is none."""
    if len(target) == 1:
        if len(x) == 1 and target[0] == x[0] and draw(st.booleans()):
            return "[]", x
        u = target[0]
        return f"[D({u})]" if draw(st.booleans()) else f"[F D({u})]", (u,)
    if len(x) == 1:
        return None
    h, w, c = x
    th, tw, tc = target
    f = tc if tc is not None else draw(st.integers(1, MAX_CHANNELS))
    if (th, tw) == (h, w):
        if f == c and draw(st.booleans()):
            return draw(st.sampled_from(["[]", "[ReLU]", "[BN ReLU]", "[DW(3, p=1)]"])), x
        return draw(st.sampled_from([f"[C({f}, 1)]", f"[C({f}, 3, p=same)]",
                                     f"[C({f}, (3, 1), p=(1, 0), bias=false) BN]"])), (h, w, f)
    if draw(st.booleans()):
        return f"[AP({th}, {tw}) C({f}, 1)]", (th, tw, f)
    if th <= h and tw <= w:
        return f"[C({f}, ({h - th + 1}, {w - tw + 1}))]", (th, tw, f)
    if th >= h and tw >= w:
        return f"[T({f}, ({th - h + 1}, {tw - w + 1}))]", (th, tw, f)
    return f"[AP({th}, {tw}) C({f}, 1)]", (th, tw, f)


def merge(draw, x, depth):
    kind = draw(st.sampled_from(["Add", "Cat", "Res"]))
    first, target = sequence(draw, x, depth + 1, max_layers=3)
    branches = [f"[{first}]"]
    if kind == "Res":
        if target == x and draw(st.booleans()):
            return f"Res([{first}])", x
        shortcut = adapter(draw, x, target)
        if shortcut is None:
            return None
        return f"Res([{first}], {shortcut[0]})", target
    if kind == "Add":
        for _ in range(draw(st.integers(1, 2))):
            branch = adapter(draw, x, target)
            if branch is None:
                return None
            branches.append(branch[0])
        return f"Add({', '.join(branches)})", target
    channels = target[-1]
    for _ in range(draw(st.integers(1, 2))):
        branch = adapter(draw, x, (*target[:-1], None) if len(target) == 3 else
                         (draw(st.integers(1, MAX_CHANNELS)),))
        if branch is None:
            return None
        branches.append(branch[0])
        channels += branch[1][-1]
    return f"Cat({', '.join(branches)})", (*target[:-1], channels)


IMAGE_LAYERS = [conv, conv, conv, transposed, transposed, depthwise, pool, pool, pool,
                adaptive, simple, simple, dense, collapse]
VECTOR_LAYERS = [dense, simple, simple]


def _call(make, draw, x, depth):
    return make(draw, x, depth) if make is merge else make(draw, x)


def sequence(draw, x, depth, max_layers):
    """Up to ``max_layers`` layers from shape ``x``, as program text and output shape."""
    parts = []
    for _ in range(draw(st.integers(0, max_layers))):
        choices = list(IMAGE_LAYERS if len(x) == 3 else VECTOR_LAYERS)
        if depth < MAX_DEPTH:
            choices.append(merge)
        made = _call(draw(st.sampled_from(choices)), draw, x, depth)
        if made is not None:
            text, x = made
            parts.append(text)
    separators = [" ", " ", "\n", " ; "] if depth == 0 else [" ", " ", "\n"]
    text = ""
    for part in parts:
        text += (draw(st.sampled_from(separators)) if text else "") + part
    return text, x


@st.composite
def networks(draw, max_layers=8):
    if draw(st.integers(0, 9)) == 0:
        x = (draw(st.integers(1, 64)),)
    else:
        x = (*sizes(draw, 1, MAX_SIZE), draw(st.integers(1, MAX_CHANNELS)))
    head = call_text(draw, "I", [Arg(n, str(v)) for n, v in zip("hwc", x)])
    body, out = sequence(draw, x, 0, max_layers)
    return f"{head}\n{body}" if body else head, out
