"""MobileNetV3: Howard, Sandler, Chu, Chen, Chen, Tan, Wang, Zhu, Pang, Vasudevan, Le, Adam 2019,
"Searching for MobileNetV3", arXiv:1905.02244 (ICCV 2019).

Table 1 (Large) and Table 2 (Small) are the bodies: a 3x3/2 stem of 16 channels with
hard-swish, then rows of MobileNetV2 bottlenecks with a kernel (3 or 5), an expansion width, an output
width, squeeze-and-excitation or not, and ReLU ("RE") or hard-swish ("HS"). Section 5.3: every
squeeze-and-excitation squeezes to 1/4 of the expansion width (rounded to a multiple of 8, as the
release does). Then a 1x1 convolution with hard-swish, a global pool, a 1x1 "NBN" layer (no batch
norm; an fc here) with hard-swish, dropout and the classifier.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

from torch import nn

from ._mobile import ConvBNAct, InvertedResidual, hardswish, make_divisible, relu
from .registry import zoo_model


class Row(NamedTuple):
    """One bneck row of Tables 1 and 2."""

    kernel: int
    expanded: int
    out: int
    se: bool
    hs: bool
    stride: int


TABLE1 = [  # Large
    Row(3, 16, 16, False, False, 1), Row(3, 64, 24, False, False, 2), Row(3, 72, 24, False, False, 1),
    Row(5, 72, 40, True, False, 2), Row(5, 120, 40, True, False, 1), Row(5, 120, 40, True, False, 1),
    Row(3, 240, 80, False, True, 2), Row(3, 200, 80, False, True, 1), Row(3, 184, 80, False, True, 1),
    Row(3, 184, 80, False, True, 1), Row(3, 480, 112, True, True, 1), Row(3, 672, 112, True, True, 1),
    Row(5, 672, 160, True, True, 2), Row(5, 960, 160, True, True, 1), Row(5, 960, 160, True, True, 1),
]
TABLE2 = [  # Small
    Row(3, 16, 16, True, False, 2), Row(3, 72, 24, False, False, 2), Row(3, 88, 24, False, False, 1),
    Row(5, 96, 40, True, True, 2), Row(5, 240, 40, True, True, 1), Row(5, 240, 40, True, True, 1),
    Row(5, 120, 48, True, True, 1), Row(5, 144, 48, True, True, 1), Row(5, 288, 96, True, True, 2),
    Row(5, 576, 96, True, True, 1), Row(5, 576, 96, True, True, 1),
]
# (rows, width of the last 1x1 convolution, width of the NBN layer)
SIZES = {"large": (TABLE1, 960, 1280), "small": (TABLE2, 576, 1024)}
EPS = 1e-3  # the release's batch norm epsilon (changes no count)


class MobileNetV3(nn.Sequential):
    """Table 1 or 2: stem, the bneck rows (``block1`` ...), last 1x1, pool, NBN fc, dropout, fc."""

    def __init__(self, size: str, num_classes: int = 1000) -> None:
        rows, last, nbn = SIZES[size]
        layers: OrderedDict[str, nn.Module] = OrderedDict(
            conv1=ConvBNAct(3, 16, 3, stride=2, act=hardswish, eps=EPS))
        cin = 16
        for index, row in enumerate(rows, start=1):
            se = make_divisible(row.expanded / 4) if row.se else 0
            layers[f"block{index}"] = InvertedResidual(cin, row.expanded, row.out, row.stride, row.kernel, se,
                                                       act=hardswish if row.hs else relu, eps=EPS)
            cin = row.out
        layers["conv_last"] = ConvBNAct(cin, last, 1, act=hardswish, eps=EPS)
        super().__init__(OrderedDict(
            features=nn.Sequential(layers),
            classifier=nn.Sequential(OrderedDict(
                pool=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(1), fc1=nn.Linear(last, nbn),
                act=hardswish(), dropout=nn.Dropout(0.2), fc=nn.Linear(nbn, num_classes),
            )),
        ))


@zoo_model
def mobilenet_v3_large(*, num_classes: int = 1000) -> nn.Module:
    """MobileNetV3-Large 1.0 from Howard et al. 2019, "Searching for MobileNetV3", arXiv:1905.02244
    (ICCV 2019).

    Table 1's rows, as torchvision's ``mobilenet_v3_large`` builds them.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return MobileNetV3("large", num_classes)


@zoo_model
def mobilenet_v3_small(*, num_classes: int = 1000) -> nn.Module:
    """MobileNetV3-Small 1.0 from Howard et al. 2019, "Searching for MobileNetV3", arXiv:1905.02244
    (ICCV 2019).

    Table 2's rows, as torchvision's ``mobilenet_v3_small`` builds them.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return MobileNetV3("small", num_classes)
