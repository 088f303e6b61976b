"""MobileNetV2: Sandler, Howard, Zhu, Zhmoginov, Chen 2018, "MobileNetV2: Inverted Residuals and Linear
Bottlenecks", arXiv:1801.04381 (CVPR 2018; tables and pages below are arXiv:1801.04381v4's).

Table 2 (p. 5) is the body: a 3x3/2 convolution of 32 channels, seven rows of inverted residual
bottlenecks (Table 1, p. 4: 1x1 expansion by t with ReLU6, 3x3 depthwise with ReLU6, linear 1x1 projection;
the input added back at stride 1 when the width is kept), a 1x1 convolution to 1280, a global average
pool and the classifier. The width multiplier scales every width through the release's rounding to a
multiple of 8 (``_mobile.make_divisible``); the last convolution keeps 1280 below 1.0 and grows above.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from ._blocks import classifier
from ._mobile import ConvBNAct, InvertedResidual, make_divisible, relu6
from .registry import zoo_model

# Table 2 (p. 5 of arXiv:1801.04381v4): (t expansion, c output channels, n repeats, s stride of the first).
TABLE2 = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
STEM, LAST = 32, 1280


class MobileNetV2(nn.Sequential):
    """Table 2 at width ``alpha``: stem, 17 bottlenecks (``block1`` ... ``block17``), 1x1 to 1280, pool, fc."""

    def __init__(self, alpha: float = 1.0, num_classes: int = 1000) -> None:
        cin = make_divisible(STEM * alpha)
        layers: OrderedDict[str, nn.Module] = OrderedDict(conv1=ConvBNAct(3, cin, 3, stride=2, act=relu6))
        index = 0
        for t, c, n, s in TABLE2:
            cout = make_divisible(c * alpha)
            for repeat in range(n):
                index += 1
                layers[f"block{index}"] = InvertedResidual(cin, cin * t, cout, s if repeat == 0 else 1)
                cin = cout
        last = make_divisible(LAST * max(alpha, 1.0))
        layers["conv_last"] = ConvBNAct(cin, last, 1, act=relu6)
        super().__init__(OrderedDict(features=nn.Sequential(layers),
                                     classifier=classifier(last, num_classes, dropout=0.2)))


@zoo_model
def mobilenet_v2(*, num_classes: int = 1000) -> nn.Module:
    """MobileNetV2 (width 1.0) from Sandler et al. 2018, "MobileNetV2: Inverted Residuals and Linear
    Bottlenecks", arXiv:1801.04381 (CVPR 2018).

    Table 2 (p. 5 of arXiv:1801.04381v4): a 3x3/2 stem, 17 inverted residual bottlenecks with linear
    projections, a 1x1 convolution to 1280, a global average pool and the classifier, as torchvision's
    ``mobilenet_v2``.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return MobileNetV2(1.0, num_classes)


@zoo_model
def mobilenet_v2_1_4(*, num_classes: int = 1000) -> nn.Module:
    """MobileNetV2 at width 1.4 from Sandler et al. 2018, "MobileNetV2: Inverted Residuals and Linear
    Bottlenecks", arXiv:1801.04381 (CVPR 2018).

    Table 2 (p. 5 of arXiv:1801.04381v4) with every width times 1.4, rounded to multiples of 8 (the
    release's rounding): 48-channel stem, 1792-channel last convolution.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return MobileNetV2(1.4, num_classes)
