"""Blocks of the efficient networks, for ``archstat separable`` and ``archstat cardinality``.

The conventions of ``archstat.design.blocks`` hold here too: every convolution pads ``kernel // 2``,
``bias`` switches every convolution's bias, there is no batch norm, and the activations, additions,
concatenations and channel shuffles hold no parameters and no multiply-adds.

* a depthwise convolution (``groups`` = channels) has one k x k filter per channel: k^2 x C weights
  and k^2 MACs per output element, with no sum over input channels (MobileNet, Section 3.1);
* MobileNet's depthwise-separable convolution is a depthwise k x k then a 1x1 pointwise one;
* MobileNetV2's inverted residual widens by ``expansion`` t with a 1x1, filters depthwise, and
  projects back with a linear 1x1 (its Table 1), adding the input when the shape is kept;
* SqueezeNet's fire module squeezes with 1x1 convolutions, then expands with 1x1 and k x k
  convolutions side by side, concatenated (its Section 3.2);
* ShuffleNet's unit (its Fig. 2b): grouped 1x1, channel shuffle, 3x3 depthwise, grouped 1x1, add.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ..models._mobile import channel_shuffle
from .blocks import ConvAct, conv


def depthwise_separable(cin: int, cout: int, kernel: int, *, bias: bool = False) -> nn.Sequential:
    """MobileNet's Fig. 3 without batch norm: a ``kernel`` x ``kernel`` depthwise convolution over
    ``cin`` channels, then a 1x1 pointwise convolution ``cin`` -> ``cout``, each followed by ReLU."""
    return nn.Sequential(OrderedDict(
        depthwise=ConvAct(cin, cin, kernel, groups=cin, bias=bias),
        pointwise=ConvAct(cin, cout, 1, bias=bias),
    ))


class InvertedResidual(nn.Module):
    """MobileNetV2's bottleneck (Table 1, stride 1): 1x1 ``cin`` -> t x ``cin`` with ReLU6, depthwise
    ``kernel`` x ``kernel`` with ReLU6, linear 1x1 to ``cout``; the input is added when ``cin`` equals
    ``cout``."""

    def __init__(self, cin: int, cout: int, kernel: int, expansion: int, *, bias: bool = False) -> None:
        super().__init__()
        mid = cin * expansion
        self.expand = nn.Sequential(OrderedDict(conv=conv(cin, mid, 1, bias=bias), relu=nn.ReLU6(inplace=True)))
        self.depthwise = nn.Sequential(OrderedDict(
            conv=conv(mid, mid, kernel, groups=mid, bias=bias), relu=nn.ReLU6(inplace=True)))
        self.project = conv(mid, cout, 1, bias=bias)
        self.residual = cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.project(self.depthwise(self.expand(x)))
        return x + out if self.residual else out


class Fire(nn.Module):
    """SqueezeNet's fire module: squeeze 1x1 ``cin`` -> ``squeeze``, then 1x1 ``squeeze`` ->
    ``expand1`` and ``kernel`` x ``kernel`` ``squeeze`` -> ``expand3`` side by side, concatenated.
    SqueezeNet's own kernel is 3."""

    def __init__(self, cin: int, squeeze: int, expand1: int, expand3: int, kernel: int = 3, *,
                 bias: bool = False) -> None:
        super().__init__()
        self.squeeze = ConvAct(cin, squeeze, 1, bias=bias)
        self.expand1x1 = ConvAct(squeeze, expand1, 1, bias=bias)
        self.expand3x3 = ConvAct(squeeze, expand3, kernel, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squeezed = self.squeeze(x)
        return torch.cat((self.expand1x1(squeezed), self.expand3x3(squeezed)), dim=1)


class Shuffle(nn.Module):
    """Channel shuffle (ShuffleNet, Section 3.1): channels seen as ``groups`` x (C / ``groups``),
    transposed and flattened, so the next grouped convolution reads every group."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(x, self.groups)


class ShuffleUnit(nn.Module):
    """ShuffleNet's unit (Fig. 2b, stride 1): grouped 1x1 ``width`` -> ``mid`` in ``groups`` groups
    with ReLU, channel shuffle, 3x3 depthwise (no ReLU), grouped 1x1 ``mid`` -> ``width``, add the
    input, ReLU."""

    def __init__(self, width: int, mid: int, groups: int, *, bias: bool = False) -> None:
        super().__init__()
        self.conv1 = ConvAct(width, mid, 1, groups=groups, bias=bias)
        self.shuffle = Shuffle(groups)
        self.depthwise = conv(mid, mid, 3, groups=mid, bias=bias)
        self.conv3 = conv(mid, width, 1, groups=groups, bias=bias)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(x + self.conv3(self.depthwise(self.shuffle(self.conv1(x)))))
