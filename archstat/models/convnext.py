"""ConvNeXt (Liu, Mao, Wu, Feichtenhofer, Darrell, Xie 2022, "A ConvNet for the 2020s",
arXiv:2201.03545, CVPR 2022): a ResNet modernised step by step towards a Swin Transformer (Fig. 2),
Section 3's configurations, Table 1's figures.

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

from .registry import register_model


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


class ChannelNorm(nn.LayerNorm):
    """Layer norm over the channels of an N, C, H, W map (the stem's, the down-sampling layers' and the
    head's): moved to channels-last, normalised, moved back. C weights and C biases."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class ConvNeXtBlock(nn.Module):
    """Fig. 4 (right): 7x7 depthwise conv (with bias), layer norm, 1x1 to 4 x dim, GELU, 1x1 back,
    layer scale (one learned factor per channel), identity shortcut. The 1x1 convs are linear layers on
    the channels-last map, as the release writes them (the same weights and multiply-adds). Stochastic
    depth (drop path) is the identity in eval and is not built."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=EPS)
        self.expand = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.project = nn.Linear(4 * dim, dim)
        self.scale = nn.Parameter(torch.full((dim,), 1e-6))  # Section 2: layer scale, initial 1e-6

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.depthwise(x).permute(0, 2, 3, 1)
        out = self.project(self.act(self.expand(self.norm(out)))) * self.scale
        return x + out.permute(0, 3, 1, 2)


class ConvNeXt(nn.Sequential):
    """Stem (4x4/4 conv, layer norm), four stages with 2x2/2 down-sampling (layer norm, conv) before
    stages 2-4, global average pool, layer norm, fc."""

    def __init__(self, config: Config, num_classes: int = 1000) -> None:
        widths = config.widths
        parts: OrderedDict[str, nn.Module] = OrderedDict(stem=nn.Sequential(OrderedDict(
            conv=nn.Conv2d(3, widths[0], 4, stride=4), norm=ChannelNorm(widths[0], eps=EPS))))
        for i, (count, dim) in enumerate(zip(config.blocks, widths, strict=True)):
            if i:
                parts[f"downsample{i + 1}"] = nn.Sequential(OrderedDict(
                    norm=ChannelNorm(widths[i - 1], eps=EPS),
                    conv=nn.Conv2d(widths[i - 1], dim, 2, stride=2)))
            parts[f"stage{i + 1}"] = nn.Sequential(*(ConvNeXtBlock(dim) for _ in range(count)))
        parts["classifier"] = nn.Sequential(OrderedDict(
            pool=nn.AdaptiveAvgPool2d(1), norm=ChannelNorm(widths[-1], eps=EPS), flatten=nn.Flatten(1),
            fc=nn.Linear(widths[-1], num_classes)))
        super().__init__(parts)


@register_model(
    family="ConvNeXt", paper="A ConvNet for the 2020s", year=2022, input_size=(3, 224, 224),
    paper_params=28e6, paper_macs=4.5e9, min_input=32,
    paper_source=("Table 1 (p. 6): ConvNeXt-T, 224^2, #param 28M, FLOPs 4.5G (multiply-adds); "
                  "torchvision documents ConvNeXt_Tiny_Weights num_params 28,589,128, GFLOPS 4.456"),
    layout=("Section 3's ConvNeXt-T: C = (96, 192, 384, 768), B = (3, 3, 9, 3); 4x4/4 stem with layer "
            "norm, blocks of 7x7 depthwise conv, layer norm, 1x1 (4x wider), GELU, 1x1, layer scale; "
            "layer norm + 2x2/2 conv between stages; average pool, layer norm, fc. Convs and linears "
            "with biases, as the release. torchvision's convnext_tiny builds the same layers: 28,589,128 "
            "parameters (its documented count). Convs + fc measure 4.456 GMACs at 224, torchvision's "
            "GFLOPS 4.456; archstat's total adds the layer norms and pooling."),
    extra={"top1_accuracy": "82.1% (Table 1, ImageNet-1K, 224^2)"},
)
def convnext_tiny(*, num_classes: int = 1000) -> nn.Module:
    """ConvNeXt-T from Liu, Mao, Wu, Feichtenhofer, Darrell & Xie 2022, "A ConvNet for the 2020s",
    arXiv:2201.03545 (CVPR 2022), Section 3 and Table 1.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ConvNeXt(CONFIGS["T"], num_classes)
