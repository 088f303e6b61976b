"""The papers' claims of ``archstat claims`` (ids p01 onwards): the efficient CNNs that followed the documents.

Each claim quotes its paper (``Source.kind == "paper"``; cited by title, authors and arXiv id) and is
judged by the documents' rules (``claims.rules.RULES``): a figure a paper's table prints ("569 million
mult-adds", "4.2 million parameters") is a round figure without a hedge word ("round", within ±10%), a
ratio it states ("50x fewer", "32 times smaller") likewise, "about" and "more"/"less" as the documents'.
Multiply-adds are the papers' own: convolutions and fc layers (``paper_figures.multiply_adds``).
A claim whose network is not in the zoo is listed as not checkable, naming the network.
"""

from __future__ import annotations

from ..models import list_models
from .measure import ratio, total
from .paper_figures import (
    multiply_adds,
    params,
    per_layer_savings,
    separable_saving,
    stated_over,
    total_macs_increase,
)
from .rules import Claim, Part, Source

PAPER_SOURCES = {
    "squeezenet": Source("arXiv:1602.07360", "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and "
                         "<0.5MB model size", "Iandola et al. 2016", "paper"),
    "squeezenet_v1_1": Source("github.com/DeepScale/SqueezeNet, SqueezeNet_v1.1/README.md",
                              "SqueezeNet v1.1 release notes", "Iandola et al. 2016", "paper"),
    "mobilenet": Source("arXiv:1704.04861", "MobileNets: Efficient Convolutional Neural Networks for Mobile "
                        "Vision Applications", "Howard et al. 2017", "paper"),
    "mobilenet_v2": Source("arXiv:1801.04381v4", "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
                           "Sandler et al. 2018", "paper"),
    "mobilenet_v3": Source("arXiv:1905.02244", "Searching for MobileNetV3", "Howard et al. 2019", "paper"),
    "shufflenet": Source("arXiv:1707.01083", "ShuffleNet: An Extremely Efficient Convolutional Neural Network "
                         "for Mobile Devices", "Zhang et al. 2017", "paper"),
    "shufflenet_v2": Source("arXiv:1807.11164", "ShuffleNet V2: Practical Guidelines for Efficient CNN "
                            "Architecture Design", "Ma et al. 2018", "paper"),
    "xception": Source("arXiv:1610.02357", "Xception: Deep Learning with Depthwise Separable Convolutions",
                       "Chollet 2017", "paper"),
    "senet": Source("arXiv:1709.01507v4", "Squeeze-and-Excitation Networks", "Hu et al. 2018", "paper"),
    "efficientnet": Source("arXiv:1905.11946v5", "EfficientNet: Rethinking Model Scaling for Convolutional "
                           "Neural Networks", "Tan & Le 2019", "paper"),
    "convnext": Source("arXiv:2201.03545v2", "A ConvNet for the 2020s", "Liu et al. 2022", "paper"),
}


def _p(says: str, claimed: object, rule: str, measure: object, key: str = "") -> Part:
    return Part(says, claimed, rule, measure, key)  # type: ignore[arg-type]


def _needs(models: tuple[str, ...], claim: Claim) -> Claim:
    """``claim`` as it stands when every network it measures is in the zoo; else not checkable, naming them."""
    missing = [m for m in models if m not in list_models()]
    if not missing:
        return claim
    return Claim(claim.id, claim.source, claim.quote, claim.english,
                 uncheckable=f"not in this zoo yet: {', '.join(missing)}; the claim is measured once "
                             "they are registered.")


_MULT_ADDS = ("Multiply-adds of convolutions and fc layers, as the paper counts them; archstat's total MACs "
              "add batch norm and pooling.")
# MobileNet Table 6: name, alpha, million mult-adds, million params; Table 7: input side, mult-adds.
_TABLE6 = (("mobilenet_v1", "1.0", 569, 4.2), ("mobilenet_v1_0_75", "0.75", 325, 2.6),
           ("mobilenet_v1_0_5", "0.5", 149, 1.3), ("mobilenet_v1_0_25", "0.25", 41, 0.5))
_TABLE7 = ((192, 418), (160, 290), (128, 186))
# ShuffleNet V2 Table 5: model, MFLOPs, million params.
_SHUFFLE_V2 = (("shufflenet_v2_x0_5", "0.5x", 41, 1.4), ("shufflenet_v2_x1_0", "1x", 146, 2.3),
               ("shufflenet_v2_x1_5", "1.5x", 299, 3.5), ("shufflenet_v2_x2_0", "2x", 591, 7.4))
# EfficientNet Table 2, p. 6 (arXiv:1905.11946v5): million params, billion FLOPs (multiply-adds), B0 ... B7.
_EFFICIENTNET = ((5.3, 0.39), (7.8, 0.70), (9.2, 1.0), (12, 1.8), (19, 4.2), (30, 9.9), (43, 19), (66, 37))
_SHUFFLE_G = ((1, "shufflenet_v1_g1"), (2, "shufflenet_v1_g2"), (3, "shufflenet_v1"), (4, "shufflenet_v1_g4"),
              (8, "shufflenet_v1_g8"))


def _efficientnet_parts() -> tuple[Part, ...]:
    parts = []
    for index, (millions, billions) in enumerate(_EFFICIENTNET):
        name = f"efficientnet_b{index}"
        parts += [_p(f"B{index}: {millions}M parameters", millions * 1e6, "round", params(name, meta=True)),
                  _p(f"B{index}: {billions}B FLOPs", billions * 1e9, "round", multiply_adds(name, meta=True))]
    parts.append(_p("B7 8.4x smaller than GPipe (557M)", 8.4, "round",
                    stated_over(557e6, "GPipe's 557M parameters", params("efficientnet_b7", meta=True)), "gpipe"))
    return tuple(parts)


PAPER_CLAIMS = [
    Claim("p01", "squeezenet", "SqueezeNet achieves AlexNet-level accuracy on ImageNet with 50x fewer parameters",
          "SqueezeNet has 50 times fewer parameters than AlexNet", (
              _p("50x fewer", 50, "round", ratio(total("params", "alexnet"), total("params", "squeezenet1_0")), "r"),
              _p("SqueezeNet v1.0", None, "info", total("params", "squeezenet1_0"), "sq"),
          ), note="AlexNet as its paper builds it (two towers, 60,965,224 parameters) against Table 1's SqueezeNet "
                  "({sq}); the paper's Table 2 puts it as 240MB against 4.8MB of 32-bit weights."),
    Claim("p02", "squeezenet_v1_1", "2.4x less computation than SqueezeNet v1.0, without sacrificing accuracy",
          "SqueezeNet v1.1 needs 2.4 times less computation than v1.0", (
              _p("2.4x less computation", 2.4, "round",
                 ratio(multiply_adds("squeezenet1_0"), multiply_adds("squeezenet1_1")), "r"),
              _p("v1.1", None, "info", total("params", "squeezenet1_1"), "p"),
          ), note="At 224x224, convolutions' multiply-adds ({r}); v1.1 keeps the fire modules with {p} parameters."),
    Claim("p03", "mobilenet", "1.0 MobileNet-224 … 569 … 4.2 … 0.75 … 325 … 2.6 … 0.50 … 149 … 1.3 … 0.25 … 41 "
          "… 0.5 … 192 … 418 … 160 … 290 … 128 … 186",
          "Tables 6 and 7: million mult-adds and parameters per width multiplier, mult-adds per resolution", tuple(
              part for name, alpha, macs, millions in _TABLE6 for part in (
                  _p(f"{alpha} MobileNet-224: {macs}M mult-adds", macs * 1e6, "round", multiply_adds(name)),
                  _p(f"{alpha} MobileNet-224: {millions}M parameters", millions * 1e6, "round", params(name)),
              )) + tuple(
              _p(f"1.0 MobileNet-{side}: {macs}M mult-adds", macs * 1e6, "round",
                 multiply_adds("mobilenet_v1", (3, side, side))) for side, macs in _TABLE7),
          note=_MULT_ADDS + " The resolution multiplier changes no parameter (4.2M at every side)."),
    Claim("p04", "mobilenet", "MobileNet is nearly as accurate as VGG16 while being 32 times smaller and 27 times "
          "less compute intensive", "MobileNet: 32 times fewer parameters and 27 times fewer mult-adds than VGG16", (
              _p("32 times smaller", 32, "round", ratio(total("params", "vgg16"), total("params", "mobilenet_v1"))),
              _p("27 times less compute", 27, "round",
                 ratio(multiply_adds("vgg16"), multiply_adds("mobilenet_v1"))),
          ), note="Table 8: VGG 16 at 15300M mult-adds and 138M parameters, 1.0 MobileNet-224 at 569M and "
                  "4.2M. " + _MULT_ADDS),
    Claim("p05", "mobilenet", "MobileNet uses 3 × 3 depthwise separable convolutions which uses between 8 to 9 "
          "times less computation than standard convolutions",
          "3x3 depthwise separable convolutions cost 8 to 9 times less than standard ones", (
              _p("at least 8x", 8, "more", separable_saving("mobilenet_v1"), "r"),
              _p("at most 9x", 9, "less", separable_saving("mobilenet_v1")),
              _p("per layer", None, "info", per_layer_savings("mobilenet_v1"), "each"),
          ), note="Summed over MobileNet's 13 separable convolutions: {r}. Per layer the saving is 1/(1/N + 1/9) "
                  "for N output channels, from the first (N = 64) to the last (N = 1024): {each}."),
    _needs(("mobilenet_v2", "mobilenet_v2_1_4"), Claim(
        "p06", "mobilenet_v2", "MobileNetV2 … 3.4M … 300M … MobileNetV2 (1.4) … 6.9M … 585M",
        "Table 4, p. 7: MobileNetV2 300M multiply-adds and 3.4M parameters; at width 1.4, 585M and 6.9M", (
            _p("300M multiply-adds", 300e6, "round", multiply_adds("mobilenet_v2")),
            _p("3.4M parameters", 3.4e6, "round", params("mobilenet_v2")),
            _p("1.4: 585M multiply-adds", 585e6, "round", multiply_adds("mobilenet_v2_1_4")),
            _p("1.4: 6.9M parameters", 6.9e6, "round", params("mobilenet_v2_1_4"), "p14"),
        ), note=_MULT_ADDS,
        why="Table 2 (p. 5) at width 1.4, widths rounded to multiples of 8 as the release rounds them, has {p14}; the "
            "paper does not say what its 6.9M holds.")),
    Claim("p07", "mobilenet_v3", "V3-Large 1.0 … 219 … 5.4 … V3-Small 1.0 … 56 … 2.5",
          "Table 3: MobileNetV3-Large 219M MAdds, 5.4M parameters; Small 56M, 2.5M", (
              _p("Large: 219M MAdds", 219e6, "round", multiply_adds("mobilenet_v3_large")),
              _p("Large: 5.4M parameters", 5.4e6, "round", params("mobilenet_v3_large")),
              _p("Small: 56M MAdds", 56e6, "round", multiply_adds("mobilenet_v3_small")),
              _p("Small: 2.5M parameters", 2.5e6, "round", params("mobilenet_v3_small")),
          ), note=_MULT_ADDS + " The squeeze-and-excitation's 1x1 convolutions are counted; its channel-wise "
                               "scaling is not a multiply-add any counter lists."),
    Claim("p08", "shufflenet", "ShuffleNet 1× … 140 … g = 1 … g = 8 (Table 2: complexity in MFLOPs, one column per "
          "group count)",
          "ShuffleNet 1x keeps about 140 MFLOPs whatever its group count g", tuple(
              _p(f"g = {g}: about 140 MFLOPs", 140e6, "about", multiply_adds(name)) for g, name in _SHUFFLE_G),
          note="Table 2 lists every ShuffleNet 1x at 140 MFLOPs; Table 1's complexity row gives 143, 140, "
               "137, 133 and 137 for g = 1, 2, 3, 4, 8. " + _MULT_ADDS),
    _needs(tuple(row[0] for row in _SHUFFLE_V2), Claim(
        "p09", "shufflenet_v2", "ShuffleNet v2 0.5x … 41 … 1.4M … 1x … 146 … 2.3M … 1.5x … 299 … 3.5M … 2x … "
        "591 … 7.4M", "ShuffleNet V2 0.5x/1x/1.5x/2x: 41/146/299/591 MFLOPs, 1.4/2.3/3.5/7.4M parameters", tuple(
            part for name, width, mflops, millions in _SHUFFLE_V2 for part in (
                _p(f"{width}: {mflops} MFLOPs", mflops * 1e6, "round", multiply_adds(name)),
                _p(f"{width}: {millions}M parameters", millions * 1e6, "round", params(name)),
            )), note=_MULT_ADDS)),
    Claim("p13", "xception", "Xception … 22,855,952 … Inception V3 … 23,626,728 … the Xception architecture has "
          "the same number of parameters as Inception V3",
          "Xception has the same number of parameters as Inception V3 (Table 3: 22,855,952 and 23,626,728)", (
              _p("22,855,952 parameters", 22_855_952, "exact", total("params", "xception")),
              _p("about as many as Inception V3", 1.0, "about",
                 ratio(total("params", "xception"), total("params", "inception_v3")), "r"),
          ), note="Against the zoo's inception_v3 without its auxiliary head: {r}; Table 3's own figures give "
                  "22,855,952 / 23,626,728 = 0.967."),
    _needs(("se_resnet50", "resnet50"), Claim(
        "p14", "senet", "SE-ResNet-50 requires ∼3.87 GFLOPs, corresponding to a 0.26% relative increase over the "
        "original ResNet-50", "Section 4 (pp. 4-5) and Table 2 (p. 5): SE-ResNet-50 3.87 GFLOPs against "
        "ResNet-50's 3.86, a 0.26% increase; 28.1M parameters against 25.6M (Table 10, p. 8), about 10% more", (
            _p("SE-ResNet-50: 3.87 GFLOPs", 3.87e9, "round", multiply_adds("se_resnet50")),
            _p("ResNet-50: 3.86 GFLOPs", 3.86e9, "round", multiply_adds("resnet50")),
            _p("a small increase (under 1%)", 0.01, "under", total_macs_increase("se_resnet50", "resnet50"), "inc"),
            _p("0.26% relative increase", 0.0026, "about", total_macs_increase("se_resnet50", "resnet50")),
            _p("28.1M parameters", 28.1e6, "round", params("se_resnet50")),
            _p("about 10% more parameters", 1.1, "about", ratio(total("params", "se_resnet50"),
                                                                 total("params", "resnet50"))),
        ), note="GFLOPs as multiply-adds of convolutions and fc layers; the increase compares archstat's total "
                "MACs (with the squeezes' global pools): {inc}.",
        why="archstat's MACs of the squeeze-and-excitation blocks, their global pools and fc layers, add {inc} of "
            "ResNet-50's; the channel-wise scaling is no multiply-add any counter lists. The paper does not say "
            "what its 0.26% holds.")),
    _needs(tuple(f"efficientnet_b{i}" for i in range(8)), Claim(
        "p15", "efficientnet", "EfficientNet-B0 … 5.3M … 0.39B … EfficientNet-B7 … 66M … 37B … 8.4x smaller",
        "Table 2, p. 6: B0 5.3M parameters and 0.39B FLOPs ... B7 66M and 37B, 8.4x smaller than GPipe's 557M",
        _efficientnet_parts(), note="Each at its own resolution (B0 224 ... B7 600), counted on the meta device "
                                    "(fvcore's counts, without B7's slow trace); " + _MULT_ADDS)),
    _needs(("convnext_tiny",), Claim(
        "p16", "convnext", "ConvNeXt-T … 29M … 4.5G", "Table 1: ConvNeXt-T 29M parameters, 4.5G FLOPs", (
            _p("29M parameters", 29e6, "round", params("convnext_tiny")),
            _p("4.5G FLOPs", 4.5e9, "round", multiply_adds("convnext_tiny")),
        ), note="ConvNeXt's FLOPs are multiply-adds (fvcore's count). " + _MULT_ADDS)),
]
