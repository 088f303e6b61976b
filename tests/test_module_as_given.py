"""A caller's module leaves ``analyze`` exactly as it came: mode, buffers, hooks, flags; on failure too.

Counted in eval mode unless ``mode="train"`` is asked for, whatever mode the module is in.
"""

from __future__ import annotations

import pytest
import torch
from snapshots import assert_unchanged, snapshot  # tests/snapshots.py
from torch import nn

import archstat
from archstat.errors import AnalysisError, UsageError

SHAPE = (3, 8, 8)


def bn_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))




def test_a_plain_training_forward_moves_the_statistics() -> None:
    """What the tests below guard against: one forward in training mode changes BatchNorm's buffers."""
    net = bn_net().train()
    before = net[1].running_mean.clone()
    net(torch.rand(2, *SHAPE))
    assert not torch.equal(net[1].running_mean, before)


@pytest.mark.parametrize("engine", ["fvcore", "meta"])
@pytest.mark.parametrize("mode", ["eval", "train"])
def test_the_module_is_left_as_given(engine: str, mode: str) -> None:
    net = bn_net().train()
    before = snapshot(net)
    archstat.analyze(net, input_size=SHAPE, batch=2, engine=engine, mode=mode, freeze=["0"])
    assert_unchanged(before, net)


def test_counted_in_eval_mode_by_default_whatever_the_module_is_in() -> None:
    in_train, in_eval = bn_net().train(), bn_net().eval()
    assert archstat.analyze(in_train, input_size=SHAPE).totals == archstat.analyze(in_eval, input_size=SHAPE).totals
    assert in_train.training  # ... and it stays in training mode


def test_both_engines_agree_in_training_mode() -> None:
    net = bn_net()
    reference = archstat.analyze(net, input_size=SHAPE, mode="train", engine="fvcore").totals
    assert archstat.analyze(net, input_size=SHAPE, mode="train", engine="meta").totals == reference


class FailsInForward(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv, self.fc = nn.Conv2d(3, 4, 3), nn.Linear(5, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.conv(x).flatten(1))  # 4*6*6 features into a Linear that takes 5


@pytest.mark.parametrize("engine", ["fvcore", "meta"])
def test_a_failed_analysis_leaves_the_module_as_given(engine: str) -> None:
    net = FailsInForward().train()
    net.fc.weight.requires_grad_(False)
    before = snapshot(net)
    with pytest.raises(AnalysisError, match="fc"):
        archstat.analyze(net, input_size=SHAPE, engine=engine, train=["conv"])
    assert_unchanged(before, net)


def test_a_bad_mode_names_the_choices() -> None:
    with pytest.raises(UsageError, match="--mode 'test' is not one of eval, train"):
        archstat.analyze(bn_net(), input_size=SHAPE, mode="test")


class WithAuxHead(nn.Module):
    """A user's network with a training-time head, marked as torchvision's GoogLeNet marks it."""

    def __init__(self) -> None:
        super().__init__()
        self.aux_logits = False
        self.conv, self.aux1, self.fc = nn.Conv2d(3, 4, 3), nn.Linear(4 * 6 * 6, 7), nn.Linear(4 * 6 * 6, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x).flatten(1)
        return (self.fc(x), self.aux1(x)) if self.aux_logits else self.fc(x)  # type: ignore[return-value]


def test_left_out_auxiliary_parameters_are_said() -> None:
    aux_params = 4 * 6 * 6 * 7 + 7
    report = archstat.analyze(WithAuxHead(), input_size=SHAPE)
    assert report.totals["params"] == (3 * 9 * 4 + 4) + (4 * 6 * 6 * 2 + 2)
    assert report.notes == [f"{aux_params:,} parameters of the auxiliary heads (aux1) are left out, as their "
                            "papers count the network; --aux (aux=True) includes them."]
    with_aux = archstat.analyze(WithAuxHead(), input_size=SHAPE, aux=True)
    assert with_aux.totals["params"] == report.totals["params"] + aux_params and with_aux.notes == []


def test_one_number_is_a_one_dimensional_input_without_a_2d_convolution() -> None:
    """``--input 10`` on a Linear(10, 100) model is 10 features, not a 10x10 image: 10 x 100 MACs."""
    mlp = nn.Sequential(nn.Linear(10, 100))
    report = archstat.analyze(mlp, input_size="10")
    assert (report.input_shape, report.totals["macs"]) == ([(1, 10)], 10 * 100)
    assert archstat.analyze(bn_net(), input_size="8").input_shape == [(1, 3, 8, 8)]  # channels from the conv


def test_a_lazy_module_is_counted_on_a_copy_and_stays_lazy() -> None:
    """LazyLinear(4) at 6 features: 6 x 4 MACs, 6 x 4 + 4 params, on both engines; the module keeps its
    uninitialised parameters (the copy took the shapes)."""
    net = nn.Sequential(nn.LazyLinear(4))
    before = snapshot(net)
    for engine in ("fvcore", "meta"):
        report = archstat.analyze(net, input_size="6", engine=engine)
        assert (report.totals["macs"], report.totals["params"]) == (6 * 4, 6 * 4 + 4)
        assert any("lazy layers" in note for note in report.notes)
    assert_unchanged(before, net)
    assert isinstance(net[0], nn.LazyLinear)


class WritesABuffer(nn.Module):
    """A forward that counts its own calls in a buffer, in any mode."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.register_buffer("calls", torch.zeros((), dtype=torch.int64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.fc(x)


@pytest.mark.parametrize("engine", ["fvcore", "meta"])
def test_a_buffer_the_forward_writes_in_eval_mode_is_restored(engine: str) -> None:
    net = WritesABuffer()
    before = snapshot(net)
    assert archstat.analyze(net, input_size="3", engine=engine).totals["macs"] == 3 * 2
    assert_unchanged(before, net)
