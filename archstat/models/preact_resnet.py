"""Pre-activation ResNet (ResNet v2) for ImageNet, built by ``resnet.ResNet`` with ``preact=True``.

He, Zhang, Ren, Sun 2016, "Identity Mappings in Deep Residual Networks", Fig. 4(e). Multiply-adds
(MACs) in the layout notes were measured at 3x224x224 with fvcore, counting convolutions and the fc
only (one fused multiply-add = 1 MAC; FLOPs = 2 x MACs).
"""

from __future__ import annotations

from functools import partial

from torch import nn

from .registry import register_model
from .resnet import ResNet, basic, bottleneck

_preact = partial(register_model, family="ResNet v2 (pre-activation)",
                  paper="Identity Mappings in Deep Residual Networks", year=2016,
                  input_size=(3, 224, 224), min_input=1)
_PREACT = ("Full pre-activation units (BN-ReLU before every conv; BN-ReLU after the last stage). "
           "conv1 7x7/2 + BN + ReLU is the first unit's activation ('right after conv1'), so "
           "the first unit has no BN-ReLU of its own. Shape-changing units share their first "
           "BN-ReLU, project the activated input with a bare 1x1 conv (no BN) and stride their "
           "first conv as the authors' code (KaimingHe/resnet-1k-layers) does; fb.resnet.torch's "
           "preresnet instead projects the raw input with conv + BN and strides the 3x3. "
           "Measured {macs} GMACs at 224 (conv + fc); the paper states no ImageNet params or MACs.")


@_preact(paper_depth=18, layout=_PREACT.format(macs="1.81"))
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


@_preact(paper_depth=34, layout=_PREACT.format(macs="3.66"))
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


@_preact(paper_depth=50, layout=_PREACT.format(macs="3.86"))
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


@_preact(paper_depth=101, layout=_PREACT.format(macs="7.57"))
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


@_preact(paper_depth=152, layout=_PREACT.format(macs="11.28"))
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


@_preact(paper_depth=200, layout=_PREACT.format(macs="14.78"))
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
