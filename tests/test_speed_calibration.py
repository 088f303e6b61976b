"""The calibrated cost model without timing: each operator's class and byte rules by hand, the linear
cost rule and the page-fault rule on a synthetic device, the probes' fit on fake measurements, and a
stored calibration read back. No test here times anything (benchmarks/speed.py measures)."""

from __future__ import annotations

import math

import pytest
from torch import nn

from archstat.analysis.calibrate import VERSION, calibrated_roofs
from archstat.analysis.cost import Roofs, linear_features, linear_time, op_cost, price
from archstat.analysis.request import request_of
from archstat.analysis.speed import row_costs, speed
from archstat.analysis.speed_probes import (
    BUDGET_ELEMENTS,
    ODD_PER_CLASS,
    OWN_TERMS,
    PER_CLASS,
    ProbeNet,
    batches,
    cold_weight_seconds,
    fit_class,
    fit_classes,
    nonnegative_fit,
    probe_features,
    probe_list,
    shared_inputs,
)
from archstat.analysis.timing import between_name
from archstat.engines.call_log import TensorShape

FP32 = 4
MIB = 1 << 20


def conv(x: tuple[int, ...], w: tuple[int, ...], stride: int = 1, groups: int = 1) -> object:
    """``op_cost`` of an ATen convolution call, with the output shape worked out here by hand."""
    pad = w[2] // 2
    side = (x[2] + 2 * pad - w[2]) // stride + 1
    out = TensorShape((x[0], w[0], side, side))
    args = [TensorShape(x), TensorShape(w), None, [stride, stride], [pad, pad], [1, 1], False, [0, 0], groups]
    return op_cost("convolution", args, out, FP32)


def test_convolution_classes_and_what_they_allocate():
    assert conv((1, 64, 56, 56), (64, 64, 1, 1)).roof == "conv1x1"
    # from batch 16 on, one CPU thread runs a 1x1 convolution through oneDNN, not as matrix products
    assert conv((15, 64, 56, 56), (64, 64, 1, 1)).roof == "conv1x1"
    assert conv((16, 64, 56, 56), (64, 64, 1, 1)).roof == "conv1x1_b16"
    assert conv((32, 64, 56, 56), (128, 64, 1, 1), stride=2).roof == "conv_strided"
    # that path runs one matrix product per image, each reading the weights: 8 images, 64 x 128 weights
    assert conv((8, 64, 7, 7), (128, 64, 1, 1)).weight_reads == 8 * 64 * 128 * FP32
    assert conv((1, 64, 56, 56), (64, 64, 3, 3)).roof == "conv3x3"
    assert conv((1, 64, 56, 56), (128, 64, 3, 3), stride=2).roof == "conv_strided"
    assert conv((1, 64, 56, 56), (128, 64, 1, 1), stride=2).roof == "conv_strided"  # a projection shortcut
    assert conv((1, 3, 224, 224), (64, 3, 7, 7), stride=2).roof == "conv"  # a 7x7 stem
    dw = conv((1, 32, 28, 28), (32, 1, 3, 3), groups=32)
    assert (dw.kind, dw.roof) == ("depthwise", "depthwise")
    # oneDNN on a CPU: the input's and the output's blocked copies, and the output itself
    assert dw.allocated == (32 * 28 * 28 * FP32, 32 * 28 * 28 * FP32, 32 * 28 * 28 * FP32)


def test_pooling_flops_by_hand():
    x = TensorShape((1, 16, 8, 8))
    out = TensorShape((1, 16, 4, 4))
    window = op_cost("max_pool2d_with_indices", [x, [3, 3], [2, 2], [1, 1], [1, 1], False], (out, out), FP32)
    assert (window.roof, window.flops) == ("maxpool", 16 * 4 * 4 * 9)  # one comparison per window element
    assert (window.input_bytes, window.output_bytes) == (16 * 64 * FP32, 16 * 16 * FP32)
    average = op_cost("avg_pool2d", [x, [2, 2], [2, 2]], out, FP32)
    assert (average.roof, average.flops) == ("avgpool", 16 * 4 * 4 * 4)
    pooled = op_cost("mean", [x, [-1, -2], True], TensorShape((1, 16, 1, 1)), FP32)
    assert (pooled.roof, pooled.flops) == ("pool", 16 * 64)  # a global pool: one addition per input element


def test_element_wise_classes():
    x = TensorShape((2, 8, 4, 4))
    relu_ = op_cost("relu_", [x], x, FP32)
    assert (relu_.roof, relu_.allocated) == ("inplace", ())  # writes into its input: nothing new
    assert (relu_.input_bytes, relu_.output_bytes) == (256 * FP32, 256 * FP32)
    assert op_cost("relu", [x], x, FP32).roof == "elementwise"
    assert op_cost("gelu", [x], x, FP32).roof == "activation"
    assert op_cost("silu_", [x], x, FP32).roof == "activation"
    add = op_cost("add", [x, x], x, FP32)
    assert (add.roof, add.input_bytes, add.allocated) == ("add", 2 * 256 * FP32, (256 * FP32,))
    assert op_cost("add", [x, 1.0], x, FP32).roof == "elementwise"  # a tensor and a number


def test_an_in_place_module_runs_no_copy_and_containers_count_their_gaps():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(inplace=True))
    rows, *_ = row_costs(request_of(model, input_size=(3, 16, 16)), dtype="fp32")
    assert [op.op for op in rows["1"].ops] == ["relu_"]  # the meta pass's protective clone is not priced

    class Residual(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b, self.c = nn.ReLU(), nn.ReLU(), nn.ReLU()

        def forward(self, x):  # type: ignore[no-untyped-def]
            return self.c(self.a(x) + self.b(x))

    rows, *_ = row_costs(request_of(Residual(), input_size=(4, 2, 2)), dtype="fp32")
    assert rows[between_name("")].gaps == 4  # before a, between a and b, b and c, after c


CURVE = ((1e3, 1e10), (1e9, 1e9))  # 10 GB/s at 1 kB, 1 GB/s at 1 GB, interpolated in log size


def test_linear_time_on_a_synthetic_device():
    roofs = Roofs("toy", {"vector": 1e12}, CURVE, 0.0, "test")
    # 10 us; 100 GFLOP/s; traffic 2x a copy; weights 3x; 1 ns per output byte; weights per image 4x; unblocked 6x
    fit = (1e-5, 1e-11, 2.0, 3.0, 1e-9, 4.0, 6.0)
    # a working set of 1e6 bytes (5e5 traffic + 5e5 weights): half-way in log size between 1e3 and 1e9,
    # so 5.5 GB/s; the weights at 1 GB/s (the largest working set's: a forward reads them from memory);
    # the weights read for each of 8 images at the caches' rate (the curve's fastest, 10 GB/s); 2e5 unblocked
    # bytes at the working set's 5.5 GB/s
    features = linear_features(1e9, 5e5, 5e5, 1e5, roofs, "norm", 8 * 5e5, 2e5)
    assert features == pytest.approx((1.0, 1e9, 5e5 / 5.5e9, 5e5 / 1e9, 1e5, 8 * 5e5 / 1e10, 2e5 / 5.5e9))
    priced = linear_time(1e9, 5e5, 5e5, 1e5, fit, roofs, "norm", 8 * 5e5, 2e5)
    assert priced.seconds == pytest.approx(1e-5 + 1e-2 + 2 * 5e5 / 5.5e9 + 3 * 5e-4 + 1e-4 + 4 * 4e-4
                                           + 6 * 2e5 / 5.5e9)
    assert (priced.bound, priced.compute_s) == ("compute", pytest.approx(1e-2 + 1e-4))
    # max pooling's time is its loop's: its bytes at the fastest rate on the curve, at any size
    assert linear_features(1e9, 1e6, 0, 0, roofs, "maxpool")[2] == pytest.approx(1e6 / 1e10)
    assert linear_time(0, 1e3, 0, 0, fit, roofs, "norm").bound == "overhead"  # 10 us against 0.2 us


def test_large_allocations_pay_their_first_writes():
    roofs = Roofs("toy", {"vector": 1e12}, CURVE, 0.0, "test", fits={"conv1x1": (0.0, 1e-11, 0.0, 0.0, 0.0, 0.0, 0.0)},
                  first_touch=(32 * MIB, 1e-9))
    big = conv((1, 16, 512, 512), (64, 16, 1, 1))  # input 16 MiB, output 64 MiB: two fresh 64 MiB blocks
    assert big.output_bytes == 64 * MIB and big.input_bytes == 16 * MIB
    assert price(big, roofs).seconds == pytest.approx(big.flops * 1e-11 + 2 * 64 * MIB * 1e-9)
    x = TensorShape((16, 1024, 1024))  # 64 MiB, but in place: its traffic at a flat 1 GB/s, no page faults
    flat = Roofs("toy", {"vector": 1e12}, ((1.0, 1e9),), 0.0, "test", first_touch=(32 * MIB, 1e-9))
    assert price(op_cost("relu_", [x], x, FP32), flat).memory_s == pytest.approx(2 * 64 * MIB / 1e9)
    assert price(op_cost("relu", [x], x, FP32), flat).memory_s == pytest.approx(2 * 64 * MIB / 1e9 + 64 * MIB * 1e-9)


def test_nonnegative_fit_recovers_known_costs_and_never_goes_negative():
    true = (2e-5, 3.0, 0.5)
    features = [(1.0, io, w) for io, w in ((1e-5, 0), (1e-4, 1e-5), (1e-3, 0), (3e-4, 1e-3), (2e-6, 2e-4))]
    seconds = [sum(c * f for c, f in zip(true, row, strict=True)) for row in features]
    assert nonnegative_fit(features, seconds, seconds) == pytest.approx(true, rel=1e-6)
    # times that fall as the traffic grows would need a negative factor: it is left at zero instead
    falling = [1e-3 - 0.5 * row[1] for row in features]
    assert all(c >= 0 for c in nonnegative_fit(features, falling, falling))


def test_fit_class_takes_the_best_probe_rate_and_fits_the_rest():
    per_flop, fixed, factor = 1e-11, 5e-5, 2.0  # 100 GFLOP/s, 50 us, traffic twice a copy's time
    flops = [1e6, 1e7, 1e8, 1e9, 4e9]
    traffic = [1e-6, 5e-6, 2e-5, 1e-4, 1e-4]
    features = [(1.0, f, t, 0.0, 0.0, 0.0) for f, t in zip(flops, traffic, strict=True)]
    seconds = [fixed + f * per_flop + factor * t for f, t in zip(flops, traffic, strict=True)]
    fit = fit_class(features, seconds)
    best = max(f / s for f, s in zip(flops, seconds, strict=True))  # the largest probe: 4e9 FLOPs in 40.25 ms
    assert fit[1] == pytest.approx(1 / best) and best == pytest.approx(4e9 / (5e-5 + 4e-2 + 2e-4))
    predicted = [sum(c * x for c, x in zip(fit, row, strict=True)) for row in features]
    assert predicted == pytest.approx(seconds, rel=0.02)
    assert all(c >= 0 for c in fit)


def test_a_convolution_class_prices_its_output_once_in_its_traffic():
    # probes whose times carry a per-output-byte cost beside the fixed cost and the traffic
    features = [(1.0, 0.0, t, 0.0, out, 0.0, 0.0)
                for t, out in ((1e-6, 1e4), (1e-5, 3e5), (3e-5, 1e5), (2e-4, 4e6), (5e-6, 5e5))]
    seconds = [1e-5 + 2.0 * t + 3e-11 * out for _, _, t, _, out, _, _ in features]
    free = fit_classes(["pool"] * 5, features, seconds)["pool"]
    assert free == pytest.approx((1e-5, 0.0, 2.0, 0.0, 3e-11, 0.0, 0.0), rel=1e-6)  # a class with its terms
    conv = fit_classes(["conv3x3"] * 5, features, seconds)["conv3x3"]
    assert 4 not in OWN_TERMS["conv3x3"] and conv[4] == 0.0  # a convolution's: no output term
    assert all(c >= 0 for c in conv) and conv[2] > 0


def test_only_the_1x1_matrix_product_path_fits_weights_read_per_image():
    # probes whose times carry 5 x the per-image weight reads' time beside a fixed cost and the traffic
    rows = ((1e-6, 1e-6), (1e-5, 2e-5), (3e-5, 4e-6), (2e-4, 8e-5), (5e-6, 3e-4), (4e-5, 5e-5))
    features = [(1.0, 0.0, t, 0.0, 0.0, reads, 0.0) for t, reads in rows]
    seconds = [2e-5 + 2.0 * t + 5.0 * reads for t, reads in rows]
    assert fit_classes(["conv1x1"] * 6, features, seconds)["conv1x1"] == pytest.approx((2e-5, 0, 2.0, 0, 0, 5.0, 0))
    assert fit_classes(["conv1x1_b16"] * 6, features, seconds)["conv1x1_b16"][5] == 0.0  # oneDNN's: no such term


def test_only_the_convolutions_through_onednn_fit_unblocked_bytes():
    # probes whose times carry 4 x their unblocked bytes' time beside a fixed cost and the traffic
    rows = ((1e-6, 0.0), (1e-5, 2e-5), (3e-5, 0.0), (2e-4, 8e-5), (5e-6, 3e-4), (4e-5, 5e-5))
    features = [(1.0, 0.0, t, 0.0, 0.0, 0.0, unblocked) for t, unblocked in rows]
    seconds = [2e-5 + 2.0 * t + 4.0 * unblocked for t, unblocked in rows]
    for name in ("depthwise", "conv3x3", "conv1x1_b16"):  # the classes with such probes
        assert fit_classes([name] * 6, features, seconds)[name] == pytest.approx((2e-5, 0, 2.0, 0, 0, 0, 4.0))
    for name in ("conv1x1", "conv_strided", "conv"):  # PyTorch's own path; classes without such probes
        assert fit_classes([name] * 6, features, seconds)[name][6] == 0.0


def test_unblocked_bytes_by_hand():
    # a vector of 16 fp32 channels: 58 channels are not a multiple of it, 64 are
    assert conv((16, 58, 28, 28), (64, 58, 1, 1)).unblocked_bytes(16) == 16 * 58 * 28 * 28 * FP32  # the input only
    assert conv((16, 64, 28, 28), (58, 64, 1, 1)).unblocked_bytes(16) == 16 * 58 * 28 * 28 * FP32  # the output only
    assert conv((16, 64, 28, 28), (64, 64, 3, 3)).unblocked_bytes(16) == 0
    dw = conv((1, 58, 28, 28), (58, 1, 3, 3), groups=58)
    assert dw.unblocked_bytes(16) == 2 * 58 * 28 * 28 * FP32 and dw.unblocked_bytes(0) == 0  # no block: no term
    assert conv((8, 56, 28, 28), (56, 56, 3, 3)).unblocked_bytes(8) == 0  # 56 = 7 vectors of 8 (AVX2)
    assert conv((1, 58, 28, 28), (58, 58, 1, 1)).unblocked_bytes(16) == 0  # batch 1: PyTorch's own path
    stem = conv((1, 3, 224, 224), (24, 3, 3, 3), stride=2)  # 3 channels read as they are; 24 is off 16's multiple
    assert stem.unblocked_bytes(16) == 24 * 112 * 112 * FP32
    # the channels are the second dimension of a batched input of any rank, the first of an unbatched one
    line = op_cost("convolution", [TensorShape((16, 58, 100)), TensorShape((64, 58, 3)), None, [1], [1], [1], False,
                                   [0], 1], TensorShape((16, 64, 100)), FP32)
    assert line.channels == (58, 64) and line.unblocked_bytes(16) == 16 * 58 * 100 * FP32
    image = op_cost("convolution", [TensorShape((58, 28, 28)), TensorShape((64, 58, 3, 3)), None, [1, 1], [1, 1],
                                    [1, 1], False, [0, 0], 1], TensorShape((64, 28, 28)), FP32)
    assert image.channels == (58, 64)


def test_a_cold_weight_byte_is_the_slope_of_cold_over_warm_runs():
    # three probes that took 0.08 ns more per byte of weights as they ran than with their weights read before
    weights = [1e5, 2e5, 4e5]
    warm = [50e-6, 90e-6, 30e-6]
    cold = [t + 8e-11 * w for t, w in zip(warm, weights, strict=True)]
    assert cold_weight_seconds(weights, cold, warm) == pytest.approx(8e-11)
    # least squares through the origin: (1e5 x 2 us + 2e5 x 4 us) / (1e10 + 4e10) = 2e-11 s a byte
    assert cold_weight_seconds(weights[:2], [2e-6, 4e-6], [0.0, 0.0]) == pytest.approx(2e-11)
    assert cold_weight_seconds(weights, warm, cold) == 0.0  # never below 0
    assert cold_weight_seconds([0.0], [1e-5], [0.0]) == 0.0  # no weights: nothing to measure


def test_the_warm_runs_read_the_weights_before_the_clock_starts(monkeypatch):
    import torch

    from archstat.analysis import speed_probes

    probes = [("conv1x1", nn.Conv2d(4, 4, 1), (4, 3, 3)), ("norm", nn.BatchNorm2d(4).eval(), (4, 3, 3))]
    monkeypatch.setattr(speed_probes, "probe_list", lambda seed=0: probes)
    events: list[str] = []
    monkeypatch.setattr(speed_probes, "_read_weights", lambda module, args: events.append(type(module).__name__))

    def clock() -> float:
        events.append("clock")
        return float(len(events))

    names, *_ = speed_probes.time_probes(torch.float32, 1, clock, warm_weights=("conv1x1",))
    assert names == ["conv1x1", "norm"]
    reads = [i for i, event in enumerate(events) if event == "Conv2d"]
    assert reads and "BatchNorm2d" not in events  # the 1x1 probe's weights only
    # in each timed run the read comes just before the clock starts the probe's row
    assert sum(events[i + 1] == "clock" for i in reads) >= speed_probes.RUNS


def test_the_hooks_cost_per_gap_is_the_probe_networks_own_row_over_its_gaps(monkeypatch):
    import torch

    from archstat.analysis import speed_probes

    probes = [("conv1x1", nn.Conv2d(4, 4, 1), (4, 3, 3)), ("norm", nn.BatchNorm2d(4).eval(), (4, 3, 3)),
              ("relu", nn.ReLU(), (4, 3, 3))]
    monkeypatch.setattr(speed_probes, "probe_list", lambda seed=0: probes)
    reads = [0]

    def clock() -> float:  # each read takes 10 us, and nothing else does
        reads[0] += 1
        return reads[0] * 1e-5

    *_, times, gap = speed_probes.time_probes(torch.float32, 1, clock)
    # each probe's row and each gap of the network's own row ends with one read: 10 us each; the gaps are the
    # run's start to the network's call, before each feed, between feed and probe, after the last probe, and
    # the network's return to the run's end: 2 x 3 + 3
    assert times == pytest.approx([1e-5] * 3)
    assert gap == pytest.approx(1e-5)


def test_the_probe_network_holds_one_input_buffer_and_no_outputs():
    import torch

    shapes = [(1, 4, 3, 3), (1, 2, 5, 5), (1, 8)]
    inputs = shared_inputs(shapes, torch.float32)
    assert [tuple(x.shape) for x in inputs] == shapes
    assert {x.untyped_storage().data_ptr() for x in inputs} == {inputs[0].untyped_storage().data_ptr()}
    assert inputs[0].untyped_storage().nbytes() == 50 * FP32  # the largest input's size: 2 x 5 x 5
    probes = [("conv1x1", nn.Conv2d(4, 4, 1), (4, 3, 3)), ("add", nn.ReLU(), (2, 5, 5))]
    assert ProbeNet(probes)(*inputs[:2]) is None  # each output dropped once made, as a network frees it


def test_the_probes_stay_under_the_allocators_threshold_at_their_largest_batch():
    probes = probe_list()
    assert probe_list() == probes or [p[0] for p in probe_list()] == [p[0] for p in probes]  # the same draw
    counts: dict[str, int] = {}
    for name, module, shape in probes:
        counts[name] = counts.get(name, 0) + 1
        assert math.prod(shape) <= BUDGET_ELEMENTS
        if name == "conv1x1_b16":  # timed at batch 16 only, and classed as such at that batch
            assert batches(name) == (16,)
            assert conv((16, *shape), tuple(module.weight.shape)).roof == name
        else:
            assert batches(name) == (1, 8)
    assert counts.pop("matmul") == PER_CLASS + 3  # and three matrix-vector products
    for name in ("depthwise", "conv3x3", "conv1x1_b16"):  # and some with channels off a vector's multiple
        assert counts.pop(name) == PER_CLASS + ODD_PER_CLASS
    assert set(counts.values()) == {PER_CLASS} and len(counts) == 13
    roofs = Roofs("toy", {"vector": 1e12}, CURVE, 0.0, "test", first_touch=(32 * MIB, 1.0))
    shapes = [(max(batches(name)), *shape) for name, _, shape in probes]
    features, fresh = probe_features(ProbeNet(probes), shapes, "fp32", roofs)
    assert fresh == [0.0] * len(probes)  # no allocation above 32 MiB: the fits see no page faults
    assert all(f[1] > 0 for (name, _, _), f in zip(probes, features, strict=True) if name.startswith("conv"))


def calibration(**changes: object) -> dict:
    data = {"version": VERSION, "processor": "p", "threads": 1, "date": "d", "file": "f", "overhead_s": 2e-6,
            "bandwidth": [[1e3, 1e10], [1e9, 1e9]], "first_touch": [32 * MIB, 1e-9], "calls": [1e-6, 2e-6, 8e-6],
            "fits": {"fp32": {"conv3x3": [1e-5, 1e-11, 0.0, 0.0, 0.0, 0.0, 0.0],
                              "inplace": [3e-6, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]}}}
    data.update(changes)
    return data


def test_a_calibration_read_back():
    roofs = calibrated_roofs(calibration(), "fp32")
    assert roofs is not None and roofs.origin == "calibrated"
    assert roofs.peaks["conv3x3"] == roofs.peaks["conv"] == pytest.approx(1e11)  # 1 / seconds per FLOP
    assert roofs.first_touch == (32 * MIB, 1e-9) and roofs.calls == (1e-6, 2e-6, 8e-6)
    assert price(conv((1, 64, 56, 56), (64, 64, 3, 3)), roofs).seconds == pytest.approx(1e-5 + 2 * 64 * 64 * 9 * 56 * 56
                                                                                         * 1e-11)
    assert calibrated_roofs(calibration(), "bf16") is None
    assert calibrated_roofs(calibration(version=1), "fp32") is None  # an older layout: calibrate again


def test_a_calibrated_prediction_adds_the_module_call_and_states_the_hooks(tmp_path, monkeypatch):
    import json

    from archstat.analysis.calibrate import cache_file, read_processor

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = cache_file(read_processor(), 1)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(calibration()), encoding="utf-8")
    report = speed(nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.ReLU(inplace=True)), device="cpu",
                   input_size=(8, 3, 3), threads=1)
    assert report.origin == "calibrated"
    by_name = {r.name: r for r in report.rows}
    flops = 2 * (8 * 3 * 3) * (8 * 9)
    assert by_name["0"].predicted_s == pytest.approx(1e-5 + flops * 1e-11 + 1e-6)  # fit + one module call
    assert by_name["0"].hooks_s == pytest.approx(2e-6 - 1e-6)  # the hooks' cost beyond the call, for comparing
    relu = 2 * 8 * 9 * FP32 / 1e10  # 576 bytes of traffic at the curve's 10 GB/s (below 1 kB)
    assert by_name["1"].predicted_s == pytest.approx(3e-6 + relu + 1e-6)
    assert report.predicted_s == pytest.approx(sum(r.predicted_s for r in report.rows))  # hooks left out


def test_a_calibration_time_is_the_fastest_of_its_runs():
    from archstat.analysis import calibrate

    now = [0.0]
    durations = iter([9e-3, 4e-3, 2e-3, 6e-3])  # the untimed first call, then three timed ones

    def work() -> None:
        now[0] += next(durations)

    saved, calibrate.CLOCK[0] = calibrate.CLOCK[0], lambda: now[0]
    try:
        assert calibrate._fastest_time(work, seconds=0.0, least=3) == pytest.approx(2e-3)
    finally:
        calibrate.CLOCK[0] = saved


def test_page_faults_are_what_operators_take_beyond_the_same_on_mapped_pages(monkeypatch):
    from archstat.analysis import calibrate

    block = 16 * 64 * 128 * 128 * FP32  # the 64 MiB input; a batch norm allocates its output, a depthwise
    allocated = block + 3 * block  # convolution its input's and output's blocked copies and its output
    monkeypatch.setattr(calibrate, "_fault_ops", lambda seconds: 0.090)
    monkeypatch.setattr(calibrate, "_heap_only_seconds", lambda seconds, threads, size: 0.030 if size == allocated
                        else None)
    assert calibrate.first_touch() == (32 * MIB, pytest.approx(0.060 / allocated), "operators")
    # where the heap-only child cannot say (not glibc, or it faulted anyway): a fresh fill less a refill
    monkeypatch.setattr(calibrate, "_heap_only_seconds", lambda seconds, threads, size: None)
    times = iter([0.004, 0.028])  # the refill of a kept 64 MiB block, then a fresh one's fill
    monkeypatch.setattr(calibrate, "_fastest_time", lambda fn, seconds: next(times))
    assert calibrate.first_touch() == (32 * MIB, pytest.approx(0.024 / (64 * MIB)), "fill")


def test_the_mapped_pages_child_runs_under_heap_only_tunables(monkeypatch):
    import subprocess

    from archstat.analysis import calibrate

    seen = {}

    def run(command, env, **kwargs):
        seen.update(command=command, env=env)
        return subprocess.CompletedProcess(command, 0, stdout=f"[0.03, {least}]\n")

    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(calibrate.platform, "libc_ver", lambda: ("glibc", "2.39"))
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=1")
    least = 0  # an operator's call that faulted least ran on pages already mapped
    assert calibrate._heap_only_seconds(0.3, 2, 256 * MIB) == pytest.approx(0.03)
    assert seen["env"]["GLIBC_TUNABLES"] == "glibc.malloc.arena_max=1:" + calibrate.HEAP_ONLY
    assert "_child(0.3, 2, 'perf_counter')" in seen["command"][-1]
    least = 128 * MIB  # half its blocks faulted in afresh at every call: the tunables did not hold, no figure
    assert calibrate._heap_only_seconds(0.3, 2, 256 * MIB) is None
    monkeypatch.setattr(calibrate.platform, "libc_ver", lambda: ("", ""))
    assert calibrate._heap_only_seconds(0.3, 2, 256 * MIB) is None


@pytest.mark.skipif(__import__("platform").libc_ver()[0] != "glibc", reason="glibc's tunables")
def test_under_heap_only_tunables_the_operators_reuse_mapped_pages():
    """The premise of the page-fault measurement, counted (not timed), in the child it runs: by default the batch
    norm faults its 64 MiB output in afresh at every call and the depthwise convolution its three blocks; under
    ``HEAP_ONLY`` each has calls that fault nothing."""
    import json
    import os
    import subprocess
    import sys

    from archstat.analysis.calibrate import HEAP_ONLY

    least = {}
    for name, tunables in (("default", {}), ("heap only", {"GLIBC_TUNABLES": HEAP_ONLY})):
        env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"} | tunables
        code = "from archstat.analysis.calibrate import _child; _child(0.2, 1, 'perf_counter')"
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        least[name] = json.loads(done.stdout)[1]
    assert least["default"] >= 4 * 64 * MIB
    assert least["heap only"] < 64 * MIB
