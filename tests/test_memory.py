"""Memory estimates against hand arithmetic and against a measurement on real tensors (a second method)."""

import json
from pathlib import Path

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from archstat.analysis.memory import estimate_memory
from archstat.cli.app import app
from archstat.errors import UsageError

FP32 = 4
runner = CliRunner()
LENET = str(Path(__file__).parent / "fixtures" / "lenet_like.py") + ":Net"


def memory_json(*args: str) -> dict:
    result = runner.invoke(app, ["memory", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def tiny() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(inplace=True), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))


def test_tiny_net_by_hand():
    n = 2
    report = estimate_memory(tiny(), input_size=(3, 8, 8), batch=n, optimizer="adam")
    t = report.totals
    params = (3 * 3 * 3 * 4 + 4) + (4 * 6 * 6 * 2 + 2)
    assert t["weights"] == params * FP32
    assert t["gradients"] == params * FP32
    assert t["optimizer_state"] == 2 * params * FP32  # Adam: two moments per parameter
    # conv keeps its input; the in-place ReLU keeps its output (= conv's output); linear's input is a
    # view of that same tensor, so it is not counted again
    assert t["saved_activations"] == n * (3 * 8 * 8 + 4 * 6 * 6) * FP32
    assert t["training"] == t["weights"] + t["gradients"] + t["optimizer_state"] + t["saved_activations"]
    rows = report.layers.set_index("name")
    assert rows.loc["(input)", "saved_activations"] == n * 3 * 8 * 8 * FP32
    assert rows.loc["0", "saved_activations"] == n * 4 * 6 * 6 * FP32  # charged to the conv that produced it


def test_inference_peak_by_hand():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
    report = estimate_memory(model, input_size=(3, 16, 16))
    image, feature_map = 3 * 16 * 16 * FP32, 8 * 16 * 16 * FP32
    # at each layer the input image, the layer's input and its output are alive; the map before is freed
    assert report.totals["inference_activations"] == image + 2 * feature_map
    assert report.totals["inference"] == report.totals["weights"] + image + 2 * feature_map


def measured_saved_bytes(model: nn.Module, x: torch.Tensor) -> int:
    """Second method: a real forward on CPU; saved tensors deduplicated by their storage's address."""
    weights = {t.untyped_storage().data_ptr() for t in (*model.parameters(), *model.buffers())}
    storages: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weights:
            storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        output = model(x)
    del output
    return sum(storages.values())


def measured_net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
        nn.Dropout(0.5), nn.Linear(16 * 2 * 2, 10),
    )


@pytest.mark.parametrize("batch", [1, 4])
def test_saved_activations_match_a_real_measurement(batch):
    torch.manual_seed(0)
    model = measured_net()
    expected = measured_saved_bytes(model, torch.randn(batch, 3, 16, 16))
    report = estimate_memory(model, input_size=(3, 16, 16), batch=batch)
    assert report.totals["saved_activations"] == expected
    assert not any(p.is_meta for p in model.parameters())  # the caller's model is untouched


def test_frozen_layers_save_nothing_for_backward():
    n = 2
    report = estimate_memory(tiny(), input_size=(3, 8, 8), batch=n, train=["3"])
    t = report.totals
    assert t["trainable_params"] == 4 * 6 * 6 * 2 + 2
    assert t["gradients"] == t["trainable_params"] * FP32
    # only the trainable linear layer needs its input (the conv's output) for its weight gradient
    assert t["saved_activations"] == n * 4 * 6 * 6 * FP32
    assert t["weights"] == ((3 * 3 * 3 * 4 + 4) + (4 * 6 * 6 * 2 + 2)) * FP32


def test_half_precision_halves_floats_but_not_pooling_indices():
    model = nn.Sequential(nn.Conv2d(1, 2, 1), nn.MaxPool2d(2))
    t = estimate_memory(model, input_size=(1, 4, 4), dtype="fp16").totals
    assert t["weights"] == (1 * 2 + 2) * 2
    # input 1x4x4 kept by the conv (2 bytes each); pooling keeps its input 2x4x4 and int64 indices 2x2x2
    assert t["saved_activations"] == 1 * 4 * 4 * 2 + 2 * 4 * 4 * 2 + 2 * 2 * 2 * 8


def test_vgg16_batch_32_early_layers_hold_most_activation_memory():
    data = memory_json("vgg16", "--batch", "32")
    t, n = data["totals"], 32
    layers = {row["name"]: row for row in data["layers"]}
    assert t["weights"] == 138_357_544 * FP32  # VGG-16's parameters, Table 2 of the paper (138M)
    assert layers["(input)"]["saved_activations"] == n * 3 * 224 * 224 * FP32
    assert layers["features.conv1_1.conv"]["saved_activations"] == n * 64 * 224 * 224 * FP32
    # pool1 keeps its output (fp32) and its argmax indices (int64) for the backward pass
    assert layers["features.pool1"]["saved_activations"] == n * 64 * 112 * 112 * (FP32 + 8)
    # inference peaks at conv1_2: the image, conv1_1's output and conv1_2's output are alive
    assert t["inference_activations"] == n * (3 + 64 + 64) * 224 * 224 * FP32
    early = sum(row["saved_activations"] for name, row in layers.items()
                if name == "(input)" or name.startswith(("features.conv1", "features.pool1", "features.conv2",
                                                         "features.pool2")))
    assert early / t["saved_activations"] > 0.7  # the documents' claim: the first layers dominate


def test_memory_command_text_and_user_models():
    args = ["memory", LENET, "--input", "128", "--optimizer", "momentum", "--train", "fc*"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Training:" in result.stdout and "Inference:" in result.stdout and "MiB" in result.stdout
    data = memory_json(LENET, "--input", "128", "--optimizer", "momentum", "--train", "fc*")
    assert data["totals"]["optimizer_state"] == (32 * 16 + 16 + 16 * 2 + 2) * FP32  # one momentum buffer
    folded = memory_json("vgg16", "--depth", "1")
    assert {row["name"] for row in folded["layers"]} >= {"(input)", "features", "classifier"}
    assert sum(r["saved_activations"] for r in folded["layers"]) == folded["totals"]["saved_activations"]


def test_bad_choices():
    with pytest.raises(UsageError):
        estimate_memory(tiny(), input_size=(3, 8, 8), dtype="fp8")
    with pytest.raises(UsageError):
        estimate_memory(tiny(), input_size=(3, 8, 8), batch=0)
    result = runner.invoke(app, ["memory", "vgg16", "--optimizer", "lion"])
    assert result.exit_code == 2


def test_fine_tuning_resnet50_head_keeps_only_the_heads_input():
    import archstat

    if "resnet50" not in archstat.list_models():
        pytest.skip("resnet50 is not registered yet")
    n = 32
    report = estimate_memory("resnet50", batch=n, num_classes=2, train=["fc"], optimizer="adam")
    t = report.totals
    assert t["trainable_params"] == 2048 * 2 + 2
    assert t["optimizer_state"] == 2 * (2048 * 2 + 2) * FP32
    # the frozen body needs no backward: autograd keeps only the pooled 2048 features the new fc reads
    assert t["saved_activations"] == n * 2048 * FP32
    holders = report.layers[report.layers.saved_activations > 0]
    assert all(name.startswith("classifier") for name in holders.name)
