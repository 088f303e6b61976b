"""What the papers state about the networks ``archstat/models/shufflenet_v2.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from functools import partial

from .info import ModelInfo

_v2 = partial(ModelInfo, family="ShuffleNet",
              paper="ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design",
              year=2018, input_size=(3, 224, 224), min_input=1)
_LAYOUT = ("Table 5 with the units of Fig. 3(c)/(d): channel split in halves, 1x1 conv, 3x3 depthwise "
           "conv (BN, no ReLU), 1x1 conv, concat, shuffle in 2 groups; stages of 4, 8, 4 units at "
           "{widths}; conv5 1x1 to {head}; no conv biases. torchvision's shufflenet_v2_{tv} builds the "
           "same layers: {tv_params} parameters (its documented count). ")
_GAP = ("Table 5's FLOPs lie between the convs + fc count (0.7 to 1.3% under it) and "
        "archstat's total with batch norm and pooling (0.0 to 3.8% over it); the paper does not say "
        "what beyond the convolutions it counted. The parameters agree to Table 5's rounding.")
_SOURCE = ("Table 5 (arXiv:1807.11164v1): FLOPs (multiply-adds) and # of Weights; torchvision documents "
           "ShuffleNet_V2_{tv}_Weights num_params {tv_params}")


def _facts(widths: str, head: int, tv: str, tv_params: str, params: float, macs: float, measured: str) -> dict:
    """``widths``: Table 5's output channels of stages 2, 3 and 4; ``head``: conv5's."""
    return dict(paper_params=params, paper_macs=macs, discrepancy=_GAP,
                paper_source=_SOURCE.format(tv=tv.upper(), tv_params=tv_params),
                layout=_LAYOUT.format(widths=widths, head=head, tv=tv, tv_params=tv_params) + measured)


MODELS = (
    _v2(name="shufflenet_v2_x0_5", **_facts("48/96/192", 1024, "x0_5", "1,366,792", 1.4e6, 41e6,
                   "40.5 M MACs at 224 in convs + fc, 42.6 M with batch norm and pooling.")),
    _v2(name="shufflenet_v2_x1_0", **_facts("116/232/464", 1024, "x1_0", "2,278,604", 2.3e6, 146e6,
                   "144.9 M MACs at 224 in convs + fc, 148.9 M with batch norm and pooling.")),
    _v2(name="shufflenet_v2_x1_5", **_facts("176/352/704", 1024, "x1_5", "3,503,624", 3.5e6, 299e6,
                   "295.8 M MACs at 224 in convs + fc, 301.3 M with batch norm and pooling.")),
    _v2(name="shufflenet_v2_x2_0", **_facts("244/488/976", 2048, "x2_0", "7,393,996", 7.4e6, 591e6,
                   "583.3 M MACs at 224 in convs + fc, 590.8 M with batch norm and pooling.")),
)
