"""What the papers state about the networks ``archstat/models/mobilenet_v2.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from functools import partial

from .info import ModelInfo

_mobilenet_v2 = partial(
    ModelInfo, family="MobileNet", paper="MobileNetV2: Inverted Residuals and Linear Bottlenecks", year=2018,
    input_size=(3, 224, 224), min_input=1)


MODELS = (
    _mobilenet_v2(
        name="mobilenet_v2", paper_params=3.4e6, paper_macs=300e6,
        paper_source=("Table 4, p. 7 (arXiv:1801.04381v4): MobileNetV2 224, 300M multiply-adds, 3.4M "
                      "parameters (Section 4, p. 4, says the same); torchvision documents "
                      "MobileNet_V2_Weights.IMAGENET1K_V1 with num_params 3504872 and GFLOPS 0.30"),
        layout=("Table 2 exactly, as torchvision builds it: 3x3/2 stem of 32, 17 inverted residual bottlenecks "
                "(t, c, n, s per row), 1x1 convolution to 1280, global average pool, dropout 0.2, fc. Every "
                "convolution without bias, then batch norm; ReLU6 except after the projections (linear "
                "bottlenecks). The paper's final '1x1 conv, k' is the fc here (same parameters)."),
        top5_error="top-1 72.0% (ImageNet, Table 4, p. 7); no top-5 given",
        discrepancy=("3,504,872 parameters, torchvision's count to the unit for this layout, against the 3.4M of "
                     "Table 4, p. 7 (the paper does not say how it rounds or what it leaves out). Convolutions "
                     "and fc: 300.8M multiply-adds, Table 4's 300M; archstat's MACs add batch norm and pooling "
                     "(314.2M in all)."),
    ),
    _mobilenet_v2(
        name="mobilenet_v2_1_4", paper_params=6.9e6, paper_macs=585e6,
        paper_source="Table 4, p. 7 (arXiv:1801.04381v4): MobileNetV2 (1.4), 585M multiply-adds, 6.9M parameters",
        layout=("Table 2 with every width x 1.4, each rounded to a multiple of 8 as the TF release does (stem 48, "
                "last convolution 1792); otherwise as mobilenet_v2."),
        top5_error="top-1 74.7% (ImageNet, Table 4, p. 7); no top-5 given",
        discrepancy=("Table 4 (p. 7) prints 6.9M parameters; Table 2 at width 1.4, rounded as the release rounds, "
                     "has "
                     "6,108,776 (6.1M); the paper does not say what its 6.9M holds. Convolutions and fc: 582.2M "
                     "multiply-adds, 0.5% under Table 4's 585M; archstat's MACs add batch norm and pooling."),
    ),
)
