"""ResNeXt for ImageNet: ``resnet.ResNet`` with grouped 3x3 convolutions in its bottlenecks.

Xie, Girshick, Dollar, Tu, He 2017, "Aggregated Residual Transformations for Deep Neural Networks",
Table 1 and Fig. 3(c). MACs in the layout notes count convolutions and the fc only (one fused
multiply-add = 1 MAC; FLOPs = 2 x MACs).
"""

from __future__ import annotations

from functools import partial

from torch import nn

from .registry import register_model
from .resnet import ResNet, bottleneck

_resnext = partial(register_model, family="ResNeXt",
                   paper="Aggregated Residual Transformations for Deep Neural Networks",
                   year=2017, input_size=(3, 224, 224), min_input=1)
_RESNEXT = ("Grouped-convolution form (Fig. 3c) of the ResNeXt bottleneck; stride in the 3x3 "
            "conv and option-B projections, as the paper (and its Table 1 ResNet-50) uses. "
            "MACs count convs and fc. ")


@_resnext(paper_params=25.0e6, paper_macs=4.2e9, paper_depth=50,
          paper_source="Table 1 (params, FLOPs = multiply-adds)",
          layout=_RESNEXT + "Measured 25,028,904 params and 4.23 GMACs at 224, against "
          "25,557,032 and 4.09 G for resnet50_v1_5 (Table 1: 25.5M, 4.1 G).",
          discrepancy="Convs + fc measure 4.230 GMACs, Table 1's 4.2 to rounding; archstat's "
          "total (4.259 G) adds 29M MACs of batch norm and pooling.")
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


@_resnext(paper_macs=7.8e9, paper_depth=101,
          paper_source="facebookresearch/ResNeXt README (~7.8 GFLOPs, same as ResNet-101)",
          extra={"top1_error": "21.2% (224 single crop; authors' README)"},
          layout=_RESNEXT + "Measured 44,177,704 params, 7.97 GMACs at 224.",
          discrepancy="'~7.8' is the ResNet-101 complexity class the README groups it in: convs "
          "+ fc measure 7.970 GMACs (2.2% more; archstat's total with batch norm 8.013).")
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


@_resnext(paper_depth=101,
          layout=_RESNEXT + "Not in the ResNeXt paper; used by torchvision and by Mahajan et al. "
          "2018 (weakly supervised pretraining). Measured 88,791,336 params, 16.41 GMACs at 224.")
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


@_resnext(paper_macs=15.6e9, paper_depth=101,
          paper_source="facebookresearch/ResNeXt README (~15.6 GFLOPs, 2x ResNet-101)",
          extra={"top1_error": "20.4% (224 single crop; authors' README)"},
          layout=_RESNEXT + "Measured 83,455,272 params, 15.46 GMACs at 224.",
          discrepancy="'~15.6' is approximate: convs + fc measure 15.458 GMACs (0.9% less; "
          "archstat's total with batch norm 15.52).")
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
