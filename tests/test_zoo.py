"""The zoo against sources that are not symcnn: hand-written ``torch.nn`` models of the
same architectures (``reference_models.py``), counted by PyTorch, and the figures the
papers and torchvision publish. Where a published figure is not the exact count, the
test says by how much and why (docs/conventions.md explains it for users)."""

from __future__ import annotations

import pytest

import symcnn
from symcnn import zoo

CANONICAL = {"lenet5": 32}  # input size the papers use; 224 for the others


def at_canonical_size(name: str) -> symcnn.Network:
    net = zoo.load(name)
    return net.subs(n=CANONICAL.get(name, 224)) if net.symbols else net


def counts(net: symcnn.Network) -> dict[str, object]:
    return {"params": int(net.params), "non_trainable": int(net.non_trainable),
            "output_shape": tuple(int(v) for v in net.output_shape), "macs": int(net.macs)}


def layer(net: symcnn.Network, name: str):
    return next(r for r in net.layers if r.name == name)


# ---- the zoo itself -------------------------------------------------------------------

def test_the_zoo_has_the_classic_networks():
    """The papers' forms, where torchvision's differ, carry ``_paper``; every other
    network that has a torchvision name is torchvision's (test_torchvision_zoo.py)."""
    assert zoo.names() == sorted([
        "alexnet", "googlenet", "googlenet_paper", "inception_v3", "lenet5",
        "mobilenet_v1", "mobilenet_v2",
        "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
        "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
        "wide_resnet50_2", "wide_resnet101_2",
        "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
        "vgg11_paper", "vgg13_paper", "vgg16_paper", "vgg19_paper",
        "squeezenet1_0", "squeezenet1_1",
        "densenet121", "densenet161", "densenet169", "densenet201",
        "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3",
        "regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf",
        "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf",
        "convnext_tiny", "convnext_small", "convnext_base", "convnext_large",
        "googlenet_aux", "inception_v3_aux",
        "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
        "mobilenet_v3_small", "mobilenet_v3_large",
        "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
        "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7",
        "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l",
        "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf",
        "regnet_y_8gf", "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf",
        "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14",
        "swin_t", "swin_s", "swin_b", "swin_v2_t", "swin_v2_s", "swin_v2_b", "maxvit_t",
        *VIDEO, *SEGMENTATION])


#: The video networks, symbolic in the frames t and the size n, with 400 classes, and the
#: segmentation networks, whose prediction has the input's size, with 21 classes
#: (test_video_segmentation.py).
VIDEO = ("r3d_18", "mc3_18", "r2plus1d_18", "s3d")
SEGMENTATION = ("fcn_resnet50", "fcn_resnet101", "deeplabv3_resnet50", "deeplabv3_resnet101",
                "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large")


@pytest.mark.parametrize("name", zoo.names())
def test_zoo_networks_are_symbolic_in_n_except_lenet(name):
    net = zoo.load(name)
    if name in VIDEO:
        assert (tuple(s.name for s in net.symbols), net.output_shape) == (("n", "t"), (400,))
        return
    if name in SEGMENTATION:
        n = net.symbols[0]
        assert (n.name, net.output_shape) == ("n", (n, n, 21))
        return
    expected = () if name == "lenet5" else ("n",)
    assert tuple(s.name for s in net.symbols) == expected
    assert net.output_shape == ((10,) if name == "lenet5" else (1000,))


@pytest.mark.parametrize("name", ["resnet50", "mobilenet_v2", "googlenet", "alexnet"])
def test_global_or_adaptive_pooling_makes_params_independent_of_n(name):
    net = zoo.load(name)
    assert net.params.is_Integer
    big = net.subs(n=512)
    assert big.params == net.params
    assert int(big.macs) > int(net.subs(n=224).macs)


def test_resnet50_at_512():
    """224 and 512 are both multiples of 32, so every feature map grows by 512/224 =
    16/7 per side and every convolution's MACs by (16/7)^2; the classifier's do not."""
    big = zoo.load("resnet50").subs(n=512)
    assert layer(big, "G1").input_shape == (16, 16, 2048)
    assert int(big.params) == 25_557_032
    classifier = 2048 * 1000
    convolutions = 4_089_184_256 - classifier
    assert int(big.macs) == convolutions * 16**2 // 7**2 + classifier == 21_355_249_664


def test_vgg_params_grow_with_the_input_size():
    net = zoo.load("vgg16_paper")
    assert int(net.subs(n=224).params) == 138_357_544
    assert int(net.subs(n=256).params) == 138_357_544 + 512 * (8 * 8 - 7 * 7) * 4096


def test_unknown_zoo_name_suggests_a_close_one():
    with pytest.raises(symcnn.SymcnnError, match="did you mean resnet50"):
        zoo.load("resnet5O")


# ---- against hand-written torch.nn models ---------------------------------------------

HAND_WRITTEN = [  # the networks of reference_models.MODELS
    "lenet5", "alexnet", "vgg11_paper", "vgg13_paper", "vgg16_paper", "vgg16_bn",
    "vgg19_paper", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "mobilenet_v1", "mobilenet_v2", "googlenet_paper"]


@pytest.mark.parametrize("name", HAND_WRITTEN)
def test_zoo_network_matches_its_torch_reference(name):
    pytest.importorskip("torch")
    from reference_models import MODELS, measure

    size = CANONICAL.get(name, 224)
    channels = 1 if name == "lenet5" else 3
    assert counts(at_canonical_size(name)) == measure(MODELS[name](), size, channels)


@pytest.mark.parametrize("name, size", [
    ("resnet18", 97), ("resnet50", 160), ("mobilenet_v1", 128), ("mobilenet_v2", 96),
    ("googlenet_paper", 100), ("alexnet", 127), ("vgg11_paper", 64),
])
def test_symbolic_zoo_network_matches_torch_at_another_size(name, size):
    """The formulas in n hold away from 224, odd sizes and ceil-mode pools included."""
    pytest.importorskip("torch")
    from reference_models import MODELS, measure

    assert counts(zoo.load(name).subs(n=size)) == measure(MODELS[name](), size)


def test_resnet_v1_variant_matches_torch():
    """The paper's bottleneck (stride on the first 1x1) gives the same parameters and
    fewer MACs than torchvision's (stride on the 3x3)."""
    pytest.importorskip("torch")
    from reference_models import measure, resnet

    assert counts(resnet_v1("resnet50")) == measure(resnet("resnet50", stride_on_3x3=False),
                                                    224)


# ---- against published figures -------------------------------------------------------

TORCHVISION_PARAMS = {  # torchvision.models documentation, "Params"
    "alexnet": 61_100_840, "vgg11": 132_863_336, "vgg13": 133_047_848,
    "vgg16": 138_357_544, "vgg16_bn": 138_365_992, "vgg19": 143_667_240,
    "resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032,
    "resnet101": 44_549_160, "resnet152": 60_192_808, "mobilenet_v2": 3_504_872,
}


@pytest.mark.parametrize("name", sorted(TORCHVISION_PARAMS))
def test_torchvision_parameter_counts(name):
    assert int(at_canonical_size(name).params) == TORCHVISION_PARAMS[name]


VGG_C = """
def block(c, r) = [C(c, 3, p=1) ReLU] * r  P(2)
def block1(c) = [C(c, 3, p=1) ReLU] * 2 C(c, 1) ReLU P(2)
I(224, 224, 3)
block(64, 2) block(128, 2) block1(256) block1(512) block1(512)
D(4096) ReLU D(4096) ReLU O(1000)
"""


def test_vgg_paper_table_2():
    """Simonyan & Zisserman, Table 2: 133, 133, 134, 138, 144 million for A to E.
    Configuration C (VGG16 with a 1x1 third convolution in the last three blocks) is
    not in the zoo; it is written here."""
    millions = [round(int(at_canonical_size(name).params) / 10**6)
                for name in ("vgg11_paper", "vgg13_paper")]
    millions.append(round(int(symcnn.parse(VGG_C).params) / 10**6))
    millions += [round(int(at_canonical_size(name).params) / 10**6)
                 for name in ("vgg16_paper", "vgg19_paper")]
    assert millions == [133, 133, 134, 138, 144]


def resnet_v1(name: str) -> symcnn.Network:
    """The paper's ResNet: its bottleneck strides the first 1x1 convolution."""
    text = zoo.source(name)
    torchvision = "cbn(c, 1, 1) ReLU cbn(c, 3, s)"
    assert torchvision in text
    return symcnn.parse(text.replace(torchvision, "cbn(c, 1, s) ReLU cbn(c, 3, 1)")).subs(n=224)


RESNET_PAPER_GFLOPS = {"resnet18": 1.8, "resnet34": 3.6, "resnet50": 3.8,
                       "resnet101": 7.6, "resnet152": 11.3}  # He et al., Table 1


@pytest.mark.parametrize("name", sorted(RESNET_PAPER_GFLOPS))
def test_resnet_paper_table_1(name):
    """Table 1's "FLOPs" are multiply-adds, given to one decimal (neither rounded nor
    truncated consistently: 3.66 is 3.6, 7.57 is 7.6). The paper's bottleneck strides
    its first 1x1 convolution; torchvision's, which the zoo follows, strides the 3x3
    and costs more: 4.09 instead of 3.86 billion for ResNet-50."""
    paper = RESNET_PAPER_GFLOPS[name]
    ours = int(at_canonical_size(name).macs)
    v1 = ours if name in ("resnet18", "resnet34") else int(resnet_v1(name).macs)
    assert abs(v1 / 10**9 - paper) < 0.1
    assert {"resnet18": 1_814_073_344, "resnet34": 3_663_761_408,
            "resnet50": 4_089_184_256, "resnet101": 7_801_405_440,
            "resnet152": 11_513_626_624}[name] == ours
    if name == "resnet50":
        assert v1 == 3_857_973_248


def test_mobilenet_v1_paper():
    """Howard et al.: 4.2 million parameters and 569 million mult-adds at 224."""
    net = at_canonical_size("mobilenet_v1")
    assert int(net.params) == 4_231_976
    assert round(int(net.params) / 10**5) == 42
    assert int(net.macs) == 568_740_352
    assert round(int(net.macs) / 10**6) == 569
    assert int(net.non_trainable) == 21_888


def test_lenet5_paper():
    """LeCun et al. 1998, section II.B: C1 156, C5 48,120, F6 10,164 trainable
    parameters. The paper's C3 has 1,516 because of its connection table (Table I):
    six maps see 3 of S2's maps, nine see 4 and one sees all 6; symcnn's C3, like any
    Conv2d, sees all 6 and has 2,416."""
    net = zoo.load("lenet5")
    assert int(layer(net, "C1").params) == 156
    assert int(layer(net, "C3").params) == 48_120
    assert int(layer(net, "D1").params) == 10_164
    partial = 5 * 5 * (6 * 3 + 9 * 4 + 1 * 6) + 16
    assert partial == 1_516
    assert int(layer(net, "C2").params) == 5 * 5 * 6 * 16 + 16 == 2_416
    assert [r.output_shape for r in net.layers if r.kind in ("C", "A")] == [
        (28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (1, 1, 120)]
    # The paper's "connections" of C1 count the bias as a connection: 122,304.
    assert int(layer(net, "C1").macs) + 28 * 28 * 6 == 122_304


GOOGLENET_TABLE_1_MOPS = {"3a": 128, "3b": 304, "4a": 73, "4b": 88, "4c": 100,
                          "4d": 119, "4e": 170, "5b": 71}


def test_googlenet_paper_table_1():
    """Szegedy et al., Table 1, "ops" per inception block (multiply-adds, millions).
    Its 5a row (1072K params, 54M ops) is not the block it describes (1,042,432
    weights, 51M ops); its first row (2.7K params, 34M ops) neither: a 7x7x3x64
    convolution has 9,408 weights and 118M MACs at 112x112."""
    net = at_canonical_size("googlenet_paper")
    names = ["3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"]
    mops = {}
    for i, name in enumerate(names, start=1):
        mops[name] = sum(int(r.macs) for r in net.layers if r.name.startswith(f"cat{i}."))
    for name, paper in GOOGLENET_TABLE_1_MOPS.items():
        assert abs(mops[name] / 10**6 - paper) < 1, name
    assert mops["5a"] == 7 * 7 * 1_042_432
    assert int(layer(net, "C1").macs) == 112 * 112 * 64 * 7 * 7 * 3 == 118_013_952
    assert int(net.params) == 6_998_552


@pytest.mark.parametrize("name, size", [("googlenet_paper", 101), ("resnet18", 97),
                                        ("mobilenet_v2", 96)])
def test_to_torch_builds_zoo_networks_with_branches(name, size):
    """``symcnn.torch.to_torch`` turns Cat, Res and ceil-mode pools into modules that
    PyTorch counts as the zoo file does."""
    pytest.importorskip("torch")
    from reference_models import measure

    from symcnn.torch import to_torch

    net = zoo.load(name).subs(n=size)
    assert measure(to_torch(net), size) == counts(net)


def test_load_with_values_is_load_then_subs_for_its_free_symbols():
    """What ``symcnn zoo`` lists: quicker, and the same as subs; a value for a name that
    a network does not have is left out."""
    at = zoo.load("efficientnet_b0", {"n": 240, "k": 3})
    assert counts(at) == counts(zoo.load("efficientnet_b0").subs(n=240))
    assert [r.output_shape for r in at.layers] == [
        r.output_shape for r in zoo.load("efficientnet_b0").subs(n=240).layers]
    assert counts(zoo.load("lenet5", {"n": 240})) == counts(zoo.load("lenet5"))
    with pytest.raises(symcnn.ShapeError):
        zoo.load("alexnet", {"n": 32})
