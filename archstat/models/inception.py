"""The batch-normalised Inception networks, each module written as branch specs (see googlenet.py).

- ``inception_v2``: BN-Inception, Ioffe & Szegedy 2015, Appendix Figure 5.
- ``inception_v3``: Szegedy et al. 2015, "Rethinking the Inception Architecture", Table 1, Figs 5-7.
- ``inception_v4``, ``inception_resnet_v2``: in ``inception_v4``, built from the same pieces.

Convolutions are conv (no bias) + batch norm + ReLU; "V" in the papers' figures is ``pad="valid"``.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import partial

from torch import nn

from ._blocks import ConvBNReLU, classifier
from .googlenet import Conv, InceptionNet, Layer, Pool, PoolKind, Spec, build_module
from .registry import zoo_model

# TF-slim's batch-norm epsilon, used by the released Inception-v3/v4/ResNet-v2 checkpoints.
conv_bn = partial(ConvBNReLU, eps=1e-3)
MAX_S2V = Pool("max", 3, 2, "valid")  # the grid reductions' 3x3/2 max pool, no padding


def stack(name: str, cin: int, specs: list[Spec]) -> tuple[nn.Sequential, int]:
    modules: OrderedDict[str, nn.Module] = OrderedDict()
    for i, spec in enumerate(specs):
        modules[f"{name}{i + 1}"], cin = build_module(cin, spec, conv_bn)
    return nn.Sequential(modules), cin


# --- BN-Inception (Inception-v2) -----------------------------------------------------------------

# Figure 5 columns: #1x1, #3x3 reduce, #3x3, double #3x3 reduce, double #3x3, pool, proj.
# proj None is "pass through": those two modules (3c, 4e) are the stride-2 ones.
FIGURE5: dict[str, tuple[int, int, int, int, int, PoolKind, int | None]] = {
    "inception3a": (64, 64, 64, 64, 96, "avg", 32),
    "inception3b": (64, 64, 96, 64, 96, "avg", 64),
    "inception3c": (0, 128, 160, 64, 96, "max", None),
    "inception4a": (224, 64, 96, 96, 128, "avg", 128),
    "inception4b": (192, 96, 128, 96, 128, "avg", 128),
    "inception4c": (160, 128, 160, 128, 160, "avg", 128),
    "inception4d": (96, 128, 192, 160, 192, "avg", 128),
    "inception4e": (0, 128, 192, 192, 256, "max", None),
    "inception5a": (352, 192, 320, 160, 224, "avg", 128),
    "inception5b": (352, 192, 320, 192, 224, "max", 128),
}


def bn_inception_spec(
    n1: int, r3: int, n3: int, rd: int, nd: int, pool: PoolKind, proj: int | None
) -> Spec:
    """One row of Figure 5: the 5x5 tower is two 3x3s; stride 2 ends every tower of 3c and 4e."""
    s = 2 if proj is None else 1
    spec: dict[str, list[Layer]] = {"branch1x1": [Conv(n1)]} if n1 else {}
    spec["branch3x3"] = [Conv(r3), Conv(n3, 3, s)]
    spec["branch3x3dbl"] = [Conv(rd), Conv(nd, 3), Conv(nd, 3, s)]
    spec["branch_pool"] = [Pool(pool, 3, s)] + ([Conv(proj)] if proj else [])
    return spec


def separable_stem_conv() -> nn.Sequential:
    """Appendix: 'separable convolution with depth multiplier 8 on the first convolutional layer':
    a 7x7/2 depthwise conv making 3 x 8 = 24 maps, then a 1x1 conv to 64, BN and ReLU."""
    return nn.Sequential(OrderedDict(
        depthwise=nn.Conv2d(3, 24, 7, stride=2, padding=3, groups=3, bias=False),
        pointwise=nn.Conv2d(24, 64, 1, bias=False),
        bn=nn.BatchNorm2d(64),
        relu=nn.ReLU(inplace=True),
    ))


def _bn_inception(num_classes: int) -> InceptionNet:
    stages: OrderedDict[str, nn.Module] = OrderedDict(
        conv1=separable_stem_conv(), pool1=nn.MaxPool2d(3, 2, ceil_mode=True),
        conv2_reduce=ConvBNReLU(64, 64, 1), conv2=ConvBNReLU(64, 192, 3, padding=1),
        pool2=nn.MaxPool2d(3, 2, ceil_mode=True),
    )
    cin = 192
    for name, row in FIGURE5.items():
        stages[name], cin = build_module(cin, bn_inception_spec(*row), ConvBNReLU)
    return InceptionNet(stages, classifier(cin, num_classes))  # no dropout: removed in Sec. 4.2.1


# --- Inception-v3 --------------------------------------------------------------------------------
# Widths inside the modules are not in the paper (it points to a model.txt); they are those of the
# authors' released TF-slim definition, as are the 5x5 tower of the 35x35 modules and the stem's
# 1x1-80 / 3x3-192 convolutions.

def v3_35(proj: int) -> Spec:  # Figure 5, but with the released code's 1x1-48 -> 5x5-64 tower
    return {"branch1x1": [Conv(64)],
            "branch5x5": [Conv(48), Conv(64, 5)],
            "branch3x3dbl": [Conv(64), Conv(96, 3), Conv(96, 3)],
            "branch_pool": [Pool("avg"), Conv(proj)]}


def v3_17(c7: int) -> Spec:  # Figure 6 with n = 7
    return {"branch1x1": [Conv(192)],
            "branch7x7": [Conv(c7), Conv(c7, (1, 7)), Conv(192, (7, 1))],
            "branch7x7dbl": [Conv(c7), Conv(c7, (7, 1)), Conv(c7, (1, 7)), Conv(c7, (7, 1)),
                             Conv(192, (1, 7))],
            "branch_pool": [Pool("avg"), Conv(192)]}


def split_1x3_3x1(width: int) -> dict[str, list[Conv]]:
    """Figure 7's expanded output: one tower ends in a 1x3 and a 3x1 side by side."""
    return {"1x3": [Conv(width, (1, 3))], "3x1": [Conv(width, (3, 1))]}


V3_8: Spec = {  # Figure 7
    "branch1x1": [Conv(320)],
    "branch3x3": [Conv(384), split_1x3_3x1(384)],
    "branch3x3dbl": [Conv(448), Conv(384, 3), split_1x3_3x1(384)],
    "branch_pool": [Pool("avg"), Conv(192)],
}
V3_REDUCE_35: Spec = {  # Figure 10: stride-2 convs beside a stride-2 pool, 35 -> 17
    "branch3x3": [Conv(384, 3, 2, "valid")],
    "branch3x3dbl": [Conv(64), Conv(96, 3), Conv(96, 3, 2, "valid")],
    "branch_pool": [MAX_S2V],
}
V3_REDUCE_17: Spec = {  # 17 -> 8
    "branch3x3": [Conv(192), Conv(320, 3, 2, "valid")],
    "branch7x7x3": [Conv(192), Conv(192, (1, 7)), Conv(192, (7, 1)), Conv(192, 3, 2, "valid")],
    "branch_pool": [MAX_S2V],
}
V3_MODULES: dict[str, Spec] = {
    "mixed5b": v3_35(32), "mixed5c": v3_35(64), "mixed5d": v3_35(64),  # 35x35x288
    "mixed6a": V3_REDUCE_35,  # 17x17x768
    "mixed6b": v3_17(128), "mixed6c": v3_17(160), "mixed6d": v3_17(160), "mixed6e": v3_17(192),
    "mixed7a": V3_REDUCE_17,  # 8x8x1280
    "mixed7b": V3_8, "mixed7c": V3_8,  # 8x8x2048
}


def aux_head_v3(num_classes: int) -> nn.Sequential:
    """Figure 8's side head on the 17x17 grid, 'BN-auxiliary' (its fully connected layer is
    batch normalised too): 5x5/3 avg pool, 1x1 conv 128, the fc as a 5x5 conv to 768 with BN,
    then the linear classifier."""
    return nn.Sequential(OrderedDict(
        pool=nn.AvgPool2d(5, stride=3), conv=conv_bn(768, 128, 1), fc1=conv_bn(128, 768, 5),
        flatten=nn.Flatten(1), fc2=nn.Linear(768, num_classes),
    ))


def _inception_v3(num_classes: int) -> InceptionNet:
    stages: OrderedDict[str, nn.Module] = OrderedDict(  # Table 1: the 7x7 factorised into 3x3s
        conv1=conv_bn(3, 32, 3, 2), conv2=conv_bn(32, 32, 3), conv3=conv_bn(32, 64, 3, 1, 1),
        pool1=nn.MaxPool2d(3, 2), conv4=conv_bn(64, 80, 1), conv5=conv_bn(80, 192, 3),
        pool2=nn.MaxPool2d(3, 2),
    )
    cin = 192
    for name, spec in V3_MODULES.items():
        stages[name], cin = build_module(cin, spec, conv_bn)
    head = classifier(cin, num_classes, dropout=0.2)  # keep 0.8, as the released model
    return InceptionNet(stages, head, aux={"aux": ("mixed6e", aux_head_v3(num_classes))})


# --- Registry ------------------------------------------------------------------------------------

@zoo_model
def inception_v2(*, num_classes: int = 1000) -> nn.Module:
    """BN-Inception (Inception-v2) from Ioffe & Szegedy 2015, "Batch Normalization: Accelerating Deep
    Network Training by Reducing Internal Covariate Shift", arXiv:1502.03167 (ICML 2015), Figure 5.

    Built from the figure's filter columns (so 4c/4d are 608 wide, 4e 1056, not the printed output
    column), with the separable 7x7 first convolution the appendix states; Caffe ports use a plain 7x7.
    No LRN, no dropout.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return _bn_inception(num_classes)


@zoo_model
def inception_v3(*, num_classes: int = 1000) -> nn.Module:
    """Inception-v3 from Szegedy, Vanhoucke, Ioffe, Shlens & Wojna 2015, "Rethinking the Inception
    Architecture for Computer Vision", arXiv:1512.00567 (CVPR 2016).

    Table 1 with the module widths of the authors' released TF-slim model (the paper gives none), as
    torchvision's Inception3: four 17x17 modules, not the paper's five. The BN-auxiliary head ``aux`` on
    mixed6e is built but runs only with ``aux_logits`` set.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return _inception_v3(num_classes)
