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


def counts(net: symcnn.Network) -> dict[str, object]:
    return {"params": int(net.params), "non_trainable": int(net.non_trainable),
            "output_shape": tuple(int(v) for v in net.output_shape), "macs": int(net.macs)}


KIND = {"C": "conv", "DW": "conv", "BN": "bn", "D": "linear", "O": "linear"}


def layers(net: symcnn.Network) -> list[tuple[str, tuple[int, ...]]]:
    """The convolutions, BN and dense layers in the order they run, with their output
    shapes, as ``trace`` lists torchvision's."""
    return [(KIND[r.kind], tuple(int(v) for v in r.output_shape))
            for r in net.layers if r.kind in KIND]


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
    assert layers(net) == torch_layers


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
