"""ShuffleNet (v1): Zhang, Zhou, Lin, Sun 2017, "ShuffleNet: An Extremely Efficient Convolutional Neural
Network for Mobile Devices", arXiv:1707.01083 (CVPR 2018).

Table 1 is the network for each group count g: a 3x3/2 convolution of 24 channels, a 3x3/2 max
pool, three stages of ShuffleNet units (4, 8 and 4 units, the first of each at stride 2), a global
pool and the fc. A unit (Figure 2 b, c) is a grouped 1x1 convolution to a quarter of the output width
with batch norm and ReLU, a channel shuffle, a 3x3 depthwise convolution with batch norm (no ReLU), a
grouped 1x1 convolution with batch norm, then the shortcut: added at stride 1; at stride 2 a 3x3/2
average pool concatenated, the unit's own branch making up the rest of the width. ReLU after the join.
Section 3.3: the first pointwise convolution of stage 2 is not grouped (24 input channels are few).
The paper's "FLOPs" are multiply-adds: Table 1's complexities are its layers' multiply-adds
(the convolutions and the fc), as the tests count them.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ._blocks import classifier
from ._mobile import ChannelShuffle, ConvBNAct
from .registry import zoo_model

# Table 1: group count -> output widths of stages 2, 3 and 4 (ShuffleNet 1x).
WIDTHS = {1: (144, 288, 576), 2: (200, 400, 800), 3: (240, 480, 960), 4: (272, 544, 1088), 8: (384, 768, 1536)}
REPEATS = (4, 8, 4)  # units per stage, the first at stride 2
STEM = 24


class ShuffleUnit(nn.Module):
    """Figure 2 (b) at stride 1 (identity added), (c) at stride 2 (3x3/2 average pool concatenated)."""

    def __init__(self, cin: int, cout: int, groups: int, stride: int, group_first: bool = True) -> None:
        super().__init__()
        branch_out = cout - cin if stride == 2 else cout
        mid = cout // 4
        first_groups = groups if group_first else 1
        self.branch = nn.Sequential(OrderedDict(
            gconv1=ConvBNAct(cin, mid, 1, groups=first_groups),
            shuffle=ChannelShuffle(groups),
            depthwise=ConvBNAct(mid, mid, 3, stride, groups=mid, act=None),
            gconv2=ConvBNAct(mid, branch_out, 1, groups=groups, act=None),
        ))
        self.shortcut = nn.AvgPool2d(3, stride=2, padding=1) if stride == 2 else None
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.branch(x)
        out = out + x if self.shortcut is None else torch.cat([self.shortcut(x), out], 1)
        return self.relu(out)


class ShuffleNetV1(nn.Sequential):
    """Table 1 for ``groups``: conv1, max pool, stages 2-4 (``stage2`` ...), global pool, fc."""

    def __init__(self, groups: int = 3, num_classes: int = 1000) -> None:
        layers: OrderedDict[str, nn.Module] = OrderedDict(
            conv1=ConvBNAct(3, STEM, 3, stride=2), maxpool=nn.MaxPool2d(3, stride=2, padding=1))
        cin = STEM
        for stage, (cout, repeats) in enumerate(zip(WIDTHS[groups], REPEATS, strict=True), start=2):
            units: OrderedDict[str, nn.Module] = OrderedDict()
            for index in range(repeats):
                first = index == 0
                units[f"unit{index + 1}"] = ShuffleUnit(cin, cout, groups, 2 if first else 1,
                                                        group_first=not (first and stage == 2))
                cin = cout
            layers[f"stage{stage}"] = nn.Sequential(units)
        super().__init__(OrderedDict(features=nn.Sequential(layers), classifier=classifier(cin, num_classes)))


@zoo_model
def shufflenet_v1(*, num_classes: int = 1000) -> nn.Module:
    """ShuffleNet 1x (g = 3) from Zhang, Zhou, Lin & Sun 2017, "ShuffleNet: An Extremely Efficient
    Convolutional Neural Network for Mobile Devices", arXiv:1707.01083 (CVPR 2018).

    Table 1's network with 3 groups (stage widths 240, 480, 960), the paper's default.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ShuffleNetV1(3, num_classes)


@zoo_model
def shufflenet_v1_g1(*, num_classes: int = 1000) -> nn.Module:
    """ShuffleNet 1x with g = 1 (no grouping; stage widths 144, 288, 576) from Zhang et al. 2017,
    arXiv:1707.01083, Table 1.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ShuffleNetV1(1, num_classes)


@zoo_model
def shufflenet_v1_g2(*, num_classes: int = 1000) -> nn.Module:
    """ShuffleNet 1x with g = 2 (stage widths 200, 400, 800) from Zhang et al. 2017, arXiv:1707.01083,
    Table 1.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ShuffleNetV1(2, num_classes)


@zoo_model
def shufflenet_v1_g4(*, num_classes: int = 1000) -> nn.Module:
    """ShuffleNet 1x with g = 4 (stage widths 272, 544, 1088) from Zhang et al. 2017, arXiv:1707.01083,
    Table 1.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ShuffleNetV1(4, num_classes)


@zoo_model
def shufflenet_v1_g8(*, num_classes: int = 1000) -> nn.Module:
    """ShuffleNet 1x with g = 8 (stage widths 384, 768, 1536) from Zhang et al. 2017, arXiv:1707.01083,
    Table 1.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ShuffleNetV1(8, num_classes)
