"""torchvision's video networks (``torchvision.models.video``: R3D, MC3, R(2+1)D, S3D) and
segmentation networks (``torchvision.models.segmentation``: FCN, DeepLabV3, LR-ASPP) in the
zoo, against torchvision's own models built on the meta device: parameters, BN
statistics, output shape and MACs as ``torch.utils.flop_counter.FlopCounterMode`` counts
them (its total is two operations per multiply-accumulate, and like symcnn it counts
convolutions and matrix products only), at the input size of torchvision's weights and at
another; and the figures torchvision publishes for those weights.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest
import sympy

import symcnn
from symcnn import zoo

import torchvision_models as tv  # skips this module without torch and torchvision

torch = tv.torch

#: Frames and size of torchvision's weights (``crop_size``, 16-frame clips), and another
#: input each model takes (S3D's final 2x7x7 average pool needs 9 frames and 193 pixels).
VIDEO = {"r3d_18": ((16, 112), (8, 128)), "mc3_18": ((16, 112), (8, 128)),
         "r2plus1d_18": ((16, 112), (8, 128)), "s3d": ((16, 224), (24, 256))}

#: The segmentation networks: torchvision's weights take 520 x 520 (``resize_size``).
SEGMENTATION = ("fcn_resnet50", "fcn_resnet101", "deeplabv3_resnet50", "deeplabv3_resnet101",
                "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large")
SIZES = (520, 481, 97)

#: torchvision's documentation: the weights' parameter count and "GFLOPS", which are
#: billions of multiply-accumulates to three decimals, at their input size; the
#: segmentation networks' with their auxiliary heads, as the weights are published.
PUBLISHED = {
    "r3d_18": (33_371_472, "40.697"), "mc3_18": (11_695_440, "43.343"),
    "r2plus1d_18": (31_505_325, "40.519"), "s3d": (8_320_048, "17.979"),
    "fcn_resnet50": (35_322_218, "152.717"), "fcn_resnet101": (54_314_346, "232.738"),
    "deeplabv3_resnet50": (42_004_074, "178.722"),
    "deeplabv3_resnet101": (60_996_202, "258.743"),
    "lraspp_mobilenet_v3_large": (3_221_538, "2.086"),
    "deeplabv3_mobilenet_v3_large": (11_029_328, "10.452"),
}


@functools.lru_cache(maxsize=None)
def network(name: str) -> symcnn.Network:
    return zoo.load(name)


@functools.lru_cache(maxsize=None)
def model(name: str) -> Any:
    """torchvision's model ``name``, untrained, on the meta device, in eval mode; a
    segmentation model with its auxiliary head where it has one (``aux_loss=True``, as
    its weights are published), which runs in eval mode too."""
    options: dict[str, Any] = {}
    if name in SEGMENTATION:
        options["weights_backbone"] = None
        if not name.startswith("lraspp"):  # LR-ASPP has none
            options["aux_loss"] = True
    with torch.device("meta"):
        return tv.torchvision.models.get_model(name, weights=None, **options).eval()


def test_flop_counter_counts_as_symcnn_on_a_classifier():
    """The convention: FlopCounterMode's operations over two are the MACs symcnn counts
    (convolutions and matrix products; no bias, norm, activation, pool or sum)."""
    totals = tv.measured(tv.model("resnet50"), 224, 224)
    assert totals["macs"] == int(zoo.load("resnet50").subs(n=224).macs) == 4_089_184_256


# ---- video ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, which", [(name, which) for name in VIDEO for which in (0, 1)])
def test_video_network_matches_torchvision(name, which):
    frames, size = VIDEO[name][which]
    net = network(name).subs(t=frames, n=size)
    assert tv.counts(net) == tv.measured(model(name), frames, size, size)


@pytest.mark.parametrize("name", VIDEO)
def test_video_network_is_symbolic_in_frames_and_size(name):
    net = network(name)
    assert {s.name for s in net.symbols} == {"t", "n"}
    assert net.output_shape == (400,)
    assert net.params.is_Integer and net.non_trainable.is_Integer


@pytest.mark.parametrize("name", PUBLISHED)
def test_torchvision_published_figures(name):
    """The published parameters exactly, and the MACs at the weights' input size in
    billions to three decimals; the table is torchvision's ``weights.meta``."""
    params, gmacs = PUBLISHED[name]
    meta = tv.published(name)
    assert (meta["num_params"], f"{meta['_ops']:.3f}") == (params, gmacs)
    values = dict(zip("tn", VIDEO[name][0])) if name in VIDEO else {"n": SIZES[0]}
    net = network(name).subs(**values)
    assert int(net.params) == params
    assert f"{int(net.macs) / 10**9:.3f}" == gmacs


@pytest.mark.parametrize("name", VIDEO)
def test_to_torch_of_the_video_networks_counts_as_torchvision(name):
    """``to_torch`` builds 3-D convolutions, pools and BN with torchvision's parameter
    count, and runs (on the meta device) to torchvision's output shape."""
    from symcnn.torch import to_torch

    frames, size = VIDEO[name][0]
    with torch.device("meta"):
        built = to_torch(network(name).subs(t=frames, n=size)).eval()
        with torch.no_grad():
            out = built(torch.empty(1, 3, frames, size, size))
    assert (tv.measured(built, frames, size, size)
            == tv.measured(model(name), frames, size, size))
    assert out.shape == (1, 400)


# ---- segmentation ---------------------------------------------------------------------

@pytest.mark.parametrize("name, size", [(name, size) for name in SEGMENTATION
                                        for size in SIZES])
def test_segmentation_network_matches_torchvision(name, size):
    """With the auxiliary head, which torchvision's model runs in eval mode too."""
    net = network(name).subs(n=size)
    assert tv.counts(net) == tv.measured(model(name), size, size)


@pytest.mark.parametrize("name", SEGMENTATION)
def test_segmentation_network_is_symbolic_in_n(name):
    """Its prediction has the input's size whatever n is (Up(size=input)), and its
    auxiliary head's too."""
    net = network(name)
    n = sympy.Symbol("n", integer=True, positive=True)
    assert net.symbols == (n,)
    assert net.output_shape == (n, n, 21)
    assert net.params.is_Integer and net.non_trainable.is_Integer
    aux = [r for r in net.layers if r.kind == "Aux"]
    assert len(aux) == (0 if name.startswith("lraspp") else 1)
    for record in aux:
        last = [r for r in net.layers if r.name.startswith(record.name + ".")][-1]
        assert (last.kind, last.output_shape) == ("Up", (n, n, 21))


@pytest.mark.parametrize("name", SEGMENTATION)
def test_to_torch_of_the_segmentation_networks_counts_as_torchvision(name):
    """``to_torch``'s model (Resize and Up(size=input) as F.interpolate) has
    torchvision's parameters, statistics, MACs and output shape."""
    from symcnn.torch import to_torch

    size = 97
    with torch.device("meta"):
        built = to_torch(network(name).subs(n=size)).eval()
    assert tv.measured(built, size, size) == tv.measured(model(name), size, size)


def test_up_to_the_input_size_runs_as_pytorch_interpolates():
    """``Up(size=input)`` and ``Resize`` against PyTorch's own interpolation, with
    values: a strided convolution's map brought back to the input's size."""
    from symcnn.torch import to_torch

    net = symcnn.parse("I(h, w, 4) Resize([C(3, 3, s=2, p=1) G]) C(5, 3, s=4) "
                       "Up(size=input, linear=true)").subs(h=13, w=10)
    built = to_torch(net).eval()
    x = torch.randn(1, 4, 13, 10)
    expected = torch.nn.functional.interpolate(built.resize1.branch1(x), size=(13, 10),
                                               mode="bilinear", align_corners=False)
    expected = torch.nn.functional.interpolate(built.C1(expected), size=(13, 10),
                                               mode="bilinear", align_corners=False)
    assert net.output_shape == (13, 10, 5)
    assert torch.equal(built(x), expected)


@pytest.mark.parametrize("text, message", [
    ("I(n, n, 3) F D(4) Up(size=input)", "needs an image"),
    ("I(n, 3) Up(size=input) Resize([F])", "has 0 spatial dimension(s) where the input"),
    ("I(n, n, 3) Up(size=same)", "or input, not the word same"),
    ("I(n, n, 3) Resize([C(3, 1)], [])", "Resize takes one branch"),
])
def test_the_new_forms_refuse_what_they_cannot_mean(text, message):
    with pytest.raises(symcnn.SymcnnError, match=re.escape(message)):
        symcnn.parse(text)


def test_no_receptive_field_past_an_interpolation():
    """Each output of Resize mixes the branch's windows around it: no single window."""
    net = symcnn.parse("I(32, 32, 3) Resize([C(8, 3, s=2, p=1)]) C(4, 3)")
    assert net.receptive_field_of("resize1.branch1.C1").stride == (2, 2)
    with pytest.raises(symcnn.SymcnnError, match="Resize interpolates"):
        net.receptive_field_of("C1")
