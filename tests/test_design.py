"""The design calculators (bottleneck, factorize, cardinality) against arithmetic written out here,
against the per-layer tables of zoo models holding the same blocks, and engine against engine."""

from __future__ import annotations

import json
import resource

import pytest
from typer.testing import CliRunner

from archstat.cli.app import app
from archstat.design import blocks
from archstat.design import calculators as design
from archstat.design.comparison import in_words

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def run_json(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def bottleneck(cin: int, mid: int, cout: int, k: int, *extra: str) -> dict:
    return run_json("bottleneck", "--in", str(cin), "--mid", str(mid), "--out", str(cout),
                    "--k", str(k), *extra)


# ----------------------------------------------------------------------------- bottleneck


def test_bottleneck_prints_the_documents_example():
    """CNN演化史: 100x100x56 input, 125 5x5 filters: 175,000 weights; 28 1x1 first: 89,068."""
    result = run("bottleneck", "--in", "56", "--mid", "28", "--out", "125", "--k", "5")
    assert result.exit_code == 0, result.output
    for text in ("175,000", "89,068", "almost half"):
        assert text in result.stdout


def test_bottleneck_json_matches_the_hand_arithmetic():
    data = bottleneck(56, 28, 125, 5)
    direct, reduced = data["direct"], data["bottleneck"]
    assert direct["params"] == 5 * 5 * 56 * 125 == 175_000
    assert reduced["params"] == 56 * 1 * 1 * 28 + 28 * 5 * 5 * 125 == 89_068
    assert direct["params_with_bias"] == 175_000 + 125
    assert reduced["params_with_bias"] == 89_068 + 28 + 125
    # stride 1, padding 2: every weight is used once at each of the 100 x 100 output positions
    assert direct["macs"] == 5 * 5 * 56 * 125 * 100 * 100
    assert reduced["macs"] == (56 * 28 + 28 * 5 * 5 * 125) * 100 * 100
    assert direct["output_shape"] == reduced["output_shape"] == [125, 100, 100]
    assert data["savings"]["params"] == pytest.approx(1 - 89_068 / 175_000)
    assert data["savings"]["macs"] == pytest.approx(1 - 89_068 / 175_000)
    assert direct["receptive_field"] == reduced["receptive_field"] == [5, 5]


def test_bottleneck_stride_sits_on_the_large_convolution():
    data = bottleneck(64, 16, 32, 3, "--hw", "20", "--stride", "2")
    side = (20 + 2 * 1 - 3) // 2 + 1  # = 10
    assert data["direct"]["output_shape"] == data["bottleneck"]["output_shape"] == [32, side, side]
    assert data["direct"]["macs"] == 3 * 3 * 64 * 32 * side * side
    assert data["bottleneck"]["macs"] == 64 * 16 * 20 * 20 + 3 * 3 * 16 * 32 * side * side


def _table_rows(model: str, *args: str) -> dict[str, dict]:
    return {row["name"]: row for row in run_json("table", model, *args)["layers"]}


def test_bottleneck_equals_table_on_googlenets_5x5_branch():
    """GoogLeNet's inception (3a) 5x5 branch is this block, with biases: 192 -> 16 (1x1) -> 32
    (5x5) on a 28x28 grid."""
    rows = _table_rows("googlenet")
    branch = [rows["inception3a.branch5x5.0.conv"], rows["inception3a.branch5x5.1.conv"]]
    data = bottleneck(192, 16, 32, 5, "--hw", "28")["bottleneck"]
    assert data["params_with_bias"] == sum(r["params"] for r in branch)
    assert data["params_with_bias"] == (192 * 16 + 16) + (16 * 5 * 5 * 32 + 32)
    assert data["macs"] == sum(r["macs"] for r in branch)
    assert data["macs"] == (192 * 16 + 16 * 5 * 5 * 32) * 28 * 28
    assert data["output_shape"] == branch[1]["output_shape"][1:]


def test_bottleneck_direct_equals_table_on_a_vgg_layer():
    """VGG-11's conv2_1 is a direct 3x3 convolution 64 -> 128; at a 32x32 input it runs on 16x16."""
    row = _table_rows("vgg11", "--input", "32")["features.conv2_1.conv"]
    data = bottleneck(64, 32, 128, 3, "--hw", "16")["direct"]
    assert data["params_with_bias"] == row["params"] == 3 * 3 * 64 * 128 + 128
    assert data["macs"] == row["macs"] == 3 * 3 * 64 * 128 * 16 * 16


def _in_shape(form: design.Form) -> tuple[int, int, int]:
    first = next(m for m in form.build(False).modules() if hasattr(m, "in_channels"))
    return (first.in_channels, 24, 24)


@pytest.mark.parametrize("form", [
    design.Form("reduced", "", "", lambda bias: blocks.reduced(96, 24, 80, 5, stride=2, bias=bias)),
    design.Form("grouped", "", "", lambda bias: blocks.ResidualBottleneck(64, 32, 8, bias=bias)),
    design.Form("concat", "", "", lambda bias: blocks.SplitConcat(32, 4, 4, bias=bias)),
    design.Form("sum", "", "", lambda bias: blocks.SplitTransformSum(32, 4, 4, bias=bias)),
    design.Form("asymmetric", "", "", lambda bias: blocks.asymmetric(48, 7, bias=bias)),
])
def test_meta_engine_agrees_with_fvcore(form):
    shape = _in_shape(form)
    fvcore, meta = design.count_form(form, shape, "fvcore"), design.count_form(form, shape, "meta")
    assert (fvcore.engine, meta.engine) == ("fvcore", "meta")
    for key in ("params", "params_with_bias", "macs", "output_shape", "receptive_field"):
        assert getattr(fvcore, key) == getattr(meta, key), key


def test_huge_channel_counts_use_the_meta_device_and_no_memory():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    data = bottleneck(100_000, 50_000, 100_000, 5)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert data["direct"]["engine"] == data["bottleneck"]["engine"] == "meta"
    assert data["direct"]["params"] == 5 * 5 * 100_000 * 100_000  # 1 TB of float32, never allocated
    assert data["bottleneck"]["macs"] == (100_000 * 50_000 + 50_000 * 25 * 100_000) * 100 * 100
    assert grown_kb < 300_000


# ----------------------------------------------------------------------------- factorize


def test_factorize_7x7():
    c, hw = 32, 17
    data = run_json("factorize", "--k", "7", "--channels", str(c))
    assert data["direct"]["params"] == 7 * 7 * c * c
    assert data["stack_3x3"]["params"] == 3 * (3 * 3 * c * c)  # three 3x3 have fewer than one 7x7
    assert data["asymmetric"]["params"] == 1 * 7 * c * c + 7 * 1 * c * c  # 1x7 + 7x1 saves more
    assert data["stack_3x3"]["params_with_bias"] == 3 * (3 * 3 * c * c + c)
    assert data["asymmetric"]["params_with_bias"] == 2 * (7 * c * c + c)
    for key in ("direct", "stack_3x3", "asymmetric"):
        assert data[key]["macs"] == data[key]["params"] * hw * hw  # stride 1, same padding
        assert data[key]["receptive_field"] == [7, 7]
        assert data[key]["output_shape"] == [c, hw, hw]
    assert data["savings"]["stack_3x3"]["params"] == pytest.approx(1 - 27 / 49)
    assert data["savings"]["asymmetric"]["params"] == pytest.approx(1 - 14 / 49)


def test_factorize_3x3_saves_a_third():
    data = run_json("factorize", "--k", "3", "--channels", "16", "--hw", "8")
    assert "stack_3x3" not in data
    assert data["direct"]["params"] == 9 * 16 * 16 and data["asymmetric"]["params"] == 6 * 16 * 16
    assert data["savings"]["asymmetric"]["params"] == pytest.approx(1 / 3)
    assert data["asymmetric"]["receptive_field"] == [3, 3]
    assert "33.3%" in run("factorize", "--k", "3", "--channels", "16", "--hw", "8").stdout


def test_factorize_5x5_is_two_3x3():
    stack = run_json("factorize", "--k", "5", "--channels", "8", "--hw", "9")["stack_3x3"]
    assert stack["params"] == 2 * 9 * 8 * 8 and stack["receptive_field"] == [5, 5]


# ----------------------------------------------------------------------------- cardinality


def test_cardinality_three_forms_are_equal():
    """ResNeXt, Fig. 3: 32 paths of width 4 on 256 channels hold ~70k weights, as does ResNet's
    256-64-64-256 bottleneck."""
    hw = 8
    data = run_json("cardinality", "--width", "256", "--groups", "32", "--group-width", "4",
                    "--hw", str(hw))
    resnext = 32 * (256 * 4 + 3 * 3 * 4 * 4 + 4 * 256)
    assert resnext == 70_144
    for key in ("split_transform_sum", "concatenation", "grouped"):
        assert data[key]["params"] == resnext
        assert data[key]["macs"] == resnext * hw * hw
        assert data[key]["output_shape"] == [256, hw, hw]
    assert data["forms_agree"] is True
    assert data["resnet_bottleneck"]["params"] == 256 * 64 + 3 * 3 * 64 * 64 + 64 * 256 == 69_632
    assert data["resnet_bottleneck"]["macs"] == 69_632 * hw * hw
    # a bias per output channel of every convolution: form (a) has 32 copies of the last 256
    assert data["split_transform_sum"]["params_with_bias"] == resnext + 32 * (4 + 4 + 256)
    assert data["concatenation"]["params_with_bias"] == resnext + 32 * (4 + 4) + 256
    assert data["grouped"]["params_with_bias"] == resnext + 128 + 128 + 256


def test_resnet_width_is_the_papers_64():
    assert design.resnet_width(256, 70_144) == 64
    assert design.resnet_width(256, 69_632) == 64  # its own count maps back to itself


def test_cardinality_resnet_width_option():
    data = run_json("cardinality", "--groups", "2", "--group-width", "8", "--width", "32",
                    "--hw", "4", "--resnet-width", "10")
    assert data["resnet_bottleneck"]["params"] == 32 * 10 + 9 * 10 * 10 + 10 * 32
    # the grouped 3x3 (16 channels in 2 groups) sees 8 input channels per output channel
    assert data["grouped"]["params"] == 32 * 16 + 9 * 16 * 8 + 16 * 32


# ----------------------------------------------------------------------------- validation, words

BOTTLENECK = ["bottleneck", "--in", "56", "--mid", "28", "--out", "125", "--k", "5"]


@pytest.mark.parametrize("args, named", [
    (["bottleneck", "--in", "0", "--mid", "1", "--out", "8", "--k", "3"], "--in 0"),
    (["bottleneck", "--in", "56", "--mid", "-4", "--out", "8", "--k", "3"], "--mid -4"),
    (["bottleneck", "--in", "56", "--mid", "56", "--out", "125", "--k", "5"], "--mid 56"),
    (["bottleneck", "--in", "56", "--mid", "60", "--out", "125", "--k", "5"], "--mid 60"),
    ([*BOTTLENECK, "--in", "9999999"], "--in 9,999,999"),
    ([*BOTTLENECK, "--k", "11", "--hw", "10"], "--k 11"),
    ([*BOTTLENECK, "--stride", "0"], "--stride 0"),
    (["factorize", "--k", "4", "--channels", "8"], "--k 4"),
    (["factorize", "--k", "7", "--channels", "0"], "--channels 0"),
    (["factorize", "--k", "7", "--channels", "8", "--hw", "5"], "--k 7"),
    (["cardinality", "--groups", "0"], "--groups 0"),
    (["cardinality", "--groups", "100000"], "--groups 100,000"),
    (["cardinality", "--hw", "2"], "--hw 2"),
])
def test_bad_values_are_one_line_and_exit_2(args, named):
    result = run(*args)
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line and named in line and "give" in line


def test_non_integer_channels_are_refused_by_the_parser():
    assert run("bottleneck", "--in", "2.5", "--mid", "1", "--out", "8", "--k", "3").exit_code == 2


@pytest.mark.parametrize("fraction, words", [
    (1 - 89_068 / 175_000, "almost half"), (1 / 3, "a third"), (1 - 18 / 25, "just over a quarter"),
    (1 - 14 / 49, "almost three quarters"), (0.9, "90.0%"), (0.502, "about half"),
])
def test_in_words(fraction, words):
    assert in_words(fraction) == words


def test_machine_formats():
    args = ("factorize", "--k", "5", "--channels", "4", "--hw", "6")
    csv = run(*args, "-f", "csv").stdout.splitlines()
    assert csv[0].startswith("key,label,layers,params,params_with_bias,macs") and len(csv) == 4
    markdown = run(*args, "-f", "markdown").stdout
    assert "| form | layers |" in markdown and "FLOPs = 2 x MACs" in markdown
    assert "\x1b" not in markdown


def test_the_library_answer_shows_what_the_command_prints():
    """A calculator's answer describes itself once: its markdown (a notebook's display) is the command's,
    and its numbers are the tutorial's 175,000 and 89,068 weights."""
    comparison = design.bottleneck(56, 28, 125, 5)
    printed = run("bottleneck", "--in", "56", "--mid", "28", "--out", "125", "--k", "5", "-f", "markdown").stdout
    assert comparison.to_markdown() == comparison._repr_markdown_() == printed
    assert "| direct 5x5 | 5x5 conv 56->125 | 125x100x100 | 175,000 |" in printed
    assert "| 89,068 |" in printed and "\n" not in repr(comparison)
