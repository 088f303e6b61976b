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
from functools import partial

import torch
from torch import nn

from ._blocks import ConvReLU
from .registry import register_model

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


_squeezenet = partial(register_model, family="SqueezeNet", year=2016, input_size=(3, 224, 224),
                      paper="SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size")


@_squeezenet(
    paper_params=1_248_424, params_exact=True, min_input=21,
    paper_source=("Table 1: '# parameter before pruning' column, total 1,248,424 (weights and biases; "
                  "421,098 after pruning). The paper states no multiply-adds; torchvision documents "
                  "SqueezeNet1_0 with num_params 1248424 and GFLOPS 0.82 (convolutions' multiply-adds at 224)"),
    layout=("Table 1: conv1 96 7x7/2, fire2-fire9 with its s1x1/e1x1/e3x3 widths, 3x3/2 max pools after conv1, "
            "fire4 and fire8 (ceil mode), dropout 50%, conv10 1x1 to the classes, global average pool. "
            "Table 1 prints a 224x224 input and a 111x111 conv1 output; 111 needs the Caffe release's 227 crop. "
            "Measured at 224, as torchvision documents it. torchvision's squeezenet1_0 is this layout; "
            "squeezenet1_1 is the authors' v1.1 release."),
    top5_error="19.7% (ILSVRC-2012 val, Table 2: 57.5% top-1, 80.3% top-5)",
    extra={"compared": "Table 2: '50x' fewer parameters than AlexNet (240MB -> 4.8MB, 32-bit)"},
)
def squeezenet1_0(*, num_classes: int = 1000) -> nn.Module:
    """SqueezeNet v1.0 from Iandola et al. 2016, "SqueezeNet: AlexNet-level accuracy with 50x fewer
    parameters and <0.5MB model size", arXiv:1602.07360.

    Table 1: a 7x7/2 convolution of 96 channels, eight fire modules with max pools after conv1, fire4 and
    fire8, then conv10 and a global average pool (no fully connected layer).

    Args:
        num_classes: Width of the classifier (conv10's channels), in classes (the paper's: 1000).
    """
    return SqueezeNet("1_0", num_classes)


@_squeezenet(
    paper_params=1_235_496, params_exact=True, min_input=17,
    paper_source=("Not in the paper: the authors' v1.1 release notes (SqueezeNet_v1.1/README.md) give "
                  "'2.4x less computation than SqueezeNet v1.0, without sacrificing accuracy' and no count; "
                  "1,235,496 is torchvision's num_params for SqueezeNet1_1 (GFLOPS 0.35)"),
    layout=("The v1.1 release: conv1 64 3x3/2, the max pools moved earlier (after conv1, fire3 and fire5), "
            "fire modules as in v1.0's Table 1. Same classifier as v1.0. torchvision's squeezenet1_1."),
)
def squeezenet1_1(*, num_classes: int = 1000) -> nn.Module:
    """SqueezeNet v1.1 as its authors released it (github.com/DeepScale/SqueezeNet, SqueezeNet_v1.1):
    the fire modules of Iandola et al. 2016, arXiv:1602.07360, with a smaller first convolution.

    conv1 is 64 channels of 3x3/2 (v1.0: 96 of 7x7/2) and the pools come after conv1, fire3 and fire5.

    Args:
        num_classes: Width of the classifier (conv10's channels), in classes (the release's: 1000).
    """
    return SqueezeNet("1_1", num_classes)
