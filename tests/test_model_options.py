"""The model options on every command that takes a model: the same options (cli/options.MODEL_OPTIONS) less the
exceptions declared once (cli/options.NOT_TAKEN), each with its effect pinned to a hand calculation.

Hand arithmetic used throughout: Linear(i, o) holds i*o + o parameters, runs i*o MACs per input row, and
stores (i*o + o) * 4 bytes in fp32. torch's backward convention (FlopCounterMode): a Linear's weight gradient
costs its forward's MACs when the weight is trainable, its input gradient the same when the input needs one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
import typer
from torch import nn
from typer.main import get_command
from typer.testing import CliRunner

from archstat.analysis import speed as speed_module
from archstat.cli.app import app
from archstat.cli.checks import model_arg, model_args
from archstat.cli.options import MODEL_OPTIONS, NOT_TAKEN, ModelOptions, model_options

HERE = "tests.test_model_options"


class TwoLayer(nn.Module):
    """a = Linear(4, 8): 40 params, 32 MACs a row; b = Linear(8, 2): 18 params, 16 MACs a row."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(4, width), nn.Linear(width, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(self.a(x))


class Dropped(nn.Module):
    """Linear(4, 8), dropout, Linear(8, 2): what a training step saves depends on the mode."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.drop, self.b = nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(self.drop(self.a(x)))


class WithAux(nn.Module):
    """A trunk Linear(4, 8), a head Linear(8, 2) and an auxiliary head aux1 = Linear(8, 3) (27 params,
    24 MACs a row) that runs when ``aux_logits`` is on, as GoogLeNet's heads do."""

    def __init__(self) -> None:
        super().__init__()
        self.aux_logits = False
        self.trunk, self.head, self.aux1 = nn.Linear(4, 8), nn.Linear(8, 2), nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> Any:
        y = self.trunk(x)
        return (self.head(y), self.aux1(y)) if self.aux_logits else self.head(y)


def run(*args: str) -> dict:
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- the same options everywhere, the exceptions declared once -----------------------------------------------

def _takes_a_model(command: Any) -> bool:  # a click Command (typer vendors click from 0.2x)
    """A command whose arguments include a MODEL: checked as one (``checks``), or shown as one."""
    return any(p.param_type_name == "argument" and (getattr(p.callback, "__wrapped__", None) in (model_arg, model_args)
                                                    or p.metavar == "MODEL") for p in command.params)


def _shape(param: Any) -> tuple[Any, ...]:
    """What a user types and reads: the flags, one value or many, a flag or a value, its metavar and help."""
    return (tuple(param.opts), param.multiple, getattr(param, "is_flag", False), param.metavar,
            getattr(param, "help", None))


def _shared() -> dict[str, tuple[Any, ...]]:
    """Every model option as ``model_options`` declares it, read from a command that takes them all."""
    everything = typer.Typer()

    @everything.command()
    @model_options()
    def every(*, options: ModelOptions) -> None:
        """Takes every model option."""

    return {p.name: _shape(p) for p in get_command(everything).params if p.name in MODEL_OPTIONS}


COMMANDS = get_command(app).commands  # type: ignore[attr-defined]
MODEL_COMMANDS = sorted(name for name, command in COMMANDS.items() if _takes_a_model(command))


def test_the_commands_that_take_a_model_are_found():
    assert {"table", "memory", "sweep", "speed", "conventions", "diff", "compare", "plot"} <= set(MODEL_COMMANDS)
    assert "list" not in MODEL_COMMANDS and "bottleneck" not in MODEL_COMMANDS


@pytest.mark.parametrize("name", MODEL_COMMANDS)
def test_every_model_option_but_the_declared_exceptions(name: str):
    shared, params = _shared(), {p.name: _shape(p) for p in COMMANDS[name].params}
    assert set(shared) == set(MODEL_OPTIONS)
    excepted = NOT_TAKEN.get(name, {})
    missing = [option for option in MODEL_OPTIONS if option not in excepted and params.get(option) != shared[option]]
    assert not missing, f"{name} lacks the model options {missing} and declares no reason in NOT_TAKEN"
    taken = [option for option in excepted if params.get(option) == shared[option]]
    assert not taken, f"{name} takes {taken} after all: drop them from NOT_TAKEN"


def test_each_exception_is_a_model_option_of_a_model_command_and_its_help_says_why():
    for name, skipped in NOT_TAKEN.items():
        assert name in MODEL_COMMANDS and set(skipped) <= set(MODEL_OPTIONS)
        shown = " ".join(CliRunner().invoke(app, [name, "--help"], terminal_width=200).output.split())
        for why in skipped.values():
            assert " ".join(why.split()) in shown, (name, why)


def test_an_exception_is_refused_not_ignored():
    result = CliRunner().invoke(app, ["memory", "lenet5", "--engine", "meta"])
    assert result.exit_code == 2 and "No such option" in result.output


# --- memory --mode: the training step's mode ---------------------------------------------------------------

def test_memory_mode_is_the_training_steps():
    """Batch 3, fp32. In train mode the step saves a's input (3*4*4 = 48 bytes), dropout's mask (ATen's CPU
    and meta dropout multiplies by a float mask of the input's shape: 3*8*4 = 96) and b's input, the dropout's
    output (96): 240. In eval mode dropout is the identity: a's input and b's input, a's output: 48 + 96 = 144."""
    common = ("memory", f"{HERE}:Dropped", "--input", "4", "--batch", "3")
    train, evaluated = run(*common), run(*common, "--mode", "eval")
    assert (train["mode"], train["totals"]["saved_activations"]) == ("train", 48 + 96 + 96)
    assert (evaluated["mode"], evaluated["totals"]["saved_activations"]) == ("eval", 48 + 96)
    assert evaluated["totals"]["weights"] == train["totals"]["weights"] == (4 * 8 + 8 + 8 * 2 + 2) * 4


# --- conventions: --freeze, --train, --aux ------------------------------------------------------------------

def _row(data: dict, key: str) -> dict:
    return next(row for row in data["rows"] if row["key"] == key)


@pytest.mark.parametrize("trainable", [("--freeze", "a"), ("--train", "b")])
def test_conventions_frozen_layers_leave_ptflops_parameter_count(trainable: tuple[str, str]):
    """ptflops counts parameters with requires_grad only: 58 less a's 4*8 + 8 = 40 is 18; torchinfo all 58."""
    data = run("conventions", f"{HERE}:TwoLayer", "--input", "4", "--engine", "meta", *trainable)
    assert data["params"] == 4 * 8 + 8 + 8 * 2 + 2 == 58
    assert _row(data, "ptflops")["params"] == 8 * 2 + 2
    assert _row(data, "ptflops")["params_items"] == {"frozen (requires_grad=False)": -(4 * 8 + 8)}
    assert _row(data, "torchinfo")["params"] == 58


def test_conventions_counts_the_auxiliary_head_with_aux():
    """Without --aux archstat leaves the head out (58 params, 32 + 16 MACs) and torchinfo's 85 has it as a
    line item of 8*3 + 3 = 27; with --aux every count has the head: 85 params, 48 + 24 = 72 MACs."""
    plain = run("conventions", f"{HERE}:WithAux", "--input", "4", "--engine", "meta")
    assert (plain["params"], plain["macs"]) == (58, 48)
    assert _row(plain, "torchinfo")["params_items"] == {"auxiliary heads": 27}
    heads = run("conventions", f"{HERE}:WithAux", "--input", "4", "--engine", "meta", "--aux")
    assert (heads["params"], heads["macs"]) == (58 + 27, 48 + 24)
    assert _row(heads, "torchinfo")["params"] == 85 and _row(heads, "torchinfo")["params_items"] == {}
    assert _row(heads, "thop")["value"] == 72  # thop's rules see the head run too: linear layers, no biases


# --- speed: the request reaches the predicted rows -----------------------------------------------------------

def speed_rows(*args: str) -> dict[str, dict]:
    data = run("speed", *args, "--device", "h100-sxm")
    return {row["name"]: row for row in data["rows"]}


def test_speed_takes_the_classifier_width():
    """LeNet-5's output layer, 84 inputs: 84*10 MACs, and 84*3 with three classes."""
    assert speed_rows("lenet5")["fc"]["macs"] == 84 * 10
    assert speed_rows("lenet5", "--num-classes", "3")["fc"]["macs"] == 84 * 3


def test_speed_takes_constructor_and_forward_keywords():
    rows = speed_rows(f"{HERE}:TwoLayer", "--input", "4", "--batch", "3", "--kwargs", '{"width": 6}')
    assert (rows["a"]["macs"], rows["b"]["macs"]) == (3 * 4 * 6, 3 * 6 * 2)
    rows = speed_rows("tests.test_request:NeedsKeyword", "--input", "3x4", "--forward-kwargs", '{"other": "4x5"}')
    assert rows["fc"]["macs"] == 3 * 4 * 4
    between = [row for name, row in rows.items() if name != "fc"]
    assert sum(row["flops"] for row in between) == 2 * 3 * 4 * 5  # the product, (3 x 4) @ (4 x 5), in FLOPs


def test_speed_prices_the_auxiliary_head_with_aux():
    assert "aux1" not in speed_rows(f"{HERE}:WithAux", "--input", "4")
    assert speed_rows(f"{HERE}:WithAux", "--input", "4", "--aux")["aux1"]["macs"] == 8 * 3


def test_speed_training_step_leaves_frozen_layers_untrained(monkeypatch: pytest.MonkeyPatch):
    """TwoLayer at batch 3, a training step. Backward FLOPs (2 per MAC): a's weight gradient 3*4*8 = 96 MACs
    (its input needs none), b's weight and input gradients 3*8*2 = 48 MACs each. The SGD step moves 3x each
    trainable weight's bytes (read it and its gradient, write it): a (4*8 + 8)*4 = 160, b (8*2 + 2)*4 = 72.
    With --freeze a: a has no gradient and no step, and b's input needs no gradient either."""
    real, priced = speed_module.roofline, []

    def recording(flops: float, moved: float, kind: str, *rest: Any) -> Any:
        priced.append((flops, moved, kind, len(rest)))
        return real(flops, moved, kind, *rest)

    monkeypatch.setattr(speed_module, "roofline", recording)

    def step(*frozen: str) -> tuple[list[float], list[float]]:
        priced.clear()
        speed_rows(f"{HERE}:TwoLayer", "--input", "4", "--batch", "3", "--train", *frozen)
        # what a step adds to each row, a then b: the backward (priced twice: on the device's roofs and its
        # ceiling) and the SGD step, the calls without an operator's own roof
        extra = [(flops, moved, kind) for flops, moved, kind, rest in priced if rest == 1]
        backward = [flops for flops, _, kind in extra if kind == "matmul"][::2]
        return backward, [moved for flops, moved, kind in extra if kind == "elementwise" and flops == 0]

    assert step() == ([2 * 96, 2 * (48 + 48)], [3 * 160, 3 * 72])
    assert step("--freeze", "a") == ([0, 2 * 48], [0, 3 * 72])
