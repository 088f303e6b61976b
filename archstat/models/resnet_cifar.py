"""CIFAR-10 residual networks: ResNet paper Sec. 4.2 and pre-activation nets of "Identity Mappings".

- He, Zhang, Ren, Sun 2015, "Deep Residual Learning for Image Recognition", Sec. 4.2, Table 6:
  3x3 conv 16, three stages of n basic units at 16/32/64 filters on 32/16/8 maps (6n + 2 weight
  layers), option-A shortcuts, global average pool, fc 10.
- He, Zhang, Ren, Sun 2016, "Identity Mappings in Deep Residual Networks" (ResNet-164, -1001):
  pre-activation bottleneck nets of 9n + 2 layers, bottleneck widths 16/32/64 expanded 4x to
  64/128/256.

The units and stages are those of ``resnet.py``; only the stem, the widths and the shortcut differ.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import partial

import torch
from torch import nn

from ._blocks import ConvBNReLU, classifier
from .registry import register_model
from .resnet import BNReLU, Recipe, Shortcut, basic, bottleneck, make_stage


class ZeroPadShortcut(nn.Module):
    """Option A of the ResNet paper: the identity, subsampled by ``stride`` and zero-padded from
    ``cin`` to ``cout`` channels. It has no parameters."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.extra, self.stride = cout - cin, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        # pad() lists dimensions from the last one back: (W, W, H, H, C, C); new channels go last.
        return nn.functional.pad(x, (0, 0, 0, 0, 0, self.extra))


class CifarResNet(nn.Sequential):
    """conv1 3x3 16 + BN + ReLU, three stages of ``n`` units at 16/32/64 planes (strides 1, 2, 2),
    global average pool, fc. ``preact`` uses pre-activation units (conv1's BN-ReLU is the first
    unit's activation) and adds BN-ReLU after the last stage."""

    def __init__(self, recipe: Recipe, n: int, *, preact: bool = False,
                 shortcut: Shortcut = ZeroPadShortcut, num_classes: int = 10) -> None:
        parts: OrderedDict[str, nn.Module] = OrderedDict(conv1=ConvBNReLU(3, 16, 3, padding=1))
        cin = 16
        for i in range(3):
            parts[f"layer{i + 1}"], cin = make_stage(
                recipe, cin, 16 * 2**i, n, 1 if i == 0 else 2, preact=preact,
                activated_input=i == 0, shortcut=shortcut,
            )
        if preact:
            parts["postact"] = BNReLU(cin)
        parts["classifier"] = classifier(cin, num_classes)
        super().__init__(parts)


_v1 = partial(register_model, family="ResNet (CIFAR)",
              paper="Deep Residual Learning for Image Recognition", year=2015,
              input_size=(3, 32, 32), num_classes=10, min_input=1,
              paper_source="Table 6 (params, millions)")
_V1 = ("ResNet paper Sec. 4.2 CIFAR net (6n+2 layers, n={n}): option-A shortcuts (stride-2 "
       "subsampling + zero channels, no parameters); BN after every conv; 10 classes. "
       "torchvision has no CIFAR ResNets; reimplementations with option-B 1x1 projections have "
       "2,752 more params (e.g. resnet20 272,474 vs 269,722).")


@_v1(paper_params=0.27e6, paper_depth=20, extra={"cifar10_error": "8.75% (Table 6)"},
     layout=_V1.format(n=3))
def resnet20(*, num_classes: int = 10) -> nn.Module:
    """CIFAR-10 ResNet-20 (n = 3) from He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image
    Recognition", arXiv:1512.03385 (CVPR 2016), Section 4.2.

    Three stages of basic units at 16/32/64 filters with option-A shortcuts (subsampling plus zero
    channels, no parameters); re-implementations with option-B 1x1 projections have 2,752 more
    parameters.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 10, CIFAR-10).
    """
    return CifarResNet(basic, 3, num_classes=num_classes)


@_v1(paper_params=0.46e6, paper_depth=32, extra={"cifar10_error": "7.51% (Table 6)"},
     layout=_V1.format(n=5))
def resnet32(*, num_classes: int = 10) -> nn.Module:
    """CIFAR-10 ResNet-32 (n = 5) from He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image
    Recognition", arXiv:1512.03385 (CVPR 2016), Section 4.2.

    Three stages of basic units at 16/32/64 filters with option-A shortcuts (subsampling plus zero
    channels, no parameters); re-implementations with option-B 1x1 projections have 2,752 more
    parameters.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 10, CIFAR-10).
    """
    return CifarResNet(basic, 5, num_classes=num_classes)


@_v1(paper_params=0.66e6, paper_depth=44, extra={"cifar10_error": "7.17% (Table 6)"},
     layout=_V1.format(n=7))
def resnet44(*, num_classes: int = 10) -> nn.Module:
    """CIFAR-10 ResNet-44 (n = 7) from He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image
    Recognition", arXiv:1512.03385 (CVPR 2016), Section 4.2.

    Three stages of basic units at 16/32/64 filters with option-A shortcuts (subsampling plus zero
    channels, no parameters); re-implementations with option-B 1x1 projections have 2,752 more
    parameters.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 10, CIFAR-10).
    """
    return CifarResNet(basic, 7, num_classes=num_classes)


@_v1(paper_params=0.85e6, paper_depth=56, extra={"cifar10_error": "6.97% (Table 6)"},
     layout=_V1.format(n=9))
def resnet56(*, num_classes: int = 10) -> nn.Module:
    """CIFAR-10 ResNet-56 (n = 9) from He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image
    Recognition", arXiv:1512.03385 (CVPR 2016), Section 4.2.

    Three stages of basic units at 16/32/64 filters with option-A shortcuts (subsampling plus zero
    channels, no parameters); re-implementations with option-B 1x1 projections have 2,752 more
    parameters.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 10, CIFAR-10).
    """
    return CifarResNet(basic, 9, num_classes=num_classes)


@_v1(paper_params=1.7e6, paper_depth=110,
     extra={"cifar10_error": "6.43% best, 6.61+-0.16% mean of 5 runs (Table 6)"},
     layout=_V1.format(n=18))
def resnet110(*, num_classes: int = 10) -> nn.Module:
    """CIFAR-10 ResNet-110 (n = 18) from He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image
    Recognition", arXiv:1512.03385 (CVPR 2016), Section 4.2.

    Three stages of basic units at 16/32/64 filters with option-A shortcuts (subsampling plus zero
    channels, no parameters); re-implementations with option-B 1x1 projections have 2,752 more
    parameters.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 10, CIFAR-10).
    """
    return CifarResNet(basic, 18, num_classes=num_classes)


@_v1(paper_params=19.4e6, paper_depth=1202, extra={"cifar10_error": "7.93% (Table 6)"},
     layout=_V1.format(n=200))
def resnet1202(*, num_classes: int = 10) -> nn.Module:
    """CIFAR-10 ResNet-1202 (n = 200) from He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image
    Recognition", arXiv:1512.03385 (CVPR 2016), Section 4.2.

    Three stages of basic units at 16/32/64 filters with option-A shortcuts (subsampling plus zero
    channels, no parameters); re-implementations with option-B 1x1 projections have 2,752 more
    parameters.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 10, CIFAR-10).
    """
    return CifarResNet(basic, 200, num_classes=num_classes)


_preact = partial(register_model, family="ResNet v2 (CIFAR, pre-activation)",
                  paper="Identity Mappings in Deep Residual Networks", year=2016,
                  input_size=(3, 32, 32), num_classes=10, min_input=1,
                  paper_source="CIFAR comparison table (params, millions)")
_PREACT = ("Pre-activation bottleneck net of 9n+2 layers (n={n}), bottleneck widths 16/32/64, "
           "outputs 64/128/256. As in the authors' code (KaimingHe/resnet-1k-layers): the "
           "BN-ReLU after conv1 is the first unit's pre-activation, shared by both paths; units "
           "that change shape share their first BN-ReLU, stride their first 1x1 conv and "
           "project the activated input with a bare 1x1 conv (3 such convs, not counted in the "
           "depth); 10 classes.")


@_preact(paper_params=1.7e6, paper_depth=164,
         extra={"cifar10_error": "5.46%", "cifar100_error": "24.33%"},
         layout=_PREACT.format(n=18) + " Measured 1,703,258 params (1.7M, as the paper).")
def preact_resnet164(*, num_classes: int = 10) -> nn.Module:
    """CIFAR pre-activation ResNet-164 (n = 18) from He, Zhang, Ren & Sun 2016, "Identity Mappings in
    Deep Residual Networks", arXiv:1603.05027 (ECCV 2016).

    Pre-activation bottleneck units, widths 16/32/64 expanded to 64/128/256, as the authors' code
    (KaimingHe/resnet-1k-layers) builds them: shape-changing units project the activated input with a
    bare 1x1 conv.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 10, CIFAR-10).
    """
    return CifarResNet(bottleneck, 18, preact=True, num_classes=num_classes)


@_preact(paper_params=10.2e6, paper_depth=1001,
         extra={"cifar10_error": "4.92% (4.62% with the authors' Torch code, batch 64)",
                "cifar100_error": "22.71%"},
         layout=_PREACT.format(n=111) + " Measured 10,327,706 params.",
         discrepancy="10,327,706 params is 10.3M, not the paper's 10.2M; the conv and fc weights "
         "alone (10,178,490, without the 149,216 batch-norm parameters) round to 10.2M.")
def preact_resnet1001(*, num_classes: int = 10) -> nn.Module:
    """CIFAR pre-activation ResNet-1001 (n = 111) from He, Zhang, Ren & Sun 2016, "Identity Mappings in
    Deep Residual Networks", arXiv:1603.05027 (ECCV 2016).

    Pre-activation bottleneck units, widths 16/32/64 expanded to 64/128/256, as the authors' code
    (KaimingHe/resnet-1k-layers) builds them: shape-changing units project the activated input with a
    bare 1x1 conv.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 10, CIFAR-10).
    """
    return CifarResNet(bottleneck, 111, preact=True, num_classes=num_classes)
