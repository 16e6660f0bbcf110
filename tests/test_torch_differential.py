"""symcnn against PyTorch: random networks, the same numbers from both.

Hypothesis builds random programs over every layer kind and argument of SPEC.md §2,
layer by layer from the current shape, so that each is valid by construction (the
shape tracking below follows PyTorch's documented output-size formulas; it only keeps
the generated networks valid, it is not what is checked). For each network,
``symcnn.torch.to_torch`` gives real ``torch.nn`` modules and a forward pass of one
sample; PyTorch's own counts must equal symcnn's: ``sum(p.numel())`` for trainable
parameters, BatchNorm's running statistics for the non-trainable ones, every layer's
output shape (a forward hook on the submodule of each record's name) and the MACs of
every Conv2d, ConvTranspose2d and Linear as SPEC.md §2 counts them.

A second test appends one unfiltered layer to a valid network and checks that symcnn
raises ShapeError exactly when PyTorch, given the same layer, refuses it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402

import symcnn  # noqa: E402
from symcnn.torch import example_input, to_torch  # noqa: E402

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
    f = g * draw(st.integers(1, MAX_CHANNELS // g))
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
    f = g * draw(st.integers(1, MAX_CHANNELS // g))
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


# ---- PyTorch's view of a model ------------------------------------------------------

def channels_last(shape):
    shape = tuple(shape[1:])
    return (shape[1], shape[2], shape[0]) if len(shape) == 3 else shape


def layer_macs(module, inputs, output):
    """SPEC.md §2's multiply-accumulates of one module for one sample."""
    if isinstance(module, nn.ConvTranspose2d):
        kh, kw = module.kernel_size
        return inputs[0][0].numel() * kh * kw * module.out_channels // module.groups
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return output[0].numel() * kh * kw * module.in_channels // module.groups
    if isinstance(module, nn.Linear):
        return module.in_features * module.out_features
    return 0


def torch_view(net):
    """Runs ``to_torch(net)`` on one sample and counts what PyTorch sees."""
    model = to_torch(net).eval()
    shapes, macs = {}, {}
    hooks = []
    for record in net.layers:
        def keep_shape(module, inputs, output, name=record.name):
            shapes[name] = channels_last(output.shape)
        hooks.append(model.get_submodule(record.name).register_forward_hook(keep_shape))
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            def count(module, inputs, output, name=name):
                macs[name] = layer_macs(module, inputs, output)
            hooks.append(module.register_forward_hook(count))
    with torch.no_grad():
        model(example_input(net))
    for hook in hooks:
        hook.remove()
    return model, shapes, macs


def non_trainable(module):
    return sum(m.running_mean.numel() + m.running_var.numel() for m in module.modules()
               if isinstance(m, nn.modules.batchnorm._BatchNorm))


def within(name, prefix):
    return name == prefix or name.startswith(prefix + ".")


# ---- the checks ----------------------------------------------------------------------

@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_symcnn_agrees_with_pytorch(generated):
    text, expected_shape = generated
    net = symcnn.parse(text)
    assert net.symbols == ()
    assert net.output_shape == expected_shape
    model, shapes, macs = torch_view(net)

    assert int(net.params) == sum(p.numel() for p in model.parameters())
    assert int(net.non_trainable) == non_trainable(model)
    assert int(net.macs) == sum(macs.values())
    assert sum(r.params for r in net.layers) == net.params

    for record in net.layers:
        assert record.output_shape == shapes[record.name], record.name
        if record.kind in ("Add", "Cat", "Res"):
            assert record.params == 0 and record.macs == 0
            continue
        module = model.get_submodule(record.name)
        assert int(record.params) == sum(p.numel() for p in module.parameters()), record.name
        assert int(record.non_trainable) == non_trainable(module), record.name
        assert int(record.macs) == sum(m for n, m in macs.items() if within(n, record.name))


# ---- invalid layers: symcnn refuses exactly what PyTorch refuses ---------------------

@st.composite
def risky_layers(draw, x):
    """One layer with unfiltered arguments and the PyTorch module that is the same
    layer (or, for Add and Cat, a function of the input)."""
    h, w, c = x
    kind = draw(st.sampled_from(["C", "T", "DW", "P", "A", "Add", "Cat"]))
    k, s, d = sizes(draw, 1, 8), sizes(draw, 1, 4), sizes(draw, 1, 3)
    p = sizes(draw, 0, 4)
    if kind == "C":
        f, g = draw(st.integers(1, 8)), draw(st.integers(1, 4))
        text = f"C({f}, {k}, s={s}, p={p}, d={d}, g={g})"
        return text, lambda: nn.Conv2d(c, f, k, s, p, d, g)
    if kind == "T":
        f, g = draw(st.integers(1, 8)), draw(st.integers(1, 4))
        op = sizes(draw, 0, 3)
        text = f"T({f}, {k}, s={s}, p={p}, op={op}, d={d}, g={g})"
        return text, lambda: nn.ConvTranspose2d(c, f, k, s, p, op, g, dilation=d)
    if kind == "DW":
        m = draw(st.integers(1, 3))
        return (f"DW({k}, s={s}, p={p}, m={m}, d={d})",
                lambda: nn.Conv2d(c, c * m, k, s, p, d, groups=c))
    if kind in ("P", "A"):
        ceil = draw(st.booleans())
        text = f"{kind}({k}, s={s}, p={p}, ceil={'true' if ceil else 'false'})"
        pool = nn.MaxPool2d if kind == "P" else nn.AvgPool2d
        return text, lambda: pool(k, s, p, ceil_mode=ceil)
    branches = []  # (text, module maker) of each of two branches
    for i in range(2):
        f, kernel = draw(st.integers(1, 4)), sizes(draw, 1, 3)
        if i == 0 and draw(st.booleans()):
            branches.append(("[]", nn.Identity))
        else:
            branches.append((f"[C({f}, {kernel})]",
                             lambda f=f, kernel=kernel: nn.Conv2d(c, f, kernel)))
    texts = ", ".join(t for t, _ in branches)

    def merged():
        parts = [make() for _, make in branches]

        def run(t):
            outputs = [part(t) for part in parts]
            if kind == "Cat":
                return torch.cat(outputs, 1)
            return torch.stack(outputs).sum(0)  # "+" would broadcast a single channel
        return run
    return f"{kind}({texts})", merged


@st.composite
def risky_networks(draw):
    x = (*sizes(draw, 1, 12), draw(st.integers(1, 8)))
    head = f"I({x[0]}, {x[1]}, {x[2]})"
    prefix, y = sequence(draw, x, MAX_DEPTH, 2)
    if len(y) != 3:
        prefix, y = "", x
    text, make = draw(risky_layers(y))
    return f"{head} {prefix} {text}", f"{head} {prefix}", make


@settings(max_examples=150, deadline=None)
@given(risky_networks())
def test_symcnn_refuses_what_pytorch_refuses(generated):
    text, prefix, make = generated
    try:
        symcnn.parse(text)
        refused = None
    except symcnn.ShapeError as error:
        refused = error
    before = symcnn.parse(prefix)
    with torch.no_grad():
        x = to_torch(before).eval()(example_input(before))
        try:
            make()(x)
            torch_refuses = False
        except (RuntimeError, ValueError):
            torch_refuses = True
    assert (refused is not None) == torch_refuses, refused
    if refused is not None:
        assert refused.index >= len(before.layers)  # the new layer or one of its branches


# ---- cases found by the tests above, kept as plain examples -------------------------

@pytest.mark.parametrize("text", ["I(6) LRN", "I(2, 2, 3) F LRN D(4) LRN"])
def test_lrn_on_a_vector_runs(text):
    net = symcnn.parse(text)
    model, shapes, _ = torch_view(net)
    assert shapes[net.layers[-1].name] == net.output_shape


@pytest.mark.parametrize("kind", ["P", "A"])
def test_every_small_pool_agrees_with_pytorch(kind):
    """Pool sizes, ceil_mode's last-window rule included, on a grid of small cases: the
    rule only bites when p + s > k, which random networks seldom draw."""
    pool = nn.MaxPool2d if kind == "P" else nn.AvgPool2d
    for k in range(1, 5):
        for s in range(1, 5):
            for p in range(0, k // 2 + 1):
                for ceil in (False, True):
                    flag = "true" if ceil else "false"
                    for n in range(max(k - 2 * p, 1), 10):
                        net = symcnn.parse(f"I({n}, {n + 1}, 1) {kind}({k}, {s}, {p}, {flag})")
                        out = pool(k, s, p, ceil_mode=ceil)(torch.zeros(1, 1, n, n + 1))
                        assert net.output_shape == channels_last(out.shape), (n, k, s, p, ceil)
