"""What the papers state about the networks ``archstat/models/mobilenet_v1.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from .info import ModelInfo

_PAPER = "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications"
# Table 6: alpha -> (million mult-adds at 224, million params, ImageNet top-1).
TABLE6 = {1.0: (569, 4.2, "70.6%"), 0.75: (325, 2.6, "68.4%"), 0.5: (149, 1.3, "63.7%"), 0.25: (41, 0.5, "50.6%")}
# Table 7: 1.0 MobileNet at each resolution -> million mult-adds (4.2 million params at each).
TABLE7 = {224: 569, 192: 418, 160: 290, 128: 186}
_BN_NOTE = ("archstat's MACs add batch norm (2 per element) and the global pool (1 per input element) to the "
            "paper's convolutions and fc; the convolutions and fc alone match Table 6 to rounding.")


def _mobilenet_v1(name: str, alpha: float, discrepancy: str = _BN_NOTE) -> ModelInfo:
    macs, params, top1 = TABLE6[alpha]
    resolutions = ", ".join(f"{side}: {m}M" for side, m in TABLE7.items())
    return ModelInfo(
        name=name, family="MobileNet", paper=_PAPER, year=2017, input_size=(3, 224, 224), paper_params=params * 1e6,
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


MODELS = (
    _mobilenet_v1("mobilenet_v1", 1.0),
    _mobilenet_v1("mobilenet_v1_0_75", 0.75),
    _mobilenet_v1("mobilenet_v1_0_5", 0.5),
    _mobilenet_v1("mobilenet_v1_0_25", 0.25),
)
