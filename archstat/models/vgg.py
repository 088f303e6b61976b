"""VGG: Simonyan & Zisserman 2014, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", Table 1 (configurations A-E) and Table 2 (parameters, millions).

Every convolution is 3x3 stride 1 pad 1 unless the table says ``1`` (1x1, config C); "M" is a
2x2/2 max-pool; "LRN" is AlexNet's local response normalisation (config A-LRN). Then
FC-4096, FC-4096, FC-num_classes, with ReLU and dropout 0.5 after the first two.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from ._blocks import ConvReLU, krizhevsky_lrn
from .registry import zoo_model

# One entry per Table 1 row: an int is a 3x3 convolution with that many channels, (1, c) a 1x1.
Row = int | str | tuple[int, int]

CFGS: dict[str, list[Row]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "A-LRN": [64, "LRN", "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "C": [64, 64, "M", 128, 128, "M", 256, 256, (1, 256), "M",
          512, 512, (1, 512), "M", 512, 512, (1, 512), "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
          512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


class ConvBiasBNReLU(nn.Sequential):
    """A VGG convolution (with its bias, as in the paper) followed by batch norm, then ReLU."""

    def __init__(self, cin: int, cout: int, kernel: int) -> None:
        super().__init__(OrderedDict(
            conv=nn.Conv2d(cin, cout, kernel, padding=kernel // 2),
            bn=nn.BatchNorm2d(cout),
            relu=nn.ReLU(inplace=True),
        ))


def make_layers(cfg: list[Row], batch_norm: bool = False) -> nn.Sequential:
    """Table 1 column -> layers named as in the Caffe release: conv1_1, conv1_2, pool1, ..."""
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    in_channels, block, index = 3, 1, 1
    for row in cfg:
        if row == "M":
            layers[f"pool{block}"] = nn.MaxPool2d(kernel_size=2, stride=2)
            block, index = block + 1, 1
        elif row == "LRN":
            layers[f"lrn{block}"] = krizhevsky_lrn()
        else:
            kernel, out_channels = row if isinstance(row, tuple) else (3, int(row))
            layers[f"conv{block}_{index}"] = (
                ConvBiasBNReLU(in_channels, out_channels, kernel) if batch_norm
                else ConvReLU(in_channels, out_channels, kernel, padding=kernel // 2)
            )
            in_channels, index = out_channels, index + 1
    return nn.Sequential(layers)


class VGG(nn.Sequential):
    """Features, adaptive average pool to 7x7, flatten, then FC-4096, FC-4096, FC-num_classes."""

    def __init__(self, cfg: list[Row], num_classes: int = 1000, batch_norm: bool = False,
                 dropout: float = 0.5) -> None:
        super().__init__(OrderedDict(
            features=make_layers(cfg, batch_norm),
            # Lets any input >= 32x32 run; at 224x224 pool5 is already 7x7 and this is the identity.
            avgpool=nn.AdaptiveAvgPool2d(7),
            flatten=nn.Flatten(1),
            classifier=nn.Sequential(OrderedDict(
                fc6=nn.Linear(512 * 7 * 7, 4096), relu6=nn.ReLU(inplace=True),
                drop6=nn.Dropout(dropout),
                fc7=nn.Linear(4096, 4096), relu7=nn.ReLU(inplace=True), drop7=nn.Dropout(dropout),
                fc=nn.Linear(4096, num_classes),
            )),
        ))


@zoo_model
def vgg11(*, num_classes: int = 1000) -> nn.Module:
    """VGG-11 (configuration A) from Simonyan & Zisserman 2014, "Very Deep Convolutional Networks for
    Large-Scale Image Recognition", arXiv:1409.1556 (ICLR 2015).

    Table 1's configuration A. The paper evaluates fully convolutionally; here an adaptive average pool
    to 7x7 feeds fc6 (as in torchvision), which changes no count at 224.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return VGG(CFGS["A"], num_classes=num_classes)


@zoo_model
def vgg11_lrn(*, num_classes: int = 1000) -> nn.Module:
    """VGG-11 with LRN (configuration A-LRN) from Simonyan & Zisserman 2014, "Very Deep Convolutional
    Networks for Large-Scale Image Recognition", arXiv:1409.1556 (ICLR 2015).

    Table 1's configuration A-LRN with LRN after the first convolution. The paper evaluates fully
    convolutionally; here an adaptive average pool to 7x7 feeds fc6 (as in torchvision), which changes
    no count at 224.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return VGG(CFGS["A-LRN"], num_classes=num_classes)


@zoo_model
def vgg13(*, num_classes: int = 1000) -> nn.Module:
    """VGG-13 (configuration B) from Simonyan & Zisserman 2014, "Very Deep Convolutional Networks for
    Large-Scale Image Recognition", arXiv:1409.1556 (ICLR 2015).

    Table 1's configuration B. The paper evaluates fully convolutionally; here an adaptive average pool
    to 7x7 feeds fc6 (as in torchvision), which changes no count at 224.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return VGG(CFGS["B"], num_classes=num_classes)


@zoo_model
def vgg16c(*, num_classes: int = 1000) -> nn.Module:
    """VGG-16 with 1x1 convolutions (configuration C) from Simonyan & Zisserman 2014, "Very Deep
    Convolutional Networks for Large-Scale Image Recognition", arXiv:1409.1556 (ICLR 2015).

    Table 1's configuration C, whose third convolution in blocks 3-5 is 1x1. The paper evaluates fully
    convolutionally; here an adaptive average pool to 7x7 feeds fc6 (as in torchvision), which changes
    no count at 224.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return VGG(CFGS["C"], num_classes=num_classes)


@zoo_model
def vgg16(*, num_classes: int = 1000) -> nn.Module:
    """VGG-16 (configuration D) from Simonyan & Zisserman 2014, "Very Deep Convolutional Networks for
    Large-Scale Image Recognition", arXiv:1409.1556 (ICLR 2015).

    Table 1's configuration D. The paper evaluates fully convolutionally; here an adaptive average pool
    to 7x7 feeds fc6 (as in torchvision), which changes no count at 224.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return VGG(CFGS["D"], num_classes=num_classes)


@zoo_model
def vgg19(*, num_classes: int = 1000) -> nn.Module:
    """VGG-19 (configuration E) from Simonyan & Zisserman 2014, "Very Deep Convolutional Networks for
    Large-Scale Image Recognition", arXiv:1409.1556 (ICLR 2015).

    Table 1's configuration E. The paper evaluates fully convolutionally; here an adaptive average pool
    to 7x7 feeds fc6 (as in torchvision), which changes no count at 224.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return VGG(CFGS["E"], num_classes=num_classes)


@zoo_model
def vgg11_bn(*, num_classes: int = 1000) -> nn.Module:
    """``vgg11`` with batch norm: configuration A of Simonyan & Zisserman 2014, "Very Deep Convolutional
    Networks for Large-Scale Image Recognition", arXiv:1409.1556 (ICLR 2015).

    Not in the paper: a BatchNorm2d after every convolution, the convolutions keeping their biases, as
    torchvision's vgg*_bn do.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return VGG(CFGS["A"], num_classes=num_classes, batch_norm=True)


@zoo_model
def vgg13_bn(*, num_classes: int = 1000) -> nn.Module:
    """``vgg13`` with batch norm: configuration B of Simonyan & Zisserman 2014, "Very Deep Convolutional
    Networks for Large-Scale Image Recognition", arXiv:1409.1556 (ICLR 2015).

    Not in the paper: a BatchNorm2d after every convolution, the convolutions keeping their biases, as
    torchvision's vgg*_bn do.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return VGG(CFGS["B"], num_classes=num_classes, batch_norm=True)


@zoo_model
def vgg16_bn(*, num_classes: int = 1000) -> nn.Module:
    """``vgg16`` with batch norm: configuration D of Simonyan & Zisserman 2014, "Very Deep Convolutional
    Networks for Large-Scale Image Recognition", arXiv:1409.1556 (ICLR 2015).

    Not in the paper: a BatchNorm2d after every convolution, the convolutions keeping their biases, as
    torchvision's vgg*_bn do.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return VGG(CFGS["D"], num_classes=num_classes, batch_norm=True)


@zoo_model
def vgg19_bn(*, num_classes: int = 1000) -> nn.Module:
    """``vgg19`` with batch norm: configuration E of Simonyan & Zisserman 2014, "Very Deep Convolutional
    Networks for Large-Scale Image Recognition", arXiv:1409.1556 (ICLR 2015).

    Not in the paper: a BatchNorm2d after every convolution, the convolutions keeping their biases, as
    torchvision's vgg*_bn do.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return VGG(CFGS["E"], num_classes=num_classes, batch_norm=True)
