"""ShuffleNet V2 (Ma, Zhang, Zheng, Sun 2018, "ShuffleNet V2: Practical Guidelines for Efficient CNN
Architecture Design", arXiv:1807.11164, ECCV 2018): Table 5 and the units of Fig. 3(c) and (d).

A unit splits its channels in two halves (channel split): one half passes untouched, the other runs a
1x1 conv, a 3x3 depthwise conv and a 1x1 conv, all as wide as the half (guideline G1: equal widths);
the halves are concatenated and shuffled (groups of 2) so the next unit mixes them. A down-sampling
unit feeds the whole input to both branches, the left one a strided 3x3 depthwise conv and a 1x1 conv,
so its output is twice as wide. Table 5 as data: units per stage and widths per multiplier.

The paper's "FLOPs" are multiply-adds (Section 2: "the number of multiply-adds"); one fused
multiply-add = 1 MAC, FLOPs = 2 x MACs.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ._blocks import ConvBNReLU, classifier
from ._mobile import channel_shuffle
from .registry import zoo_model

UNITS = (4, 8, 4)  # Table 5: stage2, stage3, stage4 "Repeat" (the first unit of each strides 2)
WIDTHS: dict[str, tuple[int, int, int, int, int]] = {  # Table 5 "Output channels": conv1, stage2-4, conv5
    "0.5x": (24, 48, 96, 192, 1024),
    "1x": (24, 116, 232, 464, 1024),
    "1.5x": (24, 176, 352, 704, 1024),
    "2x": (24, 244, 488, 976, 2048),
}


class ChannelShuffle(nn.Module):
    """ShuffleNet's channel shuffle: view the channels as (groups, channels / groups), transpose, flatten.

    No parameters and no multiply-adds; it only reorders channels."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(x, self.groups)


def depthwise_bn(channels: int, stride: int) -> nn.Sequential:
    """A 3x3 depthwise conv (one filter per channel, groups = channels) and batch norm; no ReLU
    (Fig. 3: "DWConv" is followed by BN only)."""
    return nn.Sequential(OrderedDict(
        conv=nn.Conv2d(channels, channels, 3, stride, 1, groups=channels, bias=False),
        bn=nn.BatchNorm2d(channels),
    ))


def main_branch(cin: int, width: int, stride: int) -> nn.Sequential:
    """Fig. 3(c)/(d) right branch: 1x1 conv-BN-ReLU, 3x3 depthwise conv-BN, 1x1 conv-BN-ReLU."""
    return nn.Sequential(OrderedDict(
        expand=ConvBNReLU(cin, width, 1), depthwise=depthwise_bn(width, stride),
        project=ConvBNReLU(width, width, 1),
    ))


class ShuffleUnit(nn.Module):
    """Fig. 3(c) (``stride`` 1: channel split, identity left half) or (d) (``stride`` 2: both branches
    read the whole input, the left one a strided depthwise conv and a 1x1 conv), concat, shuffle."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        width = cout // 2
        self.stride = stride
        self.left = (nn.Sequential(OrderedDict(depthwise=depthwise_bn(cin, stride),
                                               project=ConvBNReLU(cin, width, 1)))
                     if stride > 1 else None)
        self.right = main_branch(cin if stride > 1 else width, width, stride)
        self.shuffle = ChannelShuffle(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.left is None:
            kept, x = x.chunk(2, dim=1)
        else:
            kept = self.left(x)
        return self.shuffle(torch.cat((kept, self.right(x)), dim=1))


class ShuffleNetV2(nn.Sequential):
    """Table 5: conv1 3x3/2 24, max pool 3x3/2, stages 2-4 of ``UNITS`` units, conv5 1x1, global
    average pool, fc."""

    def __init__(self, widths: tuple[int, int, int, int, int], num_classes: int = 1000) -> None:
        parts: OrderedDict[str, nn.Module] = OrderedDict(
            conv1=ConvBNReLU(3, widths[0], 3, stride=2, padding=1),
            maxpool=nn.MaxPool2d(3, stride=2, padding=1),
        )
        cin = widths[0]
        for stage, (count, cout) in enumerate(zip(UNITS, widths[1:4], strict=True), 2):
            parts[f"stage{stage}"] = nn.Sequential(
                *(ShuffleUnit(cin if i == 0 else cout, cout, 2 if i == 0 else 1) for i in range(count)))
            cin = cout
        parts["conv5"] = ConvBNReLU(cin, widths[4], 1)
        parts["classifier"] = classifier(widths[4], num_classes)
        super().__init__(parts)


@zoo_model
def shufflenet_v2_x0_5(*, num_classes: int = 1000) -> nn.Module:
    """ShuffleNet V2 0.5x from Ma, Zhang, Zheng & Sun 2018, "ShuffleNet V2: Practical Guidelines for
    Efficient CNN Architecture Design", arXiv:1807.11164 (ECCV 2018), Table 5.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ShuffleNetV2(WIDTHS["0.5x"], num_classes)


@zoo_model
def shufflenet_v2_x1_0(*, num_classes: int = 1000) -> nn.Module:
    """ShuffleNet V2 1x from Ma, Zhang, Zheng & Sun 2018, "ShuffleNet V2: Practical Guidelines for
    Efficient CNN Architecture Design", arXiv:1807.11164 (ECCV 2018), Table 5.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ShuffleNetV2(WIDTHS["1x"], num_classes)


@zoo_model
def shufflenet_v2_x1_5(*, num_classes: int = 1000) -> nn.Module:
    """ShuffleNet V2 1.5x from Ma, Zhang, Zheng & Sun 2018, "ShuffleNet V2: Practical Guidelines for
    Efficient CNN Architecture Design", arXiv:1807.11164 (ECCV 2018), Table 5.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ShuffleNetV2(WIDTHS["1.5x"], num_classes)


@zoo_model
def shufflenet_v2_x2_0(*, num_classes: int = 1000) -> nn.Module:
    """ShuffleNet V2 2x from Ma, Zhang, Zheng & Sun 2018, "ShuffleNet V2: Practical Guidelines for
    Efficient CNN Architecture Design", arXiv:1807.11164 (ECCV 2018), Table 5.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ShuffleNetV2(WIDTHS["2x"], num_classes)
