"""`archstat separable`, ShuffleNet's unit in `archstat cardinality` and `archstat factorize --depthwise`,
through the command line, against arithmetic written out here and against zoo layers holding the same
blocks. Weights leave biases out; one fused multiply-add = 1 MAC."""

from __future__ import annotations

import json

import pytest
import torch
from typer.testing import CliRunner

from archstat.cli.app import app
from archstat.design import calculators as design
from archstat.design import mobile_blocks

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def run_json(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def separable(cin: int, cout: int, *extra: str) -> dict:
    return run_json("separable", "--in", str(cin), "--out", str(cout), *extra)


# ----------------------------------------------------------------------------- separable


def test_the_four_forms_by_hand():
    """32 -> 64 channels, 3x3, 56x56, t = 6, squeeze 64 / 8 = 8, expand 32 + 32."""
    data = separable(32, 64, "--k", "3", "--size", "56", "--t", "6")
    weights = {
        "standard": 3 * 3 * 32 * 64,  # 18,432
        "separable": 3 * 3 * 32 + 32 * 64,  # depthwise: one 3x3 filter per input channel; pointwise
        "inverted_residual": 32 * 192 + 3 * 3 * 192 + 192 * 64,  # 1x1 to 6 x 32, depthwise, linear 1x1
        "fire": 32 * 8 + 8 * 32 + 3 * 3 * 8 * 32,  # squeeze, then 1x1 and 3x3 expands side by side
    }
    assert weights == {"standard": 18_432, "separable": 2_336, "inverted_residual": 20_160, "fire": 2_816}
    biases = {"standard": 64, "separable": 32 + 64, "inverted_residual": 192 + 192 + 64, "fire": 8 + 32 + 32}
    for key, count in weights.items():
        assert data[key]["params"] == count
        assert data[key]["params_with_bias"] == count + biases[key]
        assert data[key]["macs"] == count * 56 * 56  # stride 1, same padding: each weight once per position
        assert data[key]["output_shape"] == [64, 56, 56]
        assert data[key]["receptive_field"] == [3, 3]
    assert data["fire"]["engine"] == "fvcore"
    assert data["ratios"]["separable"]["macs"] == pytest.approx(18_432 / 2_336)


def test_standard_over_separable_is_the_inverse_of_one_over_n_plus_one_over_k_squared():
    """MobileNet Section 3.1: separable / standard = 1/N + 1/k^2. N = 64, k = 3: 1/(1/64 + 1/9) = 576/73."""
    data = separable(32, 64)
    assert data["predicted_separable_ratio"] == pytest.approx(576 / 73)
    assert data["ratios"]["separable"]["params"] == pytest.approx(576 / 73)
    assert data["ratios"]["separable"]["macs"] == pytest.approx(576 / 73)
    # 5x5 and N = 100: 1 / (1/100 + 1/25) = 20
    assert separable(16, 100, "--k", "5", "--size", "20")["ratios"]["separable"]["macs"] == pytest.approx(20)


def test_mobilenets_8_to_9_times_at_its_widths():
    """MobileNet's 14x14x512 layers: 1 / (1/512 + 1/9) = 4608/521 = 8.84, "between 8 to 9 times"."""
    data = separable(512, 512, "--size", "14")
    ratio = data["ratios"]["separable"]["macs"]
    assert ratio == pytest.approx(4608 / 521) and 8 < ratio < 9
    assert data["separable"]["macs"] == (9 * 512 + 512 * 512) * 14 * 14
    text = run("separable", "--in", "512", "--out", "512", "--size", "14").stdout
    assert "8.845x" in text


def test_a_depthwise_layer_costs_one_mac_per_tap_per_output_element():
    """No sum over input channels: a 3x3 depthwise layer over 32 channels at 56x56 costs 9 x 32 x 56^2."""
    block = mobile_blocks.depthwise_separable(32, 64, 3)
    form = design.Form("dw", "", "", lambda bias: block.depthwise)
    assert design.count_form(form, (32, 56, 56)).macs == 9 * 32 * 56 * 56 == 903_168
    assert design.count_form(form, (32, 56, 56), "meta").macs == 903_168


def test_inverted_residual_adds_the_input_only_when_widths_match():
    assert mobile_blocks.InvertedResidual(24, 24, 3, 6).residual
    assert not mobile_blocks.InvertedResidual(24, 32, 3, 6).residual
    data = separable(24, 24, "--size", "8", "--t", "6")
    assert "+ input" in data["inverted_residual"]["layers"]
    assert data["inverted_residual"]["params"] == 24 * 144 + 9 * 144 + 144 * 24


def test_squeeze_option_and_odd_outputs():
    data = separable(32, 65, "--squeeze", "16", "--size", "7")
    assert data["fire"]["params"] == 32 * 16 + 16 * 32 + 9 * 16 * 33  # 65 = 32 (1x1) + 33 (3x3)
    assert data["fire"]["output_shape"] == [65, 7, 7]
    assert data["fire_widths"] == {"squeeze": 16, "expand1x1": 32, "expand_kxk": 33}
    assert separable(32, 64)["fire_widths"]["squeeze"] == 64 // 8  # SqueezeNet's squeeze ratio 0.125


def test_hw_is_an_alias_of_size():
    assert separable(8, 16, "--hw", "10")["input"] == [8, 10, 10]


@pytest.mark.parametrize("form", [
    design.Form("separable", "", "", lambda bias: mobile_blocks.depthwise_separable(24, 40, 5, bias=bias)),
    design.Form("inverted", "", "", lambda bias: mobile_blocks.InvertedResidual(24, 24, 3, 6, bias=bias)),
    design.Form("fire", "", "", lambda bias: mobile_blocks.Fire(24, 6, 16, 16, bias=bias)),
    design.Form("shuffle", "", "", lambda bias: mobile_blocks.ShuffleUnit(48, 12, 4, bias=bias)),
])
def test_meta_engine_agrees_with_fvcore(form):
    shape = (24 if form.key != "shuffle" else 48, 12, 12)
    fvcore, meta = design.count_form(form, shape, "fvcore"), design.count_form(form, shape, "meta")
    for key in ("params", "params_with_bias", "macs", "output_shape", "receptive_field"):
        assert getattr(fvcore, key) == getattr(meta, key), key


# ----------------------------------------------------------------------------- cardinality, factorize


def test_cardinality_shows_shufflenets_unit():
    """256 channels, bottleneck 256 / 4 = 64, g = 8: 256·64/8 + 9·64 + 64·256/8 = 4,672 weights."""
    data = run_json("cardinality")
    shuffle = data["shuffle"]
    assert shuffle["params"] == 256 * 64 // 8 + 9 * 64 + 64 * 256 // 8 == 4_672
    assert shuffle["macs"] == 4_672 * 56 * 56
    assert shuffle["output_shape"] == [256, 56, 56] and shuffle["receptive_field"] == [3, 3]
    assert data["savings"]["shuffle"]["params"] == pytest.approx(1 - 4_672 / 69_632)
    assert data["forms_agree"]
    assert "ShuffleNet unit, g = 8: 93.3% fewer weights" in run("cardinality").stdout


def test_cardinality_shuffle_groups():
    data = run_json("cardinality", "--shuffle-groups", "2")
    assert data["shuffle"]["params"] == 256 * 64 // 2 + 9 * 64 + 64 * 256 // 2
    left_out = run_json("cardinality", "--width", "24", "--groups", "2", "--group-width", "2")
    assert "shuffle" not in left_out and any("left out" in note for note in left_out["notes"])


def test_channel_shuffle_interleaves_groups():
    x = torch.arange(6.0).view(1, 6, 1, 1)
    assert mobile_blocks.Shuffle(3)(x).flatten().tolist() == [0, 2, 4, 1, 3, 5]


def test_factorize_depthwise():
    c, hw = 192, 17
    data = run_json("factorize", "--k", "7", "--channels", str(c), "--depthwise")
    assert data["depthwise_separable"]["params"] == 49 * c + c * c == 46_272
    assert data["depthwise_separable"]["macs"] == 46_272 * hw * hw
    assert data["depthwise_separable"]["receptive_field"] == [7, 7]
    assert "depthwise_separable" not in run_json("factorize", "--k", "7", "--channels", str(c))


# ----------------------------------------------------------------------------- bad values


@pytest.mark.parametrize("args, named", [
    (["separable", "--in", "0", "--out", "8"], "--in 0"),
    (["separable", "--in", "8", "--out", "1"], "--out 1"),
    (["separable", "--in", "8", "--out", "8", "--t", "0"], "--t 0"),
    (["separable", "--in", "8", "--out", "8", "--k", "9", "--size", "5"], "--k 9"),
    (["separable", "--in", "8", "--out", "8", "--squeeze", "-1"], "--squeeze -1"),
    (["separable", "--in", "100000", "--out", "8", "--t", "64"], "--t 64"),
    (["cardinality", "--shuffle-groups", "3"], "--shuffle-groups 3"),
])
def test_bad_values_are_one_line_and_exit_2(args, named):
    result = run(*args)
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert "\n" not in line and named in line and "give" in line


def test_the_page_shows_what_the_commands_print():
    """docs/separable.md's tables are the commands' markdown as printed."""
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "docs" / "separable.md").read_text()
    for command in ("separable --in 32 --out 64 --k 3 --size 56", "separable --in 512 --out 512 --size 14",
                    "cardinality --shuffle-groups 8", "factorize --k 7 --channels 192 --depthwise"):
        printed = run(*command.split(), "--format", "markdown").stdout
        assert f"$ archstat {command} --format markdown\n```\n\n{printed}" in page, command
