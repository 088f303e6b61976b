"""What the papers state about the networks ``archstat/models/convnext.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from .info import ModelInfo

MODELS = (
    ModelInfo(
        name="convnext_tiny", family="ConvNeXt", paper="A ConvNet for the 2020s", year=2022, input_size=(3, 224, 224),
        paper_params=29e6, paper_macs=4.5e9, min_input=32,
        paper_source=("Table 1 (arXiv:2201.03545v2): ConvNeXt-T, 224^2, #param 29M, FLOPs 4.5G (multiply-adds); "
                      "torchvision documents ConvNeXt_Tiny_Weights num_params 28,589,128, GFLOPS 4.456"),
        layout=("Section 3's ConvNeXt-T: C = (96, 192, 384, 768), B = (3, 3, 9, 3); 4x4/4 stem with layer "
                "norm, blocks of 7x7 depthwise conv, layer norm, 1x1 (4x wider), GELU, 1x1, layer scale; "
                "layer norm + 2x2/2 conv between stages; average pool, layer norm, fc; convs and fc with "
                "biases. The block's 1x1 layers are convs here, linear layers on a channels-last map in "
                "the release, and the layer norms are written out channels-first (so fields follow them): "
                "torchvision's convnext_tiny has the same 28,589,128 parameters (its documented count) and "
                "the same 4.456 G multiply-adds in convs + fc at 224 (its GFLOPS 4.456); the layer norms' "
                "elementwise arithmetic is not counted."),
        discrepancy=("Table 1's 29M params are the 28,589,128 that this layout and torchvision's have, rounded "
                     "(the release's README lists 28M); its 4.5G FLOPs are the 4.456 G multiply-adds of convs "
                     "+ fc, rounded."),
        extra={"top1_accuracy": "82.1% (Table 1, ImageNet-1K, 224^2)"},
    ),
)
