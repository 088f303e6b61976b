"""Pre-activation ResNet (ResNet v2) for ImageNet, built by ``resnet.ResNet`` with ``preact=True``.

He, Zhang, Ren, Sun 2016, "Identity Mappings in Deep Residual Networks", Fig. 4(e). Multiply-adds
(MACs) in the layout notes were measured at 3x224x224 with fvcore, counting convolutions and the fc
only (one fused multiply-add = 1 MAC; FLOPs = 2 x MACs).
"""

from __future__ import annotations

from torch import nn

from .registry import zoo_model
from .resnet import ResNet, basic, bottleneck


@zoo_model
def preact_resnet18(*, num_classes: int = 1000) -> nn.Module:
    """Pre-activation ResNet-18 (ResNet v2) from He, Zhang, Ren & Sun 2016, "Identity Mappings in Deep
    Residual Networks", arXiv:1603.05027 (ECCV 2016), Fig. 4(e).

    Full pre-activation basic units (2, 2, 2, 2), BN-ReLU after the last stage. Shape-changing units
    project the activated input with a bare 1x1 conv and stride their first conv, as the authors' code
    does; fb.resnet.torch's preresnet projects the raw input with conv + BN.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(basic, (2, 2, 2, 2), preact=True, num_classes=num_classes)


@zoo_model
def preact_resnet34(*, num_classes: int = 1000) -> nn.Module:
    """Pre-activation ResNet-34 (ResNet v2) from He, Zhang, Ren & Sun 2016, "Identity Mappings in Deep
    Residual Networks", arXiv:1603.05027 (ECCV 2016), Fig. 4(e).

    Full pre-activation basic units (3, 4, 6, 3), BN-ReLU after the last stage. Shape-changing units
    project the activated input with a bare 1x1 conv and stride their first conv, as the authors' code
    does; fb.resnet.torch's preresnet projects the raw input with conv + BN.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(basic, (3, 4, 6, 3), preact=True, num_classes=num_classes)


@zoo_model
def preact_resnet50(*, num_classes: int = 1000) -> nn.Module:
    """Pre-activation ResNet-50 (ResNet v2) from He, Zhang, Ren & Sun 2016, "Identity Mappings in Deep
    Residual Networks", arXiv:1603.05027 (ECCV 2016), Fig. 4(e).

    Full pre-activation bottleneck units (3, 4, 6, 3), BN-ReLU after the last stage. Shape-changing
    units project the activated input with a bare 1x1 conv and stride their first conv, as the authors'
    code does; fb.resnet.torch's preresnet projects the raw input with conv + BN.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 6, 3), preact=True, num_classes=num_classes)


@zoo_model
def preact_resnet101(*, num_classes: int = 1000) -> nn.Module:
    """Pre-activation ResNet-101 (ResNet v2) from He, Zhang, Ren & Sun 2016, "Identity Mappings in Deep
    Residual Networks", arXiv:1603.05027 (ECCV 2016), Fig. 4(e).

    Full pre-activation bottleneck units (3, 4, 23, 3), BN-ReLU after the last stage. Shape-changing
    units project the activated input with a bare 1x1 conv and stride their first conv, as the authors'
    code does; fb.resnet.torch's preresnet projects the raw input with conv + BN.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 23, 3), preact=True, num_classes=num_classes)


@zoo_model
def preact_resnet152(*, num_classes: int = 1000) -> nn.Module:
    """Pre-activation ResNet-152 (ResNet v2) from He, Zhang, Ren & Sun 2016, "Identity Mappings in Deep
    Residual Networks", arXiv:1603.05027 (ECCV 2016), Fig. 4(e).

    Full pre-activation bottleneck units (3, 8, 36, 3), BN-ReLU after the last stage. Shape-changing
    units project the activated input with a bare 1x1 conv and stride their first conv, as the authors'
    code does; fb.resnet.torch's preresnet projects the raw input with conv + BN.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 8, 36, 3), preact=True, num_classes=num_classes)


@zoo_model
def preact_resnet200(*, num_classes: int = 1000) -> nn.Module:
    """Pre-activation ResNet-200 (ResNet v2) from He, Zhang, Ren & Sun 2016, "Identity Mappings in Deep
    Residual Networks", arXiv:1603.05027 (ECCV 2016), Fig. 4(e).

    Full pre-activation bottleneck units (3, 24, 36, 3), BN-ReLU after the last stage. Shape-changing
    units project the activated input with a bare 1x1 conv and stride their first conv, as the authors'
    code does; fb.resnet.torch's preresnet projects the raw input with conv + BN.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 24, 36, 3), preact=True, num_classes=num_classes)
