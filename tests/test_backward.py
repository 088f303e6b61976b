"""Backward MACs: by hand on small nets, and against torch's FlopCounterMode on a real backward pass.

torch counts, per forward call, the gradient products of its backward (torch/utils/flop_counter.py):
a convolution's input gradient (the forward's size, skipped when the input needs no gradient) and
its weight gradient (the forward's size times groups), one product per operand of a matrix product
that needs a gradient. The whole zoo agrees as well (about 200 s on meta tensors, so it runs with
ARCHSTAT_FULL_ZOO=1); a handful of models with every kind of layer runs always.
"""

from __future__ import annotations

import json
import os

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode
from typer.testing import CliRunner

import archstat
from archstat.analysis.memory import estimate_memory
from archstat.cli.app import app
from archstat.engines import meta as _meta
from archstat.models import build_model, get_model_info, list_models

# conv1 3->8 k3 on 3x8x8: out 8x6x6, 8*36 outputs x 27 MACs; conv2 8->16 k3: out 16x4x4, 16*16 x 72;
# the classifier 256 -> 10.
CONV1, CONV2, FC = 8 * 36 * 27, 16 * 16 * 72, 256 * 10


def small_net() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 16, 3), nn.Flatten(), nn.Linear(256, 10))


def torch_backward_macs(model: nn.Module, x: torch.Tensor) -> int:
    """torch's FlopCounterMode over loss = output.sum(); loss.backward(), FLOPs / 2."""
    output = model(x)
    with FlopCounterMode(display=False) as counter:
        output.sum().backward()
    return counter.get_total_flops() // 2


def layer(report: archstat.Report, name: str) -> int | None:
    return next(r.backward_macs for r in report.records if r.name == name)


def test_by_hand_the_first_layer_computes_no_input_gradient() -> None:
    report = archstat.analyze(small_net(), input_size=(3, 8, 8), backward=True, engine="meta")
    assert layer(report, "0") == CONV1  # weight gradient only: the input needs none
    assert layer(report, "2") == 2 * CONV2  # input gradient + weight gradient
    assert layer(report, "4") == 2 * FC
    assert layer(report, "1") == 0  # ReLU's gradient is no product
    t = report.totals
    assert t["backward_macs"] == CONV1 + 2 * CONV2 + 2 * FC
    assert t["training_step_macs"] == t["macs"] + t["backward_macs"]
    assert t["macs"] == CONV1 + CONV2 + FC  # forward: no normalisation in this net


def test_by_hand_frozen_layers_need_no_weight_gradient() -> None:
    frozen = archstat.analyze(small_net(), input_size=(3, 8, 8), backward=True, freeze=["0"], batch=4)
    # conv1 frozen: nothing before conv2 needs a gradient, so conv2 computes its weight gradient only
    assert frozen.totals["backward_macs"] == 4 * (CONV2 + 2 * FC)
    head_only = archstat.analyze(small_net(), input_size=(3, 8, 8), backward=True, train=["4"])
    assert head_only.totals["backward_macs"] == FC


def test_by_hand_grouped_and_depthwise_weight_gradients_count_groups_times() -> None:
    """torch counts a weight gradient as one dense convolution over all input channels."""
    model = nn.Sequential(nn.Conv2d(4, 8, 3), nn.Conv2d(8, 8, 3, groups=4), nn.Conv2d(8, 8, 3, groups=8))
    report = archstat.analyze(model, input_size=(4, 10, 10), backward=True, engine="meta")
    grouped, depthwise = 8 * 36 * (2 * 9), 8 * 16 * (1 * 9)  # outputs x kernel volume per group
    assert layer(report, "1") == grouped + 4 * grouped
    assert layer(report, "2") == depthwise + 8 * depthwise
    assert report.totals["backward_macs"] == torch_backward_macs(model, torch.zeros(1, 4, 10, 10))


class Products(nn.Module):
    """Matrix products torch runs as mm, bmm and mv, gradients stopped by detach and zeros_like."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(6, 6), nn.Linear(6, 6, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.a(x)  # (2, 5, 6): an mm of 10 rows
        scores = torch.bmm(h, h.transpose(1, 2))  # both operands need gradients
        mixed = torch.einsum("bij,bjk->bik", scores, h)
        vector = torch.matmul(h, self.a.bias)  # mv: torch counts nothing
        stopped = self.b(h.detach()) + self.b(torch.zeros_like(h))
        return mixed.sum() + vector.sum() + stopped.sum()


def test_matrix_products_and_stopped_gradients_match_torch() -> None:
    x = torch.randn(2, 5, 6)
    counts = _meta.count(Products(), (x,))
    a, bmm, b = 10 * 6 * 6, 2 * 5 * 6 * 5, 10 * 6 * 6
    # a: weight only; bmm and einsum: both operands; b twice, weight only (its inputs need none)
    assert counts.backward_macs[""] == a + 2 * bmm + 2 * (2 * 5 * 5 * 6) + 2 * b
    assert counts.backward_macs[""] == torch_backward_macs(Products(), x)


class Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.q = nn.Parameter(torch.zeros(2, 3, 7, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.scaled_dot_product_attention(self.q * x, x, x)


def test_attention_follows_torchs_fused_kernel_rule() -> None:
    """The fused kernels' backward (what runs on a GPU): torch's own formula, halved."""
    from torch.utils.flop_counter import sdpa_backward_flop_count

    shape = (2, 3, 7, 4)
    counts = _meta.count(Attention(), (torch.ones(shape),))
    assert counts.backward_macs[""] == sdpa_backward_flop_count(shape, shape, shape, shape) // 2 == 2 * 3 * 7 * 7 * 20


FAST_ZOO = [("lenet5", 32), ("alexnet_owt", 63), ("vgg11_bn", 32), ("resnet18", 32), ("googlenet", 31),
            ("nin", 39), ("resnext50_32x4d", 32), ("inception_v2", 16)]


@pytest.mark.parametrize("name, side", FAST_ZOO)
def test_zoo_matches_flop_counter_on_a_real_backward(name: str, side: int) -> None:
    model, channels = build_model(name).eval(), get_model_info(name).input_size[0]
    x = torch.zeros(1, channels, side, side)
    report = archstat.analyze(model, input_size=(channels, side, side), backward=True, engine="meta")
    assert report.totals["backward_macs"] == torch_backward_macs(model, x)


@pytest.mark.skipif(not os.environ.get("ARCHSTAT_FULL_ZOO"), reason="about 200 s; ARCHSTAT_FULL_ZOO=1 runs it")
@pytest.mark.parametrize("name", list_models())
def test_whole_zoo_matches_flop_counter_on_meta(name: str) -> None:
    info = get_model_info(name)
    side = info.min_input or min(info.input_size[1:])
    model, x = build_model(name, device="meta").eval(), torch.zeros(1, info.input_size[0], side, side, device="meta")
    with torch.no_grad():
        ours = _meta.count(model, (x,)).backward_macs[""]
    assert ours == torch_backward_macs(model, x)


def test_both_engines_give_the_same_backward() -> None:
    reports = [archstat.analyze("resnet20", backward=True, engine=e, batch=2) for e in ("fvcore", "meta")]
    assert [r.backward_macs for r in reports[0].records] == [r.backward_macs for r in reports[1].records]
    assert reports[0].totals == reports[1].totals


def test_backward_is_left_out_unless_asked() -> None:
    report = archstat.analyze(small_net(), input_size=(3, 8, 8))
    assert "backward_macs" not in report.totals
    assert all("backward_macs" not in row for row in report.to_dict()["layers"])


def test_table_and_memory_show_backward() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["table", "resnet20", "--backward", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["totals"]["training_step_macs"] == data["totals"]["macs"] + data["totals"]["backward_macs"]
    assert sum(row["backward_macs"] for row in data["layers"]) == data["totals"]["backward_macs"]
    text = runner.invoke(app, ["table", "resnet20", "--backward"]).output
    assert "backward MACs" in text and "training step (forward + backward)" in text
    memory = estimate_memory(small_net(), input_size=(3, 8, 8), batch=2)
    assert memory.macs == {"forward": 2 * (CONV1 + CONV2 + FC), "backward": 2 * (CONV1 + 2 * CONV2 + 2 * FC),
                           "training_step": 2 * (2 * CONV1 + 3 * CONV2 + 3 * FC)}
    assert "backward" in runner.invoke(app, ["memory", "resnet20"]).output
