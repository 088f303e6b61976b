"""Xception: Chollet 2017, "Xception: Deep Learning with Depthwise Separable Convolutions",
arXiv:1610.02357 (CVPR 2017).

Figure 5 is the network: an entry flow (two 3x3 convolutions, then three blocks that halve the
grid), a middle flow (eight blocks of three separable convolutions at 728 channels) and an exit flow,
then a global average pool and the classifier (the paper's optional fully connected layers are left
out, as in its Table 3 count and Keras' release). A separable convolution is a 3x3 depthwise
convolution followed by a 1x1 pointwise one, with no activation between them and no bias; every
convolution is followed by batch norm. Blocks that halve the grid end in a 3x3/2 max pool ("same"
padding) and take a 1x1/2 projection with batch norm as their shortcut.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ._blocks import classifier
from ._mobile import ConvBNAct
from .registry import zoo_model

# Figure 5, blocks that halve the grid: (output widths of their two separable convolutions, ReLU first?)
ENTRY = [((128, 128), False), ((256, 256), True), ((728, 728), True)]
EXIT = ((728, 1024), True)
MIDDLE_REPEATS, MIDDLE_WIDTH = 8, 728
TAIL = (1536, 2048)  # the exit flow's last two separable convolutions, each followed by ReLU


class SeparableConv(nn.Sequential):
    """3x3 depthwise then 1x1 pointwise convolution (no bias, nothing between them), then batch norm."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(OrderedDict(
            depthwise=nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False),
            pointwise=nn.Conv2d(cin, cout, 1, bias=False),
            bn=nn.BatchNorm2d(cout),
        ))


class Block(nn.Module):
    """Separable convolutions, each preceded by a ReLU (the first only with ``relu_first``), an optional
    3x3/2 max pool, and a shortcut: the identity, or a 1x1/2 projection with batch norm when pooling."""

    def __init__(self, cin: int, widths: tuple[int, ...], relu_first: bool = True, downsample: bool = True) -> None:
        super().__init__()
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        for index, cout in enumerate(widths, start=1):
            if index > 1 or relu_first:
                layers[f"relu{index}"] = nn.ReLU(inplace=index > 1)  # the first must not overwrite the shortcut
            layers[f"sepconv{index}"] = SeparableConv(cin, cout)
            cin = cout
        if downsample:
            layers["pool"] = nn.MaxPool2d(3, stride=2, padding=1)
        self.body = nn.Sequential(layers)
        self.shortcut = ConvBNAct(layers["sepconv1"].depthwise.in_channels, cin, 1, stride=2, act=None) \
            if downsample else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


class Xception(nn.Sequential):
    """Entry flow (``conv1``, ``conv2``, ``block1``-``block3``), middle flow (``block4``-``block11``),
    exit flow (``block12``, ``sepconv3`` and ``sepconv4`` with ReLU), global average pool, fc."""

    def __init__(self, num_classes: int = 1000) -> None:
        # The stem's two 3x3 convolutions are unpadded ("valid"): 299 -> 149 -> 147.
        stem = nn.Sequential(OrderedDict(conv1=ConvBNAct(3, 32, 3, stride=2), conv2=ConvBNAct(32, 64, 3)))
        for conv in (stem.conv1.conv, stem.conv2.conv):
            conv.padding = (0, 0)
        layers: OrderedDict[str, nn.Module] = OrderedDict(stem=stem)
        cin = 64
        for index, (widths, relu_first) in enumerate(ENTRY, start=1):
            layers[f"block{index}"], cin = Block(cin, widths, relu_first), widths[-1]
        for index in range(len(ENTRY) + 1, len(ENTRY) + 1 + MIDDLE_REPEATS):
            layers[f"block{index}"] = Block(cin, (MIDDLE_WIDTH,) * 3, downsample=False)
        widths, _ = EXIT
        layers[f"block{len(ENTRY) + MIDDLE_REPEATS + 1}"], cin = Block(cin, widths), widths[-1]
        for index, cout in enumerate(TAIL, start=3):
            layers[f"sepconv{index}"] = SeparableConv(cin, cout)
            layers[f"relu{index}"] = nn.ReLU(inplace=True)
            cin = cout
        super().__init__(OrderedDict(features=nn.Sequential(layers), classifier=classifier(cin, num_classes)))


@zoo_model
def xception(*, num_classes: int = 1000) -> nn.Module:
    """Xception from Chollet 2017, "Xception: Deep Learning with Depthwise Separable Convolutions",
    arXiv:1610.02357 (CVPR 2017).

    Figure 5: entry, middle (eight blocks of three separable convolutions at 728 channels) and exit flows,
    global average pool and the classifier, as Keras' ``Xception`` builds it. Default input 299x299.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return Xception(num_classes)
