"""ConvNeXt (Liu, Mao, Wu, Feichtenhofer, Darrell, Xie 2022, "A ConvNet for the 2020s",
arXiv:2201.03545, CVPR 2022; figures and tables below are arXiv:2201.03545v2's): a ResNet modernised
step by step towards a Swin Transformer (Fig. 2), Section 3's configurations, Table 1's figures.

What changed from ResNet-50, each a step of Section 2: a 4x4/4 "patchify" stem; stage units in the
ratio 3:3:9:3; depthwise 7x7 convolutions (ResNeXt's grouping taken to one channel per group); an
inverted bottleneck (the 1x1 convs widen to 4x, as MobileNetV2's); one GELU and one layer norm per
block; separate 2x2/2 down-sampling convs between stages, each after a layer norm.

Table 1's FLOPs are multiply-adds; one fused multiply-add = 1 MAC, FLOPs = 2 x MACs.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

import torch
from torch import nn

from .registry import zoo_model


class Config(NamedTuple):
    """Section 3's configurations: blocks per stage and channels per stage."""

    blocks: tuple[int, int, int, int]
    widths: tuple[int, int, int, int]


CONFIGS = {
    "T": Config((3, 3, 9, 3), (96, 192, 384, 768)),
    "S": Config((3, 3, 27, 3), (96, 192, 384, 768)),
    "B": Config((3, 3, 27, 3), (128, 256, 512, 1024)),
    "L": Config((3, 3, 27, 3), (192, 384, 768, 1536)),
}
EPS = 1e-6  # the release's layer norms


class ChannelNorm(nn.Module):
    """Layer norm over the channels of an N, C, H, W map, at every position: C weights, C biases.

    Written out on the channels-first map (mean and variance over dim 1), as the authors' code does
    for the stem and down-sampling layers, rather than moved to channels-last and back: the map keeps
    its layout, so receptive fields follow it. Its arithmetic is elementwise, which fvcore's
    conventions (and so archstat's MACs) do not count; torchvision's ``F.layer_norm`` form would add
    about 0.3% at 224.
    """

    def __init__(self, channels: int, eps: float = EPS) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(1, keepdim=True)
        var = (x - mean).pow(2).mean(1, keepdim=True)
        normed = (x - mean) / torch.sqrt(var + self.eps)
        return normed * self.weight[:, None, None] + self.bias[:, None, None]


class ConvNeXtBlock(nn.Module):
    """Fig. 4 (right): 7x7 depthwise conv (with bias), layer norm, 1x1 conv to 4 x dim, GELU, 1x1 conv
    back, layer scale (one learned factor per channel), identity shortcut. The release writes the 1x1
    convs as linear layers on a channels-last map: the same weights, biases and multiply-adds.
    Stochastic depth (drop path) is the identity in eval and is not built."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = ChannelNorm(dim)
        self.expand = nn.Conv2d(dim, 4 * dim, 1)
        self.act = nn.GELU()
        self.project = nn.Conv2d(4 * dim, dim, 1)
        self.scale = nn.Parameter(torch.full((dim,), 1e-6))  # Section 2: layer scale, initial 1e-6

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.project(self.act(self.expand(self.norm(self.depthwise(x)))))
        return x + out * self.scale[:, None, None]


class ConvNeXt(nn.Sequential):
    """Stem (4x4/4 conv, layer norm), four stages with 2x2/2 down-sampling (layer norm, conv) before
    stages 2-4, global average pool, layer norm, fc."""

    def __init__(self, config: Config, num_classes: int = 1000) -> None:
        widths = config.widths
        parts: OrderedDict[str, nn.Module] = OrderedDict(stem=nn.Sequential(OrderedDict(
            conv=nn.Conv2d(3, widths[0], 4, stride=4), norm=ChannelNorm(widths[0]))))
        for i, (count, dim) in enumerate(zip(config.blocks, widths, strict=True)):
            if i:
                parts[f"downsample{i + 1}"] = nn.Sequential(OrderedDict(
                    norm=ChannelNorm(widths[i - 1]),
                    conv=nn.Conv2d(widths[i - 1], dim, 2, stride=2)))
            parts[f"stage{i + 1}"] = nn.Sequential(*(ConvNeXtBlock(dim) for _ in range(count)))
        parts["classifier"] = nn.Sequential(OrderedDict(
            pool=nn.AdaptiveAvgPool2d(1), norm=ChannelNorm(widths[-1]), flatten=nn.Flatten(1),
            fc=nn.Linear(widths[-1], num_classes)))
        super().__init__(parts)


@zoo_model
def convnext_tiny(*, num_classes: int = 1000) -> nn.Module:
    """ConvNeXt-T from Liu, Mao, Wu, Feichtenhofer, Darrell & Xie 2022, "A ConvNet for the 2020s",
    arXiv:2201.03545 (CVPR 2022), Section 3 and Table 1 of arXiv:2201.03545v2.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ConvNeXt(CONFIGS["T"], num_classes)
