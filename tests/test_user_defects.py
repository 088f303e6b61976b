"""The last user-model defects peers' own test suites found (torchinfo, fvcore and ptflops
fixtures, as their users run them): a scripted submodule, uncounted operators that depended on the
engine, a forward that reads a value, a forward that returns a distribution.

The models are written to a file and named by spec, as a user of the command line names them.
"""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path
from typing import Any

import pytest
import torch
from fvcore.nn import FlopCountAnalysis
from torch import nn
from typer.testing import CliRunner

from archstat.analysis.counting import analyze
from archstat.analysis.user_models import build_user_model
from archstat.cli.app import app
from archstat.errors import UnsupportedModelError

MODELS = '''
import math
import torch
from torch import nn


class Scripted(nn.Module):
    """torchinfo's fixture style: a scripted part inside a Python model."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.inner = torch.jit.script(nn.Sequential(nn.Conv2d(4, 4, 3), nn.ReLU()))

    def forward(self, x):
        return self.inner(self.conv(x))


class TraceWarningNet(nn.Module):
    """fvcore's fixture: fc2 runs only if fc1's value, read with .item(), is negative."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 1)
        self.fc2 = nn.Linear(10, 10)

    def forward(self, x):
        y = self.fc1(x).item()
        if y < 0.0:
            x = self.fc2(x)
        return x + 2


class Policy(nn.Module):
    """A forward returning a torch.distributions object (a policy head)."""

    def __init__(self):
        super().__init__()
        self.mean = nn.Linear(4, 2)

    def forward(self, x):
        return torch.distributions.Normal(self.mean(x), torch.ones(2))
'''

runner = CliRunner()


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("defects") / "peer_models.py"
    path.write_text(textwrap.dedent(MODELS))
    return path


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("engine", ["fvcore", "meta"])
def test_a_scripted_submodule_is_refused_in_one_line(models: Path, engine: str) -> None:
    spec = f"{models}:Scripted"
    with pytest.raises(UnsupportedModelError, match="'inner' is a TorchScript module"):
        analyze(spec, input_size="3x8x8", engine=engine)
    for command in ("table", "rf", "memory"):
        options = ("--engine", engine) if command != "memory" else ()
        result = cli(command, spec, "--input", "3x8x8", *options)
        lines = result.stderr.strip().splitlines()
        assert result.exit_code == 1 and len(lines) == 1 and "internal error" not in lines[0], result.stderr
        assert "torch.jit.script" in lines[0]


class CellTagger(nn.Module):
    """An LSTMCell stepped over a sequence, then a linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.cell, self.head = nn.LSTMCell(8, 16), nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = c = torch.zeros(x.shape[0], 16, device=x.device)
        for t in range(x.shape[1]):
            h, c = self.cell(x[:, t], (h, c))
        return self.head(h)


class GruTagger(CellTagger):
    def __init__(self) -> None:
        super().__init__()
        self.cell = nn.GRUCell(8, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.zeros(x.shape[0], 16, device=x.device)
        for t in range(x.shape[1]):
            h = self.cell(x[:, t], h)
        return self.head(h)


class Attention(nn.Module):
    """Single-head attention scaled by a division, with a cast back to the input's dtype."""

    def __init__(self) -> None:
        super().__init__()
        self.qkv, self.proj = nn.Linear(16, 48), nn.Linear(16, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.qkv(x).chunk(3, -1)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(16)
        return self.proj((scores.softmax(-1) @ v).type(x.dtype))


class TorchAttention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(16, 2, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attention(x, x, x)[0]


class LocalResponse(nn.Module):
    """A convolution, then torch's CrossMapLRN2d: a custom autograd.Function."""

    def __init__(self) -> None:
        super().__init__()
        self.conv, self.lrn = nn.Conv2d(3, 4, 3), nn.CrossMapLRN2d(3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lrn(self.conv(x))


@pytest.mark.parametrize(("model", "expected"), [
    # the gates: sigmoid of i, f, o; tanh of g and of c; c = f*c + i*g; h = o*tanh(c); the sum of
    # the input and hidden products is an add too
    (CellTagger, {"add", "mul", "sigmoid", "tanh"}),
    (GruTagger, {"add", "mul", "sigmoid", "sub", "tanh"}),  # h' = (1 - z) n + z h: sub, mul, add
    (Attention, {"div", "softmax"}),  # the cast to the same dtype is no operator
    (TorchAttention, {"mul", "softmax", "unflatten"}),  # q scaled by a mul; head sizes are no operator
    (LocalResponse, {"PythonOp.CrossMapLRN2d"}),  # fvcore's trace does not look inside a custom Function
])
def test_uncounted_operators_do_not_depend_on_the_engine(model: type[nn.Module], expected: set[str]) -> None:
    shape = {CellTagger: "5x8", GruTagger: "5x8", LocalResponse: "3x8x8"}.get(model, "5x16")
    reports = {engine: analyze(model(), input_size=shape, engine=engine) for engine in ("fvcore", "meta")}
    assert reports["fvcore"].totals["macs"] == reports["meta"].totals["macs"]
    assert reports["fvcore"].totals["uncounted_ops"] == reports["meta"].totals["uncounted_ops"] == sorted(expected)


def test_a_forward_reading_a_value_counts_the_librarys_number(models: Path) -> None:
    spec = f"{models}:TraceWarningNet"
    module, _ = build_user_model(spec, {})  # seeded: the same weights archstat builds
    x = torch.zeros(1, 10)
    with torch.no_grad():
        fc2_runs = float(module.fc1(x)) < 0.0
        analysis = FlopCountAnalysis(module, x).unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        analysis.tracer_warnings("none")
        fvcore_total = analysis.total()
    # fc1's result leaves the graph through .item(), so fvcore's trace keeps fc2 alone: 10 x 10 MACs
    assert fvcore_total == (100 if fc2_runs else 0)
    library = analyze(spec, input_size="10", engine="fvcore").totals["macs"]
    for engine in ("fvcore", "meta"):
        result = cli("table", spec, "--input", "10", "--engine", engine, "--format", "json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["totals"]["macs"] == library == fvcore_total
        assert any("reads tensor values" in note for note in data["notes"])
    meta_report = analyze(spec, input_size="10", engine="meta")
    assert meta_report.engine == "fvcore" and meta_report.notes[0].startswith("The meta engine cannot read")


def test_a_value_read_without_weights_is_one_line(models: Path) -> None:
    module, _ = build_user_model(f"{models}:TraceWarningNet", {})
    with pytest.raises(UnsupportedModelError) as raised:
        analyze(module.to("meta"), input_size="10", engine="meta")
    assert "\n" not in str(raised.value) and "reads tensor values" in str(raised.value)


@pytest.mark.parametrize("engine", ["fvcore", "meta"])
def test_a_forward_returning_a_distribution_is_counted(models: Path, engine: str) -> None:
    checking = torch.distributions.Distribution._validate_args
    result = cli("table", f"{models}:Policy", "--input", "4", "--engine", engine, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["macs"] == 4 * 2  # the mean's linear: 4 inputs x 2 outputs
    assert torch.distributions.Distribution._validate_args == checking  # the meta pass's switch is undone
