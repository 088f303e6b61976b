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

import torch
from torch import nn

from ._blocks import ConvBNReLU, classifier
from .registry import zoo_model
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


@zoo_model
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


@zoo_model
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


@zoo_model
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


@zoo_model
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


@zoo_model
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


@zoo_model
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


@zoo_model
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


@zoo_model
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
