"""What the papers state about the networks ``archstat/models/shufflenet_v1.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from .info import ModelInfo

# Table 1's "Complexity" row, million multiply-adds at 224, by group count.
COMPLEXITY = {1: 143, 2: 140, 3: 137, 4: 133, 8: 137}
# Table 2: ShuffleNet 1x classification error (top-1, %) by group count.
TABLE2_ERROR = {1: 33.6, 2: 32.7, 3: 32.6, 4: 32.8, 8: 32.4}


def _shufflenet_v1(name: str, groups: int, widths: str) -> ModelInfo:
    """``widths``: Table 1's output widths of stages 2, 3 and 4 for ``groups``."""
    return ModelInfo(
        name=name, family="ShuffleNet", year=2017, input_size=(3, 224, 224), min_input=1,
        paper="ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile Devices",
        paper_macs=COMPLEXITY[groups] * 1e6,
        paper_source=(f"Table 1, 'Complexity' row for g = {groups}: {COMPLEXITY[groups]}M FLOPs, which the "
                      "paper counts as multiply-adds; no parameter count is given"),
        layout=(f"Table 1, ShuffleNet 1x with g = {groups}: 3x3/2 conv of 24, 3x3/2 max pool, stages of 4/8/4 "
                f"units of widths {widths} (Figure 2 b/c: grouped 1x1 to a quarter of the width + BN + ReLU, "
                "channel shuffle, 3x3 depthwise + BN, grouped 1x1 + BN; identity added, or a 3x3/2 average "
                "pool concatenated in the first unit of a stage), ReLU after the join; stage 2's first 1x1 not "
                "grouped (Section 3.3); global average pool, fc. Convolutions without bias."),
        top5_error=f"top-1 {TABLE2_ERROR[groups]}% error (ImageNet val, Table 2); no top-5 given",
        discrepancy=("archstat's MACs add batch norm (2 per element) and pooling to the convolutions and fc, "
                     "which match the Complexity row to within 1%."),
    )


MODELS = (
    _shufflenet_v1("shufflenet_v1", 3, "240/480/960"),
    _shufflenet_v1("shufflenet_v1_g1", 1, "144/288/576"),
    _shufflenet_v1("shufflenet_v1_g2", 2, "200/400/800"),
    _shufflenet_v1("shufflenet_v1_g4", 4, "272/544/1088"),
    _shufflenet_v1("shufflenet_v1_g8", 8, "384/768/1536"),
)
