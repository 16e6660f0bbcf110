"""symcnn against PyTorch: random networks, the same numbers from both.

Hypothesis builds random valid programs over every layer kind and argument of SPEC.md
§2 (``random_networks.networks``). For each network,
``symcnn.torch.to_torch`` gives real ``torch.nn`` modules and a forward pass of one
sample; PyTorch's own counts must equal symcnn's: ``sum(p.numel())`` for trainable
parameters, BatchNorm's running statistics for the non-trainable ones, every layer's
output shape (a forward hook on the submodule of each record's name) and the MACs of
every Conv2d, ConvTranspose2d and Linear as SPEC.md §2 counts them.

A second test appends one unfiltered layer to a valid network and checks that symcnn
raises ShapeError exactly when PyTorch, given the same layer, refuses it (raises, or
gives an empty tensor).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_networks import MAX_DEPTH, networks, sequence, sizes
from torch import nn

import symcnn
from symcnn.torch import example_input, to_torch

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
    """Runs ``to_torch(net)`` on one sample and counts what PyTorch sees: each record's
    input and output shape, channels-last, and each module's MACs."""
    model = to_torch(net).eval()
    shapes, macs = {}, {}
    hooks = []
    for record in net.layers:
        def keep_shape(module, inputs, output, name=record.name):
            shapes[name] = channels_last(inputs[0].shape), channels_last(output.shape)
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

@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
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
        inputs, output = shapes[record.name]
        assert record.output_shape == output, record.name
        assert record.input_shape == (None if record.kind == "I" else inputs), record.name
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
    c = x[2]
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


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
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
            # a transposed convolution gives an empty tensor where SPEC.md wants an error
            torch_refuses = make()(x).numel() == 0
        except (RuntimeError, ValueError):
            torch_refuses = True
    assert (refused is not None) == torch_refuses, refused
    if refused is not None:
        assert refused.index >= len(before.layers)  # the new layer or one of its branches


# ---- cases found by the tests above, kept as plain examples -------------------------

@pytest.mark.parametrize("text", ["I(6) LRN", "I(2, 2, 3) F LRN D(4) LRN"])
def test_lrn_on_a_vector_runs(text):
    net = symcnn.parse(text)
    _, shapes, _ = torch_view(net)
    assert shapes[net.layers[-1].name][1] == net.output_shape


@pytest.mark.parametrize("kind", ["P", "A"])
def test_every_small_pool_agrees_with_pytorch(kind):
    """Pool sizes, ceil_mode's last-window rule included, on a grid of small cases: the
    rule only bites when p + s > k, which random networks seldom draw."""
    pool = nn.MaxPool2d if kind == "P" else nn.AvgPool2d
    for k in range(1, 5):
        for s in range(1, 5):
            for p in range(k // 2 + 1):
                for ceil in (False, True):
                    flag = "true" if ceil else "false"
                    for n in range(max(k - 2 * p, 1), 10):
                        net = symcnn.parse(f"I({n}, {n + 1}, 1) {kind}({k}, {s}, {p}, {flag})")
                        out = pool(k, s, p, ceil_mode=ceil)(torch.zeros(1, 1, n, n + 1))
                        assert net.output_shape == channels_last(out.shape), (n, k, s, p, ceil)


@pytest.mark.parametrize("values", [{"n": 9, "c": 3, "f": 4, "k": 3, "s": 2},
                                    {"n": 16, "c": 1, "f": 2, "k": 5, "s": 3}])
def test_a_substituted_symbolic_network_runs_in_pytorch(values):
    net = symcnn.parse("I(n, n, c) C(f, k, s=s, p=same) P(2, ceil=true) "
                       "Res([C(f, 3, p=1) BN ReLU]) DW(k, p=(k - 1) / 2, m=2) G O(10)")
    num = net.subs(values)
    model, shapes, macs = torch_view(num)
    assert int(num.params) == sum(p.numel() for p in model.parameters())
    assert int(num.macs) == sum(macs.values())
    assert [shapes[r.name][1] for r in num.layers] == [r.output_shape for r in num.layers]
