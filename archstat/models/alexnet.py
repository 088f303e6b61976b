"""AlexNet: Krizhevsky, Sutskever & Hinton 2012, "ImageNet Classification with Deep Convolutional
Neural Networks" (Section 3.5, Figure 2), and the single-tower layout of Krizhevsky 2014, "One weird
trick for parallelizing convolutional neural networks".

The 2012 network, one row per weight layer (the two GPU towers are convolution groups):

    layer  kernels            groups  input         output      then
    conv1  96 x 11x11x3 /4       1    3x227x227     96x55x55    ReLU, LRN, max-pool 3x3/2
    conv2  256 x 5x5x48, pad 2   2    96x27x27      256x27x27   ReLU, LRN, max-pool 3x3/2
    conv3  384 x 3x3x256, pad 1  1    256x13x13     384x13x13   ReLU (both towers see all maps)
    conv4  384 x 3x3x192, pad 1  2    384x13x13     384x13x13   ReLU
    conv5  256 x 3x3x192, pad 1  2    384x13x13     256x13x13   ReLU, max-pool 3x3/2 -> 256x6x6
    fc6    4096                                                 ReLU, dropout 0.5
    fc7    4096                                                 ReLU, dropout 0.5
    fc     1000 (the paper's fc8)
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from ._blocks import ConvReLU, krizhevsky_lrn
from .registry import zoo_model

# (name, out channels, kernel, stride, padding, groups, followed by LRN, followed by max-pool)
ConvRow = tuple[str, int, int, int, int, int, bool, bool]

PAPER_2012: list[ConvRow] = [
    ("conv1", 96, 11, 4, 0, 1, True, True),
    ("conv2", 256, 5, 1, 2, 2, True, True),
    ("conv3", 384, 3, 1, 1, 1, False, False),
    ("conv4", 384, 3, 1, 1, 2, False, False),
    ("conv5", 256, 3, 1, 1, 2, False, True),
]

# The single-tower layout as PyTorch code commonly builds it: no groups, no LRN.
ONE_WEIRD_TRICK: list[ConvRow] = [
    ("conv1", 64, 11, 4, 2, 1, False, True),
    ("conv2", 192, 5, 1, 2, 1, False, True),
    ("conv3", 384, 3, 1, 1, 1, False, False),
    ("conv4", 256, 3, 1, 1, 1, False, False),
    ("conv5", 256, 3, 1, 1, 1, False, True),
]


def make_features(rows: list[ConvRow], in_channels: int = 3) -> nn.Sequential:
    """Turn a table of convolution rows into conv/ReLU [/LRN] [/max-pool 3x3 stride 2] layers."""
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    for name, out_channels, kernel, stride, padding, groups, lrn, pool in rows:
        layers[name] = ConvReLU(in_channels, out_channels, kernel, stride, padding, groups)
        index = name.removeprefix("conv")
        if lrn:
            layers[f"lrn{index}"] = krizhevsky_lrn()
        if pool:
            # Overlapping pooling (Section 3.4): z=3, s=2.
            layers[f"pool{index}"] = nn.MaxPool2d(kernel_size=3, stride=2)
        in_channels = out_channels
    return nn.Sequential(layers)


def make_classifier(in_features: int, num_classes: int, dropout: float = 0.5) -> nn.Sequential:
    """fc6 and fc7 (4096 each, ReLU, then dropout 0.5 on their outputs, Section 4.2), then fc."""
    return nn.Sequential(OrderedDict(
        fc6=nn.Linear(in_features, 4096), relu6=nn.ReLU(inplace=True), drop6=nn.Dropout(dropout),
        fc7=nn.Linear(4096, 4096), relu7=nn.ReLU(inplace=True), drop7=nn.Dropout(dropout),
        fc=nn.Linear(4096, num_classes),
    ))


class AlexNet(nn.Sequential):
    """Features from a row table, an optional adaptive pool to 6x6, then the classifier."""

    def __init__(
        self, rows: list[ConvRow], num_classes: int = 1000, adaptive_pool: bool = False
    ) -> None:
        layers: OrderedDict[str, nn.Module] = OrderedDict(features=make_features(rows))
        if adaptive_pool:
            layers["avgpool"] = nn.AdaptiveAvgPool2d(6)
        layers["flatten"] = nn.Flatten(1)
        layers["classifier"] = make_classifier(rows[-1][1] * 6 * 6, num_classes)
        super().__init__(layers)


@zoo_model
def alexnet(*, num_classes: int = 1000) -> nn.Module:
    """AlexNet from Krizhevsky, Sutskever & Hinton 2012, "ImageNet Classification with Deep
    Convolutional Neural Networks" (NIPS 2012), Section 3 and Figure 2.

    The paper's two-tower network with the towers as convolution groups (conv2, conv4, conv5), LRN after
    conv1 and conv2, and a 227x227 input (the size its 55x55 conv1 output needs). No adaptive pool, so
    inputs 227..258 run. torchvision's alexnet is ``alexnet_owt`` instead.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return AlexNet(PAPER_2012, num_classes=num_classes)


@zoo_model
def alexnet_owt(*, num_classes: int = 1000) -> nn.Module:
    """Single-tower AlexNet from Krizhevsky 2014, "One weird trick for parallelizing convolutional
    neural networks", arXiv:1404.5997.

    Widths 64-192-384-256-256, no groups, no LRN, adaptive average pool to 6x6: the layout torchvision's
    alexnet builds. The paper's footnote gives 64-192-384-384-256; cuda-convnet2's 1-GPU config pads
    conv1 by 0 and keeps LRN.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return AlexNet(ONE_WEIRD_TRICK, num_classes=num_classes, adaptive_pool=True)
