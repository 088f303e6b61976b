"""ResNeXt for ImageNet: ``resnet.ResNet`` with grouped 3x3 convolutions in its bottlenecks.

Xie, Girshick, Dollar, Tu, He 2017, "Aggregated Residual Transformations for Deep Neural Networks",
arXiv:1611.05431 (CVPR 2017), Table 1 and Fig. 3(c). MACs in the layout notes count convolutions and
the fc only (one fused multiply-add = 1 MAC; FLOPs = 2 x MACs).
"""

from __future__ import annotations

from torch import nn

from .registry import zoo_builders
from .resnet import ResNet, bottleneck

# Table 1 and the authors' releases (facebookresearch/ResNeXt): units per stage, cardinality, width per group.
CONFIGS = {
    "resnext50_32x4d": ((3, 4, 6, 3), 32, 4),
    "resnext101_32x4d": ((3, 4, 23, 3), 32, 4),
    "resnext101_32x8d": ((3, 4, 23, 3), 32, 8),
    "resnext101_64x4d": ((3, 4, 23, 3), 64, 4),
}


def _resnext(config: tuple[tuple[int, ...], int, int], num_classes: int) -> nn.Module:
    """Grouped-convolution bottlenecks, stride in the 3x3, option-B projections (the paper's, torchvision's)."""
    units, groups, width = config
    return ResNet(bottleneck, units, groups=groups, base_width=width, stride_in_3x3=True, num_classes=num_classes)


zoo_builders(globals(), _resnext, CONFIGS)
