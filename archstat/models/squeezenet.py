"""SqueezeNet: Iandola, Han, Moskewicz, Ashraf, Dally, Keutzer 2016, "SqueezeNet: AlexNet-level accuracy
with 50x fewer parameters and <0.5MB model size", arXiv:1602.07360, Table 1 (v1.0); v1.1 from the
authors' release (github.com/DeepScale/SqueezeNet, SqueezeNet_v1.1/README.md).

A fire module squeezes to ``s1x1`` channels with a 1x1 convolution, then expands with ``e1x1`` 1x1
and ``e3x3`` 3x3 convolutions side by side, concatenated (every convolution with bias and ReLU).
Max pools are 3x3 at stride 2, in ceil mode as in the Caffe release. After fire9: dropout 50%,
conv10 (1x1 to the classes, ReLU) and a global average pool; there is no fully connected layer.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ._blocks import ConvReLU
from .registry import zoo_model

# Table 1's fire rows: name -> (s1x1, e1x1, e3x3); "M" is a 3x3/2 max pool.
FIRES = {
    "fire2": (16, 64, 64), "fire3": (16, 64, 64), "fire4": (32, 128, 128), "fire5": (32, 128, 128),
    "fire6": (48, 192, 192), "fire7": (48, 192, 192), "fire8": (64, 256, 256), "fire9": (64, 256, 256),
}
# Where the pools stand, and the first convolution: (kernel, channels).
LAYOUTS = {
    "1_0": ((7, 96), ["M", "fire2", "fire3", "fire4", "M", "fire5", "fire6", "fire7", "fire8", "M", "fire9"]),
    "1_1": ((3, 64), ["M", "fire2", "fire3", "M", "fire4", "fire5", "M", "fire6", "fire7", "fire8", "fire9"]),
}


class Fire(nn.Module):
    """Squeeze (1x1) then expand (1x1 and 3x3 side by side, concatenated), each with bias and ReLU."""

    def __init__(self, cin: int, squeeze: int, expand1x1: int, expand3x3: int) -> None:
        super().__init__()
        self.squeeze = ConvReLU(cin, squeeze, 1)
        self.expand1x1 = ConvReLU(squeeze, expand1x1, 1)
        self.expand3x3 = ConvReLU(squeeze, expand3x3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.squeeze(x)
        return torch.cat([self.expand1x1(x), self.expand3x3(x)], 1)


class SqueezeNet(nn.Sequential):
    """conv1, the fire modules and pools of ``layout``, then dropout, conv10, ReLU, global average pool."""

    def __init__(self, version: str, num_classes: int = 1000) -> None:
        (kernel, width), rows = LAYOUTS[version]
        features: OrderedDict[str, nn.Module] = OrderedDict(conv1=ConvReLU(3, width, kernel, stride=2))
        cin, pools = width, 0
        for row in rows:
            if row == "M":
                pools += 1
                features[f"maxpool{pools}"] = nn.MaxPool2d(3, stride=2, ceil_mode=True)
            else:
                squeeze, e1, e3 = FIRES[row]
                features[row], cin = Fire(cin, squeeze, e1, e3), e1 + e3
        super().__init__(OrderedDict(
            features=nn.Sequential(features),
            classifier=nn.Sequential(OrderedDict(
                dropout=nn.Dropout(0.5), conv10=ConvReLU(cin, num_classes, 1),
                pool=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(1),
            )),
        ))


@zoo_model
def squeezenet1_0(*, num_classes: int = 1000) -> nn.Module:
    """SqueezeNet v1.0 from Iandola et al. 2016, "SqueezeNet: AlexNet-level accuracy with 50x fewer
    parameters and <0.5MB model size", arXiv:1602.07360.

    Table 1: a 7x7/2 convolution of 96 channels, eight fire modules with max pools after conv1, fire4 and
    fire8, then conv10 and a global average pool (no fully connected layer).

    Args:
        num_classes: Width of the classifier (conv10's channels), in classes (the paper's: 1000).
    """
    return SqueezeNet("1_0", num_classes)


@zoo_model
def squeezenet1_1(*, num_classes: int = 1000) -> nn.Module:
    """SqueezeNet v1.1 as its authors released it (github.com/DeepScale/SqueezeNet, SqueezeNet_v1.1):
    the fire modules of Iandola et al. 2016, arXiv:1602.07360, with a smaller first convolution.

    conv1 is 64 channels of 3x3/2 (v1.0: 96 of 7x7/2) and the pools come after conv1, fire3 and fire5.

    Args:
        num_classes: Width of the classifier (conv10's channels), in classes (the release's: 1000).
    """
    return SqueezeNet("1_1", num_classes)
