"""The real Typer app, driven with CliRunner: exit codes and parsed output."""

import json

from typer.testing import CliRunner

from archstat.cli.app import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_table_json_has_the_documented_keys():
    result = run("table", "alexnet", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"] == "alexnet" and data["input"] == [1, 3, 227, 227]
    assert data["totals"]["flops"] == 2 * data["totals"]["macs"]
    first = data["layers"][0]
    assert {"name", "type", "output_shape", "params", "macs", "activations"} <= set(first)
    assert sum(layer["params"] for layer in data["layers"]) == data["totals"]["params"]


def test_table_in_a_terminal_states_its_units():
    result = run("table", "vgg11", "--input", "64")
    assert result.exit_code == 0
    assert "1 MAC" in result.stdout and "FLOPs = 2 x MACs" in result.stdout
    assert "1x3x64x64" in result.stdout


def test_depth_folds_modules():
    deep = json.loads(run("table", "vgg16", "-f", "json").stdout)["layers"]
    folded = json.loads(run("table", "vgg16", "-f", "json", "--depth", "1").stdout)["layers"]
    assert [layer["name"] for layer in folded] == ["features", "avgpool", "classifier"] or len(folded) < len(deep)
    assert sum(layer["params"] for layer in folded) == sum(layer["params"] for layer in deep)


def test_csv_and_markdown():
    csv = run("table", "lenet5", "-f", "csv").stdout.splitlines()
    assert csv[0].startswith("name,type,level")
    markdown = run("table", "lenet5", "-f", "markdown").stdout
    assert "| layer | type |" in markdown and "FLOPs = 2 x MACs" in markdown


def test_batch_scales_counts():
    one = json.loads(run("table", "lenet5", "-f", "json").stdout)["totals"]
    eight = json.loads(run("table", "lenet5", "-f", "json", "--batch", "8").stdout)["totals"]
    assert eight["macs"] == 8 * one["macs"] and eight["params"] == one["params"]


def test_unknown_model_is_one_line_with_suggestions():
    result = run("table", "resnet5")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line and "resnet50" in line and "archstat list" in line


def test_malformed_input_names_the_value():
    for bad in ("3x224", "abc", "0x224x224", "-3", "3x224x224x2"):
        result = run("table", "alexnet", "--input", bad)
        assert result.exit_code == 2, bad
        assert repr(bad) in result.stderr and "Traceback" not in result.output


def test_list_json():
    data = json.loads(run("list", "--format", "json").stdout)
    assert {"name", "family", "year", "paper", "input_size"} <= set(data[0])
    assert any(row["name"] == "alexnet" for row in data)


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("archstat ")


def test_rf_reports_published_alexnet_and_vgg16_fields():
    # Araujo et al. 2019 (Distill), Table 1: AlexNet pool5 195 px / stride 32, VGG-16 pool5 212 / 32.
    for model, field in (("alexnet", 195), ("vgg16", 212)):
        data = json.loads(run("rf", model, "-f", "json").stdout)
        pool5 = next(layer for layer in data["layers"] if layer["name"].endswith("pool5"))
        assert pool5["receptive_field"] == [field, field] and pool5["effective_stride"] == [32, 32]
        assert data["totals"]["receptive_field"] == [field, field]


def test_table_json_carries_fields_and_depth():
    data = json.loads(run("table", "vgg16", "-f", "json").stdout)
    assert data["totals"]["depth"] == 16  # 13 conv + 3 fc, the paper's count
    assert data["totals"]["receptive_field"] == [212, 212]
    fc = next(layer for layer in data["layers"] if layer["name"] == "classifier.fc")
    assert fc["receptive_field"] is None and fc["depth"] == 16
    assert data["layers"][0]["receptive_field"] == [3, 3]


def test_rf_table_ends_with_the_final_field():
    result = run("rf", "resnet18", "--input", "64")
    assert result.exit_code == 0
    assert "depth 18 weight layers" in result.stdout


def test_click_usage_errors_are_one_line_too():
    for args, needle in ((["table", "alexnet", "--format", "xml"], "'xml'"), (["table"], "Missing argument"),
                         (["nosuchcmd"], "nosuchcmd"), (["table", "alexnet", "--batch", "x"], "'--batch'")):
        result = run(*args)
        assert result.exit_code == 2, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0] and "--help" in lines[0], result.stderr
