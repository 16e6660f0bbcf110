"""Every zoo network that carries a torchvision name against torchvision's own model
(``torchvision.models.get_model(name, weights=None)``, built on the meta device by
``torchvision_models.py``), counted by forward hooks (``reference_models.trace``): the
totals and the output shape of every convolution, BN and dense layer, at the input size
of torchvision's weights and at other sizes, odd ones included; the sizes either one
refuses; and ``symcnn.torch.to_torch`` of each.
"""

from __future__ import annotations

import functools
import itertools

import pytest

import symcnn
from symcnn import zoo

import torchvision_models as tv  # skips this module without torch and torchvision
from reference_models import trace
from torchvision_models import counts, layers

torch = tv.torch

NETWORKS = [
    "alexnet",
    "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
    "wide_resnet50_2", "wide_resnet101_2",
    "squeezenet1_0", "squeezenet1_1",
    "densenet121", "densenet161", "densenet169", "densenet201",
    "googlenet", "inception_v3",
    "mobilenet_v2", "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3",
    "regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf",
    "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf",
    "convnext_tiny", "convnext_small", "convnext_base", "convnext_large",
    "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
]
SQUEEZE_EXCITATION = [  # the networks with SE blocks
    "mobilenet_v3_small", "mobilenet_v3_large",
    "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
    "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7",
    "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l",
    "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf",
    "regnet_y_8gf", "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf",
]
NETWORKS += SQUEEZE_EXCITATION

OTHER_SIZES = (97, 193, 257, 331)  # odd ones, and ones that are not multiples of 32


def other_sizes(name: str) -> tuple[int, ...]:
    """The sizes besides the crop size; two for the networks with SE blocks, which are
    many and large, so that the suite stays fast."""
    return (97, 257) if name in SQUEEZE_EXCITATION else OTHER_SIZES


@functools.lru_cache(maxsize=None)
def network(name: str) -> symcnn.Network:
    return zoo.load(name)


def as_written(torch_layers: list[tuple[str, tuple[int, ...]]]) -> list[tuple[str, tuple]]:
    """torchvision's layers with a Linear on channels-last features (ConvNeXt's blocks
    apply theirs position by position) listed as the 1x1 convolution the zoo writes for
    it: ``trace`` counts its MACs as ``h·w·in·out``, as for that convolution."""
    return [("conv" if kind == "linear" and len(shape) == 3 else kind, shape)
            for kind, shape in torch_layers]


def test_the_zoo_has_every_network():
    assert set(NETWORKS) <= set(zoo.names())
    assert set(NETWORKS) <= set(tv.torchvision.models.list_models())


@pytest.mark.parametrize("name, size", [(name, size) for name in NETWORKS
                                        for size in ("crop", *other_sizes(name))])
def test_network_matches_torchvision(name, size):
    """Parameters, BN statistics, MACs, output shape and every conv, BN and dense
    layer's output shape, at the crop size of torchvision's weights and at others."""
    size = tv.crop_size(name) if size == "crop" else size
    totals, torch_layers = trace(tv.model(name), size, device="meta")
    net = network(name).subs(n=size)
    assert counts(net) == totals
    assert layers(net) == as_written(torch_layers)


@pytest.mark.parametrize("name", NETWORKS)
def test_parameters_do_not_depend_on_n(name):
    """Global or adaptive pooling before every classifier: one parameter count."""
    assert network(name).params.is_Integer
    assert network(name).non_trainable.is_Integer


@pytest.mark.parametrize("name", NETWORKS)
def test_torchvision_published_parameter_count(name):
    """``weights.meta["num_params"]``, the figure of torchvision's documentation. For
    Inception v3 it includes the auxiliary classifier, which only trains, and which the
    zoo's network (like GoogLeNet's, whose figure leaves it out) does not have."""
    params = int(network(name).params)
    if name == "inception_v3":
        with torch.device("meta"):
            with_aux = tv.torchvision.models.inception_v3(weights=None, aux_logits=True,
                                                          init_weights=False)
        aux = sum(p.numel() for p in with_aux.AuxLogits.parameters())
        assert (params, aux) == (23_834_568, 3_326_696)
        params += aux
    assert params == tv.published(name)["num_params"]


@pytest.mark.parametrize("name", NETWORKS)
def test_torchvision_published_operations(name):
    """``weights.meta["_ops"]``, the "GFLOPS" of torchvision's documentation, is the
    multiply-accumulates at the weights' crop size in billions, to three decimals."""
    macs = int(network(name).subs(n=tv.crop_size(name)).macs)
    assert round(macs / 10**9, 3) == tv.published(name)["_ops"]


#: Networks whose published smallest size is larger than the smallest their model runs on
#: (EfficientNetV2's weights say 33; the model, like symcnn, takes every size from 1).
PUBLISHED_LARGER = {"efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l"}


@pytest.mark.parametrize("name", NETWORKS)
def test_torchvision_published_smallest_size(name):
    """``weights.meta["min_size"]``: the smallest input that symcnn takes, or for
    ``PUBLISHED_LARGER`` the smallest that torchvision's model runs on."""
    def takes(size: int) -> bool:
        try:
            network(name).subs(n=size)
        except symcnn.ShapeError:
            return False
        return True

    smallest = next(size for size in itertools.count(1) if takes(size))
    if name in PUBLISHED_LARGER:
        assert tv.published(name)["min_size"] == (33, 33)
        assert smallest == 1 and not tv.refuses(name, 1)
        return
    assert (smallest, smallest) == tv.published(name)["min_size"]


SCANNED = {  # networks of several families, ceil-mode pools among them: every size up to
    # this one
    "alexnet": 64, "vgg11_bn": 64, "resnet18": 64, "squeezenet1_0": 64, "squeezenet1_1": 64,
    "googlenet": 64, "inception_v3": 96, "mobilenet_v2": 32, "mnasnet0_5": 32,
    "regnet_x_400mf": 32,
}


def sizes_to_scan(name: str) -> range:
    """Every size up to ``SCANNED[name]``; for the other networks, whose forward passes
    take longer, every size up to 2 past the smallest that torchvision takes."""
    if name in SCANNED:
        return range(1, SCANNED[name] + 1)
    smallest = next(size for size in itertools.count(1) if not tv.refuses(name, size))
    return range(1, smallest + 3)


@pytest.mark.parametrize("name", NETWORKS)
def test_refuses_the_sizes_torchvision_refuses(name):
    """``net.subs(n=size)`` raises ShapeError exactly where torchvision's forward pass
    fails because a feature map would be empty."""
    net = network(name)
    ours, theirs = [], []
    for size in sizes_to_scan(name):
        try:
            net.subs(n=size)
        except symcnn.ShapeError:
            ours.append(size)
        if tv.refuses(name, size):
            theirs.append(size)
    assert ours == theirs


@pytest.mark.parametrize("name", NETWORKS)
def test_to_torch_counts_as_torchvision(name):
    """``to_torch`` builds a model with torchvision's parameter count that runs (on the
    meta device: shapes only) to torchvision's output shape."""
    from symcnn.torch import to_torch

    size = tv.crop_size(name)
    with torch.device("meta"):
        built = to_torch(network(name).subs(n=size)).eval()
        x = torch.empty(1, 3, size, size)
        with torch.no_grad():
            ours, theirs = built(x), tv.model(name)(x)
    assert sum(p.numel() for p in built.parameters()) == sum(
        p.numel() for p in tv.model(name).parameters())
    assert ours.shape == theirs.shape == (1, 1000)


# ---- with the auxiliary classifiers (Aux), as torchvision runs them in training --------

WITH_AUX = sorted(tv.WITH_AUX)


def refuses_in_training(name: str, size: int) -> bool:
    try:
        with torch.no_grad():
            tv.model_with_aux(name)(torch.empty(2, 3, size, size, device="meta"))
    except (RuntimeError, ValueError):
        return True
    return False


@pytest.mark.parametrize("name, size", [(name, size) for name in WITH_AUX
                                        for size in ("crop", 331)])
def test_network_with_aux_matches_torchvision_in_training(name, size):
    """Parameters, BN statistics, MACs and every conv, BN and dense layer's output
    shape, the auxiliary classifiers' among them where they run (torchvision runs them
    in training only; a trace of torchvision's model in training mode counts them)."""
    size = tv.crop_size(tv.WITH_AUX[name]) if size == "crop" else size
    totals, torch_layers = trace(tv.model_with_aux(name), size, device="meta")
    net = network(name).subs(n=size)
    assert counts(net) == totals
    assert layers(net) == torch_layers


def test_the_aux_networks_totals():
    """torchvision's published figure for Inception v3 includes its auxiliary
    classifier; GoogLeNet's leaves its two out, and they add 6,379,984."""
    inception = network("inception_v3_aux")
    assert int(inception.params) == tv.published("inception_v3")["num_params"] == 27_161_264
    googlenet = int(network("googlenet_aux").params)
    assert googlenet - tv.published("googlenet")["num_params"] == 6_379_984


SCANNED_WITH_AUX = {  # sizes on both sides of the smallest each takes
    "googlenet_aux": (14, 15, 16),  # its branches pool adaptively: GoogLeNet's 15
    # the branch's 5x5 convolution after a 5x5 pool of stride 3 needs Mixed_6e's map
    # at least 17x17, which takes 299 pixels, exactly the size of torchvision's weights
    "inception_v3_aux": (290, 298, 299, 300),
}


@pytest.mark.parametrize("name", WITH_AUX)
def test_the_aux_networks_refuse_the_sizes_torchvision_refuses_in_training(name):
    net = network(name)
    ours, theirs = [], []
    for size in SCANNED_WITH_AUX[name]:
        try:
            net.subs(n=size)
        except symcnn.ShapeError:
            ours.append(size)
        if refuses_in_training(name, size):
            theirs.append(size)
    assert ours == theirs == list(SCANNED_WITH_AUX[name][:-2])  # the last two are taken


@pytest.mark.parametrize("name", WITH_AUX)
def test_to_torch_of_the_aux_networks_counts_as_torchvision(name):
    """The branches are submodules of ``to_torch``'s model, which runs them and goes on
    with their input: torchvision's parameter count and output shape."""
    from symcnn.torch import to_torch

    size = tv.crop_size(tv.WITH_AUX[name])
    with torch.device("meta"):
        built = to_torch(network(name).subs(n=size)).eval()
        with torch.no_grad():
            out = built(torch.empty(1, 3, size, size))
    assert sum(p.numel() for p in built.parameters()) == sum(
        p.numel() for p in tv.model_with_aux(name).parameters())
    assert out.shape == (1, 1000)
