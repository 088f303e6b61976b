"""ShuffleNet V2, SE-ResNet/SE-ResNeXt, EfficientNet B0-B7 and ConvNeXt-T against their papers and releases.

Independent facts, each named where it is used:
- the papers' tables: ShuffleNet V2 Table 5; SENet Table 2 (p. 5), Section 4 (pp. 4-5) and Table 10 (p. 8)
  of arXiv:1709.01507v4; EfficientNet Tables 1 (p. 5) and 2 (p. 6) of arXiv:1905.11946v5; ConvNeXt Table 1
  of arXiv:2201.03545v2;
- torchvision's weight metadata for the same layouts (``num_params``, and ``_ops``: multiply-adds of the
  convolutions and linear layers in units of 10^9, three decimals; torchvision/models/shufflenetv2.py,
  efficientnet.py, convnext.py);
- Cadene's pretrainedmodels (the SENet weights' PyTorch port): se_resnet50 28,088,024 and
  se_resnext50_32x4d 27,559,896 parameters;
- hand counts written out below.

Networks are built on the meta device and counted with the meta engine (equal to fvcore's counts:
tests/test_engines.py). One fused multiply-add = 1 MAC; FLOPs = 2 x MACs.
"""

from __future__ import annotations

import functools
import math

import pytest
import torch
from torch import nn

import archstat
from archstat.models import build_model, get_model_info
from archstat.models.efficientnet import B0, SCALING, round_depth, round_width
from archstat.models.shufflenet_v2 import UNITS, WIDTHS, ChannelShuffle


@functools.cache
def report(name: str, side: int | None = None) -> archstat.Report:
    size = None if side is None else (3, side, side)
    return archstat.analyze(name, input_size=size, engine="meta")


def conv_fc(name: str, side: int | None = None) -> int:
    by_op = report(name, side).totals["by_operator"]
    return by_op["conv"] + by_op["linear"]


def params(name: str) -> int:
    return report(name).totals["params"]


def row_macs(name: str, layer: str) -> int:
    layers = report(name).modules
    return int(layers.loc[layers.name == layer, "macs"].iloc[0])


# --- Each release's published counts, to the unit --------------------------------------------------

TORCHVISION = {  # name: (num_params, _ops GFLOPS = multiply-adds of convs + linears), at the zoo's input
    "shufflenet_v2_x0_5": (1_366_792, 0.04),
    "shufflenet_v2_x1_0": (2_278_604, 0.145),
    "shufflenet_v2_x1_5": (3_503_624, 0.296),
    "shufflenet_v2_x2_0": (7_393_996, 0.583),
    "efficientnet_b0": (5_288_548, 0.386),
    "efficientnet_b1": (7_794_184, 0.687),
    "efficientnet_b2": (9_109_994, None),  # its 1.088 is at 288: below
    "efficientnet_b3": (12_233_232, 1.827),
    "efficientnet_b4": (19_341_616, 4.394),
    "efficientnet_b5": (30_389_784, 10.266),
    "efficientnet_b6": (43_040_704, 19.068),
    "efficientnet_b7": (66_347_960, 37.746),
    "convnext_tiny": (28_589_128, 4.456),
}


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvisions_documented_counts(name: str) -> None:
    count, gflops = TORCHVISION[name]
    assert params(name) == count
    if gflops is not None:
        digits = len(str(gflops).split(".")[1])
        assert round(conv_fc(name) / 1e9, digits) == gflops


def test_torchvisions_b2_figure_is_at_its_crop_of_288() -> None:
    """EfficientNet_B2_Weights: crop_size=288, _ops 1.088; the paper's B2 runs at 260 (Table 2, p. 6: 1.0B)."""
    assert round(conv_fc("efficientnet_b2", 288) / 1e9, 3) == 1.088
    assert round(conv_fc("efficientnet_b2") / 1e9, 1) == 1.0


@pytest.mark.parametrize(("name", "count"), [("se_resnet50", 28_088_024), ("se_resnext50_32x4d", 27_559_896)])
def test_pretrainedmodels_counts(name: str, count: int) -> None:
    assert params(name) == count


# --- Each paper's table, within its printed rounding ----------------------------------------------

PAPER = {  # name: (params, multiply-adds, tolerance on MACs of convs + fc): the paper's printed figures
    "shufflenet_v2_x0_5": (1.4e6, 41e6, 0.013),  # Table 5
    "shufflenet_v2_x1_0": (2.3e6, 146e6, 0.008),
    "shufflenet_v2_x1_5": (3.5e6, 299e6, 0.011),
    "shufflenet_v2_x2_0": (7.4e6, 591e6, 0.014),
    "se_resnet50": (28.1e6, 3.87e9, 0.003),  # Table 2, p. 5 (SE blocks included); Section 4; Table 10, p. 8
    "se_resnext50_32x4d": (27.6e6, 4.25e9, 0.004),
    "efficientnet_b0": (5.3e6, 0.39e9, 0.011),  # Table 2, p. 6
    "efficientnet_b1": (7.8e6, 0.70e9, 0.019),
    "efficientnet_b2": (9.2e6, 1.0e9, 0.007),
    "efficientnet_b3": (12e6, 1.8e9, 0.016),
    "efficientnet_b4": (19e6, 4.2e9, 0.047),
    "efficientnet_b5": (30e6, 9.9e9, 0.038),
    "efficientnet_b6": (43e6, 19e9, 0.004),
    "efficientnet_b7": (66e6, 37e9, 0.021),
    "convnext_tiny": (29e6, 4.5e9, 0.01),  # Table 1 of arXiv:2201.03545v2 (29M; the release's README: 28M)
}

PARAMS_OFF = {
    "efficientnet_b2": 0.01,  # 9,109,994 (torchvision, timm) against Table 2's 9.2M
}


@pytest.mark.parametrize("name", PAPER)
def test_papers_figures(name: str) -> None:
    """Parameters to the paper's printed digits; multiply-adds (convs + fc, plus the SE blocks' 1x1
    layers and pools) within the stated gap, which the registry's note explains where it exceeds
    the rounding."""
    paper_params, paper_macs, gap = PAPER[name]
    info = get_model_info(name)
    assert (info.paper_params, info.paper_macs) == (paper_params, paper_macs)
    half_digit = 0.5 * 10 ** (math.floor(math.log10(paper_params)) - 1)  # two significant digits
    if name in PARAMS_OFF:  # beyond the printed digits: the registry's note says so
        assert abs(params(name) - paper_params) <= PARAMS_OFF[name] * paper_params
        assert "Table" in info.discrepancy and "param" in info.discrepancy
    else:
        assert abs(params(name) - paper_params) <= half_digit
    se = report(name).totals["by_operator"]["adaptive_avg_pool2d"] if name.startswith("se_") else 0
    measured = conv_fc(name) + se
    assert abs(measured - paper_macs) / paper_macs <= gap
    if abs(measured - paper_macs) > 0.5 * 10 ** (math.floor(math.log10(paper_macs)) - 1):
        assert info.discrepancy, f"{name} differs from its paper beyond rounding without a note"


# --- Hand counts --------------------------------------------------------------------------------

def bn(c: int) -> int:
    return 2 * c


def shufflenet_v2_params(widths: tuple[int, int, int, int, int]) -> int:
    """Fig. 3(c)/(d) by hand: depthwise 3x3 (9 per channel), 1x1 convs, batch norms, no biases."""
    total = 3 * 9 * widths[0] + bn(widths[0])
    cin = widths[0]
    for units, cout in zip(UNITS, widths[1:4], strict=True):
        w = cout // 2
        total += 9 * cin + bn(cin) + cin * w + bn(w)  # left branch of the down-sampling unit
        total += cin * w + bn(w) + 9 * w + bn(w) + w * w + bn(w)  # its right branch
        total += (units - 1) * (w * w + bn(w) + 9 * w + bn(w) + w * w + bn(w))
        cin = cout
    return total + cin * widths[4] + bn(widths[4]) + widths[4] * 1000 + 1000


@pytest.mark.parametrize("multiplier", WIDTHS)
def test_shufflenet_v2_params_by_hand(multiplier: str) -> None:
    name = "shufflenet_v2_x" + {"0.5x": "0_5", "1x": "1_0", "1.5x": "1_5", "2x": "2_0"}[multiplier]
    assert params(name) == shufflenet_v2_params(WIDTHS[multiplier]) == TORCHVISION[name][0]


def test_a_depthwise_conv_costs_one_mac_per_tap_per_output() -> None:
    """ShuffleNet V2 1x, stage 3's second unit: 116 channels at 14x14, 3x3 depthwise: 14 x 14 x 116 x 9
    (no sum over input channels); its 1x1 neighbour sums over all 116: 14 x 14 x 116 x 116."""
    unit = "stage3.1.right"
    assert row_macs("shufflenet_v2_x1_0", f"{unit}.depthwise.conv") == 14 * 14 * 116 * 9 == 204_624
    assert row_macs("shufflenet_v2_x1_0", f"{unit}.project.conv") == 14 * 14 * 116 * 116 == 2_637_376
    model = build_model("shufflenet_v2_x1_0", device="meta")
    assert model.get_submodule(f"{unit}.depthwise.conv").groups == 116


def test_channel_shuffle_interleaves_the_two_halves() -> None:
    x = torch.arange(6.0).view(1, 6, 1, 1)
    assert ChannelShuffle(2)(x).flatten().tolist() == [0, 3, 1, 4, 2, 5]
    assert ChannelShuffle(3)(x).flatten().tolist() == [0, 2, 4, 1, 3, 5]


UNITS_50 = ((256, 3, 56), (512, 4, 28), (1024, 6, 14), (2048, 3, 7))  # (C, units, side) of ResNet-50


@pytest.mark.parametrize(("name", "base"), [("se_resnet50", "resnet50"), ("se_resnext50_32x4d", "resnext50_32x4d")])
def test_se_blocks_by_hand(name: str, base: str) -> None:
    """Section 4 (pp. 4-5 of arXiv:1709.01507v4): each unit adds 2 C^2 / r weights (r = 16) and C / r + C
    biases; it runs its two 1x1 layers once per image (2 C^2 / r MACs) and pools C x side^2 inputs."""
    weights = sum(n * 2 * c * c // 16 for c, n, _ in UNITS_50)
    biases = sum(n * (c // 16 + c) for c, n, _ in UNITS_50)
    pools = sum(n * c * s * s for c, n, s in UNITS_50)
    assert (weights, biases, pools) == (2_514_944, 16_048, 5_519_360)
    assert params(name) - params(base) == weights + biases
    assert round((weights + biases) / params(base), 2) == 0.10 if base == "resnet50" else True  # "~10%"
    assert conv_fc(name) - conv_fc(base) == weights
    se_pools = report(name).totals["by_operator"]["adaptive_avg_pool2d"] - report(base).totals["by_operator"][
        "adaptive_avg_pool2d"]
    assert se_pools == pools


def test_se_resnet50_keeps_the_papers_stride_in_the_first_1x1() -> None:
    model = build_model("se_resnet50", device="meta")
    unit = model.get_submodule("layer2.0")
    assert (unit.conv1.stride, unit.conv2.stride) == ((2, 2), (1, 1))
    assert unit.se.reduce.out_channels == 512 // 16


def test_efficientnet_b0_is_table_1() -> None:
    model = build_model("efficientnet_b0", device="meta")
    assert [len(getattr(model, f"stage{i}")) for i in range(1, 8)] == [1, 2, 2, 3, 3, 4, 1]
    kernels = [getattr(model, f"stage{i}")[0].depthwise.conv.kernel_size[0] for i in range(1, 8)]
    assert kernels == [3, 3, 5, 3, 5, 5, 3]
    assert [getattr(model, f"stage{i}")[0].project.conv.out_channels for i in range(1, 8)] == [
        16, 24, 40, 80, 112, 192, 320]
    assert model.stage1[0].expand is None and model.stage2[0].expand.conv.out_channels == 16 * 6
    assert model.stage2[0].se.reduce.out_channels == 16 // 4  # SE ratio 0.25 of the unit's input
    assert model.head.conv.out_channels == 1280


def test_compound_scaling_rounds_as_the_release() -> None:
    assert [round_width(c, 1.1) for c in (32, 16, 24, 40, 80, 112, 192, 320, 1280)] == [
        32, 16, 24, 48, 88, 120, 208, 352, 1408]  # 40 x 1.1 = 44 -> 48; 112 x 1.1 = 123.2 -> 120
    assert [round_depth(n, 3.1) for n in (1, 2, 2, 3, 3, 4, 1)] == [4, 7, 7, 10, 10, 13, 4]
    model = build_model("efficientnet_b7", device="meta")
    assert sum(len(getattr(model, f"stage{i}")) for i in range(1, 8)) == 55
    assert model.stem.conv.out_channels == 64 and model.head.conv.out_channels == 2560
    assert [s.resolution for s in SCALING.values()] == [224, 240, 260, 300, 380, 456, 528, 600]
    assert [get_model_info(f"efficientnet_{k}").input_size[-1] for k in SCALING] == [
        s.resolution for s in SCALING.values()]
    assert len(B0) == 7


def convnext_tiny_by_hand() -> tuple[int, int]:
    """Parameters and multiply-adds (convs + fc) at 224 of Section 3's C = (96, 192, 384, 768),
    B = (3, 3, 9, 3). Block: 7x7 depthwise (49 d + d), norm (2 d), 1x1 to 4d (4 d^2 + 4 d), 1x1 back
    (4 d^2 + d), layer scale (d)."""
    dims, blocks, sides = (96, 192, 384, 768), (3, 3, 9, 3), (56, 28, 14, 7)
    n = 3 * 16 * 96 + 96 + 2 * 96
    macs = 56 * 56 * 96 * 3 * 16
    for i, (d, b, s) in enumerate(zip(dims, blocks, sides, strict=True)):
        if i:
            n += 2 * dims[i - 1] + dims[i - 1] * 4 * d + d
            macs += s * s * d * dims[i - 1] * 4
        n += b * (8 * d * d + 58 * d)
        macs += b * s * s * (49 * d + 8 * d * d)
    n += 2 * 768 + 768 * 1000 + 1000
    return n, macs + 768 * 1000


def test_convnext_tiny_by_hand() -> None:
    n, macs = convnext_tiny_by_hand()
    assert params("convnext_tiny") == n == 28_589_128
    assert conv_fc("convnext_tiny") == macs == 4_455_531_264


def test_convnext_tiny_fields_follow_every_block() -> None:
    """Stem 4x4/4, then 7x7 depthwise convs at jumps 4, 8, 16, 32 and the 2x2/2 down-sampling convs."""
    field = 4
    for jump, blocks in zip((4, 8, 16, 32), (3, 3, 9, 3), strict=True):
        if jump > 4:
            field += (2 - 1) * jump // 2
        field += blocks * 6 * jump
    assert field == 1688
    rows = report("convnext_tiny").modules
    assert tuple(rows.loc[rows.name == "stage4", "receptive_field"].iloc[0]) == (field, field)


def test_mbconv_has_a_shortcut_only_where_the_shape_is_kept() -> None:
    model = build_model("efficientnet_b0", device="meta")
    assert [unit.residual for unit in model.stage6] == [False, True, True, True]
    with torch.no_grad():
        out = model(torch.empty(1, 3, 224, 224, device="meta"))
    assert tuple(out.shape) == (1, 1000)
    assert isinstance(model.stage6[1].se.act, nn.SiLU)
