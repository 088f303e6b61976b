"""Inception-v4 and Inception-ResNet-v2: Szegedy, Ioffe, Vanhoucke, Alemi 2016, "Inception-v4,
Inception-ResNet and the Impact of Residual Connections on Learning", Figures 3-9 and 15-19.

Written as branch specs (see googlenet.py) on the batch-normalised convolutions of ``inception``;
"V" in the paper's figures is ``pad="valid"``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from ._blocks import classifier
from .googlenet import Conv, InceptionNet, Layer, Pool, Spec, build_layer, build_module
from .inception import MAX_S2V, conv_bn, split_1x3_3x1, stack
from .registry import zoo_model

# --- Inception-v4 and Inception-ResNet-v2 (shared stem, Reduction-A) ------------------------------

STEM: dict[str, Layer] = {  # Figure 3, 299x299x3 -> 35x35x384
    "conv1": Conv(32, 3, 2, "valid"), "conv2": Conv(32, 3, 1, "valid"), "conv3": Conv(64, 3),
    "mixed3a": {"branch_pool": [MAX_S2V], "branch3x3": [Conv(96, 3, 2, "valid")]},  # 73x73x160
    "mixed4a": {"branch3x3": [Conv(64), Conv(96, 3, 1, "valid")],
                "branch7x7": [Conv(64), Conv(64, (7, 1)), Conv(64, (1, 7)),
                              Conv(96, 3, 1, "valid")]},
    # The figure prints no stride on this conv, but only stride 2 yields its 35x35 output.
    "mixed5a": {"branch3x3": [Conv(192, 3, 2, "valid")], "branch_pool": [MAX_S2V]},
}


TF_SLIM_STEM: dict[str, Layer] = {  # the released Inception-ResNet-v2's, 299x299x3 -> 35x35x320
    "conv1": Conv(32, 3, 2, "valid"), "conv2": Conv(32, 3, 1, "valid"), "conv3": Conv(64, 3),
    "pool1": MAX_S2V, "conv4": Conv(80), "conv5": Conv(192, 3, 1, "valid"), "pool2": MAX_S2V,  # 35x35x192
    "mixed5b": {"branch1x1": [Conv(96)], "branch5x5": [Conv(48), Conv(64, 5)],
                "branch3x3dbl": [Conv(64), Conv(96, 3), Conv(96, 3)],
                # TF's 'SAME' average excludes the padding (count_include_pad=False); no count changes.
                "branch_pool": [Pool("avg"), Conv(64)]},
}


def build_stem(stem: Mapping[str, Layer] = STEM) -> tuple[nn.Sequential, int]:
    modules: OrderedDict[str, nn.Module] = OrderedDict()
    cin = 3
    for name, layer in stem.items():
        modules[name], cin = build_layer(cin, layer, conv_bn)
    return nn.Sequential(modules), cin


def reduction_a(k: int, l: int, m: int, n: int) -> Spec:  # noqa: E741 (the paper's letters)
    """Figure 7, 35x35 -> 17x17; k, l, m, n from Table 1 of the paper."""
    return {"branch_pool": [MAX_S2V], "branch3x3": [Conv(n, 3, 2, "valid")],
            "branch3x3dbl": [Conv(k), Conv(l, 3), Conv(m, 3, 2, "valid")]}


V4_A: Spec = {  # Figure 4
    "branch_pool": [Pool("avg"), Conv(96)], "branch1x1": [Conv(96)],
    "branch3x3": [Conv(64), Conv(96, 3)], "branch3x3dbl": [Conv(64), Conv(96, 3), Conv(96, 3)],
}
V4_B: Spec = {  # Figure 5
    "branch_pool": [Pool("avg"), Conv(128)], "branch1x1": [Conv(384)],
    "branch7x7": [Conv(192), Conv(224, (1, 7)), Conv(256, (7, 1))],
    "branch7x7dbl": [Conv(192), Conv(192, (1, 7)), Conv(224, (7, 1)), Conv(224, (1, 7)),
                     Conv(256, (7, 1))],
}
V4_C: Spec = {  # Figure 6
    "branch_pool": [Pool("avg"), Conv(256)], "branch1x1": [Conv(256)],
    "branch3x3": [Conv(384), split_1x3_3x1(256)],
    "branch3x3dbl": [Conv(384), Conv(448, (1, 3)), Conv(512, (3, 1)), split_1x3_3x1(256)],
}
V4_REDUCE_B: Spec = {  # Figure 8, 17x17 -> 8x8
    "branch_pool": [MAX_S2V], "branch3x3": [Conv(192), Conv(192, 3, 2, "valid")],
    "branch7x7x3": [Conv(256), Conv(256, (1, 7)), Conv(320, (7, 1)), Conv(320, 3, 2, "valid")],
}


def _inception_v4(num_classes: int) -> InceptionNet:
    stages: OrderedDict[str, nn.Module] = OrderedDict()  # Figure 9
    stages["stem"], cin = build_stem()
    stages["inception_a"], cin = stack("block", cin, [V4_A] * 4)
    stages["reduction_a"], cin = build_module(cin, reduction_a(192, 224, 256, 384), conv_bn)
    stages["inception_b"], cin = stack("block", cin, [V4_B] * 7)
    stages["reduction_b"], cin = build_module(cin, V4_REDUCE_B, conv_bn)
    stages["inception_c"], cin = stack("block", cin, [V4_C] * 3)
    return InceptionNet(stages, classifier(cin, num_classes, dropout=0.2))  # Dropout (keep 0.8)


class ResidualInception(nn.Module):
    """An Inception-ResNet block (Figures 16, 17, 19, 20): branches, a linear 1x1 'filter-expansion'
    back to the input width, scaled by ``scale`` and added to the input, then ReLU."""

    def __init__(self, cin: int, spec: Spec, scale: float, activate: bool = True) -> None:
        super().__init__()
        self.branches, width = build_module(cin, spec, conv_bn)
        # Bias, no BN, no activation: BN only 'on top of the traditional layers' (Sec. 3.2).
        self.expand = nn.Conv2d(width, cin, 1)
        # The released network's last block is linear (no ReLU after the sum).
        self.relu: nn.Module = nn.ReLU(inplace=True) if activate else nn.Identity()
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(torch.add(x, self.expand(self.branches(x)), alpha=self.scale))


IR_A: Spec = {"branch1x1": [Conv(32)], "branch3x3": [Conv(32), Conv(32, 3)],  # Figure 16
              "branch3x3dbl": [Conv(32), Conv(48, 3), Conv(64, 3)]}
IR_B: Spec = {"branch1x1": [Conv(192)],  # Figure 17
              "branch7x7": [Conv(128), Conv(160, (1, 7)), Conv(192, (7, 1))]}
IR_C: Spec = {"branch1x1": [Conv(192)],  # Figure 19
              "branch3x3": [Conv(192), Conv(224, (1, 3)), Conv(256, (3, 1))]}
IR_REDUCE_B: Spec = {  # Figure 18, 17x17 -> 8x8
    "branch_pool": [MAX_S2V], "branch3x3a": [Conv(256), Conv(384, 3, 2, "valid")],
    "branch3x3b": [Conv(256), Conv(288, 3, 2, "valid")],
    "branch3x3dbl": [Conv(256), Conv(288, 3), Conv(320, 3, 2, "valid")],
}


def _residual_stack(cin: int, spec: Spec, count: int, scale: float, linear_last: bool = False) -> nn.Sequential:
    blocks: OrderedDict[str, nn.Module] = OrderedDict()
    for i in range(count):
        last = linear_last and i == count - 1  # TF-slim: scale 1.0 and no ReLU on the very last block
        blocks[f"block{i + 1}"] = ResidualInception(cin, spec, 1.0 if last else scale, activate=not last)
    return nn.Sequential(blocks)


@dataclass(frozen=True)
class ResNetV2Layout:
    """Where Inception-ResNet-v2 layouts differ; the blocks' branches and both reductions are shared.

    ``stem`` is the stem's spec; ``blocks`` the number of Inception-ResNet-A, -B and -C blocks;
    ``head_conv`` the width of a 1x1 conv (BN, ReLU) after the last block, ``None`` for none;
    ``linear_last`` makes the last C block linear with residual scale 1.0.
    """

    stem: Mapping[str, Layer]
    blocks: tuple[int, int, int]
    head_conv: int | None = None
    linear_last: bool = False


PAPER_RESNET_V2 = ResNetV2Layout(STEM, (5, 10, 5))  # Figure 15
TF_SLIM_RESNET_V2 = ResNetV2Layout(TF_SLIM_STEM, (10, 20, 10), head_conv=1536, linear_last=True)


def _inception_resnet_v2(num_classes: int, layout: ResNetV2Layout = PAPER_RESNET_V2) -> InceptionNet:
    # Residual scales of the released code (the paper: 'between 0.1 and 0.3').
    a, b, c = layout.blocks
    stages: OrderedDict[str, nn.Module] = OrderedDict()
    stages["stem"], cin = build_stem(layout.stem)
    stages["inception_resnet_a"] = _residual_stack(cin, IR_A, a, 0.17)
    stages["reduction_a"], cin = build_module(cin, reduction_a(256, 256, 384, 384), conv_bn)
    stages["inception_resnet_b"] = _residual_stack(cin, IR_B, b, 0.10)
    stages["reduction_b"], cin = build_module(cin, IR_REDUCE_B, conv_bn)
    stages["inception_resnet_c"] = _residual_stack(cin, IR_C, c, 0.20, layout.linear_last)
    if layout.head_conv:
        stages["head_conv"], cin = conv_bn(cin, layout.head_conv, 1), layout.head_conv
    return InceptionNet(stages, classifier(cin, num_classes, dropout=0.2))


@zoo_model
def inception_v4(*, num_classes: int = 1000) -> nn.Module:
    """Inception-v4 from Szegedy, Ioffe, Vanhoucke & Alemi 2016, "Inception-v4, Inception-ResNet and the
    Impact of Residual Connections on Learning", arXiv:1602.07261 (AAAI 2017), Figures 3-9.

    The stem's last 3x3 convolution gets the stride 2 its 35x35 output needs (the figure omits it). No
    auxiliary head: the released code has one, the paper does not.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return _inception_v4(num_classes)


@zoo_model
def inception_resnet_v2(*, num_classes: int = 1000) -> nn.Module:
    """Inception-ResNet-v2 from Szegedy, Ioffe, Vanhoucke & Alemi 2016, "Inception-v4, Inception-ResNet
    and the Impact of Residual Connections on Learning", arXiv:1602.07261 (AAAI 2017), Figures 3 and
    15-19.

    The paper's network, not the released code (timm, TF-slim): the Inception-v4 stem, 5/10/5 blocks and
    filter-expansions back to the block width (384, 1152, 2144), residual scales 0.17/0.10/0.20. The
    released code (``inception_resnet_v2_tf``) has another stem, 10/20/10 blocks and a final 1x1-1536.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return _inception_resnet_v2(num_classes)


@zoo_model
def inception_resnet_v2_tf(*, num_classes: int = 1000) -> nn.Module:
    """Inception-ResNet-v2 as released with TF-slim and shipped by timm (``inception_resnet_v2``) and
    Keras (``InceptionResNetV2``); the network of Szegedy, Ioffe, Vanhoucke & Alemi 2016, arXiv:1602.07261,
    in the layout its authors' code trained.

    The paper's block branches and reductions on TF-slim's stem (35x35x320), 10/20/10 blocks (widths
    320/1088/2080), the last block linear, a final 1x1-1536 conv. No auxiliary head.

    Args:
        num_classes: Width of the classifier, in classes (timm's and Keras': 1000).
    """
    return _inception_resnet_v2(num_classes, TF_SLIM_RESNET_V2)
