"""Blocks of the efficient networks (MobileNet v1-v3, ShuffleNet, Xception), defined once.

A depthwise convolution is a ``Conv2d`` with ``groups == in_channels == out_channels``: each output
channel sees one input channel, so it costs one multiply-add per kernel tap per output element
(k x k x C x H x W MACs), where a full convolution sums over all C input channels as well.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import torch
from torch import nn

Activation = Callable[[], nn.Module]


def relu() -> nn.Module:
    return nn.ReLU(inplace=True)


def relu6() -> nn.Module:
    return nn.ReLU6(inplace=True)


def hardswish() -> nn.Module:
    return nn.Hardswish(inplace=True)


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a scaled width to the nearest multiple of ``divisor``, never below it nor 10% below ``value``.

    The rounding of the MobileNetV2 and V3 releases (TF-slim's ``_make_divisible``); their papers' width
    multipliers go through it, so a 1.4x MobileNetV2's 32-channel stem has 48 channels, not 44.
    """
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class ConvBNAct(nn.Sequential):
    """Convolution without bias, batch norm, then an activation (none when ``act`` is None).

    Padding is ``kernel // 2`` ("same" at stride 1); ``groups=cin`` makes it depthwise.
    """

    def __init__(self, cin: int, cout: int, kernel: int = 1, stride: int = 1, groups: int = 1,
                 act: Activation | None = relu, eps: float = 1e-5) -> None:
        layers: OrderedDict[str, nn.Module] = OrderedDict(
            conv=nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, groups=groups, bias=False),
            bn=nn.BatchNorm2d(cout, eps=eps),
        )
        if act is not None:
            layers["act"] = act()
        super().__init__(layers)


class SqueezeExcite(nn.Module):
    """Squeeze-and-excitation as MobileNetV3 uses it: global average pool, 1x1 conv down to ``squeeze``
    channels with ReLU, 1x1 conv back up, hard sigmoid, and the input scaled channel by channel."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.gate = nn.Hardsigmoid(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(self.fc2(self.relu(self.fc1(self.pool(x)))))


class InvertedResidual(nn.Module):
    """MobileNetV2's bottleneck (its Table 1), MobileNetV3's with ``kernel``, ``se`` and ``act``.

    1x1 expansion to ``expanded`` channels (left out when ``expanded == cin``), a k x k depthwise
    convolution at ``stride``, optional squeeze-and-excitation of ``se`` channels, then a linear 1x1
    projection (batch norm, no activation). The input is added back when the stride is 1 and the
    width is kept.
    """

    def __init__(self, cin: int, expanded: int, cout: int, stride: int, kernel: int = 3,
                 se: int = 0, act: Activation = relu6, eps: float = 1e-5) -> None:
        super().__init__()
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        if expanded != cin:
            layers["expand"] = ConvBNAct(cin, expanded, 1, act=act, eps=eps)
        layers["depthwise"] = ConvBNAct(expanded, expanded, kernel, stride, groups=expanded, act=act, eps=eps)
        if se:
            layers["se"] = SqueezeExcite(expanded, se)
        layers["project"] = ConvBNAct(expanded, cout, 1, act=None, eps=eps)
        self.block = nn.Sequential(layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block(x)
        return x + out if self.residual else out


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """ShuffleNet's channel shuffle: (g, n) channels viewed as (n, g), so each group reads every group."""
    batch, channels, height, width = x.shape
    x = x.view(batch, groups, channels // groups, height, width).transpose(1, 2)
    return x.reshape(batch, channels, height, width)


class ChannelShuffle(nn.Module):
    """``channel_shuffle`` as a layer: no parameters, no multiply-adds."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channel_shuffle(x, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
