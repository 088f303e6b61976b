"""MobileNet (v1): Howard, Zhu, Chen, Kalenichenko, Wang, Weyand, Andreetto, Adam 2017, "MobileNets:
Efficient Convolutional Neural Networks for Mobile Vision Applications", arXiv:1704.04861.

Table 1 is the body: a full 3x3/2 convolution, then 13 depthwise separable convolutions (a 3x3
depthwise convolution and a 1x1 pointwise one, each with batch norm and ReLU), a global average pool
and one fully connected layer. The width multiplier alpha (Section 3.3) scales every width; the
resolution multiplier is the input size (``--input 192``). Table 6 gives the figures per alpha,
Table 7 per resolution. Multiply-adds in the papers' sense: convolutions and the fc only.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from torch import nn

from ._blocks import classifier
from ._mobile import ConvBNAct
from .registry import Builder, register_model

# Table 1 after the stem, one row per separable convolution: (pointwise width, depthwise stride).
# Table 1 prints "Conv dw / s2" for the last depthwise convolution; its output stays 7x7, so it is s1.
SEPARABLE = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
             (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
STEM = 32


class MobileNetV1(nn.Sequential):
    """Table 1 at width ``alpha``: stem, 13 separable convolutions (``dw``/``pw`` pairs), pool, fc."""

    def __init__(self, alpha: float = 1.0, num_classes: int = 1000) -> None:
        def width(channels: int) -> int:
            return int(channels * alpha)

        layers: OrderedDict[str, nn.Module] = OrderedDict(conv1=ConvBNAct(3, width(STEM), 3, stride=2))
        cin = width(STEM)
        for index, (cout, stride) in enumerate(SEPARABLE, start=2):
            layers[f"conv{index}_dw"] = ConvBNAct(cin, cin, 3, stride, groups=cin)
            layers[f"conv{index}_pw"] = ConvBNAct(cin, width(cout), 1)
            cin = width(cout)
        super().__init__(OrderedDict(features=nn.Sequential(layers), classifier=classifier(cin, num_classes)))


_PAPER = "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications"
# Table 6: alpha -> (million mult-adds at 224, million params, ImageNet top-1).
TABLE6 = {1.0: (569, 4.2, "70.6%"), 0.75: (325, 2.6, "68.4%"), 0.5: (149, 1.3, "63.7%"), 0.25: (41, 0.5, "50.6%")}
# Table 7: 1.0 MobileNet at each resolution -> million mult-adds (4.2 million params at each).
TABLE7 = {224: 569, 192: 418, 160: 290, 128: 186}
_BN_NOTE = ("archstat's MACs add batch norm (2 per element) and the global pool (1 per input element) to the "
            "paper's convolutions and fc; the convolutions and fc alone match Table 6 to rounding.")


def _mobilenet_v1(alpha: float, discrepancy: str = _BN_NOTE) -> Callable[[Builder], Builder]:
    macs, params, top1 = TABLE6[alpha]
    resolutions = ", ".join(f"{side}: {m}M" for side, m in TABLE7.items())
    return register_model(
        family="MobileNet", paper=_PAPER, year=2017, input_size=(3, 224, 224), paper_params=params * 1e6,
        paper_macs=macs * 1e6, paper_depth=28, min_input=1,
        paper_source=(f"Table 6 ({alpha} MobileNet-224: {macs} million mult-adds, {params} million "
                      "parameters); depth: Section 3.2, 'Counting depthwise and pointwise convolutions as "
                      "separate layers, MobileNet has 28 layers'"),
        layout=(f"Table 1 at width multiplier {alpha} (every width x {alpha}, rounded down): 3x3/2 stem, 13 "
                "depthwise separable convolutions (3x3 depthwise + 1x1 pointwise, each conv without bias + "
                "batch norm + ReLU), global average pool, fc. Table 1's last 'Conv dw / s2' is built at stride "
                "1 (its output stays 7x7). Keras' MobileNet has the same layers, the fc as a 1x1 convolution "
                "after a dropout."),
        top5_error=f"top-1 {top1} (ImageNet, Table 6); no top-5 given",
        discrepancy=discrepancy,
        extra={"resolutions": f"Table 7, 1.0 MobileNet, million mult-adds by input side: {resolutions}"}
        if alpha == 1.0 else {},
    )


@_mobilenet_v1(1.0)
def mobilenet_v1(*, num_classes: int = 1000) -> nn.Module:
    """1.0 MobileNet-224 from Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for
    Mobile Vision Applications", arXiv:1704.04861.

    Table 1: a 3x3/2 convolution of 32 channels, 13 depthwise separable convolutions up to 1024 channels,
    a global average pool and one fully connected layer. The resolution multiplier is the input size:
    ``archstat table mobilenet_v1 --input 160``.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return MobileNetV1(1.0, num_classes)


@_mobilenet_v1(0.75)
def mobilenet_v1_0_75(*, num_classes: int = 1000) -> nn.Module:
    """0.75 MobileNet-224 from Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for
    Mobile Vision Applications", arXiv:1704.04861: Table 1 with every width times 0.75 (Table 6).

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return MobileNetV1(0.75, num_classes)


@_mobilenet_v1(0.5)
def mobilenet_v1_0_5(*, num_classes: int = 1000) -> nn.Module:
    """0.5 MobileNet-224 from Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for
    Mobile Vision Applications", arXiv:1704.04861: Table 1 with every width halved (Table 6).

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return MobileNetV1(0.5, num_classes)


@_mobilenet_v1(0.25)
def mobilenet_v1_0_25(*, num_classes: int = 1000) -> nn.Module:
    """0.25 MobileNet-224 from Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for
    Mobile Vision Applications", arXiv:1704.04861: Table 1 with every width times 0.25 (Table 6).

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return MobileNetV1(0.25, num_classes)
