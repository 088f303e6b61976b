"""Blocks the design calculators compare (``archstat bottleneck``, ``factorize``, ``cardinality``).

Each is a real ``nn.Module``, so the calculators count it with the same engine as ``archstat table``
and the two can never disagree. Conventions shared by every block here:

* every convolution pads ``kernel // 2`` on each axis, so an odd kernel at stride 1 keeps the grid;
* ``bias`` switches the biases of every convolution: the documents count weights only, the
  networks of 2012-2014 (AlexNet, VGG, GoogLeNet) carry a bias per output channel;
* no batch norm (its scale and shift would be a second kind of per-channel parameter); a ReLU
  follows each convolution as in the networks the blocks come from. ReLU, addition and
  concatenation hold no parameters and no multiply-adds, so they change no count.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

Kernel = int | tuple[int, int]


def conv(
    cin: int, cout: int, kernel: Kernel, *, stride: int = 1, groups: int = 1, bias: bool = False
) -> nn.Conv2d:
    """A convolution padded by ``kernel // 2`` on each axis ("same" for odd kernels at stride 1)."""
    padding = kernel // 2 if isinstance(kernel, int) else (kernel[0] // 2, kernel[1] // 2)
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, groups=groups, bias=bias)


class ConvAct(nn.Sequential):
    """A convolution then ReLU (submodules ``conv``, ``relu``), like the zoo's ``ConvReLU``."""

    def __init__(
        self, cin: int, cout: int, kernel: Kernel, *,
        stride: int = 1, groups: int = 1, bias: bool = False,
    ) -> None:
        super().__init__(OrderedDict(
            conv=conv(cin, cout, kernel, stride=stride, groups=groups, bias=bias),
            relu=nn.ReLU(inplace=True),
        ))


def reduced(
    cin: int, mid: int, cout: int, kernel: int, *, stride: int = 1, bias: bool = False
) -> nn.Sequential:
    """GoogLeNet's 1x1 reduction to ``mid`` channels, then the ``kernel`` x ``kernel`` convolution.

    The stride sits on the large convolution, so the block's output grid equals that of a direct
    convolution with the same stride.
    """
    return nn.Sequential(OrderedDict(
        reduce=ConvAct(cin, mid, 1, bias=bias),
        conv=ConvAct(mid, cout, kernel, stride=stride, bias=bias),
    ))


def stack_3x3(channels: int, count: int, *, bias: bool = False) -> nn.Sequential:
    """``count`` 3x3 convolutions, ``channels`` in and out: VGG's stand-in for one large kernel."""
    return nn.Sequential(OrderedDict(
        (f"conv{i}", ConvAct(channels, channels, 3, bias=bias)) for i in range(1, count + 1)
    ))


def asymmetric(channels: int, kernel: int, *, bias: bool = False) -> nn.Sequential:
    """A 1 x k convolution then a k x 1 one (Inception-v3, section 3.2), ``channels`` in and out."""
    return nn.Sequential(OrderedDict([
        (f"conv1x{kernel}", ConvAct(channels, channels, (1, kernel), bias=bias)),
        (f"conv{kernel}x1", ConvAct(channels, channels, (kernel, 1), bias=bias)),
    ]))


class ResidualBottleneck(nn.Module):
    """ResNeXt's form (c), or with ``groups=1`` ResNet's bottleneck: ``relu(x + F(x))``.

    F = conv3(conv2(conv1(x))): conv1 1x1 ``width`` -> ``inner``, conv2 3x3 ``inner`` -> ``inner``
    in ``groups`` groups, conv3 1x1 ``inner`` -> ``width``. The shortcut is the identity.
    """

    def __init__(self, width: int, inner: int, groups: int = 1, *, bias: bool = False) -> None:
        super().__init__()
        self.conv1 = ConvAct(width, inner, 1, bias=bias)
        self.conv2 = ConvAct(inner, inner, 3, groups=groups, bias=bias)
        self.conv3 = conv(inner, width, 1, bias=bias)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(x + self.conv3(self.conv2(self.conv1(x))))


class SplitTransformSum(nn.Module):
    """ResNeXt's form (a): ``groups`` paths (1x1 ``width`` -> d, 3x3 d -> d, 1x1 d -> ``width``)
    summed with the shortcut."""

    def __init__(self, width: int, groups: int, group_width: int, *, bias: bool = False) -> None:
        super().__init__()
        self.paths = nn.ModuleList(
            nn.Sequential(OrderedDict(
                conv1=ConvAct(width, group_width, 1, bias=bias),
                conv2=ConvAct(group_width, group_width, 3, bias=bias),
                conv3=conv(group_width, width, 1, bias=bias),
            ))
            for _ in range(groups)
        )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        total = x
        for path in self.paths:
            total = total + path(x)
        return self.relu(total)


class SplitConcat(nn.Module):
    """ResNeXt's form (b): ``groups`` paths of 1x1 ``width`` -> d and 3x3 d -> d, concatenated to
    ``groups * d`` channels, then one 1x1 convolution back to ``width``."""

    def __init__(self, width: int, groups: int, group_width: int, *, bias: bool = False) -> None:
        super().__init__()
        self.paths = nn.ModuleList(
            nn.Sequential(OrderedDict(
                conv1=ConvAct(width, group_width, 1, bias=bias),
                conv2=ConvAct(group_width, group_width, 3, bias=bias),
            ))
            for _ in range(groups)
        )
        self.conv3 = conv(groups * group_width, width, 1, bias=bias)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(x + self.conv3(torch.cat([path(x) for path in self.paths], dim=1)))
