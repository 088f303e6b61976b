"""``archstat diff``: rows matched by name, only the differing ones, deltas B - A pinned by hand."""

from __future__ import annotations

import json
from collections import OrderedDict

import pytest
from torch import nn
from typer.testing import CliRunner

from archstat import analyze, list_models
from archstat.analysis.diff import diff_reports, layer_config
from archstat.cli.app import app

runner = CliRunner()


def run_json(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def downsampling_block(stride_on_1x1: bool, extra: bool = False) -> nn.Sequential:
    """1x1 16->8 then 3x3 8->8 halving a 16x16 grid, the stride on the 1x1 (as ResNet v1) or on
    the 3x3 (as v1.5)."""
    layers = OrderedDict(
        reduce=nn.Conv2d(16, 8, 1, stride=2 if stride_on_1x1 else 1, bias=False),
        relu=nn.ReLU(),
        conv=nn.Conv2d(8, 8, 3, stride=1 if stride_on_1x1 else 2, padding=1, bias=False),
    )
    if extra:
        layers["expand"] = nn.Conv2d(8, 32, 1, bias=False)
    return nn.Sequential(layers)


def configs(module: nn.Module) -> dict[str, str]:
    return {name: layer_config(sub) for name, sub in module.named_modules()}


def test_moving_the_stride_shows_where_the_macs_come_from():
    v1, v15 = downsampling_block(True), downsampling_block(False)
    a, b = (analyze(m, input_size=(16, 16, 16), name=n) for m, n in ((v1, "v1"), (v15, "v1_5")))
    diff = diff_reports(a, b, configs(v1), configs(v15))
    rows = {row.name: row for row in diff.changed}
    assert set(rows) == {"reduce", "relu", "conv"}
    # the 1x1 now runs on the whole 16x16 grid, the 3x3 still produces 8x8
    assert rows["reduce"].delta("macs") == 16 * 8 * 16 * 16 - 16 * 8 * 8 * 8
    assert rows["conv"].delta("macs") == 0
    assert (rows["conv"].a.config, rows["conv"].b.config) == ("3x3 8->8", "3x3 8->8 stride 2")
    assert rows["relu"].a.output_shape == [1, 8, 8, 8]
    assert rows["relu"].b.output_shape == [1, 8, 16, 16]
    totals = diff.totals()
    assert totals["delta"]["macs"] == 16 * 8 * (16 * 16 - 8 * 8) and totals["delta"]["params"] == 0
    assert totals["changed"] == 3 and totals["only_a"] == totals["only_b"] == 0


def test_rows_present_in_one_model_only():
    plain, longer = downsampling_block(True), downsampling_block(True, extra=True)
    a, b = analyze(plain, input_size=(16, 16, 16)), analyze(longer, input_size=(16, 16, 16))
    diff = diff_reports(a, b)
    assert [(row.name, row.status) for row in diff.changed] == [("expand", "only_b")]
    assert diff.changed[0].delta("params") == 8 * 32
    assert diff.changed[0].delta("macs") == 8 * 32 * 8 * 8
    assert diff_reports(a, a).changed == []


def test_vgg16_bn_adds_one_batch_norm_per_convolution():
    data = run_json("diff", "vgg16", "vgg16_bn", "--input", "32")
    assert data["a"] == "vgg16" and data["b"] == "vgg16_bn"
    assert data["inputs"] == {"a": [1, 3, 32, 32], "b": [1, 3, 32, 32]}
    bns = [row for row in data["rows"] if row["status"] == "only_b"]
    assert len(bns) == 13 and all(row["b"]["type"] == "BatchNorm2d" for row in bns)
    widths = [64] * 2 + [128] * 2 + [256] * 3 + [512] * 6  # VGG-16's 13 convolutions
    # batch norm: a scale and a shift per channel
    assert data["totals"]["delta"]["params"] == sum(2 * w for w in widths)
    assert data["totals"]["delta"]["macs"] == sum(row["delta"]["macs"] for row in data["rows"])
    assert [row for row in data["rows"] if row["status"] == "changed"] == []


def test_alexnet_against_the_one_weird_trick_layout():
    data = run_json("diff", "alexnet", "alexnet_owt")
    assert data["inputs"]["a"] == [1, 3, 227, 227] and data["inputs"]["b"] == [1, 3, 224, 224]
    rows = {row["name"]: row for row in data["rows"]}
    assert rows["features.lrn1"]["status"] == rows["features.lrn2"]["status"] == "only_a"
    conv1 = rows["features.conv1.conv"]
    assert conv1["delta"]["params"] == (11 * 11 * 3 * 64 + 64) - (11 * 11 * 3 * 96 + 96)
    # the two-tower conv2 sees 48 of the 96 channels; the single tower sees all 64
    assert conv1["a"]["config"] == "11x11 3->96 stride 4"
    assert rows["features.conv2.conv"]["a"]["params"] == 5 * 5 * 48 * 256 + 256
    assert rows["features.conv2.conv"]["b"]["params"] == 5 * 5 * 64 * 192 + 192
    table = runner.invoke(app, ["diff", "alexnet", "alexnet_owt"]).stdout
    assert "own default input" in table and "227" in table


@pytest.mark.skipif(not {"resnet50", "resnet50_v1_5"} <= set(list_models()),
                    reason="ResNet-50 not registered")
def test_resnet50_v1_5_moves_the_stride_to_the_3x3():
    data = run_json("diff", "resnet50", "resnet50_v1_5", "--input", "64")
    rows = {row["name"]: row for row in data["rows"]}
    # 64x64 input: layer2..4 run on 16, 8, 4 before their first block halves the grid
    stages = (("layer2", 256, 128, 16), ("layer3", 512, 256, 8), ("layer4", 1024, 512, 4))
    for stage, cin, width, side in stages:
        conv1, conv2 = rows[f"{stage}.0.conv1"], rows[f"{stage}.0.conv2"]
        assert conv1["delta"]["macs"] == cin * width * (side * side - (side // 2) ** 2)
        assert conv2["delta"]["macs"] == 0 and conv2["b"]["config"].endswith("stride 2")
        assert conv1["a"]["config"].endswith("stride 2")
        assert not conv1["b"]["config"].endswith("stride 2")
    assert data["totals"]["delta"]["params"] == 0
    conv_delta = sum(row["delta"]["macs"] for name, row in rows.items() if "conv" in name)
    assert conv_delta == sum(cin * width * 3 * (side // 2) ** 2 for _, cin, width, side in stages)
    assert data["totals"]["delta"]["macs"] == sum(row["delta"]["macs"] for row in data["rows"])


def test_unknown_model_exits_2():
    result = runner.invoke(app, ["diff", "alexnet", "resnet5"])
    assert result.exit_code == 2 and "resnet50" in result.stderr
