"""The zoo's vision transformers (ViT, Swin, Swin V2, MaxViT) against torchvision's own models,
built on the meta device: parameters, buffers (Swin's relative position indices and
coordinates), output shape, and MACs equal to half of PyTorch's ``FlopCounterMode``
count with model and input on the meta device (on CPU tensors the fused attention
kernel of ``nn.MultiheadAttention`` goes uncounted), at the size of torchvision's
weights and at another size the model takes; every published weight's parameters and
"GFLOPS"; and ``to_torch`` of the zoo's programs.
"""

from __future__ import annotations

import functools

import pytest
from torch.utils.flop_counter import FlopCounterMode

import symcnn
from symcnn import zoo

import torchvision_models as tv  # skips this module without torch and torchvision
from torchvision_models import counts, measured

torch = tv.torch

VIT = ["vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14"]
SWIN = ["swin_t", "swin_s", "swin_b", "swin_v2_t", "swin_v2_s", "swin_v2_b"]
NETWORKS = VIT + SWIN + ["maxvit_t"]

#: A size besides the weights' own that each model takes: ViT is built for one size
#: (``image_size``), whose position embedding grows with it; Swin pads what its windows
#: and its patch merging do not divide, so an odd size pads at every stage; MaxViT is
#: built for one size (``input_size``) where 7 divides every block's input.
OTHER_SIZE = {"vit_b_16": 384, "vit_b_32": 384, "vit_l_16": 512, "vit_l_32": 320,
              "vit_h_14": 518, "swin_t": 193, "swin_s": 256, "swin_b": 161,
              "swin_v2_t": 224, "swin_v2_s": 199, "swin_v2_b": 288, "maxvit_t": 221}


@functools.lru_cache(maxsize=None)
def network(name: str) -> symcnn.Network:
    return zoo.load(name)


@functools.lru_cache(maxsize=None)
def torchvision_model(name: str, size: int) -> object:
    """torchvision's ``name`` on the meta device, built for ``size`` if it is a ViT or
    MaxViT."""
    options = ({"image_size": size} if name in VIT else
               {"input_size": (size, size)} if name == "maxvit_t" else {})
    with torch.device("meta"):
        return tv.torchvision.models.get_model(name, weights=None, **options).eval()


def test_the_zoo_has_every_network():
    assert set(NETWORKS) <= set(zoo.names())
    assert set(NETWORKS) <= set(tv.torchvision.models.list_models())


@pytest.mark.parametrize("name, size", [(name, size) for name in NETWORKS
                                        for size in ("crop", "other")])
def test_network_matches_torchvision(name, size):
    size = tv.crop_size(name) if size == "crop" else OTHER_SIZE[name]
    model = torchvision_model(name, size)
    assert counts(network(name).subs(n=size)) == measured(model, size, size)


def published_weights() -> list[tuple[str, str]]:
    return [(name, weights.name) for name in NETWORKS
            for weights in tv.torchvision.models.get_model_weights(name)]


@pytest.mark.parametrize("name, weights", published_weights())
def test_torchvision_published_table(name, weights):
    """Every weight torchvision publishes for the network: ``num_params`` exactly, and
    its "GFLOPS" (``_ops``, the MACs in billions to three decimals), at the weight's
    crop size (ViT-B/16's SWAG weights at 384, ViT-H/14's at 518, ...)."""
    entry = tv.torchvision.models.get_model_weights(name)[weights]
    size = int(entry.transforms.keywords["crop_size"])
    net = network(name).subs(n=size)
    assert int(net.params) == entry.meta["num_params"]
    assert round(int(net.macs) / 10**9, 3) == entry.meta["_ops"]


def test_the_published_figures_of_the_brief():
    """The figures as torchvision's documentation prints them, for the record."""
    figures = {(name, size): (int(network(name).subs(n=size).params),
                              round(int(network(name).subs(n=size).macs) / 10**9, 3))
               for name, size in [("vit_b_16", 224), ("vit_l_16", 224), ("vit_h_14", 224),
                                  ("swin_t", 224), ("swin_s", 224), ("swin_b", 224),
                                  ("swin_v2_t", 256), ("maxvit_t", 224)]}
    assert figures == {
        ("vit_b_16", 224): (86_567_656, 17.564), ("vit_l_16", 224): (304_326_632, 61.555),
        ("vit_h_14", 224): (632_045_800, 167.295), ("swin_t", 224): (28_288_354, 4.491),
        ("swin_s", 224): (49_606_258, 8.741), ("swin_b", 224): (87_768_224, 15.431),
        ("swin_v2_t", 256): (28_351_570, 5.940), ("maxvit_t", 224): (30_919_624, 5.558)}
    assert int(network("vit_b_16").subs(n=384).params) == 86_859_496
    assert int(network("vit_h_14").subs(n=518).params) == 633_470_440


def test_vit_is_symbolic_in_n_with_its_position_embedding():
    """ViT's parameters grow with the input through the position embedding, one per
    token (floor(n/16)² patches and the class token) and channel."""
    net = network("vit_b_16")
    assert [s.name for s in net.symbols] == ["n"]
    assert not net.params.is_Integer
    assert int(net.subs(n=384).params) - int(net.subs(n=224).params) == (24**2 - 14**2) * 768


@pytest.mark.parametrize("name", ["vit_b_16", "swin_t", "swin_v2_t", "maxvit_t"])
def test_to_torch_counts_as_torchvision(name):
    """``to_torch`` builds a model with torchvision's parameters and buffers that runs
    (on the meta device) to torchvision's output shape, with torchvision's MACs."""
    from symcnn.torch import to_torch

    size = tv.crop_size(name)
    with torch.device("meta"):
        built = to_torch(network(name).subs(n=size)).eval()
    model = torchvision_model(name, size)
    assert measured(built, size, size) == measured(model, size, size)


def test_a_small_vit_runs_on_the_cpu():
    """A ViT of two blocks on real tensors: a forward pass to (1, 10), with symcnn's
    parameter count."""
    from symcnn.torch import example_input, to_torch

    net = symcnn.parse("def encoder(d, heads, mlp) = Res([LN MSA(heads)]) "
                       "Res([LN C(mlp, 1) GELU C(d, 1)])\n"
                       "I(32, 32, 3) C(64, 8, s=8) Tokens Cls Pos encoder(64, 4, 128) * 2 "
                       "LN ClsOut D(10)")
    model = to_torch(net).eval()
    with torch.no_grad():
        out = model(example_input(net))
    assert tuple(out.shape) == (1, 10) and bool(torch.isfinite(out).all())
    assert sum(p.numel() for p in model.parameters()) == net.params == 3 * 64 * 64 + 64 + (
        64 + 17 * 64 + 2 * (2 * 64 + 4 * 65 * 64 + 2 * 64 + 65 * 128 + 129 * 64)
        + 2 * 64 + 65 * 10)


def test_maxvit_takes_the_sizes_torchvision_takes():
    """torchvision's MaxViT is built for sizes where 7 divides every block's input,
    ceil(n/4) to ceil(n/32); symcnn refuses the others with GMSA's condition."""
    def builds(size: int) -> bool:
        try:
            with torch.device("meta"):
                tv.torchvision.models.maxvit_t(weights=None, input_size=(size, size))
        except ValueError:
            return False
        return True

    def takes(size: int) -> bool:
        try:
            network("maxvit_t").subs(n=size)
        except symcnn.ShapeError:
            return False
        return True

    sizes = [*range(214, 230), *range(440, 452)]
    assert [n for n in sizes if takes(n)] == [n for n in sizes if builds(n)] == [
        221, 222, 223, 224, 445, 446, 447, 448]


def test_msa_counts_as_pytorchs_multihead_attention():
    """``MSA(heads)`` against ``torch.nn.MultiheadAttention`` itself, on the meta device,
    where FlopCounterMode counts its fused kernel: 4(d + 1)d parameters and
    4·L·d² + 2·L²·d MACs."""
    net = symcnn.parse("I(197, 768) MSA(12)")
    with torch.device("meta"):
        attention = torch.nn.MultiheadAttention(768, 12, batch_first=True).eval()
        x = torch.empty(1, 197, 768)
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            attention(x, x, x, need_weights=False)
    assert int(net.params) == sum(p.numel() for p in attention.parameters()) == 4 * 769 * 768
    assert int(net.macs) == counter.get_total_flops() // 2 == 4 * 197 * 768**2 + 2 * 197**2 * 768


@pytest.mark.parametrize("text", ["I(n, n, 3) C(768, 16, s=16) Tokens Cls Pos MSA(12)",
                                  "I(n, n, 96) WMSA(3, 7, 3)", "I(56, 56, 64) GMSA(2, 7)",
                                  "I(l, 96) MSA(3) LN"])
def test_attention_has_no_receptive_field(text):
    with pytest.raises(symcnn.SymcnnError, match="has no receptive field"):
        _ = symcnn.parse(text).receptive_field


def test_patch_merging_sees_two_by_two_windows():
    net = symcnn.parse("I(n, n, 3) C(96, 4, s=4) LN PatchMerge(192) PatchMerge(384)")
    field = net.receptive_field
    assert (field.size, field.stride, field.padding) == ((16, 16), (16, 16), (0, 0))


@pytest.mark.parametrize("text, message", [
    ("I(197, 768) MSA(5)", "the heads=5 must divide the channels 768"),
    ("I(56, 56, 96) WMSA(5, 7)", "the heads=5 must divide the channels 96"),
    ("I(56, 56, 96) WMSA(3, 7, 7)", "the shift 7 must be less than the window 7"),
    ("I(30, 28, 64) GMSA(2, 7)", "the grid g=7 must divide the height 30"),
])
def test_attention_refuses_with_a_clear_error(text, message):
    with pytest.raises(symcnn.ShapeError, match=message):
        symcnn.parse(text)
