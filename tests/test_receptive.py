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
    # Inception v3's 'SAME' layers all have stride 1 (its strided ones are 'VALID'), so the
    # table gives its paddings at every size; its 1x7 and 7x1 'SAME' convolutions pad 3 on
    # the long side only.
    "inception_v3": (
        "def c(f, k) = C(f, k, p=same) ReLU\n"
        "def v(f, s) = C(f, 3, s=s) ReLU\n"
        "def pool(f) = A(3, s=1, p=same) c(f, 1)\n"
        "def a(d) = Cat([c(64, 1)], [c(48, 1) c(64, 5)], [c(64, 1) c(96, 3) c(96, 3)], "
        "[pool(d)])\n"
        "def b = Cat([v(384, 2)], [c(64, 1) c(96, 3) v(96, 2)], [P(3, s=2)])\n"
        "def cc(f) = Cat([c(192, 1)], [c(f, 1) c(f, (1, 7)) c(192, (7, 1))],\n"
        "    [c(f, 1) c(f, (7, 1)) c(f, (1, 7)) c(f, (7, 1)) c(192, (1, 7))], [pool(192)])\n"
        "def d = Cat([c(192, 1) v(320, 2)], [c(192, 1) c(192, (1, 7)) c(192, (7, 1)) v(192, 2)], "
        "[P(3, s=2)])\n"
        "def split = Cat([c(384, (1, 3))], [c(384, (3, 1))])\n"
        "def e = Cat([c(320, 1)], [c(384, 1) split], [c(448, 1) c(384, 3) split], [pool(192)])\n"
        "I(n, n, 3) v(32, 2) v(32, 1) c(64, 3) P(3, s=2) C(80, 1) ReLU v(192, 1) P(3, s=2)\n"
        "a(32) a(64) a(64) b cc(128) cc(160) cc(160) cc(192) d e e",
        [("Conv2d_1a_3x3", "C1", 3, 2, 0), ("Conv2d_2a_3x3", "C2", 7, 2, 0),
         ("Conv2d_2b_3x3", "C3", 11, 2, 2), ("MaxPool_3a_3x3", "P1", 15, 4, 2),
         ("Conv2d_3b_1x1", "C4", 15, 4, 2), ("Conv2d_4a_3x3", "C5", 23, 4, 2),
         ("MaxPool_5a_3x3", "P2", 31, 8, 2), ("Mixed_5b", "cat1", 63, 8, 18),
         ("Mixed_5c", "cat2", 95, 8, 34), ("Mixed_5d", "cat3", 127, 8, 50),
         ("Mixed_6a", "cat4", 159, 16, 58), ("Mixed_6b", "cat5", 351, 16, 154),
         ("Mixed_6c", "cat6", 543, 16, 250), ("Mixed_6d", "cat7", 735, 16, 346),
         ("Mixed_6e", "cat8", 927, 16, 442), ("Mixed_7a", "cat9", 1055, 32, 490),
         ("Mixed_7b", "cat10", 1183, 32, 554), ("Mixed_7c", "cat11", 1311, 32, 618)]),
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


# The three whose 'SAME' pools and convolutions have stride 2, where TensorFlow's padding
# depends on the layer's input size (its total is max(k - s, 0) when s divides the size,
# max(k - size mod s, 0) otherwise, the first half rounded down before): the library
# computes each layer's input size and pads as TensorFlow does, and symcnn's p=same is
# that same rule, so the slim definitions are written with p=same where slim says 'SAME'
# and no padding where it says 'VALID'. ResNet's conv2d_same pads k - 1 in all, evenly
# for odd k (3 on each side for the 7x7 stem, 1 for the strided 3x3), then is 'VALID';
# slim's ResNet strides in the last unit of a block, its shortcut a 1x1 max pool. The
# table publishes these paddings at 224 and 321 only ("None" at an unknown size): rows
# are (end-point, layer, receptive field, effective stride, padding at 224, at 321).
SLIM_SAME = {
    "resnet_v1_50": (
        "def c(f, k) = C(f, k, p=same) ReLU\n"
        "def unit(f) = Res([c(f, 1) c(f, 3) C(4 * f, 1, p=same)]) ReLU\n"
        "def first(f) = Res([c(f, 1) c(f, 3) C(4 * f, 1)], [C(4 * f, 1)]) ReLU\n"
        "def strided(f) = Res([c(f, 1) C(f, 3, s=2, p=1) ReLU C(4 * f, 1)], "
        "[P(1, s=2, p=same)]) ReLU\n"
        "I(n, n, 3) C(64, 7, s=2, p=3) ReLU P(3, s=2, p=same)\n"
        "first(64) unit(64) strided(64)\n"
        "first(128) unit(128) unit(128) strided(128)\n"
        "first(256) unit(256) unit(256) unit(256) unit(256) strided(256)\n"
        "first(512) unit(512) unit(512)",
        [("resnet_v1_50/block1", "res3", 35, 8, 15, 17),
         ("resnet_v1_50/block2", "res7", 99, 16, 47, 49),
         ("resnet_v1_50/block3", "res13", 291, 32, 143, 145),
         ("resnet_v1_50/block4", "res16", 483, 32, 239, 241)]),
    "mobilenet_v1": (
        "def dsc(f, s) = DW(3, s=s, p=same) ReLU6 C(f, 1) ReLU6\n"
        "I(n, n, 3) C(32, 3, s=2, p=same) ReLU6 dsc(64, 1) dsc(128, 2) dsc(128, 1) "
        "dsc(256, 2) dsc(256, 1) dsc(512, 2) dsc(512, 1) dsc(512, 1) dsc(512, 1) "
        "dsc(512, 1) dsc(512, 1) dsc(1024, 2) dsc(1024, 1)",
        [("Conv2d_0", "C1", 3, 2, 0, 1), ("Conv2d_1_pointwise", "C2", 7, 2, 2, 3),
         ("Conv2d_2_pointwise", "C3", 11, 4, 2, 5), ("Conv2d_3_pointwise", "C4", 19, 4, 6, 9),
         ("Conv2d_4_pointwise", "C5", 27, 8, 6, 13),
         ("Conv2d_5_pointwise", "C6", 43, 8, 14, 21),
         ("Conv2d_6_pointwise", "C7", 59, 16, 14, 29),
         ("Conv2d_7_pointwise", "C8", 91, 16, 30, 45),
         ("Conv2d_8_pointwise", "C9", 123, 16, 46, 61),
         ("Conv2d_9_pointwise", "C10", 155, 16, 62, 77),
         ("Conv2d_10_pointwise", "C11", 187, 16, 78, 93),
         ("Conv2d_11_pointwise", "C12", 219, 16, 94, 109),
         ("Conv2d_12_pointwise", "C13", 251, 32, 94, 125),
         ("Conv2d_13_pointwise", "C14", 315, 32, 126, 157)]),
}



@pytest.mark.parametrize("name", SLIM_SAME)
def test_the_published_table_where_same_padding_depends_on_the_size(name):
    """Sizes and strides at any resolution; the padding, a formula in n, is the table's
    at 224 and at 321 (an even and an odd size pad differently)."""
    program, table = SLIM_SAME[name]
    net = symcnn.parse(program)
    (n,) = net.symbols
    at_224, at_321 = net.subs(n=224), net.subs(n=321)
    for end_point, layer, rf, stride, padding_224, padding_321 in table:
        field = net.receptive_field_of(layer)
        assert (field.size, field.stride) == ((rf, rf), (stride, stride)), f"{name}/{end_point}"
        assert [p.subs(n, 224) for p in field.padding] == [padding_224] * 2, end_point
        for sized, padding in ((at_224, padding_224), (at_321, padding_321)):
            field = sized.receptive_field_of(layer)
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
