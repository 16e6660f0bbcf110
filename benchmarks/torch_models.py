"""The benchmark networks written by hand as plain ``torch.nn`` models, for torchinfo's
side of the comparison (``python benchmarks/run.py``).

They are what a torchinfo user writes, and their parameter counts are checked against
symcnn's before any time is taken. Run as a script, ``python benchmarks/torch_models.py
vgg16`` is torchinfo's whole process for one network: import, build, ``summary()``,
print; ``... vgg16 meta`` builds the model on PyTorch's meta device. MobileNetV2 and
EfficientNet-B0 are torchvision's own models.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import torch
from torch import nn


def mnist() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(800, 256), nn.ReLU(), nn.Linear(256, 10), nn.Softmax(dim=1))


def cifar() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10), nn.Softmax(dim=1))


def vgg16() -> nn.Module:
    layers: list[nn.Module] = []
    channels = 3
    for width, repeat in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        for _ in range(repeat):
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU()]
            channels = width
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(
        *layers, nn.Flatten(),
        nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 1000), nn.Softmax(dim=1))


class Bottleneck(nn.Module):
    def __init__(self, inputs: int, width: int, stride: int):
        super().__init__()
        outputs = 4 * width
        self.body = nn.Sequential(
            nn.Conv2d(inputs, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, outputs, 1, bias=False), nn.BatchNorm2d(outputs))
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or inputs != outputs:
            self.shortcut = nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride, bias=False),
                                          nn.BatchNorm2d(outputs))
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.body(x) + self.shortcut(x))


def resnet(blocks: tuple[int, int, int, int]) -> nn.Module:
    layers: list[nn.Module] = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64),
                               nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    inputs = 64
    for width, count, stride in zip((64, 128, 256, 512), blocks, (1, 2, 2, 2)):
        for i in range(count):
            layers.append(Bottleneck(inputs, width, stride if i == 0 else 1))
            inputs = 4 * width
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000))


def torchvision(name: str) -> Callable[[], nn.Module]:
    """torchvision's own model ``name``, untrained, imported through the tests' shim
    (tests/torchvision_models.py), which lets torchvision load beside this torch."""
    def build() -> nn.Module:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        import torchvision_models

        return torchvision_models.torchvision.models.get_model(name, weights=None)
    return build


MODELS = {
    "mnist": (mnist, (1, 1, 28, 28)),
    "cifar": (cifar, (1, 3, 32, 32)),
    "vgg16": (vgg16, (1, 3, 224, 224)),
    "resnet50": (lambda: resnet((3, 4, 6, 3)), (1, 3, 224, 224)),
    "resnet152": (lambda: resnet((3, 8, 36, 3)), (1, 3, 224, 224)),
    "mobilenet_v2": (torchvision("mobilenet_v2"), (1, 3, 224, 224)),
    "efficientnet_b0": (torchvision("efficientnet_b0"), (1, 3, 224, 224)),
}


def build(name: str, device: str = "cpu") -> nn.Module:
    """The model ``name`` in evaluation mode, built on ``device`` (``"meta"``: shapes
    only, no memory, no weights)."""
    with torch.device(device):
        return MODELS[name][0]().eval()


def summary_table(name: str, device: str = "cpu") -> str:
    """Builds the model and returns torchinfo's printed summary of it."""
    import torchinfo

    return str(torchinfo.summary(build(name, device), input_size=MODELS[name][1], verbose=0,
                                 device=device))


def trainable(name: str) -> int:
    return sum(p.numel() for p in MODELS[name][0]().parameters() if p.requires_grad)


if __name__ == "__main__":  # torch_models.py NAME [meta]
    print(summary_table(sys.argv[1], *sys.argv[2:3]))
