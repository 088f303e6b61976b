"""MobileNet (v1): Howard, Zhu, Chen, Kalenichenko, Wang, Weyand, Andreetto, Adam 2017, "MobileNets:
Efficient Convolutional Neural Networks for Mobile Vision Applications", arXiv:1704.04861.

Table 1 is the body: a full 3x3/2 convolution, then 13 depthwise separable convolutions (a 3x3
depthwise convolution and a 1x1 pointwise one, each with batch norm and ReLU), a global average pool
and one fully connected layer. The width multiplier alpha (Section 3.3) scales every width; the
resolution multiplier is the input size (``--input 192``). Table 6 gives the figures per alpha,
Table 7 per resolution. Multiply-adds in the papers' sense: convolutions and the fc only.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from ._blocks import classifier
from ._mobile import ConvBNAct
from .registry import zoo_model

# Table 1 after the stem, one row per separable convolution: (pointwise width, depthwise stride).
# Table 1 prints "Conv dw / s2" for the last depthwise convolution; its output stays 7x7, so it is s1.
SEPARABLE = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
             (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
STEM = 32


class MobileNetV1(nn.Sequential):
    """Table 1 at width ``alpha``: stem, 13 separable convolutions (``dw``/``pw`` pairs), pool, fc."""

    def __init__(self, alpha: float = 1.0, num_classes: int = 1000) -> None:
        def width(channels: int) -> int:
            return int(channels * alpha)

        layers: OrderedDict[str, nn.Module] = OrderedDict(conv1=ConvBNAct(3, width(STEM), 3, stride=2))
        cin = width(STEM)
        for index, (cout, stride) in enumerate(SEPARABLE, start=2):
            layers[f"conv{index}_dw"] = ConvBNAct(cin, cin, 3, stride, groups=cin)
            layers[f"conv{index}_pw"] = ConvBNAct(cin, width(cout), 1)
            cin = width(cout)
        super().__init__(OrderedDict(features=nn.Sequential(layers), classifier=classifier(cin, num_classes)))


@zoo_model
def mobilenet_v1(*, num_classes: int = 1000) -> nn.Module:
    """1.0 MobileNet-224 from Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for
    Mobile Vision Applications", arXiv:1704.04861.

    Table 1: a 3x3/2 convolution of 32 channels, 13 depthwise separable convolutions up to 1024 channels,
    a global average pool and one fully connected layer. The resolution multiplier is the input size:
    ``archstat table mobilenet_v1 --input 160``.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return MobileNetV1(1.0, num_classes)


@zoo_model
def mobilenet_v1_0_75(*, num_classes: int = 1000) -> nn.Module:
    """0.75 MobileNet-224 from Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for
    Mobile Vision Applications", arXiv:1704.04861: Table 1 with every width times 0.75 (Table 6).

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return MobileNetV1(0.75, num_classes)


@zoo_model
def mobilenet_v1_0_5(*, num_classes: int = 1000) -> nn.Module:
    """0.5 MobileNet-224 from Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for
    Mobile Vision Applications", arXiv:1704.04861: Table 1 with every width halved (Table 6).

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return MobileNetV1(0.5, num_classes)


@zoo_model
def mobilenet_v1_0_25(*, num_classes: int = 1000) -> nn.Module:
    """0.25 MobileNet-224 from Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for
    Mobile Vision Applications", arXiv:1704.04861: Table 1 with every width times 0.25 (Table 6).

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return MobileNetV1(0.25, num_classes)
