"""Receptive fields (symcnn/_receptive.py) against the published figure and against
PyTorch itself: the gradient of one output element with respect to the input is
non-zero exactly on the window that element sees."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symcnn
from symcnn import zoo

torch = pytest.importorskip("torch")


def test_vgg16_pool5_is_the_published_figure():
    """Araujo, Norris and Sim (Distill 2019) and their library: VGG-16's pool5 sees 212
    pixels, moves 32 at a time and starts 90 before the image."""
    net = zoo.load("vgg16_paper").subs(n=224)
    field = net.receptive_field_of("P5")
    assert (field.size, field.stride, field.padding) == ((212, 212), (32, 32), (90, 90))


# TF-Slim's networks as google-research/receptive_field measures them, written as slim
# defines them ('SAME' 3x3 and 5x5 convolutions of stride 1 pad (k - 1)/2 on each side,
# 'VALID' pads nothing), with the table its RECEPTIVE_FIELD_TABLE.md publishes for every
# end-point: (end-point, symcnn's layer, receptive field, effective stride, padding).
SLIM = {
    "alexnet_v2": (
        "I(n, n, 3) C(64, 11, s=4) ReLU P(3, s=2) C(192, 5, p=2) ReLU P(3, s=2) "
        "C(384, 3, p=1) ReLU C(384, 3, p=1) ReLU C(256, 3, p=1) ReLU P(3, s=2)",
        [("conv1", "C1", 11, 4, 0), ("pool1", "P1", 19, 8, 0), ("conv2", "C2", 51, 8, 16),
         ("conv3", "C3", 99, 16, 32), ("conv4", "C4", 131, 16, 48),
         ("conv5", "C5", 163, 16, 64), ("pool5", "P3", 195, 32, 64)]),
    "vgg_a": (
        "def c(f) = C(f, 3, p=1) ReLU\n"
        "I(n, n, 3) c(64) P(2) c(128) P(2) c(256) c(256) P(2) c(512) c(512) P(2) "
        "c(512) c(512) P(2)",
        [("conv1/conv1_1", "C1", 3, 1, 1), ("pool1", "P1", 4, 2, 1),
         ("conv2/conv2_1", "C2", 8, 2, 3), ("pool2", "P2", 10, 4, 3),
         ("conv3/conv3_1", "C3", 18, 4, 7), ("conv3/conv3_2", "C4", 26, 4, 11),
         ("pool3", "P3", 30, 8, 11), ("conv4/conv4_1", "C5", 46, 8, 19),
         ("conv4/conv4_2", "C6", 62, 8, 27), ("pool4", "P4", 70, 16, 27),
         ("conv5/conv5_1", "C7", 102, 16, 43), ("conv5/conv5_2", "C8", 134, 16, 59),
         ("pool5", "P5", 150, 32, 59)]),
    "vgg_16": (
        "def c(f) = C(f, 3, p=1) ReLU\n"
        "I(n, n, 3) c(64) c(64) P(2) c(128) c(128) P(2) c(256) c(256) c(256) P(2) "
        "c(512) c(512) c(512) P(2) c(512) c(512) c(512) P(2)",
        [("conv1/conv1_1", "C1", 3, 1, 1), ("pool1", "P1", 6, 2, 2),
         ("conv2/conv2_1", "C3", 10, 2, 4), ("pool2", "P2", 16, 4, 6),
         ("conv3/conv3_1", "C5", 24, 4, 10), ("conv3/conv3_2", "C6", 32, 4, 14),
         ("pool3", "P3", 44, 8, 18), ("conv4/conv4_1", "C8", 60, 8, 26),
         ("conv4/conv4_2", "C9", 76, 8, 34), ("pool4", "P4", 100, 16, 42),
         ("conv5/conv5_1", "C11", 132, 16, 58), ("conv5/conv5_2", "C12", 164, 16, 74),
         ("pool5", "P5", 212, 32, 90)]),
}


@pytest.mark.parametrize("size", [None, 224, 321])
@pytest.mark.parametrize("name", SLIM)
def test_every_end_point_of_the_published_receptive_field_table(name, size):
    """The table gives the same figures at any resolution (None) and at 224 and 321;
    symcnn's are independent of n, and the same at both sizes."""
    program, table = SLIM[name]
    net = symcnn.parse(program)
    if size is not None:
        net = net.subs(n=size)
    for end_point, layer, rf, stride, padding in table:
        field = net.receptive_field_of(layer)
        assert (field.size, field.stride, field.padding) == (
            (rf, rf), (stride, stride), (padding, padding)), f"{name}/{end_point}"


def test_a_stack_of_same_convolutions_in_closed_form():
    net = symcnn.parse("L = 5\nI(n, n, c) [C(f, k, p=(k - 1)/2)] * L")
    (k,) = [s for s in net.symbols if s.name == "k"]
    assert net.receptive_field.size == (5 * (k - 1) + 1,) * 2
    assert net.receptive_field.stride == (1, 1)


def test_layers_after_a_global_pool_say_why_they_have_none():
    net = symcnn.parse("I(32, 32, 3) C(8, 3) G F D(10)")
    assert net.receptive_field_of("C1").size == (3, 3)
    with pytest.raises(symcnn.SymcnnError, match=r"G .*has no receptive field.*layer G1"):
        _ = net.receptive_field
    with pytest.raises(symcnn.SymcnnError, match="no layer 'C9'"):
        net.receptive_field_of("C9")


def test_branches_that_do_not_line_up_have_no_single_field():
    net = symcnn.parse("I(16, 16, 4) Add([C(4, 3, p=1)], [C(4, 3, p=0) T(4, 3)])")
    with pytest.raises(symcnn.SymcnnError, match="no receptive field"):
        _ = net.receptive_field  # T has none
    net = symcnn.parse("I(16, 16, 4) Add([C(4, 3, p=1)], [C(4, 1)])")
    assert net.receptive_field.size == (3, 3)


# ---- brute force: PyTorch's gradient marks the window ----------------------------------

@st.composite
def chains(draw):
    """1-D or 2-D chains of convolutions and average pools (a max pool's gradient marks
    one element, not its window; P shares A's window), some in residual branches."""
    dims = draw(st.integers(1, 2))
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        k, s = draw(st.integers(1, 4)), draw(st.integers(1, 3))
        d = draw(st.integers(1, 2))
        p = draw(st.sampled_from(["same", str(draw(st.integers(0, (k - 1) // 2 + 1)))]))
        kind = draw(st.sampled_from(["C", "DW", "A", "Res"]))
        if kind == "A":
            layers.append(f"A({k}, s={s}, p={min(int(p), k // 2) if p != 'same' else p})")
        elif kind == "Res":
            layers.append(f"Res([C(2, {2 * (k // 2) + 1}, p={k // 2}, d=1)])")
        else:
            layers.append(f"{kind}({'2, ' if kind == 'C' else ''}{k}, s={s}, p={p}, d={d})")
    return dims, " ".join(layers)


def window_of(model, x, position):
    """First and last input index (per dimension) whose gradient is non-zero for the
    output element at ``position``."""
    x = x.clone().requires_grad_(True)
    out = model(x)
    out[(0, 0, *position)].backward()
    touched = x.grad[0].abs().sum(dim=0) > 0
    first, last = [], []
    for axis in range(touched.dim()):
        others = tuple(a for a in range(touched.dim()) if a != axis)
        line = touched.any(dim=others) if others else touched
        hits = torch.nonzero(line).flatten()
        first.append(int(hits.min()))
        last.append(int(hits.max()))
    return first, last


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(chains())
def test_the_gradient_marks_exactly_the_receptive_field(generated):
    from symcnn.torch import to_torch

    dims, body = generated
    probe = symcnn.parse(f"I({', '.join(['1024'] * dims)}, 2) {body}")  # 3^4 strides
    field = probe.receptive_field
    # room for a few outputs, so that the centre one's window lies inside the input
    # (an edge output of a 1x1 convolution can read nothing but padding)
    n = 4 * max(field.size) + 4 * max(field.padding) + 4 * max(field.stride) + 16
    net = symcnn.parse(f"I({', '.join([str(n)] * dims)}, 2) {body}")
    field = net.receptive_field
    model = to_torch(net).double()
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(0.1)  # every path positive: the whole window has a gradient
    x = torch.ones(1, 2, *([n] * dims), dtype=torch.float64)
    out_sizes = [int(v) for v in net.output_shape[:-1]]
    centre = [size // 2 for size in out_sizes]
    first, last = window_of(model, x, centre)
    nxt, _ = window_of(model, x, [min(c + 1, size - 1) for c, size in zip(centre, out_sizes)])
    for i in range(dims):
        assert last[i] - first[i] + 1 == field.size[i], body
        assert first[i] == centre[i] * field.stride[i] - field.padding[i], body
        if centre[i] + 1 < out_sizes[i]:
            assert nxt[i] - first[i] == field.stride[i], body
