"""Squeeze-and-excitation networks: the SE block, and ResNet-50 and ResNeXt-50 with one in every unit.

Hu, Shen, Albanie, Sun, Wu 2017, "Squeeze-and-Excitation Networks", arXiv:1709.01507 (CVPR 2018;
TPAMI 2019; figures, tables and pages below are arXiv:1709.01507v4's, the TPAMI text): the block of
Fig. 1 (p. 2) and its residual placement of Fig. 3 (p. 4), reduction ratio r = 16 (Section 6.1 and
Table 10, p. 8), the figures of Table 2, p. 5 (single-crop ImageNet results with GFLOPs, multiply-adds).

The block costs parameters, not multiply-adds: per unit of C output channels its two fully
connected layers hold 2 C^2 / r weights (Section 4, pp. 4-5: "2/r sum_s N_s C_s^2") and run once per image,
so SE-ResNet-50 adds about 2.5 M parameters (10%) and 0.26% multiply-adds to ResNet-50.
One fused multiply-add = 1 MAC; FLOPs = 2 x MACs.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .registry import zoo_model
from .resnet import ResNet, bottleneck


class SqueezeExcite(nn.Module):
    """Squeeze (global average pool to one value per channel), excite (a 1x1 convolution down to
    ``squeezed`` channels, ``activation``, a 1x1 convolution back, sigmoid), then rescale the input's
    channels by the result (SENet Fig. 1, p. 2 of arXiv:1709.01507v4).

    The paper's two fully connected layers are written as 1x1 convolutions on the pooled 1x1 map,
    as the authors' Caffe release does: the same weights and biases, C x squeezed + squeezed and
    squeezed x C + C parameters, and no flatten and reshape around them.
    """

    def __init__(self, channels: int, squeezed: int,
                 activation: Callable[[], nn.Module] = nn.ReLU) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(channels, squeezed, 1)
        self.act = activation()
        self.expand = nn.Conv2d(squeezed, channels, 1)
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(self.expand(self.act(self.reduce(self.pool(x)))))


REDUCTION = 16  # Section 6.1: r = 16 "strikes a good balance between accuracy and complexity"


def se_block(channels: int, reduction: int = REDUCTION) -> SqueezeExcite:
    """The SE block of a residual unit with ``channels`` outputs, squeezed by ``reduction``."""
    return SqueezeExcite(channels, channels // reduction)


@zoo_model
def se_resnet50(*, num_classes: int = 1000) -> nn.Module:
    """SE-ResNet-50 from Hu, Shen, Albanie, Sun & Wu 2017, "Squeeze-and-Excitation Networks",
    arXiv:1709.01507 (CVPR 2018), Fig. 3 (p. 4) and Table 2 (p. 5) of arXiv:1709.01507v4.

    ``resnet50`` (the ResNet paper's layout, stride in the first 1x1) with a squeeze-and-excitation
    block, reduction 16, on the residual branch of each of its 16 bottleneck units.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 6, 3), gate=se_block, num_classes=num_classes)


@zoo_model
def se_resnext50_32x4d(*, num_classes: int = 1000) -> nn.Module:
    """SE-ResNeXt-50 (32x4d) from Hu, Shen, Albanie, Sun & Wu 2017, "Squeeze-and-Excitation Networks",
    arXiv:1709.01507 (CVPR 2018), Table 2 (p. 5) of arXiv:1709.01507v4.

    ``resnext50_32x4d`` with a squeeze-and-excitation block, reduction 16, on the residual branch of
    each of its 16 bottleneck units.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 6, 3), groups=32, base_width=4, stride_in_3x3=True, gate=se_block,
                  num_classes=num_classes)

