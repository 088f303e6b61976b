"""The one engine vocabulary, and the one recorder every pass over a network learns the running module from.

Facts pinned: the command line's ``--engine`` choices are the registry's engines (read from the app itself);
the recorder's events for a hand-built network are written out in order by hand (a module called twice, a
shared one, a nested container); the torch engine's MACs equal a convolution's hand formula; the design
calculators give the same counts on every engine of the vocabulary.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn
from typer.main import get_command

from archstat import analyze
from archstat.cli.app import app
from archstat.design import blocks
from archstat.design import calculators as design
from archstat.engines import registry
from archstat.engines.recorder import Frame, ModuleRecorder
from archstat.errors import UsageError
from archstat.options import Engine
from tests.snapshots import assert_unchanged, snapshot

# ----------------------------------------------------------------------------- one vocabulary


def _engine_choices() -> dict[str, list[str]]:
    """Every command's ``--engine`` choices, read from the registered app."""
    found = {}
    for name, command in get_command(app).commands.items():  # type: ignore[attr-defined]
        for param in command.params:
            if "--engine" in getattr(param, "opts", ()):
                assert param.type_descriptor.is_choice, name
                found[name] = [str(choice) for choice in param.type_descriptor.choices]
    return found


def test_the_command_line_offers_exactly_the_registry_s_engines() -> None:
    choices = _engine_choices()
    assert {"table", "rf", "compare", "sweep", "graph", "diff"} <= set(choices)
    names = [str(engine) for engine in Engine]
    assert set(registry.ENGINES) == set(registry.CAPABILITIES) == set(names) == {"fvcore", "meta", "torch"}
    for command, offered in choices.items():
        assert [str(c) for c in offered] == names, command


def test_an_unknown_engine_is_one_line_naming_the_choices() -> None:
    for call in (lambda: registry.get_engine("jit"), lambda: registry.capabilities("jit"),
                 lambda: analyze("lenet5", engine="jit"), lambda: design.bottleneck(64, 16, 64, 3, engine="jit")):
        with pytest.raises(UsageError, match="'jit' is not one of fvcore, meta, torch"):
            call()


@pytest.fixture(scope="module")
def reduced_form() -> design.Form:
    return design.Form("reduced", "", "", lambda bias: blocks.reduced(32, 8, 24, 5, bias=bias))


@pytest.mark.parametrize("engine", [*Engine, "auto"])
def test_the_calculators_take_every_engine_and_say_which_counted(reduced_form: design.Form, engine: Any) -> None:
    count = design.count_form(reduced_form, (32, 10, 10), engine)
    # 1x1 reduction 32 -> 8, then 5x5 8 -> 24, padding 2, on 10x10: MACs by hand, weights without bias
    assert count.macs == 10 * 10 * (32 * 8 + 5 * 5 * 8 * 24)
    assert count.params == 32 * 8 + 5 * 5 * 8 * 24 and count.receptive_field == (5, 5)
    assert count.engine == ("fvcore" if engine == "auto" else str(engine))  # small: auto materialises it


def test_the_torch_engine_counts_the_whole_model_and_says_what_it_leaves_out() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
    report = analyze(model, input_size="3x8x8", engine="torch")
    assert report.engine == "torch"
    assert report.totals.macs == 4 * 6 * 6 * 27 + 4 * 6 * 6 * 2  # conv: outputs x (3x3x3); linear: 144 x 2
    assert any("whole model's MACs only" in note for note in report.notes)
    assert analyze(model, input_size="3x8x8", engine="meta").totals.macs == report.totals.macs


# ----------------------------------------------------------------------------- one recorder


class _Twice(nn.Module):
    """A block whose ``act`` runs twice and whose ``shared`` is also registered as ``alias``."""

    def __init__(self) -> None:
        super().__init__()
        self.conv, self.act = nn.Conv2d(2, 2, 1), nn.ReLU()
        self.inner = nn.Sequential(nn.Conv2d(2, 2, 1))
        self.shared = self.inner[0]
        self.alias = self.shared

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.inner(self.act(self.conv(x))))


def _events(recorder: ModuleRecorder) -> list[tuple[Any, ...]]:
    seen: list[tuple[Any, ...]] = []
    recorder.listen(lambda f: seen.append(("enter", f.name, f.depth, f.call, f.started, recorder.running())),
                    lambda f, out: seen.append(("leave", f.name, tuple(out.shape))))
    return seen


def test_the_recorder_tells_each_module_call_in_order_under_its_first_name() -> None:
    model = _Twice()
    with ModuleRecorder(model) as recorder:
        seen = _events(recorder)
        model(torch.zeros(1, 2, 3, 3))
        assert recorder.stack == []
    shape = (1, 2, 3, 3)
    assert seen == [
        ("enter", "", 0, 1, 0, ("",)),
        ("enter", "conv", 1, 1, 1, ("", "conv")), ("leave", "conv", shape),
        ("enter", "act", 1, 1, 2, ("", "act")), ("leave", "act", shape),
        ("enter", "inner", 1, 1, 3, ("", "inner")),
        ("enter", "inner.0", 2, 1, 4, ("", "inner", "inner.0")), ("leave", "inner.0", shape),  # not "shared"
        ("leave", "inner", shape),
        ("enter", "act", 1, 2, 5, ("", "act")), ("leave", "act", shape),  # its second call
        ("leave", "", shape),
    ]


def test_a_new_pass_numbers_its_calls_again() -> None:
    model = nn.Sequential(nn.ReLU())
    with ModuleRecorder(model) as recorder:
        calls: list[tuple[str, int, int]] = []
        recorder.listen(lambda f: calls.append((f.name, f.call, f.started)))
        model(torch.zeros(2))
        model(torch.zeros(2))
    assert calls == [("", 1, 0), ("0", 1, 1)] * 2


class _Fails(nn.Module):
    def __init__(self, caught: bool) -> None:
        super().__init__()
        self.caught, self.body = caught, nn.Sequential(nn.Linear(2, 2), nn.Linear(3, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        try:
            return self.body(x)
        except RuntimeError:
            if not self.caught:
                raise
            return x


def test_a_failed_call_stays_on_the_stack_and_a_caught_one_is_dropped() -> None:
    failing = _Fails(caught=False)
    before = snapshot(failing)
    with ModuleRecorder(failing) as recorder, pytest.raises(RuntimeError):
        failing(torch.zeros(1, 2))
    assert [frame.name for frame in recorder.stack] == ["", "body", "body.1"]  # where it failed, innermost last
    assert_unchanged(before, failing)
    with ModuleRecorder(failing) as recorder:
        with pytest.raises(RuntimeError):
            failing(torch.zeros(1, 2))
        failing.body[1] = nn.Linear(2, 3)  # the next pass runs through: the failed one's frames are gone
        starts: list[tuple[str, int, int]] = []
        recorder.listen(lambda frame: starts.append((frame.name, frame.call, frame.started)))
        failing(torch.zeros(1, 2))
        assert recorder.stack == [] and starts[0] == ("", 1, 0)
    caught = _Fails(caught=True)
    with ModuleRecorder(caught) as recorder:
        left: list[Frame] = []
        recorder.listen(leave=lambda frame, _out: left.append(frame))
        caught(torch.zeros(1, 2))
    assert [frame.name for frame in left] == ["body.0", ""] and recorder.stack == []


def test_scripted_parts_take_no_hooks_and_every_hook_comes_off() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), torch.jit.script(nn.Sequential(nn.ReLU(), nn.Conv2d(4, 4, 1))))
    model[0].register_forward_hook(lambda *_: None)  # the user's own hook stays
    before = snapshot(model)
    names: list[str] = []
    with ModuleRecorder(model) as recorder:
        recorder.listen(lambda frame: names.append(frame.name))
        model(torch.zeros(1, 3, 8, 8))
    assert names == ["", "0"]  # the scripted part runs inside the model's frame
    assert_unchanged(before, model)
    assert len(model[0]._forward_hooks) == 1


def test_a_listener_for_one_block_is_told_nothing_after_it() -> None:
    model = nn.Sequential(nn.ReLU())
    with ModuleRecorder(model) as recorder:
        told: list[str] = []
        with recorder.listening(enter=lambda frame: told.append(frame.name)):
            model(torch.zeros(1))
        model(torch.zeros(1))
    assert told == ["", "0"]


def test_what_needs_each_module_s_counts_refuses_an_engine_without_them() -> None:
    from archstat.analysis.diff import diff_models
    from archstat.analysis.graph import graph_of

    assert [str(e) for e in Engine if registry.capabilities(e).per_module] == ["fvcore", "meta"]
    with pytest.raises(UsageError, match="--engine torch counts the whole model only.*give --engine fvcore or meta"):
        diff_models("lenet5", "lenet5", engine="torch")
    with pytest.raises(UsageError, match="--engine torch counts the whole model only"):
        graph_of("lenet5", engine="torch")


def test_a_per_layer_plot_refuses_the_whole_model_engine_before_drawing(tmp_path) -> None:
    from typer.testing import CliRunner

    from archstat.cli.app import app

    target = tmp_path / "lenet5.png"
    result = CliRunner().invoke(app, ["plot", "lenet5", "--engine", "torch", "-o", str(target)])
    assert result.exit_code == 2
    assert "--engine torch counts the whole model only" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not target.exists()


@pytest.mark.parametrize("layer, shape, words", [
    (nn.Linear(8, 4), (6,), "it takes 8 features in the last dimension, got 6"),
    (nn.Conv2d(4, 2, 3), (3, 8, 8), "it takes 4 input channels, got 3"),
])
def test_a_width_a_layer_cannot_take_is_worded_the_same_on_every_engine(layer, shape, words) -> None:
    from archstat.errors import AnalysisError

    messages = set()
    for engine in ("fvcore", "meta"):
        with pytest.raises(AnalysisError, match=words) as caught:
            analyze(nn.Sequential(layer), input_size=shape, engine=engine)
        messages.add(str(caught.value).splitlines()[0])
    assert len(messages) == 1
