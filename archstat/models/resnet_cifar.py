"""CIFAR-10 residual networks: ResNet paper Sec. 4.2 and pre-activation nets of "Identity Mappings".

- He, Zhang, Ren, Sun 2015, "Deep Residual Learning for Image Recognition", arXiv:1512.03385 (CVPR
  2016), Sec. 4.2, Table 6:
  3x3 conv 16, three stages of n basic units at 16/32/64 filters on 32/16/8 maps (6n + 2 weight
  layers), option-A shortcuts, global average pool, fc 10.
- He, Zhang, Ren, Sun 2016, "Identity Mappings in Deep Residual Networks", arXiv:1603.05027 (ECCV
  2016) (ResNet-164, -1001):
  pre-activation bottleneck nets of 9n + 2 layers, bottleneck widths 16/32/64 expanded 4x to
  64/128/256.

The units and stages are those of ``resnet.py``; only the stem, the widths and the shortcut differ.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ._blocks import ConvBNReLU, classifier
from .registry import zoo_builders
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


# Table 6: n basic units per stage, 6n + 2 weight layers, option-A shortcuts.
DEPTHS = {"resnet20": 3, "resnet32": 5, "resnet44": 7, "resnet56": 9, "resnet110": 18, "resnet1202": 200}
# "Identity Mappings", CIFAR: n pre-activation bottleneck units per stage, 9n + 2 weight layers.
PREACT_DEPTHS = {"preact_resnet164": 18, "preact_resnet1001": 111}

zoo_builders(globals(), lambda n, num_classes: CifarResNet(basic, n, num_classes=num_classes), DEPTHS)
zoo_builders(globals(), lambda n, num_classes: CifarResNet(bottleneck, n, preact=True, num_classes=num_classes),
             PREACT_DEPTHS)
