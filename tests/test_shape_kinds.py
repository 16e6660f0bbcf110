"""``SC``, ``Up``, ``Shuffle``, ``Split`` and ``Aux`` against outside references: Keras's
published count of Xception (separable convolutions), PyTorch modules built from the
raw arguments (not from symcnn's export), PyTorch's own channel shuffle, and
torchvision's ShuffleNet v2 run with the same weights as symcnn's export of the zoo's.
(tests/test_kinds.py checks each kind against its own export on every rank; the zoo's
networks with ``Split`` and ``Aux`` are checked in tests/test_torchvision_zoo.py.)"""

from __future__ import annotations

import math

import pytest

import symcnn

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from symcnn.torch import example_input, to_torch  # noqa: E402

# Keras's Xception (keras/applications/xception.py): 22,910,480 parameters, of which
# 54,528 are BN's moving statistics (model.summary(); the Keras applications table
# rounds it to 22.9M). Its separable convolutions are SeparableConv2D(use_bias=False).
XCEPTION = """
def sep(c) = SC(c, 3, p=same, bias=false) BN
def down(c) = C(c, 1, s=2, p=same, bias=false) BN
I(299, 299, 3)
C(32, 3, s=2, bias=false) BN ReLU C(64, 3, bias=false) BN ReLU
Res([sep(128) ReLU sep(128) P(3, s=2, p=same)], [down(128)])
Res([ReLU sep(256) ReLU sep(256) P(3, s=2, p=same)], [down(256)])
Res([ReLU sep(728) ReLU sep(728) P(3, s=2, p=same)], [down(728)])
Res([ReLU sep(728) ReLU sep(728) ReLU sep(728)]) * 8
Res([ReLU sep(728) ReLU sep(1024) P(3, s=2, p=same)], [down(1024)])
sep(1536) ReLU sep(2048) ReLU G O(1000)
"""


def test_xception_has_keras_count():
    net = symcnn.parse(XCEPTION)
    assert (net.params, net.non_trainable) == (22_855_952, 54_528)
    assert net.params + net.non_trainable == 22_910_480
    assert net.layers[-3].input_shape == (10, 10, 2048)  # Keras's last feature map


def conv_macs(module, inputs, output, total):
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        total.append(output[0].numel() * math.prod(module.kernel_size)
                     * module.in_channels // module.groups)


@pytest.mark.parametrize("x, args, k, s, p, m, d, bias", [
    ((15, 13, 6), "8, 3", 3, 1, 0, 1, 1, True),
    ((15, 13, 6), "8, (3, 5), s=2, p=(1, 2), m=2, bias=false", (3, 5), 2, (1, 2), 2, 1, False),
    ((20, 4), "5, 3, d=2, m=3", 3, 1, 0, 3, 2, True),
    ((6, 7, 5, 2), "4, 3, s=(1, 2, 2), p=1", 3, (1, 2, 2), 1, 1, 1, True),
])
def test_separable_convolution_is_pytorchs_depthwise_then_pointwise(x, args, k, s, p, m, d,
                                                                    bias):
    """Output shape, parameters and MACs of ``SC`` against PyTorch's two convolutions
    built from the same arguments."""
    rank, c = len(x) - 1, x[-1]
    f = int(args.split(",")[0])
    conv = getattr(nn, f"Conv{rank}d")
    model = nn.Sequential(conv(c, c * m, k, s, p, d, groups=c, bias=False),
                          conv(c * m, f, 1, bias=bias))
    macs: list[int] = []
    for module in model:
        module.register_forward_hook(lambda *a: conv_macs(*a, macs))
    out = model(torch.randn(1, x[-1], *x[:-1]))
    layer = symcnn.parse(f"I{x} SC({args})").layers[1]
    assert layer.output_shape == (*out.shape[2:], out.shape[1])
    assert layer.params == sum(q.numel() for q in model.parameters())
    assert layer.macs == sum(macs)


@pytest.mark.parametrize("x, args, torch_args", [
    ((5, 7, 3), "", {"scale_factor": 2}),
    ((5, 7, 3), "(2, 3), linear=true", {"scale_factor": (2, 3), "mode": "bilinear"}),
    ((5, 7, 3), "size=(11, 4)", {"size": (11, 4)}),
    ((9, 2), "3, linear=true", {"scale_factor": 3, "mode": "linear"}),
    ((2, 3, 4, 1), "size=5, linear=true", {"size": 5, "mode": "trilinear"}),
    ((2, 3, 4, 1), "(1, 2, 3)", {"scale_factor": (1, 2, 3)}),
])
def test_upsampling_is_pytorchs(x, args, torch_args):
    out = nn.Upsample(**torch_args)(torch.randn(1, x[-1], *x[:-1]))
    layer = symcnn.parse(f"I{x} Up({args})" if args else f"I{x} Up").layers[1]
    assert layer.output_shape == (*out.shape[2:], out.shape[1])
    assert (layer.params, layer.macs) == (0, 0)


@pytest.mark.parametrize("x, g", [((3, 4, 12), 3), ((3, 4, 12), 4), ((5, 6), 2),
                                  ((2, 2, 2, 8), 8)])
def test_channel_shuffle_is_pytorchs(x, g):
    net = symcnn.parse(f"I{x} Shuffle({g})")
    sample = example_input(net)
    assert torch.equal(to_torch(net)(sample), nn.ChannelShuffle(g)(sample))


def test_shuffle_needs_groups_that_divide_the_channels():
    with pytest.raises(symcnn.ShapeError, match="g=5 must divide the channels 12"):
        symcnn.parse("I(4, 4, 12) Shuffle(5)")
    net = symcnn.parse("I(n, n, c) Shuffle(g)")
    assert [str(c) for c in net.constraints] == ["Eq(Mod(c, g), 0)"]


def test_split_runs_each_branch_on_its_share_of_the_channels():
    """``x.chunk(k, dim=1)``, branch ``i`` on chunk ``i``, then ``cat``: as written
    in PyTorch, with the convolution's weights copied."""
    net = symcnn.parse("I(5, 5, 12) Split([], [C(8, 3, p=1)], [Shuffle(2)])")
    assert [r.input_shape for r in net.layers[1:3]] == [(5, 5, 4), (5, 5, 4)]
    assert net.output_shape == (5, 5, 16)
    model = to_torch(net).eval()
    conv = nn.Conv2d(4, 8, 3, padding=1)
    conv.load_state_dict(model.get_submodule("split1.branch2.C1").state_dict())
    x = example_input(net)
    a, b, c = x.chunk(3, dim=1)
    expected = torch.cat([a, conv(b), nn.ChannelShuffle(2)(c)], dim=1)
    assert torch.allclose(model(x), expected)


@pytest.mark.parametrize("text, message", [
    ("I(4, 4, 10) Split([], [], [])", "3 must divide 10"),
    ("I(4, 4, 10) Split([C(3, 1)])", "Split needs at least two branches"),
    ("I(6, 6, 10) Split([C(3, 3)], [])", "branch 2 gives (6, 6, 5) but branch 1 gives "
                                         "(4, 4, 3); Split needs the same spatial size"),
    ("I(4, 4, 10) Aux([C(3, 1)], [])", "Aux takes one branch"),
    ("I(4, 4, 10) Aux", "Aux needs its branch"),
    ("I(4, 4, 10) Up(2, size=8)", "Up takes a factor s or an output size, not both"),
])
def test_what_is_refused(text, message):
    with pytest.raises(symcnn.SymcnnError) as caught:
        symcnn.parse(text)
    assert message in str(caught.value)


def test_aux_counts_its_branch_and_goes_on_with_its_input():
    net = symcnn.parse("I(6, 6, 4) Aux([C(8, 3) G F D(10)]) C(2, 1)")
    assert net.output_shape == (6, 6, 2)
    assert net.params == (9 * 4 + 1) * 8 + (8 + 1) * 10 + (4 + 1) * 2
    assert net.macs == 4 * 4 * 8 * 9 * 4 + 8 * 10 + 6 * 6 * 2 * 4
    model = to_torch(net).eval()
    x = example_input(net)
    assert torch.equal(model.get_submodule("aux1")(x), x)


def test_shufflenet_v2_computes_what_torchvision_computes():
    """The zoo's ShuffleNet v2, exported, with torchvision's model's weights copied in
    order, gives torchvision's logits: each half goes where torchvision's does, and each
    shuffle permutes as torchvision's."""
    tv = pytest.importorskip("torchvision_models")
    from symcnn import zoo

    torch.manual_seed(0)
    theirs = tv.torchvision.models.shufflenet_v2_x0_5(weights=None).eval()
    with torch.no_grad():  # BN's statistics and affine maps away from the identity
        for name, value in theirs.state_dict().items():
            if name.endswith(("running_var", "weight")) and value.dim() == 1:
                value.uniform_(0.5, 1.5)
            elif name.endswith(("running_mean", "bias")) and value.dim() == 1:
                value.normal_(0, 0.2)
    ours = to_torch(zoo.load("shufflenet_v2_x0_5").subs(n=64)).eval()
    mine, given = ours.state_dict(), theirs.state_dict()
    assert [v.shape for v in mine.values()] == [v.shape for v in given.values()]
    ours.load_state_dict(dict(zip(mine, given.values())))
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        logits = theirs(x)
        assert logits.std(dim=1).min() > 0.1
        # the zoo's O ends in a softmax
        assert torch.allclose(ours(x).log(), logits.log_softmax(dim=1), atol=1e-4)
