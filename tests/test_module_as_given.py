"""A caller's module leaves ``analyze`` exactly as it came: mode, buffers, hooks, flags; on failure too.

Counted in eval mode unless ``mode="train"`` is asked for, whatever mode the module is in.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

import archstat
from archstat.errors import AnalysisError, UsageError

SHAPE = (3, 8, 8)


def bn_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))


def snapshot(module: nn.Module) -> dict[str, object]:
    """Everything of a module an analysis could change."""
    return {
        "training": [m.training for m in module.modules()],
        "state": {k: (v.clone(), v.dtype, v.device) for k, v in module.state_dict().items()},
        "requires_grad": [p.requires_grad for p in module.parameters()],
        "hooks": [(len(m._forward_hooks), len(m._forward_pre_hooks)) for m in module.modules()],
    }


def assert_unchanged(before: dict[str, object], module: nn.Module) -> None:
    after = snapshot(module)
    assert after["training"] == before["training"]
    assert after["requires_grad"] == before["requires_grad"]
    assert after["hooks"] == before["hooks"]
    state_before, state_after = before["state"], after["state"]
    assert state_before.keys() == state_after.keys()  # type: ignore[attr-defined]
    for key, (value, dtype, device) in state_before.items():  # type: ignore[attr-defined]
        assert torch.equal(state_after[key][0], value) and state_after[key][1:] == (dtype, device), key  # type: ignore[index]


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
