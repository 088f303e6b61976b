"""The engine against hand arithmetic and against fvcore used directly (a second method)."""

import json

import pytest
import torch
from fvcore.nn import FlopCountAnalysis
from torch import nn

import archstat
from archstat.errors import AnalysisError, InputSizeError, UnknownModelError, UsageError


def small_net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 15 * 15, 10)
    )


def test_small_net_matches_hand_arithmetic():
    report = archstat.analyze(small_net(), input_size=(3, 32, 32))
    conv_params = 3 * 3 * 3 * 8 + 8
    fc_params = 8 * 15 * 15 * 10 + 10
    conv_macs = (30 * 30 * 8) * (3 * 3 * 3)  # output elements x multiply-adds per element
    fc_macs = 8 * 15 * 15 * 10
    t = report.totals
    assert t["params"] == conv_params + fc_params
    assert t["macs"] == conv_macs + fc_macs
    assert t["flops"] == 2 * t["macs"]
    assert t["activations"] == 30 * 30 * 8 + 10
    assert t["by_operator"] == {"conv": conv_macs, "linear": fc_macs}
    assert "max_pool2d" in t["uncounted_ops"]
    rows = report.rows().set_index("name")
    assert rows.loc["0", "output_shape"] == [1, 8, 30, 30]
    assert rows.loc["2", "output_shape"] == [1, 8, 15, 15]
    assert rows.loc["4", "macs"] == fc_macs


def test_batch_scaling_equals_fvcore_traced_at_that_batch():
    model = small_net().eval()
    direct = FlopCountAnalysis(model, torch.zeros(4, 3, 32, 32))
    direct.unsupported_ops_warnings(False)
    report = archstat.analyze(model, input_size=(3, 32, 32), batch=4)
    assert report.totals["macs"] == direct.total()
    assert report.input_shape == [(4, 3, 32, 32)]
    assert report.rows().set_index("name").loc["0", "output_shape"] == [4, 8, 30, 30]


def test_rows_at_each_depth_add_up_to_totals():
    model = nn.Sequential(
        nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 3)), nn.Flatten(), nn.Linear(4 * 12 * 12, 2)
    )
    report = archstat.analyze(model, input_size=(3, 16, 16))
    for depth in (None, 1, 2):
        rows = report.rows(depth)
        assert rows.params.sum() == report.totals["params"]
        assert rows.macs.sum() == report.totals["macs"]
    assert list(report.rows(1).name) == ["0", "1", "2"]


class OwnWork(nn.Module):
    """A container that runs a counted op itself, outside its children."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.extra = nn.Parameter(torch.zeros(4, 4))

    def forward(self, x):
        return self.conv(x).mean((2, 3)) @ self.extra


def test_own_rows_keep_the_sum():
    report = archstat.analyze(OwnWork(), input_size=(3, 8, 8))
    rows = report.rows()
    assert rows.params.sum() == report.totals["params"] == 3 * 9 * 4 + 4 + 16
    assert rows.macs.sum() == report.totals["macs"]


class Residual(nn.Module):
    """y = fc2(fc1(x)) + x @ w: a functional matrix product between the layers, in the container."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(6, 5), nn.Linear(5, 3)
        self.w = nn.Parameter(torch.zeros(6, 3))

    def forward(self, x):
        return self.fc2(self.fc1(x)) + x @ self.w


def test_layers_partition_and_modules_keep_the_tree():
    """layers: the container's own row (its parameter w and its matrix product); modules: the
    root and the container (each everything), then fc1, fc2. Hand arithmetic: Linear(i, o) has i*o + o parameters and
    i*o MACs per sample; x @ w is 6*3 MACs and 3 output elements."""
    report = archstat.analyze(nn.Sequential(Residual()), input_size=(6,), engine="meta")
    layers, modules = report.layers.set_index("name"), report.modules.set_index("name")
    assert list(layers.index) == ["0 (own)", "0.fc1", "0.fc2"]  # at its container's place
    assert list(modules.index) == ["", "0", "0.fc1", "0.fc2"]
    assert layers.loc["0 (own)", ["params", "macs", "activations"]].tolist() == [18, 18, 3]
    assert layers.params.sum() == report.totals["params"] == (6 * 5 + 5) + (5 * 3 + 3) + 18
    assert layers.macs.sum() == report.totals["macs"] == 6 * 5 + 5 * 3 + 6 * 3
    assert layers.activations.sum() == report.totals["activations"] == 5 + 3 + 3
    assert modules.loc["", "macs"] == modules.loc["0", "macs"] == report.totals["macs"]
    assert report.layers.macs.sum() < report.modules.macs.sum()  # the tree repeats every count


class Tied(nn.Module):
    """One weight tensor in two modules, as a language model ties its head to its embedding."""

    def __init__(self) -> None:
        super().__init__()
        self.embed, self.head = nn.Embedding(20, 6), nn.Linear(6, 20, bias=False)
        self.head.weight = self.embed.weight

    def forward(self, ids):
        return self.head(self.embed(ids))


def test_a_shared_tensor_is_taken_back_out_once():
    """The totals count the 20 x 6 tied weight once; both layers show it, and one row takes it back."""
    report = archstat.analyze(Tied(), input_size="5:int64", engine="meta")
    layers = report.layers.set_index("name")
    assert layers.params.to_dict() == {"embed": 120, "head": 120, "(model) (shared, counted once)": -120}
    assert layers.params.sum() == report.totals["params"] == 20 * 6


def test_json_is_plain_and_complete():
    data = json.loads(json.dumps(archstat.analyze(small_net(), input_size=(3, 32, 32)).to_dict()))
    assert data["input"] == [1, 3, 32, 32]
    assert set(data["totals"]) >= {
        "params", "trainable_params", "macs", "flops", "activations", "by_operator", "uncounted_ops"
    }
    assert {"name", "type", "output_shape", "params", "macs", "activations"} <= set(data["layers"][0])


def test_frozen_parameters_are_reported():
    model = small_net()
    for p in model[0].parameters():
        p.requires_grad = False
    t = archstat.analyze(model, input_size=(3, 32, 32)).totals
    assert t["frozen_params"] == 3 * 3 * 3 * 8 + 8
    assert t["trainable_params"] == t["params"] - t["frozen_params"]


def test_errors():
    with pytest.raises(UnknownModelError, match="vgg16"):
        archstat.analyze("vgg61")
    with pytest.raises(UsageError, match="input size"):
        archstat.analyze(small_net())
    with pytest.raises(InputSizeError, match="too small"):
        archstat.analyze(small_net(), input_size=(3, 2, 2))
    with pytest.raises(AnalysisError, match="'4' \\(Linear\\)"):
        archstat.analyze(small_net(), input_size=(3, 64, 64))
    with pytest.raises(UsageError, match="batch"):
        archstat.analyze(small_net(), input_size=(3, 32, 32), batch=0)
