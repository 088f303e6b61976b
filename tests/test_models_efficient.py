"""The efficient networks (SqueezeNet, Xception, MobileNet v1-v3, ShuffleNet v1) against their papers'
tables and their releases' published counts, each figure reached again by a hand count written here.

Sources of the facts, beside each test:
- SqueezeNet: Iandola et al. 2016, arXiv:1602.07360, Table 1 (1,248,424 parameters before pruning);
  torchvision's SqueezeNet1_0 / SqueezeNet1_1 weights: num_params 1248424 / 1235496, GFLOPS 0.82 / 0.35.
- Xception: Chollet 2017, arXiv:1610.02357, Table 3 (22,855,952 parameters); Keras applications'
  Xception: 22,910,480 parameters (its summary adds the batch norms' moving statistics).
- MobileNet: Howard et al. 2017, arXiv:1704.04861, Table 2, Tables 6-7; Keras applications'
  MobileNet (alpha 1.0): 4,253,864 parameters.
- MobileNetV2: Sandler et al. 2018, arXiv:1801.04381v4, Table 2 (p. 5), Table 4 (p. 7); torchvision's
  MobileNet_V2_Weights: num_params 3504872, GFLOPS 0.30.
- MobileNetV3: Howard et al. 2019, arXiv:1905.02244, Tables 1-3; torchvision's MobileNet_V3_Large / Small
  weights: num_params 5483032 / 2542856, GFLOPS 0.22 / 0.06.
- ShuffleNet: Zhang et al. 2017, arXiv:1707.01083, Table 1 (Complexity row, MFLOPs = multiply-adds).

Networks are counted on the meta device (``analyze(engine="meta")``, equal to fvcore's counts by
tests/test_engines.py). One fused multiply-add = 1 MAC. The papers count convolutions and fc layers
only, so their figures are compared with ``conv + linear`` MACs; archstat's totals add batch norm and pooling.
"""

from __future__ import annotations

import functools

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import archstat
from archstat.models import build_model


@functools.cache
def totals(name: str, side: int | None = None) -> dict:
    shape = None if side is None else (3, side, side)
    return archstat.analyze(name, input_size=shape, engine="meta").totals


def conv_fc_macs(name: str, side: int | None = None) -> int:
    by_op = totals(name, side)["by_operator"]
    return by_op["conv"] + by_op.get("linear", 0)


def n_params(name: str) -> int:
    return sum(p.numel() for p in build_model(name, device="meta").parameters())


def bn_channels(name: str) -> int:
    return sum(m.num_features for m in build_model(name, device="meta").modules() if isinstance(m, nn.BatchNorm2d))


def within_rounding(measured: float, printed: float, unit: float) -> bool:
    """``printed`` in ``unit`` s (1e6 for "569 M") is ``measured`` rounded: half a unit either side."""
    return abs(measured / unit - printed) <= 0.5


# --- Depthwise convolution: one multiply-add per kernel tap per output element ----------------------

@pytest.mark.parametrize("engine", ["meta", "fvcore"])
def test_a_depthwise_convolution_costs_one_mac_per_tap_per_output_element(engine: str) -> None:
    """A 3x3 depthwise convolution on 32 channels of 14x14 (stride 1, padding 1): every output element
    reads its own channel only, 3 x 3 taps, so 9 x 32 x 14 x 14 = 56,448 MACs; a full 3x3 convolution
    would sum over the 32 input channels too (32 x that). Also checked with torch's FlopCounterMode."""
    channels, side = 32, 14
    depthwise = nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False)
    full = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
    by_hand = 9 * channels * side * side
    assert by_hand == 56_448
    assert archstat.analyze(depthwise, input_size=(channels, side, side), engine=engine).totals["macs"] == by_hand
    assert archstat.analyze(full, input_size=(channels, side, side), engine=engine).totals["macs"] == channels * by_hand
    with FlopCounterMode(display=False) as counter:
        depthwise(torch.zeros(1, channels, side, side))
    assert counter.get_total_flops() == 2 * by_hand  # torch counts FLOPs: 2 per multiply-add
    assert sum(p.numel() for p in depthwise.parameters()) == 9 * channels


def test_a_strided_depthwise_convolution_counts_the_output_grid() -> None:
    """5x5 depthwise at stride 2 on 40 channels of 28x28 (padding 2): 14 x 14 outputs per channel."""
    conv = nn.Conv2d(40, 40, 5, stride=2, padding=2, groups=40, bias=False)
    assert archstat.analyze(conv, input_size=(40, 28, 28), engine="meta").totals["macs"] == 25 * 40 * 14 * 14


# --- SqueezeNet -------------------------------------------------------------------------------------

FIRES_1_0 = [(96, 16, 64, 64), (128, 16, 64, 64), (128, 32, 128, 128), (256, 32, 128, 128),
             (256, 48, 192, 192), (384, 48, 192, 192), (384, 64, 256, 256), (512, 64, 256, 256)]


def fire_params(cin: int, s: int, e1: int, e3: int) -> int:
    """Squeeze 1x1, expand 1x1 and 3x3, each with a bias: Table 1's per-layer parameter column."""
    return cin * s + s + s * e1 + e1 + s * 9 * e3 + e3


def test_squeezenet1_0_params_are_table_1s_total_and_torchvisions() -> None:
    by_hand = 3 * 49 * 96 + 96 + sum(fire_params(*row) for row in FIRES_1_0) + 512 * 1000 + 1000
    assert fire_params(*FIRES_1_0[0]) == 11_920  # Table 1's fire2 row
    assert by_hand == n_params("squeezenet1_0") == totals("squeezenet1_0")["params"] == 1_248_424


def test_squeezenet1_0_macs_by_hand_are_torchvisions_gflops() -> None:
    """At 224: conv1 (7x7/2, unpadded) gives 109; ceil-mode 3x3/2 pools 54, 27, 13."""
    grids = [54, 54, 54, 27, 27, 27, 27, 13]  # fire2 ... fire9
    fires = sum(g * g * (cin * s + s * e1 + s * 9 * e3) for g, (cin, s, e1, e3) in zip(grids, FIRES_1_0, strict=True))
    by_hand = 109 * 109 * 3 * 49 * 96 + fires + 13 * 13 * 512 * 1000
    assert conv_fc_macs("squeezenet1_0") == by_hand
    assert round(by_hand / 1e6) == 819  # torchvision: GFLOPS 0.82 (_ops 0.819), multiply-adds


def test_squeezenet1_1_params_and_macs_by_hand() -> None:
    """v1.1: conv1 64 3x3/2 (224 -> 111), pools after conv1 (55), fire3 (27) and fire5 (13)."""
    fires = [(64, 16, 64, 64), (128, 16, 64, 64), (128, 32, 128, 128), (256, 32, 128, 128),
             (256, 48, 192, 192), (384, 48, 192, 192), (384, 64, 256, 256), (512, 64, 256, 256)]
    params = 3 * 9 * 64 + 64 + sum(fire_params(*row) for row in fires) + 512 * 1000 + 1000
    assert params == totals("squeezenet1_1")["params"] == 1_235_496  # torchvision num_params
    grids = [55, 55, 27, 27, 13, 13, 13, 13]
    macs = 111 * 111 * 27 * 64 + sum(g * g * (c * s + s * e1 + s * 9 * e3)
                                     for g, (c, s, e1, e3) in zip(grids, fires, strict=True)) + 169 * 512 * 1000
    assert conv_fc_macs("squeezenet1_1") == macs and round(macs / 1e7) == 35  # torchvision: GFLOPS 0.35
    assert round(conv_fc_macs("squeezenet1_0") / macs, 1) == 2.3  # the release notes' "2.4x less computation"


# --- Xception ---------------------------------------------------------------------------------------

def separable(cin: int, cout: int) -> int:
    """3x3 depthwise + 1x1 pointwise (no biases) + batch norm (gamma, beta)."""
    return 9 * cin + cin * cout + 2 * cout


def test_xception_params_are_table_3s_and_keras() -> None:
    stem = 27 * 32 + 2 * 32 + 32 * 9 * 64 + 2 * 64
    def down(cin: int, a: int, b: int) -> int:  # two separable convs, 1x1/2 projection + BN
        return separable(cin, a) + separable(a, b) + cin * b + 2 * b
    entry = down(64, 128, 128) + down(128, 256, 256) + down(256, 728, 728)
    middle = 8 * 3 * separable(728, 728)
    exit_flow = down(728, 728, 1024) + separable(1024, 1536) + separable(1536, 2048) + 2048 * 1000 + 1000
    by_hand = stem + entry + middle + exit_flow
    assert by_hand == totals("xception")["params"] == 22_855_952  # Table 3
    channels = bn_channels("xception")
    assert channels == 27_264
    assert by_hand + 2 * channels == 22_910_480  # Keras: + moving mean and variance per channel


def test_xception_grids_at_299() -> None:
    layers = archstat.analyze("xception", engine="meta").modules  # every module, containers too
    shapes = {row.name: tuple(row.output_shape[1:]) for row in layers.itertuples()}
    assert shapes["features.stem"] == (64, 147, 147)
    assert [shapes[f"features.block{i}"] for i in (1, 2, 3, 11, 12)] == [
        (128, 74, 74), (256, 37, 37), (728, 19, 19), (728, 19, 19), (1024, 10, 10)]
    assert shapes["features.relu4"] == (2048, 10, 10)


# --- MobileNet v1 -----------------------------------------------------------------------------------

SEPARABLE_V1 = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1), (256, 512, 2),
                *[(512, 512, 1)] * 5, (512, 1024, 2), (1024, 1024, 1)]


def mobilenet_v1_by_hand(alpha: float, side: int = 224) -> tuple[int, int]:
    """(params, conv + fc MACs) of Table 1 at width ``alpha`` on ``side``: each conv without bias and a
    batch norm (2 parameters per channel)."""
    def w(c: int) -> int:
        return int(c * alpha)
    grid = (side + 1) // 2
    params, macs = 27 * w(32) + 2 * w(32), grid * grid * 27 * w(32)
    for cin, cout, stride in SEPARABLE_V1:
        grid = (grid + 1) // 2 if stride == 2 else grid
        params += 9 * w(cin) + 2 * w(cin) + w(cin) * w(cout) + 2 * w(cout)
        macs += grid * grid * (9 * w(cin) + w(cin) * w(cout))
    return params + w(1024) * 1000 + 1000, macs + w(1024) * 1000


@pytest.mark.parametrize(("name", "alpha", "table6"), [
    ("mobilenet_v1", 1.0, (569, 4.2)), ("mobilenet_v1_0_75", 0.75, (325, 2.6)),
    ("mobilenet_v1_0_5", 0.5, (149, 1.3)), ("mobilenet_v1_0_25", 0.25, (41, 0.5)),
])
def test_mobilenet_v1_width_multipliers_are_table_6s(name: str, alpha: float, table6: tuple) -> None:
    params, macs = mobilenet_v1_by_hand(alpha)
    assert (totals(name)["params"], conv_fc_macs(name)) == (params, macs)
    assert within_rounding(macs, table6[0], 1e6)  # million mult-adds
    assert abs(params / 1e5 - table6[1] * 10) <= 0.5  # million parameters, one decimal
    assert totals(name)["depth"] == 28  # Section 3.2: 28 layers, depthwise and pointwise apart


def test_mobilenet_v1_is_keras_count() -> None:
    """Keras' MobileNet (alpha 1.0, 224): 4,253,864 = trainable weights + 2 x 10,944 batch-norm statistics."""
    params, _ = mobilenet_v1_by_hand(1.0)
    assert params == 4_231_976 and bn_channels("mobilenet_v1") == 10_944
    assert params + 2 * 10_944 == 4_253_864


@pytest.mark.parametrize(("side", "table7"), [(192, 418), (160, 290), (128, 186)])
def test_mobilenet_v1_resolutions_are_table_7s(side: int, table7: int) -> None:
    """Table 7 prints 290 for the 160 network, whose count is 290.7M: that row reads as cut, so every row
    is held to under one unit."""
    _, macs = mobilenet_v1_by_hand(1.0, side)
    assert conv_fc_macs("mobilenet_v1", side) == macs
    assert 0 <= macs / 1e6 - table7 < 1


def test_mobilenet_v1_resource_shares_are_table_2s() -> None:
    """Table 2: 1x1 convolutions 94.86% of mult-adds, depthwise 3.06%, fc 0.18%. (Its 3x3 row, 1.19%,
    leaves the four rows summing to 99.29%; the full stem convolution is 1.91% here.)"""
    layers = archstat.analyze("mobilenet_v1", engine="meta").layers
    whole = conv_fc_macs("mobilenet_v1")

    def share(suffix: str) -> float:
        return 100 * layers[layers.name.str.endswith(suffix) & layers.is_leaf].macs.sum() / whole
    assert (round(share("_pw.conv"), 2), round(share("_dw.conv"), 2), round(share("classifier.fc"), 2)) == (
        94.86, 3.06, 0.18)


# --- MobileNetV2 ------------------------------------------------------------------------------------

def mobilenet_v2_by_hand(widths: list[int], last: int) -> tuple[int, int]:
    """(params, conv + fc MACs) of Table 2 with stage widths ``widths`` (stem first) and last conv ``last``."""
    rows = [(1, 1, 1), (6, 2, 2), (6, 3, 2), (6, 4, 2), (6, 3, 1), (6, 3, 2), (6, 1, 1)]  # t, n, s
    cin, grid = widths[0], 112
    params, macs = 27 * cin + 2 * cin, grid * grid * 27 * cin
    for (t, n, s), cout in zip(rows, widths[1:], strict=True):
        for i in range(n):
            hidden, before = cin * t, grid
            grid = grid // 2 if (i == 0 and s == 2) else grid
            if t != 1:
                params += cin * hidden + 2 * hidden
                macs += before * before * cin * hidden
            params += 9 * hidden + 2 * hidden + hidden * cout + 2 * cout
            macs += grid * grid * (9 * hidden + hidden * cout)
            cin = cout
    params += cin * last + 2 * last + last * 1000 + 1000
    return params, macs + 49 * cin * last + last * 1000


def test_mobilenet_v2_is_torchvisions_count_and_table_4s_macs() -> None:
    params, macs = mobilenet_v2_by_hand([32, 16, 24, 32, 64, 96, 160, 320], 1280)
    assert (totals("mobilenet_v2")["params"], conv_fc_macs("mobilenet_v2")) == (params, macs)
    assert params == 3_504_872  # torchvision num_params (Table 4, p. 7, prints 3.4M: see the registry's note)
    assert round(macs / 1e6) == 301  # torchvision: GFLOPS 0.30 (_ops 0.301)
    assert 0 <= macs / 1e6 - 300 < 1  # Table 4, p. 7: 300M, the 300.8M cut (as Table 7 of MobileNet v1 prints)


def test_mobilenet_v2_1_4_widths_are_rounded_to_8() -> None:
    """x1.4 rounded to the nearest multiple of 8 (never 10% down): 32 -> 48 (44.8), 16 -> 24 (22.4),
    24 -> 32 (33.6), 32 -> 48, 64 -> 88 (89.6), 96 -> 136 (134.4), 160 -> 224, 320 -> 448; 1280 -> 1792."""
    params, macs = mobilenet_v2_by_hand([48, 24, 32, 48, 88, 136, 224, 448], 1792)
    assert (totals("mobilenet_v2_1_4")["params"], conv_fc_macs("mobilenet_v2_1_4")) == (params, macs)
    assert abs(macs / 585e6 - 1) < 0.01  # Table 4, p. 7: 585M (the 6.9M parameters do not hold: 6.1M)


# --- MobileNetV3 ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "params", "gflops", "table3"), [
    ("mobilenet_v3_large", 5_483_032, 217, 219), ("mobilenet_v3_small", 2_542_856, 57, 56)])
def test_mobilenet_v3_is_torchvisions_count(name: str, params: int, gflops: int, table3: int) -> None:
    """torchvision's num_params to the unit; its GFLOPS (_ops 0.217, 0.057) are conv + fc multiply-adds;
    Table 3's MAdds within 1.5%."""
    assert totals(name)["params"] == params
    assert round(conv_fc_macs(name) / 1e6) == gflops
    assert abs(conv_fc_macs(name) / (table3 * 1e6) - 1) < 0.015


def test_mobilenet_v3_small_params_by_hand() -> None:
    """Table 2 row by row: (kernel, expansion, out, squeeze width or 0, stride); the squeeze is 1/4 of the
    expansion rounded to 8. Convs without bias + BN; squeeze-and-excitation convs with bias."""
    rows = [(3, 16, 16, 8, 2), (3, 72, 24, 0, 2), (3, 88, 24, 0, 1), (5, 96, 40, 24, 2), (5, 240, 40, 64, 1),
            (5, 240, 40, 64, 1), (5, 120, 48, 32, 1), (5, 144, 48, 40, 1), (5, 288, 96, 72, 2),
            (5, 576, 96, 144, 1), (5, 576, 96, 144, 1)]
    cin, params = 16, 27 * 16 + 2 * 16
    for k, exp, out, se, _ in rows:
        if exp != cin:
            params += cin * exp + 2 * exp
        params += k * k * exp + 2 * exp + exp * out + 2 * out
        if se:
            params += exp * se + se + se * exp + exp
        cin = out
    params += 96 * 576 + 2 * 576 + 576 * 1024 + 1024 + 1024 * 1000 + 1000
    assert params == totals("mobilenet_v3_small")["params"] == 2_542_856


# --- ShuffleNet v1 ----------------------------------------------------------------------------------

SHUFFLE_WIDTHS = {1: (144, 288, 576), 2: (200, 400, 800), 3: (240, 480, 960), 4: (272, 544, 1088),
                  8: (384, 768, 1536)}


def shufflenet_macs_by_hand(g: int) -> int:
    """conv1 (112x112), then per unit: grouped 1x1 on the input grid, 3x3 depthwise and grouped 1x1 on
    the output grid; a stride-2 unit's branch makes cout - cin channels. Stage 2's first 1x1 is not grouped."""
    macs, cin, grid = 112 * 112 * 27 * 24, 24, 56
    for stage, (cout, repeats) in enumerate(zip(SHUFFLE_WIDTHS[g], (4, 8, 4), strict=True)):
        for unit in range(repeats):
            mid, first = cout // 4, unit == 0
            branch = cout - cin if first else cout
            g1 = 1 if (first and stage == 0) else g
            out_grid = grid // 2 if first else grid
            macs += grid * grid * cin * mid // g1 + out_grid * out_grid * (9 * mid + mid * branch // g)
            cin, grid = cout, out_grid
    return macs + cin * 1000


@pytest.mark.parametrize(("g", "complexity"), [(1, 143), (2, 140), (3, 137), (4, 133), (8, 137)])
def test_shufflenet_v1_macs_are_table_1s_complexity(g: int, complexity: int) -> None:
    name = "shufflenet_v1" if g == 3 else f"shufflenet_v1_g{g}"
    assert conv_fc_macs(name) == shufflenet_macs_by_hand(g)
    assert abs(conv_fc_macs(name) / (complexity * 1e6) - 1) < 0.011  # Table 1, MFLOPs = multiply-adds
    assert 130e6 < conv_fc_macs(name) < 150e6  # "about 140 MFLOPs" for every g


def test_shufflenet_v1_shuffle_mixes_groups() -> None:
    """Channel shuffle with g = 3 on 6 channels: (0 1 | 2 3 | 4 5) -> (0 2 4 1 3 5)."""
    from archstat.models._mobile import channel_shuffle

    x = torch.arange(6.0).view(1, 6, 1, 1)
    assert channel_shuffle(x, 3).flatten().tolist() == [0, 2, 4, 1, 3, 5]
