"""Models bigger than RAM: built on the meta device, never allocated, counted exactly.

The fixture is VGG-16 with every width multiplied (``tests/fixtures/wide_vgg.py``); at 8x it holds
8.6 G parameters, 34.5 GB of fp32 weights. Its counts are pinned to the hand formulas below.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch
from torch import nn

import archstat
from archstat.analysis.resolve import meta_copy
from archstat.engines import budget
from archstat.errors import UsageError

FIXTURES = Path(__file__).parent / "fixtures"
NO_LIMIT = "1T"
M = "M"
# VGG-16 (configuration D) and the same network 8x wider, written out as the issue gives it.
VGG16 = [64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M]
VGG16_8X = [512, 512, M, 1024, 1024, M, 2048, 2048, 2048, M, 4096, 4096, 4096, M, 4096, 4096, 4096, M]
VGG16_SMALL = [8, 8, M, 16, 16, M, 32, 32, 32, M, 64, 64, 64, M, 64, 64, 64, M]  # width 1/8


def vgg_by_hand(convs: list[int | str], hidden: int, side: int, classes: int = 1000) -> tuple[int, int]:
    """(params, MACs) of a VGG at a ``side`` x ``side`` input, by hand.

    A 3x3 convolution (padding 1) from cin to cout channels holds 9*cin*cout weights and cout biases
    and does 9*cin*cout multiply-adds at each of its H*W outputs; a 2x2 max-pool halves H and W and
    counts nothing; a linear layer from n to m holds n*m weights and m biases and does n*m MACs.
    The classifier is last_channels*(side/32)^2 -> hidden -> hidden -> classes.
    """
    params = macs = 0
    channels, size = 3, side
    for item in convs:
        if item == M:
            size //= 2
            continue
        assert isinstance(item, int)
        params += 9 * channels * item + item
        macs += 9 * channels * item * size * size
        channels = item
    for n, m in ((channels * size * size, hidden), (hidden, hidden), (hidden, classes)):
        params += n * m + m
        macs += n * m
    return params, macs


def test_the_hand_formula_on_vgg16_and_written_out_at_8x() -> None:
    # VGG-16 itself: the paper's 138 M parameters (138,357,544 exactly) and its 15.47 G MACs at 224.
    assert vgg_by_hand(VGG16, 4096, 224) == (138_357_544, 15_470_264_320)
    # 8x, written out layer by layer: 3x3 kernels, four pools before the 14x14 stage.
    conv_weights = 9 * (3 * 512 + 512 * 512 + 512 * 1024 + 1024 * 1024 + 1024 * 2048 + 2 * 2048 * 2048
                        + 2048 * 4096 + 2 * 4096 * 4096 + 3 * 4096 * 4096)
    biases = 2 * 512 + 2 * 1024 + 3 * 2048 + 6 * 4096 + 32768 + 32768 + 1000
    linear_weights = 4096 * 7 * 7 * 32768 + 32768 * 32768 + 32768 * 1000
    conv_macs = (224**2 * 9 * (3 * 512 + 512 * 512) + 112**2 * 9 * (512 * 1024 + 1024 * 1024)
                 + 56**2 * 9 * (1024 * 2048 + 2 * 2048 * 2048) + 28**2 * 9 * (2048 * 4096 + 2 * 4096 * 4096)
                 + 14**2 * 9 * (3 * 4096 * 4096))
    assert vgg_by_hand(VGG16_8X, 32768, 224) == (conv_weights + biases + linear_weights, conv_macs + linear_weights)
    assert 8.6e9 < conv_weights + biases + linear_weights < 8.7e9  # 34.5 GB in fp32


@pytest.fixture
def wide_vgg(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The fixture module, imported as archstat imports ``wide_vgg:WideVGG``: the same module object,
    so ``BUILT_ON`` shows where each construction allocated its tensors."""
    monkeypatch.syspath_prepend(str(FIXTURES))
    module = importlib.import_module("wide_vgg")
    module.BUILT_ON.clear()
    return module


def test_weights_over_the_budget_are_never_allocated(wide_vgg: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """VGG-16's 553 MB of weights against a 100 MB budget: built on meta only, counted by the meta engine."""
    arguments = {"input_size": "3x224x224", "kwargs": {"width": 1}}
    report = archstat.analyze("wide_vgg:WideVGG", memory_budget="100M", **arguments)  # type: ignore[arg-type]
    assert wide_vgg.BUILT_ON == ["meta"]
    assert report.engine == "meta" and len(report.notes) == 1
    assert "weights alone take 0.5 GiB, over the memory budget of 0.1 GiB (--memory-budget)" in report.notes[0]
    assert (report.totals["params"], report.totals["macs"]) == vgg_by_hand(VGG16, 4096, 224)
    monkeypatch.setenv(budget.BUDGET_ENV, "100M")  # the variable forces the same path
    assert archstat.analyze("wide_vgg:WideVGG", **arguments).engine == "meta"  # type: ignore[arg-type]
    assert wide_vgg.BUILT_ON == ["meta", "meta"]


def test_a_zoo_model_over_the_budget_is_weighed_on_meta_too() -> None:
    report = archstat.analyze("vgg11", input_size=(3, 64, 64), memory_budget="100M")
    assert report.engine == "meta" and len(report.notes) == 1
    assert "weights alone take 0.5 GiB" in report.notes[0] and "no weight allocated" in report.notes[0]
    vgg11 = [64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M]  # configuration A
    assert report.totals["params"] == vgg_by_hand(vgg11, 4096, 224)[0] == 132_863_336  # the paper's 133 M


def test_within_the_budget_the_model_is_built_for_real_and_traced(wide_vgg: ModuleType) -> None:
    report = archstat.analyze("wide_vgg:WideVGG", input_size="3x32x32", kwargs={"width": 0.125, "side": 32},
                              memory_budget=NO_LIMIT)
    assert wide_vgg.BUILT_ON == ["meta", "cpu"]  # counted on meta first, then built normally
    assert (report.engine, report.notes) == ("fvcore", [])
    assert (report.totals["params"], report.totals["macs"]) == vgg_by_hand(VGG16_SMALL, 512, 32)


def test_the_meta_engine_builds_a_users_model_without_weights(wide_vgg: ModuleType) -> None:
    report = archstat.analyze("wide_vgg:WideVGG", input_size="3x224x224", kwargs={"width": 1}, engine="meta")
    assert wide_vgg.BUILT_ON == ["meta"]
    assert (report.engine, report.notes) == ("meta", [])
    assert (report.totals["params"], report.totals["macs"]) == vgg_by_hand(VGG16, 4096, 224)
    assert [r.output_shape for r in report.records if r.name == "features.30"] == [[1, 512, 7, 7]]  # the last pool


def test_a_constructor_that_needs_values_is_built_normally_with_one_note(wide_vgg: ModuleType) -> None:
    report = archstat.analyze("wide_vgg:NeedsValues", input_size="3x32x32", engine="meta")
    assert wide_vgg.BUILT_ON == ["meta", "cpu"]
    assert len(report.notes) == 1
    assert "built normally, its weights in memory: its constructor needs real tensors" in report.notes[0]
    assert "Tensor.item() cannot be called on meta tensors, at wide_vgg.py:" in report.notes[0]
    # conv 3->8, 3x3: 3*8*9 + 8 params, 8*30*30 outputs of 27 MACs; linear 8->10: 80 + 10 params, 80 MACs
    assert (report.totals["params"], report.totals["macs"]) == (224 + 90, 8 * 30 * 30 * 27 + 80)
    traced = archstat.analyze("wide_vgg:NeedsValues", input_size="3x32x32", memory_budget=NO_LIMIT)
    assert (traced.engine, traced.notes) == ("fvcore", [])  # a normal build is what a real trace needs anyway
    assert traced.totals == report.totals


def test_a_constructor_that_loads_weights_builds_on_meta_silently(wide_vgg: ModuleType,
                                                                  recwarn: pytest.WarningsRecorder) -> None:
    report = archstat.analyze("wide_vgg:FromCheckpoint", input_size="4", engine="meta")
    assert wide_vgg.BUILT_ON == ["meta"] and report.notes == [] and not recwarn.list
    assert (report.totals["params"], report.totals["macs"]) == (4 * 2 + 2, 4 * 2)


def test_lazy_layers_are_built_normally_and_traced_as_before(wide_vgg: ModuleType) -> None:
    report = archstat.analyze("wide_vgg:Lazy", input_size="3x16x16", memory_budget=NO_LIMIT)
    assert wide_vgg.BUILT_ON == ["meta", "cpu"] and report.engine == "fvcore"
    assert len(report.notes) == 1 and report.notes[0].startswith("lazy layers took their shapes")  # on a copy
    # conv 3->8, 3x3 on 16x16: 224 params, 8*14*14 outputs of 27 MACs; linear 8->10: 90 params, 80 MACs
    assert (report.totals["params"], report.totals["macs"]) == (224 + 90, 8 * 14 * 14 * 27 + 80)


def test_bad_arguments_on_the_meta_device_are_still_a_usage_error(wide_vgg: ModuleType) -> None:
    with pytest.raises(UsageError, match="Cannot build WideVGG"):
        archstat.analyze("wide_vgg:WideVGG", input_size="3x224x224", kwargs={"depth": 3}, engine="meta")
    assert wide_vgg.BUILT_ON == []


class KeepsATensor(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(256, 256)
        self.table = torch.ones(1024, 1024)  # a plain attribute, neither parameter nor buffer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) + self.table[0, :256]


def test_meta_copy_copies_no_tensor_data() -> None:
    model = KeepsATensor()
    copied = meta_copy(model)
    assert all(t.is_meta for t in (*copied.parameters(), copied.table))
    assert copied.table.shape == (1024, 1024) and not model.table.is_meta and not model.fc.weight.is_meta


# The 8x model itself, in a fresh process: its peak memory is that process's own, VmHWM (the high-water mark of its
# memory map, which starts anew at exec). Not ru_maxrss: a child started by fork or vfork carries over its parent's
# peak there, so a test worker that once held 1.5 GB made the child read 1.5 GB however little it used.
BIG = f"{FIXTURES / 'wide_vgg.py'}:WideVGG"
SCRIPT = f"""
import json, archstat
runs = {{engine: archstat.analyze({BIG!r}, input_size="3x224x224", engine=engine) for engine in ("meta", "fvcore")}}
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"runs": {{e: [r.engine, r.totals["params"], r.totals["macs"], r.notes] for e, r in runs.items()}},
                  "peak_kib": peak}}))
"""


def test_vgg16_widened_8x_answers_on_both_engines_within_1_5_gb() -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(archstat.__file__).parents[1]),
           budget.BUDGET_ENV: "24G", "OMP_NUM_THREADS": "1"}  # a 24 GB machine's whole memory as the budget
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    params, macs = vgg_by_hand(VGG16_8X, 32768, 224)
    assert found["runs"]["meta"] == ["meta", params, macs, []]
    engine, counted_params, counted_macs, notes = found["runs"]["fvcore"]
    assert (engine, counted_params, counted_macs, len(notes)) == ("meta", params, macs, 1)
    assert "weights alone take 32.1 GiB, over the memory budget of 24.0 GiB (ARCHSTAT_MEMORY_BUDGET)" in notes[0]
    assert found["peak_kib"] * 1024 < 1.5e9


def test_the_memory_of_vgg16_widened_8x_without_its_weights(wide_vgg: ModuleType) -> None:
    """``archstat memory`` builds a user's model on the meta device too: 34.5 GB of weights, none allocated."""
    report = archstat.estimate_memory("wide_vgg:WideVGG", input_size="3x224x224", optimizer="momentum")
    params = vgg_by_hand(VGG16_8X, 32768, 224)[0]
    assert wide_vgg.BUILT_ON == ["meta"]
    # fp32: 4 bytes a weight, as many for its gradient, and one momentum buffer of the same size
    assert (report.totals["weights"], report.totals["gradients"], report.totals["optimizer_state"]) == \
        (4 * params, 4 * params, 4 * params)
