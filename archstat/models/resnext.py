"""ResNeXt for ImageNet: ``resnet.ResNet`` with grouped 3x3 convolutions in its bottlenecks.

Xie, Girshick, Dollar, Tu, He 2017, "Aggregated Residual Transformations for Deep Neural Networks",
Table 1 and Fig. 3(c). MACs in the layout notes count convolutions and the fc only (one fused
multiply-add = 1 MAC; FLOPs = 2 x MACs).
"""

from __future__ import annotations

from torch import nn

from .registry import zoo_model
from .resnet import ResNet, bottleneck


@zoo_model
def resnext50_32x4d(*, num_classes: int = 1000) -> nn.Module:
    """ResNeXt-50 32x4d from Xie, Girshick, Dollar, Tu & He 2017, "Aggregated Residual Transformations
    for Deep Neural Networks", arXiv:1611.05431 (CVPR 2017).

    Table 1's ResNeXt-50. Grouped-convolution bottlenecks (cardinality 32, width 4 per group), stride in
    the 3x3 and option-B projections, as the paper and torchvision build them.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 6, 3), groups=32, base_width=4, stride_in_3x3=True,
                  num_classes=num_classes)


@zoo_model
def resnext101_32x4d(*, num_classes: int = 1000) -> nn.Module:
    """ResNeXt-101 32x4d from Xie, Girshick, Dollar, Tu & He 2017, "Aggregated Residual Transformations
    for Deep Neural Networks", arXiv:1611.05431 (CVPR 2017).

    As the authors released it (facebookresearch/ResNeXt), whose README gives its figures.
    Grouped-convolution bottlenecks (cardinality 32, width 4 per group), stride in the 3x3 and option-B
    projections, as the paper and torchvision build them.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 23, 3), groups=32, base_width=4, stride_in_3x3=True,
                  num_classes=num_classes)


@zoo_model
def resnext101_32x8d(*, num_classes: int = 1000) -> nn.Module:
    """ResNeXt-101 32x8d from Xie, Girshick, Dollar, Tu & He 2017, "Aggregated Residual Transformations
    for Deep Neural Networks", arXiv:1611.05431 (CVPR 2017).

    Not in the ResNeXt paper: torchvision's resnext101_32x8d. Grouped-convolution bottlenecks
    (cardinality 32, width 8 per group), stride in the 3x3 and option-B projections, as the paper and
    torchvision build them.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 23, 3), groups=32, base_width=8, stride_in_3x3=True,
                  num_classes=num_classes)


@zoo_model
def resnext101_64x4d(*, num_classes: int = 1000) -> nn.Module:
    """ResNeXt-101 64x4d from Xie, Girshick, Dollar, Tu & He 2017, "Aggregated Residual Transformations
    for Deep Neural Networks", arXiv:1611.05431 (CVPR 2017).

    ResNeXt-101 64x4d, as the authors released it (facebookresearch/ResNeXt). Grouped-convolution
    bottlenecks (cardinality 64, width 4 per group), stride in the 3x3 and option-B projections, as the
    paper and torchvision build them.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 23, 3), groups=64, base_width=4, stride_in_3x3=True,
                  num_classes=num_classes)
