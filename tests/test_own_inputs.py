"""What a user's model is fed: one-number --input readings, dtypes, input_data, forward keyword inputs,
and the counting mode on every command. Each count is a hand calculation written out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from snapshots import assert_unchanged, snapshot
from torch import nn
from typer.testing import CliRunner

import archstat
from archstat.analysis.resolve import resolve
from archstat.cli.app import app
from archstat.errors import AnalysisError, InputSizeError, UsageError
from archstat.inputs import TensorSpec
from archstat.options import InputDtype

runner = CliRunner()
CORPUS = "tests/user_corpus.py"


class LinearFirst(nn.Module):
    """A Linear registered before a convolution: one number could be 10 features or a 10x10 image."""

    def __init__(self) -> None:
        super().__init__()
        self.fc, self.conv = nn.Linear(10, 10), nn.Conv2d(3, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


@pytest.mark.parametrize(("model", "shape"), [
    (nn.Sequential(nn.Conv1d(2, 4, 3)), (2, 10)),  # channels from the Conv1d: 2 x 10
    (nn.Sequential(nn.Conv3d(1, 2, 3)), (1, 10, 10, 10)),
    (nn.Sequential(nn.ConvTranspose2d(5, 2, 3)), (5, 10, 10)),
    (nn.Sequential(nn.Linear(10, 4), nn.ReLU()), (10,)),  # no convolution: 10 features
    (nn.Sequential(nn.Embedding(50, 4)), (10,)),
])
def test_one_number_reads_from_the_first_layer_with_weights(model: nn.Module, shape: tuple[int, ...]) -> None:
    assert resolve(model, input_size="10").shapes == [shape]


def test_an_ambiguous_number_is_an_error_showing_both_spellings() -> None:
    with pytest.raises(InputSizeError) as error:
        resolve(LinearFirst(), input_size="10")
    assert str(error.value) == (
        "--input 10 is ambiguous for this model (it has convolutions, but its first layer with weights is "
        "Linear): write --input 3x10x10 for 3 channels of 10x10, or --input 10:float32 for a "
        "one-dimensional input of 10 (a dtype makes the text the whole shape).")
    assert resolve(LinearFirst(), input_size="10:float32").shapes == [(10,)]
    assert archstat.analyze(LinearFirst(), input_size="10:float32").totals["macs"] == 10 * 10


def test_a_lazy_convolution_first_is_ambiguous_too() -> None:
    with pytest.raises(InputSizeError, match="ambiguous"):
        resolve(nn.Sequential(nn.LazyConv2d(4, 3)), input_size="8")


def test_dtypes_parse_and_a_bad_one_names_the_choices() -> None:
    assert resolve(nn.Embedding(9, 2), input_size="7:int64").inputs == [TensorSpec((7,), InputDtype.int64)]
    assert resolve(nn.Embedding(9, 2), input_size=TensorSpec((3, 4), InputDtype.int32)).shapes == [(3, 4)]
    with pytest.raises(UsageError, match=r"--input '7:long': dtype 'long' is not one of float32, float64"):
        resolve(nn.Embedding(9, 2), input_size="7:long")


def test_token_ids_are_zeros_a_valid_index_and_the_report_says_the_dtype() -> None:
    """Embedding(100, 8) then Linear(8, 3) on 12 ids: 12 x 8 x 3 MACs."""
    net = nn.Sequential(nn.Embedding(100, 8), nn.Linear(8, 3))
    report = archstat.analyze(net, input_size="12:int64", batch=2)
    assert report.totals["macs"] == 2 * 12 * 8 * 3
    assert report.input_dtypes == ["int64"] and report.to_dict()["input_dtypes"] == ["int64"]
    result = runner.invoke(app, ["table", f"{CORPUS}:embedding", "--input", "5:int64"])
    assert result.exit_code == 0 and "Input 1x5 int64 (batch first)" in result.stdout


@pytest.mark.parametrize("spec", ["embedding", "embedding_bag"])
@pytest.mark.parametrize("engine", ["meta", "fvcore"])
def test_an_embedding_fed_floats_is_told_to_give_token_ids(spec: str, engine: str) -> None:
    with pytest.raises(AnalysisError) as error:
        archstat.analyze(f"{CORPUS}:{spec}", input_size="5", engine=engine)
    first = str(error.value).splitlines()[0]
    assert "(Embedding" in first and "indices" in first  # the layer, then torch's own reason
    assert first.endswith(". Give integer token ids: --input 5:int64 (input_size='5:int64' in Python).")
    assert ".." not in first


class Masked(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 6)

    def forward(self, x: torch.Tensor, *, mask: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
        return self.fc(x).masked_fill(mask, 0.0) * scale


@pytest.mark.parametrize("data", [
    torch.zeros(2, 4),
    (torch.zeros(2, 4),),
    [torch.zeros(2, 4)],
])
def test_input_data_as_torchinfo_takes_it(data: object) -> None:
    """The tensors carry the batch: Linear(4, 6) on 2 rows is 2 x 4 x 6 MACs."""
    net = nn.Linear(4, 6)
    report = archstat.analyze(net, input_data=data)  # type: ignore[arg-type]
    assert (report.input_shape, report.totals["macs"]) == ([(2, 4)], 2 * 4 * 6)


@pytest.mark.parametrize("engine", ["fvcore", "meta"])
def test_keyword_inputs_as_a_dict_of_tensors_or_specs(engine: str) -> None:
    net = Masked()
    before = snapshot(net)
    given = archstat.analyze(net, input_data={"x": torch.zeros(3, 4), "mask": torch.zeros(3, 6, dtype=torch.bool)},
                             engine=engine)
    assert given.totals["macs"] == 3 * 4 * 6
    made = archstat.analyze(net, input_size="4", forward_kwargs={"mask": "6:bool", "scale": 2.0}, engine=engine,
                            batch=5)
    assert made.totals["macs"] == 5 * 4 * 6 and made.input_shape == [(5, 4), (5, 6)]
    assert_unchanged(before, net)


def test_forward_kwargs_on_the_command_line(tmp_path: Path) -> None:
    args = ["table", f"{CORPUS}:keyword_inputs", "--input", "3x4", "--format", "json",
            "--forward-kwargs", '{"mask": "3x4:bool", "scale": 0.5}']
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["macs"] == 3 * 4 * 4
    bad = runner.invoke(app, [*args[:-1], "[1, 2]"])
    assert bad.exit_code == 2 and "--forward-kwargs '[1, 2]' is a JSON list; give a JSON object" in bad.output


def test_input_data_and_input_size_together_is_an_error() -> None:
    with pytest.raises(UsageError, match="input_size or input_data, not both"):
        archstat.analyze(nn.Linear(4, 6), input_size="4", input_data=torch.zeros(1, 4))
    with pytest.raises(UsageError, match="input_data carries its own batch"):
        archstat.analyze(nn.Linear(4, 6), input_data=torch.zeros(1, 4), batch=3)


@pytest.mark.parametrize("command", [
    ["table", f"{CORPUS}:batchnorm", "--input", "3x8x8"],
    ["rf", f"{CORPUS}:batchnorm", "--input", "3x8x8"],
    ["diff", f"{CORPUS}:batchnorm", f"{CORPUS}:conv2d", "--input", "3x8x8"],
    ["compare", f"{CORPUS}:batchnorm", f"{CORPUS}:conv2d", "--input", "3x8x8", "--metric", "macs"],
])
def test_every_counting_command_takes_and_states_the_mode(command: list[str]) -> None:
    for mode in ("eval", "train"):
        result = runner.invoke(app, [*command, "--mode", mode])
        assert result.exit_code == 0, result.output
        assert f"{mode} mode" in result.stdout
    as_json = runner.invoke(app, [*command, "--mode", "train", "--format", "json"])
    assert json.loads(as_json.stdout)["mode"] == "train"


def test_the_api_does_not_tell_python_callers_to_use_debug() -> None:
    with pytest.raises(AnalysisError) as error:
        archstat.analyze(nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 2)), input_size="3")
    assert "--debug" not in str(error.value)
    result = runner.invoke(app, ["table", f"{CORPUS}:broken", "--input", "3x8x8"])
    assert result.exit_code == 1 and result.output.rstrip().endswith("Run with --debug for the full traceback.")


class ReturnsNothing(nn.Module):
    """A forward whose result is kept on the module, not returned: nothing reaches an output."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> None:
        self.fc(x)


class DeadBranch(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.used, self.unused = nn.Linear(4, 3), nn.Linear(4, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.unused(x)
        return self.used(x)


def test_ops_that_reach_no_output_are_said() -> None:
    """No tensor in the output: every operator that ran counts (4 x 3), and a note says so. A branch
    thrown away (4 x 5 MACs) counts for neither engine, as fvcore's trace drops it, and a note says that."""
    nothing = archstat.analyze(ReturnsNothing(), input_size="4", engine="meta")
    assert nothing.totals["macs"] == 4 * 3
    assert nothing.notes == ["the output holds no tensor, so every operator that ran is counted (12 MACs)."]
    for engine in ("fvcore", "meta"):
        dead = archstat.analyze(DeadBranch(), input_size="4", engine=engine)
        assert dead.totals["macs"] == 4 * 3
        assert dead.notes == ["20 MACs of operators whose results reach no output are not counted "
                              "(as fvcore's trace drops dead code)."]


def test_a_model_fvcore_cannot_trace_is_counted_by_the_meta_pass_with_one_note() -> None:
    report = archstat.analyze(f"{CORPUS}:custom_output", input_size="4")
    assert report.totals["macs"] == 4 * 3 + 4 * 2 and report.engine == "meta"
    assert [n for n in report.notes if n.startswith("fvcore's tracer cannot follow this model")] != []


def test_a_scriptmodule_is_counted_whole_and_says_what_is_missing() -> None:
    report = archstat.analyze(f"{CORPUS}:scripted", input_size="3x8x8")
    assert report.totals["macs"] == 4 * 6 * 6 * 27 + 4 * 6 * 6 * 2 and report.engine == "torch"
    assert "analyse the model before torch.jit.script" in report.notes[0]


def test_memory_takes_keyword_and_integer_inputs() -> None:
    """Linear(4, 4): 20 fp32 weights = 80 bytes; the mask is fed at the batch, the ids keep int64."""
    from archstat.analysis.memory import estimate_memory

    keyword = estimate_memory(f"{CORPUS}:keyword_inputs", input_size="3x4", batch=2,
                              forward_kwargs={"mask": "3x4:bool", "scale": 0.5})
    assert keyword.totals["weights"] == 20 * 4 and keyword.input_shape == [(2, 3, 4), (2, 3, 4)]
    result = runner.invoke(app, ["memory", f"{CORPUS}:embedding", "--input", "5:int64", "--dtype", "fp16"])
    assert result.exit_code == 0, result.output


def test_a_plain_int_input_size_reads_as_the_one_number_text() -> None:
    """``input_size=32`` from Python is what ``--input 32`` is on the command line: LeNet-5 at 1x32x32,
    whose first convolution (1->6, 5x5) has 6 x 28 x 28 outputs of 25 MACs each."""
    from archstat import analyze

    as_int, as_text = analyze("lenet5", input_size=32, engine="meta"), analyze("lenet5", input_size="32", engine="meta")
    assert as_int.input_shape == as_text.input_shape == [(1, 1, 32, 32)]
    assert as_int.totals == as_text.totals
    assert as_int.records[1].macs == 6 * 28 * 28 * 25
