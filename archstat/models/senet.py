"""Squeeze-and-excitation networks: the SE block, and ResNet-50 and ResNeXt-50 with one in every unit.

Hu, Shen, Albanie, Sun, Wu 2017, "Squeeze-and-Excitation Networks", arXiv:1709.01507 (CVPR 2018;
TPAMI 2019; figures, tables and pages below are arXiv:1709.01507v4's, the TPAMI text): the block of
Fig. 1 (p. 2) and its residual placement of Fig. 3 (p. 4), reduction ratio r = 16 (Section 6.1 and
Table 10, p. 8), the figures of Table 2, p. 5 (single-crop ImageNet results with GFLOPs, multiply-adds).

The block costs parameters, not multiply-adds: per unit of C output channels its two fully
connected layers hold 2 C^2 / r weights (Section 4, pp. 4-5: "2/r sum_s N_s C_s^2") and run once per image,
so SE-ResNet-50 adds about 2.5 M parameters (10%) and 0.26% multiply-adds to ResNet-50.
One fused multiply-add = 1 MAC; FLOPs = 2 x MACs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
from torch import nn

from .registry import register_model
from .resnet import ResNet, bottleneck


class SqueezeExcite(nn.Module):
    """Squeeze (global average pool to one value per channel), excite (a 1x1 convolution down to
    ``squeezed`` channels, ``activation``, a 1x1 convolution back, sigmoid), then rescale the input's
    channels by the result (SENet Fig. 1, p. 2 of arXiv:1709.01507v4).

    The paper's two fully connected layers are written as 1x1 convolutions on the pooled 1x1 map,
    as the authors' Caffe release does: the same weights and biases, C x squeezed + squeezed and
    squeezed x C + C parameters, and no flatten and reshape around them.
    """

    def __init__(self, channels: int, squeezed: int,
                 activation: Callable[[], nn.Module] = nn.ReLU) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(channels, squeezed, 1)
        self.act = activation()
        self.expand = nn.Conv2d(squeezed, channels, 1)
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(self.expand(self.act(self.reduce(self.pool(x)))))


REDUCTION = 16  # Section 6.1: r = 16 "strikes a good balance between accuracy and complexity"


def se_block(channels: int, reduction: int = REDUCTION) -> SqueezeExcite:
    """The SE block of a residual unit with ``channels`` outputs, squeezed by ``reduction``."""
    return SqueezeExcite(channels, channels // reduction)


SENET = "Squeeze-and-Excitation Networks"
_se = partial(register_model, family="SENet", paper=SENET, year=2017, input_size=(3, 224, 224),
              min_input=1)
_ADDED = ("Each unit's SE block adds 2 C^2/16 weights and C/16 + C biases (C its output width): "
          "2,530,992 parameters over the base network's {base}, and 8,034,304 MACs at 224: "
          "2,514,944 in the 1x1 layers (on 1x1 maps), 5,519,360 in the global pools (one per "
          "input element); the sigmoid and the rescaling are no multiply-adds.")

_DEPTH = ("The name counts the base network's 50 weight layers; archstat's depth, weight layers on "
          "the longest path, is 82: each of the 16 SE blocks puts its two 1x1 layers on that path.")


@_se(paper_params=28.1e6, paper_macs=3.87e9, paper_depth=50,
     paper_source=("Table 2, p. 5 (arXiv:1709.01507v4; ImageNet, single crop): SE-ResNet-50 3.87 GFLOPs "
                   "against ResNet-50's 3.86 (multiply-adds); Section 4, pp. 4-5: ~2.5 M parameters beyond "
                   "ResNet-50's ~25 M (~10%); Table 10, p. 8: 28.1 M at r = 16"),
     top5_error="6.62% (Table 2, p. 5, 224 single crop, ImageNet val; ResNet-50 re-implemented: 7.48%)",
     layout=("ResNet-50 as the ResNet paper builds it (resnet50: stride 2 in the first 1x1 conv of "
             "each down-sampling unit, as the SENet Caffe release keeps it), with an SE block "
             "(r = 16, ReLU, sigmoid) on every unit's residual branch before the addition (Fig. 3). "
             "Pretrainedmodels' (Cadene) se_resnet50 has the same layout and 28,088,024 parameters. "
             + _ADDED.format(base="25,557,032")),
     discrepancy=("Convs + fc + SE measure 3.866 GMACs (ResNet-50's convs + fc 3.858, 3.86 in Table 2, "
                  "p. 5; the SE blocks 0.008), Table 2's 3.87 to rounding; archstat's total "
                  "(3.887 G) adds 21 M MACs of batch norm. " + _DEPTH))
def se_resnet50(*, num_classes: int = 1000) -> nn.Module:
    """SE-ResNet-50 from Hu, Shen, Albanie, Sun & Wu 2017, "Squeeze-and-Excitation Networks",
    arXiv:1709.01507 (CVPR 2018), Fig. 3 (p. 4) and Table 2 (p. 5) of arXiv:1709.01507v4.

    ``resnet50`` (the ResNet paper's layout, stride in the first 1x1) with a squeeze-and-excitation
    block, reduction 16, on the residual branch of each of its 16 bottleneck units.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 6, 3), gate=se_block, num_classes=num_classes)


@_se(paper_params=27.6e6, paper_macs=4.25e9, paper_depth=50,
     paper_source=("Table 2, p. 5 (arXiv:1709.01507v4; ImageNet, single crop): SE-ResNeXt-50 4.25 GFLOPs "
                   "against ResNeXt-50's 4.24 (multiply-adds); 27.6 M parameters is ResNeXt-50's 25.0 M "
                   "(ResNeXt Table 1) plus Section 4's 2 C^2/r per unit (pp. 4-5)"),
     top5_error="5.49% (Table 2, p. 5, 224 single crop, ImageNet val; ResNeXt-50 re-implemented: 5.90%)",
     layout=("ResNeXt-50 32x4d (resnext50_32x4d: cardinality 32, stride in the grouped 3x3) with an "
             "SE block (r = 16) on every unit's residual branch before the addition. Pretrainedmodels' "
             "se_resnext50_32x4d has the same layout and 27,559,896 parameters. "
             + _ADDED.format(base="25,028,904")),
     discrepancy=("Convs + fc + SE measure 4.238 GMACs (ResNeXt-50's convs + fc 4.230, the SE "
                  "blocks 0.008), 0.3% under the 4.25 of Table 2 (p. 5), whose ResNeXt-50 reads 4.24 (ResNeXt's "
                  "own Table 1: 4.2); archstat's total (4.267 G) adds 29 M MACs of batch norm. " + _DEPTH))
def se_resnext50_32x4d(*, num_classes: int = 1000) -> nn.Module:
    """SE-ResNeXt-50 (32x4d) from Hu, Shen, Albanie, Sun & Wu 2017, "Squeeze-and-Excitation Networks",
    arXiv:1709.01507 (CVPR 2018), Table 2 (p. 5) of arXiv:1709.01507v4.

    ``resnext50_32x4d`` with a squeeze-and-excitation block, reduction 16, on the residual branch of
    each of its 16 bottleneck units.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 6, 3), groups=32, base_width=4, stride_in_3x3=True, gate=se_block,
                  num_classes=num_classes)

