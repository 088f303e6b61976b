"""archstat speed without timing: bytes by hand, the roofline's arithmetic, the device table against its
sources' words, the timing's bookkeeping on a fake clock, and the refusals. No test here depends on
how fast this machine is (benchmarks/speed.py measures that)."""

from __future__ import annotations

import functools
import math
import re
import statistics

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from archstat.analysis.calibrate import formula_roofs, read_processor, vector_block
from archstat.analysis.cost import Roofs, roofline
from archstat.analysis.devices import DEVICES, GIB, get_device
from archstat.analysis.speed import speed
from archstat.analysis.speed_report import spearman
from archstat.analysis.timing import between_name, time_layers
from archstat.cli.app import app
from archstat.errors import UsageError

FP32, BF16 = 4, 2
runner = CliRunner()


class Add(nn.Module):
    """A container whose own work is one addition: its "between" row."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Identity(), nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(x) + self.b(x)


def rows(module: nn.Module, shape: tuple[int, ...], batch: int = 1, dtype: str = "fp32") -> dict:
    report = speed(module, device="h100-sxm", dtype=dtype, batch=batch, input_size=shape)
    return {r.name: r for r in report.rows}


def test_convolution_bytes_by_hand():
    r = rows(nn.Sequential(nn.Conv2d(16, 32, 3, padding=1)), (16, 8, 8))["0"]
    assert (r.kind, r.weight_bytes) == ("conv", (32 * 16 * 3 * 3 + 32) * FP32)
    assert (r.input_bytes, r.output_bytes) == (16 * 8 * 8 * FP32, 32 * 8 * 8 * FP32)
    assert r.flops == 2 * (32 * 8 * 8) * (16 * 3 * 3) == 2 * r.macs  # FLOPs = 2 x analyze's MACs


def test_depthwise_convolution_bytes_by_hand():
    r = rows(nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False)), (16, 8, 8))["0"]
    assert (r.kind, r.weight_bytes) == ("depthwise", 16 * 1 * 3 * 3 * FP32)
    assert r.input_bytes == r.output_bytes == 16 * 8 * 8 * FP32
    assert r.flops == 2 * (16 * 8 * 8) * 9


def test_linear_bytes_by_hand_at_batch_4_and_in_bf16():
    r = rows(nn.Sequential(nn.Linear(100, 10)), (100,), batch=4)["0"]
    assert (r.kind, r.weight_bytes, r.input_bytes, r.output_bytes) == (
        "matmul", (100 * 10 + 10) * FP32, 4 * 100 * FP32, 4 * 10 * FP32)
    assert r.flops == 2 * 4 * 100 * 10
    half = rows(nn.Sequential(nn.Linear(100, 10)), (100,), batch=4, dtype="bf16")["0"]
    assert half.bytes == (100 * 10 + 10 + 400 + 40) * BF16


def test_batch_norm_bytes_by_hand():
    r = rows(nn.Sequential(nn.BatchNorm2d(16)), (16, 8, 8))["0"]
    # weight, bias, running mean and variance: 4 x 16 numbers; the input read once, the output written once
    assert (r.kind, r.weight_bytes, r.input_bytes, r.output_bytes) == (
        "norm", 4 * 16 * FP32, 16 * 64 * FP32, 16 * 64 * FP32)
    assert r.intensity == pytest.approx(2 * 16 * 64 / r.bytes)  # 2 FLOPs per element


def test_addition_is_the_containers_between_row():
    got = rows(Add(), (16, 8, 8))
    add = got[between_name("")]
    assert (add.kind, add.weight_bytes, add.input_bytes, add.output_bytes) == (
        "elementwise", 0, 2 * 16 * 64 * FP32, 16 * 64 * FP32)
    assert "a" not in got  # Identity runs no kernel: no row, no cost


def test_roofline_arithmetic_on_a_synthetic_device():
    roofs = Roofs("toy", {"vector": 1e12}, ((1.0, 1e11),), 1e-6, "test")
    compute = roofline(1e9, 1e6, "conv", roofs)  # 1 ms of arithmetic, 10 us of traffic
    assert (compute.seconds, compute.bound) == (pytest.approx(1e-3 + 1e-6), "compute")
    memory = roofline(1e6, 1e9, "elementwise", roofs)  # 1 us of arithmetic, 10 ms of traffic
    assert (memory.seconds, memory.bound) == (pytest.approx(1e-2 + 1e-6), "memory")
    assert roofline(10, 10, "elementwise", roofs).bound == "overhead"
    curve = Roofs("toy", {"vector": 1.0}, ((1e3, 1e10), (1e5, 2e10)), 0.0, "test")
    assert curve.bandwidth_at(1e4) == pytest.approx(1.5e10)  # half-way in log size
    assert (curve.bandwidth_at(10), curve.bandwidth_at(1e9)) == (1e10, 2e10)
    finer = Roofs("toy", {"conv3x3": 2e9, "conv": 1e9, "vector": 1e8}, ((1.0, 1e12),), 0.0, "test")
    assert roofline(2e9, 0, "conv", finer, "conv3x3").seconds == pytest.approx(1.0)  # its class's peak
    assert roofline(2e9, 0, "conv", finer, "conv1x1").seconds == pytest.approx(2.0)  # falls back to its kind
    assert roofline(2e9, 0, "elementwise", finer).seconds == pytest.approx(20.0)  # then to the vector units


# The sources' dense figures, as the datasheets and whitepapers print them (teraFLOP/s or TOPS).
DENSE = [
    ("h100-sxm", "bf16", 989.4), ("h100-sxm", "tf32", 494.7), ("h100-sxm", "fp32", 66.9), ("h100-sxm", "int8", 1978.9),
    ("h100-pcie", "bf16", 1513 / 2), ("h100-pcie", "tf32", 756 / 2), ("h200", "bf16", 1979 / 2),
    ("h200", "tf32", 989 / 2), ("a100-40gb", "tf32", 156), ("a100-80gb", "bf16", 312), ("l4", "fp16", 242 / 2),
    ("l4", "fp32", 30.3), ("rtx4090", "fp16", 165.2), ("rtx3090", "bf16", 71), ("t4", "fp16", 65), ("t4", "fp32", 8.1),
    ("v100", "fp16", 125), ("v100", "fp32", 15.7), ("gtx580", "fp32", 512 * 2 * 1.544e9 / 1e12),
]


@pytest.mark.parametrize(("name", "dtype", "tera"), DENSE)
def test_device_peaks_are_dense(name, dtype, tera):
    assert DEVICES[name].peaks[dtype].value == pytest.approx(tera * 1e12)


def test_other_tools_errors_are_not_in_the_table():
    h100 = DEVICES["h100-sxm"]
    assert h100.peaks["bf16"].value != pytest.approx(1979e12)  # a sparse figure given as dense
    assert h100.peaks["tf32"].value != pytest.approx(156e12)  # A100's TF32


@pytest.mark.parametrize(("name", "bandwidth", "memory"), [
    ("h100-sxm", 3350, 80), ("h100-pcie", 2000, 80), ("h200", 4800, 141), ("a100-40gb", 1555, 40),
    ("a100-80gb", 2039, 80), ("l4", 300, 24), ("rtx4090", 1008, 24), ("rtx3090", 936, 24), ("t4", 320, 16),
    ("v100", 900, 32), ("gtx580", 192.4, 3)])
def test_device_bandwidth_and_memory(name, bandwidth, memory):
    device = DEVICES[name]
    assert device.bandwidth.value == pytest.approx(bandwidth * 1e9)
    assert device.memory.value == pytest.approx(memory * GIB)


def test_every_figure_has_a_source_and_sparse_ones_are_halved():
    for device in DEVICES.values():
        for figure in [*device.peaks.values(), device.bandwidth, device.memory]:
            assert figure.source.startswith("https://"), (device.name, figure)
            if figure.sparse:  # the source's own number is twice the dense value kept here
                quoted = [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", figure.says)]
                assert any(math.isclose(q * 1e12, 2 * figure.value, rel_tol=1e-3) for q in quoted), figure.says
    with pytest.raises(UsageError, match="not cpu, cuda or a device"):
        get_device("h1000")


def test_formula_ceilings_from_the_processors_description():
    cpuinfo = ("model name\t: Test CPU\ncpu family\t: 25\nmodel\t\t: 17\ncpu MHz\t\t: 2600.000\n"
               "flags\t\t: fma avx2 avx512f\n")
    processor = read_processor(cpuinfo)
    roofs = formula_roofs(processor, threads=2, dtype="fp32")
    assert roofs.peaks["vector"] == pytest.approx(2 * 2.6e9 * 1.5 * 64)  # cores x clock x turbo x FLOPs/cycle
    assert roofs.bandwidth[0][1] == pytest.approx(2 * 2.6e9 * 1.5 * 2 * 64)  # two 64-byte loads a cycle
    avx2 = formula_roofs(read_processor(cpuinfo.replace(" avx512f", "")), threads=1, dtype="fp32")
    assert avx2.peaks["vector"] == pytest.approx(2.6e9 * 1.5 * 32)
    assert avx2.bandwidth[0][1] == pytest.approx(2.6e9 * 1.5 * 2 * 32)  # two 32-byte loads a cycle
    # oneDNN's channel block: a vector's fp32 lanes
    assert (vector_block(processor.flags), vector_block(frozenset({"avx2", "fma"}))) == (16, 8)


def test_without_calibration_the_prediction_says_formula(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    report = speed(nn.Sequential(nn.Conv2d(3, 8, 3)), device="cpu", input_size=(3, 16, 16), threads=1)
    assert report.origin == "formula"
    assert any("not calibrated" in note for note in report.notes)


class FakeClock:
    """Each read costs ``read`` seconds (the hooks' own cost); layers advance it by their work."""

    def __init__(self, read: float) -> None:
        self.now, self.read = 0.0, read

    def __call__(self) -> float:
        value = self.now
        self.now += self.read
        return value


class Work(nn.Module):
    def __init__(self, clock: FakeClock, seconds: float) -> None:
        super().__init__()
        self.clock, self.seconds = clock, seconds

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.clock.now += self.seconds
        return x


class Block(nn.Module):
    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock, self.one, self.two = clock, Work(clock, 3e-3), Work(clock, 1e-3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.one(x)
        self.clock.now += 5e-4  # the work between the layers (an addition)
        return self.two(x)


def test_layer_times_add_up_to_the_whole_within_the_hooks_overhead():
    clock = FakeClock(read=1e-5)
    model = nn.Sequential(Block(clock), Work(clock, 2e-3))
    timing = time_layers(lambda: model(torch.zeros(1)), model, warmup=1, runs=3, clock=clock)
    modules = 5  # three leaves, the block and the model
    assert timing.overhead_s == pytest.approx(2 * modules * 1e-5)  # two clock reads per module
    assert sum(timing.rows.values()) == pytest.approx(timing.hooked_s)  # the rows partition each run
    assert abs(sum(timing.rows.values()) - timing.plain_s) <= timing.overhead_s + 1e-12
    assert timing.rows["0.one"] == pytest.approx(3e-3 + 1e-5)
    # the addition, and the three gaps around it that end in a read: after the block's entry, "one"'s end, "two"'s end
    assert timing.rows[between_name("0")] == pytest.approx(5e-4 + 3 * 1e-5)
    assert timing.plain_s == pytest.approx(6.5e-3 + 1e-5)


def test_the_hooks_are_registered_once_for_all_runs_and_removed_after(monkeypatch):
    # registering and removing them around each run put Python inside the timed span and cooled the first layers
    registered = []
    original = nn.Module.register_forward_pre_hook

    def counting(self, hook, **kwargs):
        registered.append(self)
        return original(self, hook, **kwargs)

    monkeypatch.setattr(nn.Module, "register_forward_pre_hook", counting)
    clock = FakeClock(read=1e-5)
    model = nn.Sequential(Block(clock), Work(clock, 2e-3))
    time_layers(lambda: model(torch.zeros(1)), model, warmup=2, runs=5, clock=clock)
    assert len(registered) == 5  # the model, the block and three leaves: once each, not once per run
    assert not any(m._forward_pre_hooks or m._forward_hooks for m in model.modules())


class Disturbed(nn.Module):
    """2 ms of work, slowed by half in the runs listed (another program's burst on a shared machine)."""

    def __init__(self, clock: FakeClock, slow_runs: set[int]) -> None:
        super().__init__()
        self.clock, self.slow_runs, self.calls = clock, slow_runs, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type != "meta":  # the prediction's passes run on meta tensors: no time, no run
            self.clock.now += 3e-3 if self.calls in self.slow_runs else 2e-3
            self.calls += 1
        return x + 1


def test_a_row_is_the_median_of_the_runs_or_the_fastest_for_the_probes():
    # calls 0 (warm-up) and 1-5 (timed); runs 2, 3 and 4 disturbed: the median is a disturbed run, the fastest is not
    for statistic, expected in ((statistics.median, 3e-3), (min, 2e-3)):
        clock = FakeClock(read=0.0)
        model = nn.Sequential(Disturbed(clock, {2, 3, 4}))
        run = functools.partial(model, torch.zeros(1))
        timing = time_layers(run, model, warmup=1, runs=5, clock=clock, statistic=statistic)
        assert timing.rows["0"] == pytest.approx(expected)


def test_a_measurement_whose_runs_spread_says_the_machine_was_busy():
    # runs 2, 3 and 4 of 5 slowed by half: the median hooked run is 1.5 x the fastest, above BUSY (1.1)
    for slow, busy in (({2, 3, 4}, True), (set(), False)):
        clock = FakeClock(read=0.0)
        model = nn.Sequential(Disturbed(clock, slow))
        report = speed(model, device="cpu", input_size=(4,), measure=True, warmup=1, runs=5, clock=clock, threads=1)
        assert any("the timed runs spread: the fastest 2 ms, the median 3 ms" in note for note in report.notes) == busy


def test_a_model_that_computes_nothing_is_refused_in_one_line(tmp_path):
    path = tmp_path / "nothing.py"
    path.write_text("from torch import nn\n\nclass Nothing(nn.Sequential):\n"
                    "    def __init__(self):\n        super().__init__(nn.Identity(), nn.Flatten())\n")
    result = runner.invoke(app, ["speed", f"{path}:Nothing", "--input", "4"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "runs no operator" in result.stderr


def test_spearman_by_hand():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [40, 30, 20, 10]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(1 - 6 * 4 / (5 * 24))  # 1 - 6 sum d^2/n(n^2-1)


def test_a_34_gb_model_is_predicted_on_the_meta_device(tmp_path):
    path = tmp_path / "big.py"
    path.write_text("from torch import nn\n\nclass Big(nn.Sequential):\n"
                    "    def __init__(self):\n        super().__init__(nn.Linear(60000, 142000, bias=False))\n")
    report = speed(f"{path}:Big", device="h100-sxm", input_size="60000")
    assert report.rows[0].weight_bytes == 60000 * 142000 * FP32  # 34.1 GB, never allocated


def test_measure_is_refused_in_one_line_where_the_device_is_absent():
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    for device in ("cuda", "h100-sxm"):
        result = runner.invoke(app, ["speed", "resnet18", "--device", device, "--measure"])
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1 and "--measure" in result.stderr


def test_command_prediction_on_a_table_device_as_json():
    import json

    result = runner.invoke(app, ["speed", "resnet18", "--device", "a100-80gb", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    convs = [r for r in data["rows"] if r["kind"] == "conv"]
    assert len(convs) == 20 and all(r["flops"] == 2 * r["macs"] for r in convs)
    assert data["totals"]["predicted_s"] == pytest.approx(sum(r["predicted_s"] for r in data["rows"]))


def test_a_speed_report_displays_as_its_table():
    report = speed(nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU()), device="t4", input_size=(3, 16, 16), batch=2)
    markdown = report.to_markdown()
    macs = 2 * (8 * 14 * 14) * (3 * 3 * 3)  # batch 2, output 8x14x14, 27 MACs each
    assert "| layer | type | kind | MACs | bytes |" in markdown and f"| 0 | Conv2d | conv | {macs:,} |" in markdown
    assert markdown.count("\n| ") == 2 + len(report.rows) + 1  # head, rule, rows, total
    assert "FLOPs = 2 x MACs" in markdown
    assert "<caption>" in report._repr_html_() and "predicted" in report.summary()


def test_plot_keeps_an_existing_file_without_force(tmp_path):
    picture = tmp_path / "roofline.png"
    picture.write_bytes(b"mine")
    result = runner.invoke(app, ["speed", "lenet5", "--device", "t4", "--plot", str(picture)])
    assert result.exit_code == 2 and "--force" in result.stderr and picture.read_bytes() == b"mine"
    result = runner.invoke(app, ["speed", "lenet5", "--device", "t4", "--plot", str(picture), "--force"])
    assert result.exit_code == 0, result.output
    assert picture.read_bytes().startswith(b"\x89PNG")


def test_calibrate_says_what_it_measured(monkeypatch):
    from archstat.analysis import calibrate

    stored = {"processor": "p", "threads": 1, "file": "f.json", "overhead_s": 3e-6, "faults_in": "operators",
              "bandwidth": [[1e3, 9e10], [1e9, 2.5e10]], "first_touch": [32 << 20, 5e-10],
              "fits": {"fp32": {"matmul": [0.0, 1e-11], "conv3x3": [0.0, 1 / 1.2e11]}}}
    monkeypatch.setattr(calibrate, "calibrate", lambda threads, cpu_time=False: stored)
    result = runner.invoke(app, ["speed", "--calibrate", "--threads", "1"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "fp32 matrix product 100.0, 3x3 convolution 120.0 GFLOP/s; memory copy 25.0 GB/s" in said
    assert "page faults 0.50 ns a byte allocated (in operators)" in said and "2 operator classes fitted" in said
