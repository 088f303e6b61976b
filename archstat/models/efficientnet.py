"""EfficientNet B0-B7 (Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
Networks", arXiv:1905.11946, ICML 2019; tables, sections and pages below are arXiv:1905.11946v5's): B0
from Table 1 (p. 5), scaled by the coefficients of the authors' release (width, depth, resolution per
model), the figures of Table 2 (p. 6).

B0 is a table of MBConv stages (MobileNetV2's inverted residual with squeeze-and-excitation and the
swish activation, SiLU); B1-B7 multiply every stage's width by ``width`` (rounded to a multiple of 8)
and its unit count by ``depth`` (rounded up), and run at their own resolution (Section 3.3, Eq. 3,
p. 5: depth alpha^phi, width beta^phi, resolution gamma^phi; Section 4's step 1, p. 5: alpha = 1.2,
beta = 1.1, gamma = 1.15; the released coefficients below are those values rounded per model).

The paper's "FLOPs" are multiply-adds (its B0's 0.39B in Table 2, p. 6, is torchvision's 0.386 G of
multiply-adds); one fused multiply-add = 1 MAC, FLOPs = 2 x MACs.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import NamedTuple

import torch
from torch import nn

from .registry import zoo_model
from .senet import SqueezeExcite


class Stage(NamedTuple):
    """One row of Table 1: MBConv expansion ratio, kernel, stride of its first unit, output
    channels, units."""

    expand: int
    kernel: int
    stride: int
    cout: int
    units: int


# Table 1, EfficientNet-B0: stem Conv3x3 32 (stride 2), these MBConv stages, then Conv1x1 1280,
# pooling and FC.
B0 = (
    Stage(1, 3, 1, 16, 1),
    Stage(6, 3, 2, 24, 2),
    Stage(6, 5, 2, 40, 2),
    Stage(6, 3, 2, 80, 3),
    Stage(6, 5, 1, 112, 3),
    Stage(6, 5, 2, 192, 4),
    Stage(6, 3, 1, 320, 1),
)
STEM, HEAD = 32, 1280


class Scaling(NamedTuple):
    """A model's compound scaling: width and depth multipliers, input side (pixels), dropout."""

    width: float
    depth: float
    resolution: int
    dropout: float


# The authors' release (tensorflow/tpu, efficientnet_builder.py) lists these per model; the paper's
# Table 2 (p. 6) gives the resolutions' models, Section 3.3 (Eq. 3, p. 5) the rule they approximate.
SCALING = {
    "b0": Scaling(1.0, 1.0, 224, 0.2),
    "b1": Scaling(1.0, 1.1, 240, 0.2),
    "b2": Scaling(1.1, 1.2, 260, 0.3),
    "b3": Scaling(1.2, 1.4, 300, 0.3),
    "b4": Scaling(1.4, 1.8, 380, 0.4),
    "b5": Scaling(1.6, 2.2, 456, 0.4),
    "b6": Scaling(1.8, 2.6, 528, 0.5),
    "b7": Scaling(2.0, 3.1, 600, 0.5),
}


def round_width(channels: int, width: float, divisor: int = 8) -> int:
    """``channels x width`` to the nearest multiple of ``divisor``, never more than 10% below it
    (the release's round_filters): 40 x 1.1 = 44 -> 48, 112 x 1.1 = 123.2 -> 120."""
    scaled = channels * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * scaled else rounded


def round_depth(units: int, depth: float) -> int:
    """``units x depth`` rounded up (the release's round_repeats): 3 x 1.1 = 3.3 -> 4."""
    return math.ceil(units * depth)


def conv_bn_silu(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """Bias-free conv ('same' padding), batch norm, swish (SiLU)."""
    return nn.Sequential(OrderedDict(
        conv=nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False),
        bn=nn.BatchNorm2d(cout), act=nn.SiLU(inplace=True),
    ))


class MBConv(nn.Module):
    """Mobile inverted bottleneck with SE: 1x1 expansion to ``expand`` x cin (left out when 1),
    k x k depthwise conv (stride), SE squeezing to cin / 4 (SE ratio 0.25 of the unit's input),
    linear 1x1 projection with batch norm; identity shortcut when the shape is kept.

    The release drops the residual branch at random in training (drop connect); in eval it is the
    identity, so it is not built.
    """

    def __init__(self, cin: int, cout: int, expand: int, kernel: int, stride: int) -> None:
        super().__init__()
        mid = cin * expand
        self.expand = conv_bn_silu(cin, mid, 1) if expand != 1 else None
        self.depthwise = conv_bn_silu(mid, mid, kernel, stride, groups=mid)
        self.se = SqueezeExcite(mid, max(1, cin // 4), nn.SiLU)
        self.project = nn.Sequential(OrderedDict(conv=nn.Conv2d(mid, cout, 1, bias=False),
                                                 bn=nn.BatchNorm2d(cout)))
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x if self.expand is None else self.expand(x)
        out = self.project(self.se(self.depthwise(out)))
        return out + x if self.residual else out


class EfficientNet(nn.Sequential):
    """B0's Table 1 scaled by ``scaling``: stem, MBConv stages ``stage1``..``stage7``, 1x1 head conv,
    global average pool, dropout, fc."""

    def __init__(self, scaling: Scaling, num_classes: int = 1000) -> None:
        cin = round_width(STEM, scaling.width)
        parts: OrderedDict[str, nn.Module] = OrderedDict(stem=conv_bn_silu(3, cin, 3, stride=2))
        for i, stage in enumerate(B0, 1):
            cout = round_width(stage.cout, scaling.width)
            units = [MBConv(cin if j == 0 else cout, cout, stage.expand, stage.kernel,
                            stage.stride if j == 0 else 1)
                     for j in range(round_depth(stage.units, scaling.depth))]
            parts[f"stage{i}"], cin = nn.Sequential(*units), cout
        head = round_width(HEAD, scaling.width)
        parts["head"] = conv_bn_silu(cin, head, 1)
        parts["classifier"] = nn.Sequential(OrderedDict(
            pool=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(1), dropout=nn.Dropout(scaling.dropout),
            fc=nn.Linear(head, num_classes)))
        super().__init__(parts)


@zoo_model
def efficientnet_b0(*, num_classes: int = 1000) -> nn.Module:
    """EfficientNet-B0 from Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional
    Neural Networks", arXiv:1905.11946 (ICML 2019), Table 1 (p. 5 of arXiv:1905.11946v5), at 224x224.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return EfficientNet(SCALING["b0"], num_classes)


@zoo_model
def efficientnet_b1(*, num_classes: int = 1000) -> nn.Module:
    """EfficientNet-B1 from Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional
    Neural Networks", arXiv:1905.11946 (ICML 2019): B0 with depth x1.1, at 240x240.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return EfficientNet(SCALING["b1"], num_classes)


@zoo_model
def efficientnet_b2(*, num_classes: int = 1000) -> nn.Module:
    """EfficientNet-B2 from Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional
    Neural Networks", arXiv:1905.11946 (ICML 2019): B0 with width x1.1, depth x1.2, at 260x260.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return EfficientNet(SCALING["b2"], num_classes)


@zoo_model
def efficientnet_b3(*, num_classes: int = 1000) -> nn.Module:
    """EfficientNet-B3 from Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional
    Neural Networks", arXiv:1905.11946 (ICML 2019): B0 with width x1.2, depth x1.4, at 300x300.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return EfficientNet(SCALING["b3"], num_classes)


@zoo_model
def efficientnet_b4(*, num_classes: int = 1000) -> nn.Module:
    """EfficientNet-B4 from Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional
    Neural Networks", arXiv:1905.11946 (ICML 2019): B0 with width x1.4, depth x1.8, at 380x380.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return EfficientNet(SCALING["b4"], num_classes)


@zoo_model
def efficientnet_b5(*, num_classes: int = 1000) -> nn.Module:
    """EfficientNet-B5 from Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional
    Neural Networks", arXiv:1905.11946 (ICML 2019): B0 with width x1.6, depth x2.2, at 456x456.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return EfficientNet(SCALING["b5"], num_classes)


@zoo_model
def efficientnet_b6(*, num_classes: int = 1000) -> nn.Module:
    """EfficientNet-B6 from Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional
    Neural Networks", arXiv:1905.11946 (ICML 2019): B0 with width x1.8, depth x2.6, at 528x528.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return EfficientNet(SCALING["b6"], num_classes)


@zoo_model
def efficientnet_b7(*, num_classes: int = 1000) -> nn.Module:
    """EfficientNet-B7 from Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional
    Neural Networks", arXiv:1905.11946 (ICML 2019): B0 with width x2.0, depth x3.1, at 600x600.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return EfficientNet(SCALING["b7"], num_classes)
