"""The zoo's networks written by hand in plain ``torch.nn``, as torchvision writes them
(torchvision itself is not a dependency), so that the tests can count what PyTorch
counts and compare it with what symcnn derives from the ``.cnn`` files.

Nothing here comes from symcnn: each model follows its paper or torchvision's source.
Classifiers end in logits; a softmax has no parameters and no MACs, so the zoo's ``O``
layers compare with a plain ``nn.Linear``.
"""

from __future__ import annotations

import torch
from torch import nn


def lenet5() -> nn.Module:
    """LeCun et al. 1998, with a fully connected C3 and a plain dense output."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(),
        nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))


def alexnet() -> nn.Module:
    """torchvision.models.AlexNet."""
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.AdaptiveAvgPool2d((6, 6)), nn.Flatten(),
        nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
        nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(),
        nn.Linear(4096, 1000))


VGG = {  # Simonyan & Zisserman 2014, Table 1; "M" is a 2x2 max pool
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
              512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
              512, 512, 512, 512, "M"],
}


def vgg(config: str, batch_norm: bool = False) -> nn.Module:
    """The paper's VGG: the first dense layer takes whatever the last pool gives (a lazy
    layer finds its size on the first forward pass), so the model works at any input
    size, as the zoo's files do. torchvision puts an adaptive 7x7 pool there instead,
    which is the identity at 224."""
    layers: list[nn.Module] = []
    channels = 3
    for item in VGG[config]:
        if item == "M":
            layers.append(nn.MaxPool2d(2, 2))
            continue
        layers.append(nn.Conv2d(channels, item, 3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(item))
        layers.append(nn.ReLU())
        channels = item
    return nn.Sequential(
        *layers, nn.Flatten(),
        nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 1000))


# ---- ResNet, after torchvision/models/resnet.py -------------------------------------

def _conv_bn(cin: int, cout: int, k: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, k, stride, padding=k // 2, bias=False), nn.BatchNorm2d(cout)]


class BasicBlock(nn.Module):
    """Two 3x3 convolutions; the stride has one place, so ``stride_on_3x3`` (taken for
    the same signature as :class:`Bottleneck`) changes nothing."""
    expansion = 1

    def __init__(self, cin: int, planes: int, stride: int, stride_on_3x3: bool = True):
        super().__init__()
        self.body = nn.Sequential(*_conv_bn(cin, planes, 3, stride), nn.ReLU(),
                                  *_conv_bn(planes, planes, 3))
        self.shortcut = (nn.Sequential(*_conv_bn(cin, planes, 1, stride))
                         if stride != 1 or cin != planes else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class Bottleneck(nn.Module):
    """torchvision's bottleneck ("ResNet v1.5") strides its 3x3 convolution; the paper's
    ("v1") strides the first 1x1."""
    expansion = 4

    def __init__(self, cin: int, planes: int, stride: int, stride_on_3x3: bool = True):
        super().__init__()
        s1, s3 = (1, stride) if stride_on_3x3 else (stride, 1)
        out = planes * self.expansion
        self.body = nn.Sequential(*_conv_bn(cin, planes, 1, s1), nn.ReLU(),
                                  *_conv_bn(planes, planes, 3, s3), nn.ReLU(),
                                  *_conv_bn(planes, out, 1))
        self.shortcut = (nn.Sequential(*_conv_bn(cin, out, 1, stride))
                         if stride != 1 or cin != out else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


RESNET = {"resnet18": (BasicBlock, [2, 2, 2, 2]), "resnet34": (BasicBlock, [3, 4, 6, 3]),
          "resnet50": (Bottleneck, [3, 4, 6, 3]), "resnet101": (Bottleneck, [3, 4, 23, 3]),
          "resnet152": (Bottleneck, [3, 8, 36, 3])}


def resnet(depth: str, stride_on_3x3: bool = True) -> nn.Module:
    block, counts = RESNET[depth]
    layers: list[nn.Module] = [*_conv_bn(3, 64, 7, 2), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    channels = 64
    for i, (planes, count) in enumerate(zip([64, 128, 256, 512], counts)):
        for j in range(count):
            stride = 2 if i > 0 and j == 0 else 1
            layers.append(block(channels, planes, stride, stride_on_3x3))
            channels = planes * block.expansion
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(channels, 1000))


# ---- MobileNets ----------------------------------------------------------------------

def mobilenet_v1() -> nn.Module:
    """Howard et al. 2017, Table 1, with the last depthwise block at stride 1."""
    def conv(cin: int, cout: int, stride: int, groups: int = 1, k: int = 3) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                nn.BatchNorm2d(cout), nn.ReLU()]

    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), *[(512, 1)] * 5,
            (1024, 2), (1024, 1)]
    layers = conv(3, 32, 2)
    channels = 32
    for cout, stride in plan:
        layers += conv(channels, channels, stride, groups=channels)
        layers += conv(channels, cout, 1, k=1)
        channels = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(1024, 1000))


class InvertedResidual(nn.Module):
    """torchvision/models/mobilenetv2.py."""

    def __init__(self, cin: int, cout: int, stride: int, expand: int):
        super().__init__()
        hidden = cin * expand
        layers: list[nn.Module] = []
        if expand != 1:
            layers += [nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden),
                       nn.ReLU6()]
        layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
                   nn.BatchNorm2d(hidden), nn.ReLU6(),
                   nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.residual else self.conv(x)


def mobilenet_v2() -> nn.Module:
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1)]  # t, c, n, s: the paper's Table 2
    layers: list[nn.Module] = [nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32),
                               nn.ReLU6()]
    channels = 32
    for t, c, n, s in settings:
        for i in range(n):
            layers.append(InvertedResidual(channels, c, s if i == 0 else 1, t))
            channels = c
    layers += [nn.Conv2d(channels, 1280, 1, bias=False), nn.BatchNorm2d(1280), nn.ReLU6()]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2),
                         nn.Linear(1280, 1000))


# ---- GoogLeNet -------------------------------------------------------------------------

class Inception(nn.Module):
    def __init__(self, cin: int, a: int, b1: int, b: int, c1: int, c: int, d: int):
        super().__init__()
        self.branches = nn.ModuleList([
            nn.Sequential(nn.Conv2d(cin, a, 1), nn.ReLU()),
            nn.Sequential(nn.Conv2d(cin, b1, 1), nn.ReLU(), nn.Conv2d(b1, b, 3, padding=1),
                          nn.ReLU()),
            nn.Sequential(nn.Conv2d(cin, c1, 1), nn.ReLU(), nn.Conv2d(c1, c, 5, padding=2),
                          nn.ReLU()),
            nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(cin, d, 1), nn.ReLU())])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


GOOGLENET = {  # Szegedy et al. 2014, Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5,
    # pool proj
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64), "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128), "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


def googlenet() -> nn.Module:
    """The paper's GoogLeNet without auxiliary classifiers: biases, LRN, true 5x5
    convolutions (torchvision's has BN and 3x3 there), and torchvision's ceil-mode pools."""
    def inception(name: str, cin: int) -> tuple[nn.Module, int]:
        a, b1, b, c1, c, d = GOOGLENET[name]
        return Inception(cin, a, b1, b, c1, c, d), a + b + c + d

    layers: list[nn.Module] = [
        nn.Conv2d(3, 64, 7, 2, 3), nn.ReLU(), nn.MaxPool2d(3, 2, ceil_mode=True),
        nn.LocalResponseNorm(5),
        nn.Conv2d(64, 64, 1), nn.ReLU(), nn.Conv2d(64, 192, 3, padding=1), nn.ReLU(),
        nn.LocalResponseNorm(5), nn.MaxPool2d(3, 2, ceil_mode=True)]
    channels = 192
    for name in GOOGLENET:
        if name in ("4a", "5a"):
            layers.append(nn.MaxPool2d(3, 2, ceil_mode=True))
        block, channels = inception(name, channels)
        layers.append(block)
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.4),
                         nn.Linear(channels, 1000))


MODELS = {  # by zoo name; the papers' forms of VGG and GoogLeNet are vgg16_paper, ...
    "lenet5": lenet5, "alexnet": alexnet,
    **{f"{name}_paper": (lambda name=name: vgg(name)) for name in VGG},
    # the paper's form with BN, which is torchvision's vgg16_bn at 224 (the test's size)
    "vgg16_bn": lambda: vgg("vgg16", batch_norm=True),
    **{name: (lambda name=name: resnet(name)) for name in RESNET},
    "mobilenet_v1": mobilenet_v1, "mobilenet_v2": mobilenet_v2, "googlenet_paper": googlenet,
}


# ---- what the tests count ------------------------------------------------------------

def _double_conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(), nn.Conv2d(cout, cout, 3, padding=1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU())


class UNet(nn.Module):
    """Ronneberger, Fischer & Brox 2015, as milesial's Pytorch-UNet writes it
    (``UNet(3, classes, bilinear=False)``): padded double convolutions with batch norm,
    max pools down, transposed convolutions up, each skip concatenated before the
    upsampled map."""

    def __init__(self, classes: int = 2) -> None:
        super().__init__()
        widths = [64, 128, 256, 512, 1024]
        self.inc = _double_conv(3, 64)
        self.downs = nn.ModuleList(nn.Sequential(nn.MaxPool2d(2), _double_conv(a, b))
                                   for a, b in zip(widths, widths[1:]))
        self.ups = nn.ModuleList(nn.ConvTranspose2d(b, b // 2, 2, stride=2)
                                 for b in reversed(widths[1:]))
        self.convs = nn.ModuleList(_double_conv(b, b // 2) for b in reversed(widths[1:]))
        self.outc = nn.Conv2d(64, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.inc(x)
        skips = []
        for down in self.downs:
            skips.append(x)
            x = down(x)
        for up, conv in zip(self.ups, self.convs):
            x = conv(torch.cat([skips.pop(), up(x)], dim=1))
        return self.outc(x)


def _channels_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A per-sample shape, channels-first as PyTorch's, in symcnn's channels-last order."""
    return (shape[1], shape[2], shape[0]) if len(shape) == 3 else shape


def trace(model: nn.Module, size: int, channels: int = 3,
          device: str = "cpu") -> tuple[dict[str, object], list[tuple[str, tuple[int, ...]]]]:
    """Runs ``model`` in eval mode on a batch of two ``size`` x ``size`` images and counts
    as docs/language.md does: trainable parameters, BN running statistics, output shape (per
    sample) and MACs from forward hooks (Conv2d: output elements x kh·kw·in/groups;
    Linear: in x out per sample; every other module 0). Also returns, in the order they
    ran, the kind ("conv", "bn" or "linear") and per-sample output shape of each Conv2d,
    BatchNorm2d and Linear module. On the ``meta`` device nothing is computed, only
    shapes, so even the largest model takes milliseconds."""
    batch = 2
    model.eval()
    x = torch.randn(batch, channels, size, size, device=device)
    layers: list[tuple[str, tuple[int, ...]]] = []
    with torch.no_grad():
        model(x)  # materialises lazy layers before anything is counted
        macs = 0

        def count(module: nn.Module, inputs, output) -> None:
            nonlocal macs
            if isinstance(module, nn.Conv2d):
                kh, kw = module.kernel_size
                per_output = kh * kw * module.in_channels // module.groups
                macs += output.numel() // batch * per_output
                layers.append(("conv", _channels_last(tuple(output.shape[1:]))))
            elif isinstance(module, nn.Linear):
                macs += output.numel() // batch * module.in_features
                layers.append(("linear", tuple(output.shape[1:])))
            elif isinstance(module, nn.BatchNorm2d):
                layers.append(("bn", _channels_last(tuple(output.shape[1:]))))

        hooks = [m.register_forward_hook(count) for m in model.modules()]
        try:
            out = model(x)
        finally:
            for hook in hooks:
                hook.remove()
    statistics = sum(buffer.numel() for name, buffer in model.named_buffers()
                     if name.endswith(("running_mean", "running_var")))
    totals = {"params": sum(p.numel() for p in model.parameters() if p.requires_grad),
              "non_trainable": statistics, "output_shape": _channels_last(tuple(out.shape[1:])),
              "macs": macs}
    return totals, layers


def measure(model: nn.Module, size: int, channels: int = 3,
            device: str = "cpu") -> dict[str, object]:
    """The totals of :func:`trace`: params, non_trainable, output_shape and macs."""
    return trace(model, size, channels, device)[0]
