"""LN, the kind CONTRIBUTING.md adds as its worked example, against PyTorch's LayerNorm."""

import pytest

import symcnn

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("program, channels", [
    ("I(7, 7, 96) LN", 96), ("I(768) LN", 768), ("I(50, 12) LN", 12), ("I(2, 5, 5, 8) LN", 8),
])
def test_layer_norm_counts_what_pytorch_has(program, channels):
    net = symcnn.parse(program)
    reference = torch.nn.LayerNorm(channels)
    assert net.params == sum(p.numel() for p in reference.parameters()) == 2 * channels
    assert net.non_trainable == 0 and net.macs == 0
    assert net.output_shape == net.input_shape


def test_layer_norm_exports_and_normalises_the_channels():
    from symcnn.torch import example_input, to_torch

    net = symcnn.parse("I(6, 6, 16) C(32, 3) LN G F D(10)")
    model = to_torch(net)
    assert sum(p.numel() for p in model.parameters()) == net.params == 4640 + 64 + 330
    x = example_input(net)
    hidden = model[:3](x)  # after LN: every position's channels have mean 0
    assert hidden.shape == (1, 32, 4, 4)
    assert torch.allclose(hidden.mean(dim=1), torch.zeros(1, 4, 4), atol=1e-5)


def test_layer_norm_is_symbolic_and_suggested():
    assert str(symcnn.parse("I(n, n, c) C(f, 3) LN").layers[-1].params) == "2*f"
    with pytest.raises(symcnn.DSLSyntaxError, match=r"did you mean LN \(LayerNorm\)\?"):
        symcnn.parse("I(8, 8, 3) LayerNormalization")
