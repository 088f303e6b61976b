"""DenseNet-BC for ImageNet (Huang, Liu, van der Maaten, Weinberger, "Densely Connected
Convolutional Networks", arXiv 1608.06993, CVPR 2017), Table 1.

Every layer of a dense block receives the concatenation of all earlier feature maps of that block
and adds ``k`` (the growth rate) maps of its own. Each "conv" of Table 1 is the sequence
BN-ReLU-Conv (pre-activation), so the convolutions carry no bias. The stages:

    stem        7x7 conv, stride 2, 2k maps; BN; ReLU; 3x3 max-pool, stride 2    -> 56x56 at 224
    block i     n_i layers of BN-ReLU-1x1 conv (4k) - BN-ReLU-3x3 conv (k), concatenated
    transition  BN-ReLU-1x1 conv to floor(theta*m) maps (theta = 0.5); 2x2 average pool, stride 2
    head        BN; ReLU; global average pool; fully connected layer (1000 classes)

The name counts weight layers: 1 stem conv + 2 per dense layer + 3 transition convs + 1 fc, so
DenseNet-121 = 1 + 2*(6+12+24+16) + 3 + 1. DenseNet-264's blocks (6, 12, 64, 48) give 265 by the
same count; the name is the paper's.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

import torch
from torch import nn

from ._blocks import classifier
from .registry import zoo_model

THETA = 0.5  # transition compression factor of DenseNet-C/BC
BOTTLENECK = 4  # each 1x1 bottleneck conv produces 4k maps


class DenseNetConfig(NamedTuple):
    growth_rate: int  # k; the stem has 2k maps
    blocks: tuple[int, int, int, int]  # dense layers per block


CONFIGS: dict[str, DenseNetConfig] = {
    # Table 1 (k = 32)
    "densenet121": DenseNetConfig(32, (6, 12, 24, 16)),
    "densenet169": DenseNetConfig(32, (6, 12, 32, 32)),
    "densenet201": DenseNetConfig(32, (6, 12, 48, 32)),
    "densenet264": DenseNetConfig(32, (6, 12, 64, 48)),
    # Not in the paper: the authors' released ImageNet model (README, models/densenet.lua, k = 48)
    "densenet161": DenseNetConfig(48, (6, 12, 36, 24)),
}


class DenseLayer(nn.Module):
    """BN-ReLU-1x1 conv (4k maps), BN-ReLU-3x3 conv (k maps); returns the input + the k new maps."""

    def __init__(self, cin: int, growth_rate: int) -> None:
        super().__init__()
        width = BOTTLENECK * growth_rate
        self.bn1 = nn.BatchNorm2d(cin)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(width, growth_rate, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        new = self.conv1(self.relu1(self.bn1(x)))
        new = self.conv2(self.relu2(self.bn2(new)))
        return torch.cat([x, new], dim=1)


def dense_block(cin: int, layers: int, growth_rate: int) -> nn.Sequential:
    """``layers`` dense layers named layer1..layerN; the output has ``cin + layers * k`` maps."""
    return nn.Sequential(OrderedDict(
        (f"layer{i + 1}", DenseLayer(cin + i * growth_rate, growth_rate)) for i in range(layers)
    ))


def transition(cin: int, cout: int) -> nn.Sequential:
    """BN-ReLU-1x1 conv, then 2x2 average pooling with stride 2 (halves the spatial size)."""
    return nn.Sequential(OrderedDict(
        bn=nn.BatchNorm2d(cin), relu=nn.ReLU(inplace=True),
        conv=nn.Conv2d(cin, cout, 1, bias=False), pool=nn.AvgPool2d(2, stride=2),
    ))


class DenseNet(nn.Module):
    """Modules in order: stem, block1, trans1, ..., block4, bn, relu, classifier (ends in fc)."""

    def __init__(self, cfg: DenseNetConfig, num_classes: int = 1000) -> None:
        super().__init__()
        k = cfg.growth_rate
        channels = 2 * k
        self.stem = nn.Sequential(OrderedDict(
            conv=nn.Conv2d(3, channels, 7, stride=2, padding=3, bias=False),
            bn=nn.BatchNorm2d(channels), relu=nn.ReLU(inplace=True),
            pool=nn.MaxPool2d(3, stride=2, padding=1),
        ))
        for i, layers in enumerate(cfg.blocks, start=1):
            self.add_module(f"block{i}", dense_block(channels, layers, k))
            channels += layers * k
            if i < len(cfg.blocks):
                out = int(THETA * channels)  # floor(theta * m)
                self.add_module(f"trans{i}", transition(channels, out))
                channels = out
        self.bn = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.classifier = classifier(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for module in self.children():
            x = module(x)
        return x


@zoo_model
def densenet121(*, num_classes: int = 1000) -> nn.Module:
    """DenseNet-BC-121 (k = 32) from Huang, Liu, van der Maaten & Weinberger 2016, "Densely Connected
    Convolutional Networks", arXiv:1608.06993 (CVPR 2017), Table 1.

    BN-ReLU-Conv throughout, convolutions without bias, stem 7x7/2 and 3x3/2 max-pool as in the authors'
    Torch code; same parameters as torchvision's model of the same name.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return DenseNet(CONFIGS["densenet121"], num_classes=num_classes)


@zoo_model
def densenet169(*, num_classes: int = 1000) -> nn.Module:
    """DenseNet-BC-169 (k = 32) from Huang, Liu, van der Maaten & Weinberger 2016, "Densely Connected
    Convolutional Networks", arXiv:1608.06993 (CVPR 2017), Table 1.

    BN-ReLU-Conv throughout, convolutions without bias, stem 7x7/2 and 3x3/2 max-pool as in the authors'
    Torch code; same parameters as torchvision's model of the same name.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return DenseNet(CONFIGS["densenet169"], num_classes=num_classes)


@zoo_model
def densenet201(*, num_classes: int = 1000) -> nn.Module:
    """DenseNet-BC-201 (k = 32) from Huang, Liu, van der Maaten & Weinberger 2016, "Densely Connected
    Convolutional Networks", arXiv:1608.06993 (CVPR 2017), Table 1.

    BN-ReLU-Conv throughout, convolutions without bias, stem 7x7/2 and 3x3/2 max-pool as in the authors'
    Torch code; same parameters as torchvision's model of the same name.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return DenseNet(CONFIGS["densenet201"], num_classes=num_classes)


@zoo_model
def densenet264(*, num_classes: int = 1000) -> nn.Module:
    """DenseNet-BC-264 (k = 32) from Huang, Liu, van der Maaten & Weinberger 2016, "Densely Connected
    Convolutional Networks", arXiv:1608.06993 (CVPR 2017), Table 1.

    BN-ReLU-Conv throughout, convolutions without bias, stem 7x7/2 and 3x3/2 max-pool as in the authors'
    Torch code (torchvision has no DenseNet-264). Its blocks (6, 12, 64, 48) give 265 weight layers by
    the count that gives the other names exactly.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return DenseNet(CONFIGS["densenet264"], num_classes=num_classes)


@zoo_model
def densenet161(*, num_classes: int = 1000) -> nn.Module:
    """DenseNet-BC-161 (k = 48), released with Huang, Liu, van der Maaten & Weinberger 2016, "Densely
    Connected Convolutional Networks", arXiv:1608.06993 (CVPR 2017).

    Not in the paper's Table 1: growth rate 48, blocks (6, 12, 36, 24), from
    github.com/liuzhuang13/DenseNet; otherwise the layout of ``densenet121``.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return DenseNet(CONFIGS["densenet161"], num_classes=num_classes)
