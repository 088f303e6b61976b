"""`archstat compare`: values, ratios to the first model, sentences, per-model inputs."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import archstat
from archstat.cli.app import app

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures"
LENET = str(FIXTURES / "lenet_like.py") + ":Net"


def run(*args: str):
    return runner.invoke(app, ["compare", *args])


def compare_json(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def needs(*names: str) -> None:
    missing = [n for n in names if n not in archstat.list_models()]
    if missing:
        pytest.skip(f"not registered yet: {', '.join(missing)}")


def test_vgg16_vs_alexnet_params():
    data = compare_json("vgg16", "alexnet", "--metric", "params")
    vgg, alex = data["models"]
    assert data["metric"] == "params" and vgg["model"] == "vgg16" and alex["model"] == "alexnet"
    assert vgg["ratio"] == 1
    assert alex["ratio"] == pytest.approx(alex["value"] / vgg["value"])
    # source 000 says VGG-16 has "about 3x" AlexNet's parameters; counted, it is 2.27x
    assert 2.2 < vgg["value"] / alex["value"] < 2.3
    text = run("vgg16", "alexnet", "--metric", "params").stdout
    assert "alexnet has 0.44x the params of vgg16 (1/2.27)." in text


def test_vgg16_vs_googlenet_params():
    needs("googlenet")
    data = compare_json("vgg16", "googlenet", "--metric", "params")
    ratio = data["models"][1]["ratio"]
    # source 000: "Inception's parameters are about 1/20 of VGG's"
    assert 1 / 22 < ratio < 1 / 18
    text = run("vgg16", "googlenet", "--metric", "params").stdout
    assert f"googlenet has {ratio:.2g}x the params of vgg16 (1/{1 / ratio:.3g})." in text


def test_per_model_input_and_global_input():
    data = compare_json("vgg11", "vgg11@3x112x112", "--metric", "macs", "--input", "224")
    first, second = data["models"]
    assert first["input"] == [[1, 3, 224, 224]] and second["input"] == [[1, 3, 112, 112]]
    # convolutions cost a quarter at half the side; the classifier after the adaptive pool does not shrink
    assert second["model"] == "vgg11@3x112x112" and 0.25 < second["ratio"] < 0.35


def test_all_metrics_side_by_side():
    data = compare_json(LENET + "@128", "lenet5", "--batch", "2")
    assert data["metrics"] == ["params", "macs", "flops", "activations", "depth", "receptive_field", "memory"]
    net, lenet5 = data["models"]
    assert net["model"] == "lenet_like.py:Net@128" and net["values"]["params"] == 90_602
    assert net["values"]["flops"] == 2 * net["values"]["macs"]
    for metric, value in lenet5["values"].items():
        if value is not None:
            assert lenet5["ratios"][metric] == pytest.approx(value / net["values"][metric])
    text = run(LENET + "@128", "lenet5").stdout
    assert "inference memory" in text and ("MiB" in text or "KiB" in text)


def test_memory_metric_is_the_inference_estimate():
    from archstat.analysis.memory import estimate_memory

    data = compare_json("lenet5", "alexnet", "--metric", "memory", "--batch", "4")
    for row in data["models"]:
        assert row["value"] == estimate_memory(row["model"], batch=4).totals["inference"]
    assert "bytes" in data["unit"]


@pytest.mark.parametrize("metric", ["depth", "receptive_field"])
def test_depth_and_receptive_field(metric):
    totals = archstat.analyze("vgg16", input_size=(3, 32, 32)).totals
    if metric not in totals:
        pytest.skip(f"the engine does not report totals['{metric}'] yet")
    data = compare_json("vgg11", "vgg16", "--metric", metric, "--input", "224")
    vgg11, vgg16 = data["models"]
    if metric == "depth":  # the paper's Table 1: configuration A has 11 weight layers, D 16
        assert (vgg11["value"], vgg16["value"]) == (11, 16)
        assert vgg16["ratio"] == pytest.approx(16 / 11)
    else:  # compared on the field's height
        assert vgg16["value"] == vgg16["receptive_field"][0] and vgg16["ratio"] > 1


def test_formats_and_errors():
    csv = run("vgg16", "alexnet", "--metric", "params", "--format", "csv").stdout.splitlines()
    assert csv[0] == "model,input,value,ratio" and csv[1].startswith("vgg16,")
    markdown = run("vgg16", "alexnet", "--metric", "params", "--format", "markdown").stdout
    assert "| model |" in markdown and "- alexnet has 0.44x" in markdown
    result = run("vgg16")
    assert result.exit_code == 2 and "at least two models" in result.stderr
    result = run("vgg16", "alexnet", "--metric", "speed")
    assert result.exit_code == 2


CORPUS = "tests/user_corpus.py"


def test_memory_metric_feeds_the_forward_kwargs():
    """The keyword mask reaches the memory estimate: its value is estimate_memory's with the same kwargs."""
    from archstat.analysis.memory import estimate_memory

    kwargs = '{"mask": "3x4:bool", "scale": 0.5}'
    data = compare_json(f"{CORPUS}:keyword_inputs", f"{CORPUS}:keyword_inputs", "--input", "3x4", "--metric", "memory",
                        "--forward-kwargs", kwargs)
    fed = estimate_memory(f"{CORPUS}:keyword_inputs", input_size="3x4", forward_kwargs=json.loads(kwargs))
    plain = estimate_memory(f"{CORPUS}:keyword_inputs", input_size="3x4")
    assert [row["value"] for row in data["models"]] == [fed.totals["inference"]] * 2
    assert fed.totals["inference"] != plain.totals["inference"] and fed.input_shape == [(1, 3, 4), (1, 3, 4)]


def test_a_models_own_input_takes_a_dtype():
    """embedding: Embedding(20, 6) on 5 int64 ids, then Linear(5 x 6, 2): 5 * 6 * 2 = 60 MACs (a lookup is none)."""
    from archstat.analysis.compare import split_input

    assert split_input("bert@128:int64") == ("bert", "128:int64")
    assert split_input(f"{CORPUS}:embedding@5:int64") == (f"{CORPUS}:embedding", "5:int64")
    data = compare_json(f"{CORPUS}:embedding@5:int64", f"{CORPUS}:embedding@5:int32", "--metric", "macs")
    assert [row["value"] for row in data["models"]] == [5 * 6 * 2] * 2
    bad = run(f"{CORPUS}:embedding@5:int65", "lenet5", "--metric", "macs")
    assert bad.exit_code == 2 and "'int65' is not one of" in bad.output and "int64" in bad.output
