"""Network In Network (Lin, Chen, Yan, arXiv 1312.4400, ICLR 2014): the released ImageNet model.

The paper describes only its CIFAR/SVHN/MNIST networks. The ImageNet model is the one the first
author released in the Caffe model zoo ("Network in Network Imagenet Model", gist
mavenlin/d802a5849de39225bcc6, train_val.prototxt): four mlpconv layers, each a k x k convolution
followed by two 1x1 convolutions ("cascaded cross channel parametric pooling", cccp), every one
with bias and ReLU; no fully connected layer. The last 1x1 convolution makes one map per class and
global average pooling turns the maps into class scores.

    mlpconv1  conv1 11x11/4, 96;    cccp1 1x1, 96;   cccp2 1x1, 96;      max-pool 3x3/2 (54 -> 27)
    mlpconv2  conv2 5x5 pad 2, 256; cccp3 1x1, 256;  cccp4 1x1, 256;     max-pool 3x3/2 (27 -> 13)
    mlpconv3  conv3 3x3 pad 1, 384; cccp5 1x1, 384;  cccp6 1x1, 384;     max-pool 3x3/2 (13 -> 6),
                                                                         dropout 0.5
    mlpconv4  conv4 3x3 pad 1, 1024; cccp7 1x1, 1024; cccp8 1x1, classes; global average pool (6x6)

Caffe rounds pooled sizes up, so the pools use ``ceil_mode=True``: at a 224 crop (the prototxt's
``crop_size``) that gives 54 -> 27 -> 13 -> 6, the 6x6 the prototxt's 6x6 average pool expects.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from ._blocks import ConvReLU
from .registry import zoo_model

# One list per mlpconv layer, rows (name, out_channels, kernel, stride, padding).
# None as out_channels means num_classes. Caffe's names, except that conv4/cccp7/cccp8 drop "-1024"
# and the pools are numbered pool1-pool3 (Caffe: pool0, pool2, pool3).
MLPCONVS: list[list[tuple[str, int | None, int, int, int]]] = [
    [("conv1", 96, 11, 4, 0), ("cccp1", 96, 1, 1, 0), ("cccp2", 96, 1, 1, 0)],
    [("conv2", 256, 5, 1, 2), ("cccp3", 256, 1, 1, 0), ("cccp4", 256, 1, 1, 0)],
    [("conv3", 384, 3, 1, 1), ("cccp5", 384, 1, 1, 0), ("cccp6", 384, 1, 1, 0)],
    [("conv4", 1024, 3, 1, 1), ("cccp7", 1024, 1, 1, 0), ("cccp8", None, 1, 1, 0)],
]


class NIN(nn.Sequential):
    """Flat modules conv1, cccp1, cccp2, pool1, ..., pool3, drop, ..., cccp8, pool4, flatten."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        cin = 3
        for stage, rows in enumerate(MLPCONVS, start=1):
            for name, cout, kernel, stride, padding in rows:
                cout = num_classes if cout is None else cout
                layers[name] = ConvReLU(cin, cout, kernel, stride=stride, padding=padding)
                cin = cout
            if stage < len(MLPCONVS):
                layers[f"pool{stage}"] = nn.MaxPool2d(3, stride=2, ceil_mode=True)
            if stage == 3:
                layers["drop"] = nn.Dropout(dropout)
        # The prototxt's 6x6/1 average pool is global at 224 and 227; adaptive pooling stays global.
        layers["pool4"] = nn.AdaptiveAvgPool2d(1)
        layers["flatten"] = nn.Flatten(1)
        super().__init__(layers)


@zoo_model
def nin(*, num_classes: int = 1000) -> nn.Module:
    """Network In Network from Lin, Chen & Yan 2013, "Network In Network", arXiv:1312.4400 (ICLR 2014).

    The paper gives no ImageNet model; this is the authors' released Caffe model-zoo one (gist
    mavenlin/d802a5849de39225bcc6): four mlpconv layers, Caffe's ceil-mode max pools, global average
    pooling and no fully connected layer (cccp8 is the classifier).

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return NIN(num_classes=num_classes)
