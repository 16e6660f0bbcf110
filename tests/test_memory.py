"""Memory (issue 14): each record's activations, net.memory's bytes, the activations
budget, and the conventions of docs/conventions.md checked against torchinfo's own
"Forward/backward pass size", against the outputs of torchvision's convolutions and
linear layers (fvcore's activation count), and against PyTorch's optimisers' state."""

from __future__ import annotations

import json
import math

import pytest

import symcnn
from symcnn import zoo
from symcnn.cli import main


def test_each_record_counts_its_output_and_the_total_leaves_out_the_input():
    net = symcnn.parse("I(32, 32, 3) C(16, 3) P(2) G O(10)")
    assert [r.activations for r in net.layers] == [3072, 14400, 3600, 16, 10]
    assert net.activations == 14400 + 3600 + 16 + 10
    symbolic = symcnn.parse("I(n, n, 3) C(16, 3) G O(10)")
    assert str(symbolic.activations) == "16*(n - 2)**2 + 26"
    assert symbolic.subs(n=32).activations == net.activations - 3600


def test_memory_of_a_small_network_by_hand():
    m = symcnn.parse("I(32, 32, 3) C(16, 3) G O(10)").memory(batch=8, dtype="float16")
    params = 448 + 170
    assert (m.batch, m.dtype, m.optimizer, m.value_bytes) == (8, "float16", "adam", 2)
    assert m.activations == 14400 + 16 + 10
    assert m.weights == 2 * params and m.gradients == 2 * params
    assert m.optimizer_state == 2 * 2 * params  # Adam: two moments
    assert m.input == 2 * 8 * 32 * 32 * 3
    assert m.activations_bytes == 2 * 8 * m.activations
    assert m.training == m.weights + m.gradients + m.optimizer_state + m.input + \
        m.activations_bytes == 284912
    assert all(type(v) is int for v in (m.weights, m.input, m.activations_bytes, m.training))


@pytest.mark.parametrize("dtype, size", [("float32", 4), ("float16", 2), ("bfloat16", 2),
                                         ("int8", 1), ("float64", 8)])
@pytest.mark.parametrize("optimizer, states", [("sgd", 0), ("momentum", 1), ("adam", 2)])
def test_every_dtype_and_optimizer(dtype, size, optimizer, states):
    net = zoo.load("resnet18", {"n": 224})
    m = net.memory(batch=32, dtype=dtype, optimizer=optimizer)
    assert m.weights == size * (11689512 + 9600)
    assert m.optimizer_state == size * states * 11689512
    assert m.activations_bytes == size * 32 * 8230376


def test_a_symbolic_batch_and_size_give_the_numbers_at_every_value():
    net = zoo.load("resnet18")
    m = net.memory(batch="b", dtype="bfloat16", optimizer="momentum")
    b, n = sorted(m.training.free_symbols, key=lambda s: s.name)
    for size, batch in [(224, 32), (97, 3), (512, 1)]:
        at = net.subs(n=size).memory(batch=batch, dtype="bfloat16", optimizer="momentum")
        assert m.training.subs({b: batch, n: size}) == at.training
        assert m.activations_bytes.subs({b: batch, n: size}) == at.activations_bytes


@pytest.mark.parametrize("call, message", [
    (lambda n: n.memory(dtype="float8"), "the dtype is one of float64, float32"),
    (lambda n: n.memory(optimizer="rmsprop"), "the optimizer is one of sgd, momentum"),
    (lambda n: n.memory(batch=0), "the batch size is at least 1, not 0"),
    (lambda n: n.memory(batch="2b"), "a whole number or a symbol's name"),
    (lambda n: n.memory(batch=2.0), "a whole number or a symbol's name"),
])
def test_bad_memory_arguments(call, message):
    with pytest.raises(symcnn.SymcnnError, match=message):
        call(symcnn.parse("I(8, 8, 1) C(2, 3)"))


def test_activations_as_a_budget_and_a_closed_form():
    net = zoo.load("resnet50")
    budget = int(net.subs(n=224).activations)
    assert net.largest("n", activations=budget) == 224
    sizes = range(200, 240)
    assert net.largest("n", activations=budget) == max(
        s for s in sizes if net.subs(n=s).activations <= budget)
    assert str(net.on_multiples().activations) == "766464*m**2 + 3048"
    assert net.formula("activations") == net.activations


def test_the_cli_adds_the_memory_to_the_totals_in_every_format(capsys):
    program = "I(32,32,3) C(16,3) G O(10)"
    assert main([program, "--batch", "8", "--dtype", "float16"]) == 0
    out = capsys.readouterr().out
    assert "weights (float32)" not in out  # the memory's weights replace them
    assert "activations per sample          14,426 (14.4 k)\n" in out
    assert "training (adam)                 284,912 bytes (278.2 KiB)\n" in out
    assert main([program, "--batch", "8", "--dtype", "float16", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["memory"]["training_bytes"] == 284912
    assert [layer["activations"] for layer in data["layers"]] == [3072, 14400, 16, 10]
    assert main([program, "--batch", "b", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(",macs,activations,activations_bytes")
    assert lines[1].endswith(",0,0") and lines[2].endswith(",14400,57600*b")
    for fmt in ("markdown", "latex"):
        assert main([program, "--optimizer", "sgd", "--format", fmt]) == 0
        assert "raining (sgd)" in capsys.readouterr().out
    assert main(["solve", "--zoo", "resnet18", "--largest", "n", "--activations",
                 "8230376"]) == 0
    assert capsys.readouterr().out == "n = 224\n"
    assert main([program, "--batch", "x y"]) == 2
    assert "a symbol's name" in capsys.readouterr().err


def test_compare_shows_weights_activations_and_receptive_field(capsys):
    assert main(["compare", "resnet18", "I(n,n,3) C(8,3,s=2) C(8,3)", "--set", "n=224"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [c.strip() for c in out[0].split("  ") if c][-3:] == [
        "weights (bytes)", "activations", "receptive field"]
    assert out[2].split()[-7:] == ["11,689,512", "1,814,073,344", "46,796,448", "8,230,376",
                                   "435", "×", "435"]
    assert out[3].endswith("7 × 7")
    assert main(["compare", "resnet18", "vgg16", "--set", "n=224", "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "name,input_shape,params,macs,weights_bytes,activations,receptive_field"
    assert rows[2].endswith(",138357544,15470264320,553430176,28676072,212x212")


# ---- the conventions of docs/conventions.md, against PyTorch -------------------------

def _outputs_of(model, types, size, batch=2):
    """The elements of the outputs of the modules of ``types``, on the meta device."""
    import torch

    found = []
    hooks = [m.register_forward_hook(lambda m, i, o: found.append(o.numel()))
             for m in model.modules() if isinstance(m, types)]
    try:
        model(torch.empty(batch, 3, size, size, device="meta"))
    finally:
        for hook in hooks:
            hook.remove()
    return sum(found)


@pytest.mark.parametrize("name", ["resnet18", "vgg16", "mobilenet_v2"])
def test_torchinfo_forward_backward_size_is_twice_the_outputs_of_layers_with_weights(name):
    tm = pytest.importorskip("torchvision_models")
    torchinfo = pytest.importorskip("torchinfo", reason="the torchinfo comparison")
    net = zoo.load(name, {"n": 64})
    summary = torchinfo.summary(tm.model(name), input_size=(2, 3, 64, 64), device="meta",
                                verbose=0)
    with_weights = sum(int(r.activations) for r in net.layers
                       if r.params or r.non_trainable)
    assert summary.total_output_bytes == 2 * 4 * 2 * with_weights


@pytest.mark.parametrize("name", ["resnet18", "vgg16", "googlenet"])
def test_fvcore_activation_count_is_the_outputs_of_convolutions_and_linear_layers(name):
    tm = pytest.importorskip("torchvision_models")
    import torch

    convs = _outputs_of(tm.model(name), (torch.nn.Conv2d, torch.nn.Linear), 96)
    net = zoo.load(name, {"n": 96})
    assert convs == 2 * sum(int(r.activations) for r in net.layers if r.macs)


@pytest.mark.parametrize("optimizer, make", [
    ("momentum", lambda torch, p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    ("adam", lambda torch, p: torch.optim.Adam(p)),
    ("sgd", lambda torch, p: torch.optim.SGD(p, lr=0.1)),
])
def test_optimizer_state_is_what_pytorch_keeps(optimizer, make):
    torch = pytest.importorskip("torch")
    from symcnn.torch import example_input, to_torch

    net = symcnn.parse("I(12, 12, 3) C(8, 3) BN ReLU P(2) D(10)")
    model = to_torch(net)
    step = make(torch, model.parameters())
    model(example_input(net, batch=2)).sum().backward()
    step.step()
    state = sum(v.numel() * v.element_size() for s in step.state.values()
                for key, v in s.items() if key != "step" and torch.is_tensor(v))
    assert state == net.memory(optimizer=optimizer).optimizer_state
    weights = sum(v.numel() * v.element_size() for v in
                  [*model.parameters(), *(b for k, b in model.named_buffers()
                                          if not k.endswith("num_batches_tracked"))])
    assert weights == net.memory().weights
    gradients = sum(p.grad.numel() * p.grad.element_size() for p in model.parameters())
    assert gradients == net.memory().gradients
    assert math.prod(example_input(net, batch=2).shape) * 4 == net.memory(batch=2).input
