"""The networks and single layers the source documents speak of that are not zoo models.

``NETS`` maps a name the claims catalogue uses to a ``Net``: how to build it and the input it is
measured at. Two kinds:

* the documents' own code, kept as their authors wrote it (bugs included; only imports added):
  source 001's ``InceptionModule`` and ``SimpleGoogleNet``, source 002's LeNet-like ``Net``;
* the single layers the documents do arithmetic on (a 4 -> 2 channel 2x2 convolution, 400 8x8
  filters on a 96x96 image, a 1000x1000 image fully or locally connected to 10^6 units, ...).

Layers too large to allocate (10^12 weights) are only ever built on the meta device.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..inputs import Shape
from ..models.resnet import PostActUnit, basic, bottleneck

# ----------------------------------------------------------------------------- source 001, verbatim


class InceptionModule(nn.Module):
    def __init__(self, in_channels):  # type: ignore[no-untyped-def]
        super(InceptionModule, self).__init__()  # noqa: UP008
        self.branch1x1 = nn.Conv2d(in_channels, 64, kernel_size=1)

        self.branch3x3 = nn.Sequential(
            nn.Conv2d(in_channels, 48, kernel_size=1),
            nn.Conv2d(48, 64, kernel_size=3, padding=1)
        )

        self.branch5x5 = nn.Sequential(
            nn.Conv2d(in_channels, 64, kernel_size=1),
            nn.Conv2d(64, 96, kernel_size=5, padding=2)
        )

        self.branch_pool = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
            nn.Conv2d(in_channels, 32, kernel_size=1)
        )

    def forward(self, x):  # type: ignore[no-untyped-def]
        branch1x1 = self.branch1x1(x)

        branch3x3 = self.branch3x3(x)

        branch5x5 = self.branch5x5(x)

        branch_pool = self.branch_pool(x)

        # Concatenate the outputs of the branches
        outputs = [branch1x1, branch3x3, branch5x5, branch_pool]
        return torch.cat(outputs, 1)


class SimpleGoogleNet(nn.Module):
    def __init__(self, num_classes=1000):  # type: ignore[no-untyped-def]
        super(SimpleGoogleNet, self).__init__()  # noqa: UP008
        self.conv1 = nn.Conv2d(3, 192, kernel_size=3, padding=1)
        self.inception1 = InceptionModule(192)
        self.inception2 = InceptionModule(256)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = F.relu(self.conv1(x))
        x = self.inception1(x)
        x = self.inception2(x)
        x = self.avgpool(x)
        x = x.view(x.size(0), -1)
        x = self.fc(x)
        return x


# ----------------------------------------------------------------------------- source 002, verbatim


class Net(nn.Module):
    def __init__(self):  # type: ignore[no-untyped-def]
        super(Net, self).__init__()  # noqa: UP008
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.conv3 = nn.Conv2d(16, 32, 4)
        self.conv4 = nn.Conv2d(32, 32, 4)
        self.conv5 = nn.Conv2d(32, 32, 5)
        self.conv6 = nn.Conv2d(32, 32, 6)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(32, 16)
        self.fc2 = nn.Linear(16, 2)

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = self.pool(F.relu(self.conv3(x)))
        x = self.pool(F.relu(self.conv4(x)))
        x = F.relu(self.conv5(x))
        x = x.view(-1, 32)
        x = F.relu(self.fc1(x))
        x = F.softmax(self.fc2(x), dim=1)
        return x


# ----------------------------------------------------------------------------- layers of the arithmetic


class LocallyConnected2d(nn.Module):
    """A convolution without weight sharing: every output position has its own ``kernel`` x ``kernel``
    x ``cin`` weights per output channel (source 003's "局部连接", before "权值共享").

    Weight shape (out_h * out_w, cout, cin * kernel * kernel); stride 1, padding ``kernel // 2`` on
    the leading side and ``(kernel - 1) // 2`` on the trailing one, so the output keeps the input's grid.
    """

    def __init__(self, cin: int, cout: int, kernel: int, grid: tuple[int, int]) -> None:
        super().__init__()
        self.kernel, self.grid = kernel, grid
        self.weight = nn.Parameter(torch.empty(grid[0] * grid[1], cout, cin * kernel * kernel))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = self.kernel
        padded = F.pad(x, (k // 2, (k - 1) // 2, k // 2, (k - 1) // 2))
        patches = F.unfold(padded, k).transpose(1, 2)  # (N, positions, cin*k*k)
        out = torch.einsum("npk,pok->nop", patches, self.weight)
        return out.reshape(x.shape[0], -1, *self.grid)


@dataclass(frozen=True)
class NetSpec:
    """A network the catalogue measures: ``build()`` makes it, ``input_size`` is (C, H, W) without batch."""

    build: Callable[[], nn.Module]
    input_size: Shape
    describe: str
    meta_only: bool = False  # too large to allocate: parameters are counted on the meta device only


MEGA = 1000 * 1000  # a 1000x1000 image, and 10^6 hidden units

NETS: dict[str, NetSpec] = {
    "doc001_inception_module": NetSpec(
        lambda: InceptionModule(192), (192, 32, 32),
        "source 001's InceptionModule(192), as written, at 192x32x32"),
    "doc001_simple_googlenet": NetSpec(
        lambda: SimpleGoogleNet(num_classes=1000), (3, 32, 32),
        "source 001's SimpleGoogleNet, as written, at 3x32x32"),
    "doc002_lenet_like": NetSpec(
        Net, (3, 128, 128), "source 002's LeNet-like Net, as written, at 3x128x128"),
    "conv_4to2_2x2": NetSpec(
        lambda: nn.Conv2d(4, 2, 2, bias=False), (4, 8, 8), "Conv2d(4 -> 2, 2x2, no bias) at 4x8x8"),
    "conv_400x8x8_on_96": NetSpec(
        lambda: nn.Conv2d(1, 400, 8, bias=False), (1, 96, 96), "Conv2d(1 -> 400, 8x8, no bias) at 1x96x96"),
    "conv_12x3x3_same_on_32": NetSpec(
        lambda: nn.Conv2d(3, 12, 3, padding=1), (3, 32, 32), "Conv2d(3 -> 12, 3x3, padding 1) at 3x32x32"),
    "conv_12x3x3_valid_on_32": NetSpec(
        lambda: nn.Conv2d(3, 12, 3), (3, 32, 32), "Conv2d(3 -> 12, 3x3, no padding) at 3x32x32"),
    "fc_1e6_to_1e6": NetSpec(
        lambda: nn.Linear(MEGA, MEGA, bias=False), (1, 1000, 1000),
        "Linear(10^6 -> 10^6, no bias): a 1000x1000 image fully connected to 10^6 units", meta_only=True),
    "local_10x10_1e6": NetSpec(
        lambda: LocallyConnected2d(1, 1, 10, (1000, 1000)), (1, 1000, 1000),
        "LocallyConnected2d(1 -> 1, 10x10) on 1x1000x1000: 10^6 units, own weights each", meta_only=True),
    "shared_10x10": NetSpec(
        lambda: nn.Conv2d(1, 1, 10, bias=False), (1, 1000, 1000),
        "Conv2d(1 -> 1, 10x10, no bias): the same 10x10 weights shared by every unit", meta_only=True),
    "kernel_10x10": NetSpec(
        lambda: nn.Conv2d(1, 1, 10, bias=False), (1, 100, 100), "one 10x10 kernel, Conv2d(1 -> 1, 10x10, no bias)"),
    "kernel_100x100": NetSpec(
        lambda: nn.Conv2d(1, 1, 100, bias=False), (1, 100, 100),
        "one 100x100 kernel, Conv2d(1 -> 1, 100x100, no bias)"),
    # The zoo's own residual units (archstat.models.resnet), as ResNet-34 and ResNet-50 use them at conv2_x.
    "resnet_basic_unit_64": NetSpec(
        lambda: PostActUnit(64, basic(64, 1)), (64, 56, 56),
        "ResNet's two-layer unit: 3x3 64 -> 64, 3x3 64 -> 64, BN, identity shortcut, at 64x56x56"),
    "resnet_bottleneck_unit_256": NetSpec(
        lambda: PostActUnit(256, bottleneck(64, 1)), (256, 56, 56),
        "ResNet's three-layer unit: 1x1 256 -> 64, 3x3 64 -> 64, 1x1 64 -> 256, BN, identity shortcut, at 256x56x56"),
}
