"""torchvision's own classification models, built on PyTorch's ``meta`` device (shapes
only, no memory, no weights), for the tests that check the zoo's networks against them
(``test_torchvision_zoo.py``). Importing this module skips the importing test module
when torch or torchvision is missing; CI installs both (the ``torchvision`` extra) and
turns skips into failures.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest

torch = pytest.importorskip("torch", reason="the torchvision comparison needs torch")


def _import_torchvision() -> Any:
    """Imports torchvision whether or not its compiled operators load.

    A torchvision wheel built for another torch (here a CUDA build next to the CPU torch
    2.13.0) has no usable ``torchvision::`` operators (nms, roi_align, ...), and its
    import fails while registering fake kernels for them: "operator torchvision::nms
    does not exist". The classification models never call those operators, so while
    torchvision is imported a fake-kernel registration for a ``torchvision::`` operator
    does nothing; every other registration goes through.
    """
    register_fake = torch.library.register_fake

    def skip_torchvision_ops(op: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(op, str) and op.startswith("torchvision::"):
            return args[0] if args and callable(args[0]) else (lambda fn: fn)
        return register_fake(op, *args, **kwargs)

    with mock.patch.object(torch.library, "register_fake", skip_torchvision_ops):
        return pytest.importorskip("torchvision",
                                   reason="the torchvision comparison needs torchvision")


torchvision = _import_torchvision()

# As torchvision's weights are built, and as their meta["num_params"] counts them: the
# auxiliary classifiers of GoogLeNet and Inception v3 only train and are left out;
# init_weights=False skips an initialisation that means nothing without values.
OPTIONS: dict[str, dict[str, Any]] = {
    "googlenet": {"aux_logits": False, "init_weights": False},
    "inception_v3": {"aux_logits": False, "init_weights": False},
}


#: The zoo's networks with torchvision's auxiliary classifiers, by torchvision's name.
WITH_AUX = {"googlenet_aux": "googlenet", "inception_v3_aux": "inception_v3"}


class Training(torch.nn.Module):
    """A model that always runs as in training, where torchvision runs its auxiliary
    classifiers (``eval()`` changes nothing), and returns its main logits."""

    def __init__(self, model: Any):
        super().__init__()
        self.model = model

    def train(self, mode: bool = True) -> Training:
        return super().train(True)

    def forward(self, x: Any) -> Any:
        return self.model(x).logits


@functools.lru_cache(maxsize=None)
def model_with_aux(name: str) -> Training:
    """torchvision's model of the zoo's ``name`` (``googlenet_aux``, ...) with its
    auxiliary classifiers, on the meta device, running as in training."""
    with torch.device("meta"):
        built = torchvision.models.get_model(WITH_AUX[name], weights=None, aux_logits=True,
                                             init_weights=False)
    return Training(built)


@contextlib.contextmanager
def _regnet_widths_on_cpu() -> Iterator[None]:
    """RegNet computes its widths with torch tensors (``BlockParams.from_init_params``),
    which under ``torch.device("meta")`` have no values to read back; they are computed
    on the CPU, the modules still on the meta device."""
    from torchvision.models import regnet

    compute = regnet.BlockParams.from_init_params

    def on_cpu(*args: Any, **kwargs: Any) -> Any:
        with torch.device("cpu"):
            return compute(*args, **kwargs)

    with mock.patch.object(regnet.BlockParams, "from_init_params", on_cpu):
        yield


def counts(net: Any) -> dict[str, object]:
    """A symcnn network's totals as ``reference_models.trace`` gives a model's."""
    return {"params": int(net.params), "non_trainable": int(net.non_trainable),
            "output_shape": tuple(int(v) for v in net.output_shape), "macs": int(net.macs)}


def measured(model: Any, *sizes: int) -> dict[str, object]:
    """What PyTorch counts of ``model`` run on the meta device on one input of spatial
    ``sizes`` with 3 channels, as ``counts`` gives a symcnn network's: parameters,
    buffers (without BatchNorm's batch counter, which symcnn, as Keras, does not count),
    the output's shape per sample, channels last (a segmentation network's "out"), and
    half of ``FlopCounterMode``'s operations, which counts attention only on meta."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        out = model(torch.empty(1, 3, *sizes, device="meta"))
    out = out["out"] if isinstance(out, dict) else out
    shape = tuple(out.shape[1:])
    return {"params": sum(p.numel() for p in model.parameters()),
            "non_trainable": sum(b.numel() for name, b in model.named_buffers()
                                 if not name.endswith("num_batches_tracked")),
            "output_shape": (*shape[1:], shape[0]), "macs": counter.get_total_flops() // 2}


KIND = {"C": "conv", "DW": "conv", "BN": "bn", "D": "linear", "O": "linear"}


def layers(net: Any) -> list[tuple[str, tuple[int, ...]]]:
    """The convolutions, BN and dense layers in the order they run, with their output
    shapes, as ``reference_models.trace`` lists a model's."""
    return [(KIND[r.kind], tuple(int(v) for v in r.output_shape))
            for r in net.layers if r.kind in KIND]


@functools.lru_cache(maxsize=None)
def model(name: str) -> Any:
    """torchvision's model ``name``, untrained (``weights=None``), on the meta device."""
    with _regnet_widths_on_cpu(), torch.device("meta"):
        built = torchvision.models.get_model(name, weights=None, **OPTIONS.get(name, {}))
    return built.eval()


def crop_size(name: str) -> int:
    """The input size of the weights torchvision publishes for ``name`` (224, or 299
    for Inception v3)."""
    weights = torchvision.models.get_model_weights(name).DEFAULT
    return int(weights.transforms.keywords["crop_size"])


def published(name: str) -> dict[str, Any]:
    """What torchvision's documentation gives for ``name``'s weights: ``num_params``,
    ``_ops`` (its "GFLOPS", in billions, to three decimals), ``min_size``, ..."""
    return dict(torchvision.models.get_model_weights(name).DEFAULT.meta)


@functools.lru_cache(maxsize=None)
def refuses(name: str, size: int) -> bool:
    """Whether torchvision's ``name`` fails on a ``size`` x ``size`` image: some layer's
    output would be empty."""
    try:
        with torch.no_grad():
            model(name)(torch.empty(1, 3, size, size, device="meta"))
    except RuntimeError:
        return True
    return False
