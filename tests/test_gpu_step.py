"""benchmarks/gpu_step.py runs end to end on a CPU with tiny settings (no GPU needed), and its
estimate column is archstat's training estimate for the same settings."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import archstat

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "gpu_step.py"


def test_the_gpu_step_script_runs_on_a_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("gpu_step", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "gpu_step", script)  # its dataclass looks its module up there
    spec.loader.exec_module(script)
    text = script.main(["--device", "cpu", "--models", "resnet18", "--batches", "2", "--input", "32",
                        "--steps", "1", "--warmup", "0"])
    estimate = archstat.estimate_memory("resnet18", input_size="3x32x32", batch=2, dtype="fp32", optimizer="sgd")
    macs = archstat.analyze("resnet18", input_size="3x32x32", batch=2).totals["macs"]  # the fvcore engine
    row = next(line for line in text.splitlines() if line.startswith("| resnet18 |")).split(" | ")
    assert row[1:4] == ["32", "2", f"{estimate.totals['training'] / 2**20:,.0f} MiB"]
    assert row[4:6] == ["n/a", "n/a"]  # no allocator statistics on a CPU
    assert row[6] == f"{macs / 1e9:,.1f}"
