"""The cost model: bytes moved and FLOPs of each operator a forward runs, and its roofline time.

Units: FLOPs = 2 x MACs (one fused multiply-add = 1 MAC = 2 FLOPs); bytes at the dtype's width;
seconds. Each ATen operator the forward runs (``engines.call_log``, on meta tensors: no weights in
memory) gets one rule by its kind (docs/speed.md states each):

- convolution (``conv``), depthwise convolution (``depthwise``: groups = input channels > 1) and
  matrix products (``matmul``: addmm, mm, bmm, linear): FLOPs = 2 x output elements x (input
  channels per group x kernel area) or 2 x M x K x N; bytes = weights + bias read once, input read
  once, output written once (the compulsory traffic: perfect reuse in caches);
- normalisations (``norm``: batch, layer, group norm): 2 FLOPs per element (a scale and a shift),
  bytes = input + output + the per-channel statistics and affine weights;
- element-wise work (``elementwise``: add, mul, relu, sigmoid, hardswish, ...): 1 FLOP per output
  element, bytes = every tensor operand read + output written;
- pooling (``pool``: max, average, adaptive, mean): 1 FLOP per input element,
  bytes = input + output (max pooling's indices are not written in eval mode);
- data movement (``copy``: cat, clone, pad, contiguous): no FLOPs, bytes = input + output;
- views (view, reshape, transpose, slice, detach, ...) launch no kernel and cost nothing.

The roofline time of an operator is max(FLOPs / peak FLOP/s for its kind, bytes / bandwidth) plus a
fixed cost per operator; its bound is "compute", "memory" or "overhead" (the fixed cost is larger
than the roofline part).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# ATen operators that launch no kernel: views and metadata.
VIEWS = frozenset({
    "view", "_unsafe_view", "reshape", "t", "transpose", "permute", "expand", "squeeze", "unsqueeze", "flatten",
    "slice", "select", "as_strided", "detach", "alias", "split", "split_with_sizes", "chunk", "narrow", "unbind",
    "empty", "empty_like", "lift_fresh", "_reshape_alias", "unflatten", "movedim", "expand_as", "view_as",
    "numpy_T", "zeros", "ones", "new_empty", "_to_copy_noop",
})
CONVOLUTIONS = frozenset({"convolution", "conv2d", "_convolution", "mkldnn_convolution", "conv1d", "conv3d"})
MATMULS = {"addmm": (1, 2), "mm": (0, 1), "bmm": (0, 1), "matmul": (0, 1), "linear": (0, 1), "baddbmm": (1, 2)}
NORMS = frozenset({"native_batch_norm", "_native_batch_norm_legit_no_training", "_native_batch_norm_legit",
                   "batch_norm", "native_layer_norm", "layer_norm", "native_group_norm", "group_norm",
                   "instance_norm"})
POOLS = frozenset({"max_pool2d_with_indices", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "mean",
                   "_adaptive_avg_pool2d", "avg_pool3d", "max_pool3d_with_indices", "adaptive_max_pool2d",
                   "avg_pool1d", "max_pool1d", "sum", "amax"})
GLOBAL_POOLS = frozenset({"adaptive_avg_pool2d", "_adaptive_avg_pool2d", "mean", "sum", "amax"})
COPIES = frozenset({"cat", "clone", "constant_pad_nd", "contiguous", "copy_", "stack", "_to_copy", "pad"})
KINDS = ("conv", "depthwise", "matmul", "norm", "pool", "elementwise", "copy")
BYTES = {"fp32": 4, "tf32": 4, "fp16": 2, "bf16": 2, "int8": 1}


@dataclass(frozen=True)
class OpCost:
    """One operator's work: FLOPs, and bytes of weights read, inputs read and outputs written."""

    op: str
    kind: str
    flops: int
    weight_bytes: int
    input_bytes: int
    output_bytes: int
    roof: str = ""  # the ceiling it is priced against, when finer than its kind ("conv3x3", "maxpool")

    @property
    def bytes(self) -> int:
        return self.weight_bytes + self.input_bytes + self.output_bytes


def _numel(shape: Any) -> int:
    return math.prod(int(d) for d in shape) if isinstance(shape, tuple) else 0


def _tensors(values: Any) -> list[tuple[int, ...]]:
    """Every tensor shape in ``values`` (``TensorShape`` subclasses ``tuple``; lists are followed)."""
    if isinstance(values, tuple) and type(values).__name__ == "TensorShape":
        return [values]
    if isinstance(values, (list, tuple)):
        return [shape for value in values for shape in _tensors(value)]
    return []


def _first_output(out: Any) -> tuple[int, ...] | None:
    shapes = _tensors(out)
    return shapes[0] if shapes else None


def op_cost(op: str, args: Sequence[Any], out: Any, itemsize: int) -> OpCost | None:
    """The cost of one ATen call from its operands' shapes (``None`` for a view: no kernel)."""
    if op in VIEWS:
        return None
    result = _first_output(out)
    written = _numel(result) * itemsize if result is not None else 0
    if op in CONVOLUTIONS:
        x, weight = args[0], args[1]
        bias = args[2] if len(args) > 2 and isinstance(args[2], tuple) else None
        groups = int(args[-1]) if isinstance(args[-1], int) else 1
        macs = _numel(result) * _numel(weight[1:])
        kind = "depthwise" if groups > 1 and groups == x[1] else "conv"
        weights = (_numel(weight) + (_numel(bias) if bias else 0)) * itemsize
        return OpCost(op, kind, 2 * macs, weights, _numel(x) * itemsize, written, _conv_roof(kind, weight, args))
    if op in MATMULS:
        a_pos, b_pos = MATMULS[op]
        a, b = args[a_pos], args[b_pos]
        inner = a[-1]
        extra = sum(_numel(s) for s in _tensors(args[:a_pos]))  # addmm's bias
        weights = (_numel(b) + extra) * itemsize if op in ("addmm", "mm", "linear") else 0
        inputs = _numel(a) * itemsize + (0 if weights else (_numel(b) + extra) * itemsize)
        return OpCost(op, "matmul", 2 * _numel(result) * inner, weights, inputs, written)
    shapes = _tensors(list(args))
    if op in NORMS:
        x = shapes[0]
        stats = sum(_numel(s) for s in shapes[1:])
        return OpCost(op, "norm", 2 * _numel(x), stats * itemsize, _numel(x) * itemsize, _numel(x) * itemsize)
    read = sum(_numel(s) for s in shapes) * itemsize
    if op in POOLS:
        roof = "pool" if op in GLOBAL_POOLS else "maxpool"  # a window's pooling: max_pool2d's ceiling
        return OpCost(op, "pool", sum(_numel(s) for s in shapes[:1]), 0, _numel(shapes[0]) * itemsize if shapes else 0,
                      written, roof)
    if op in COPIES:
        return OpCost(op, "copy", 0, 0, read, written)
    roof = "add" if op in ("add", "add_", "sub", "mul", "mul_") and len(shapes) > 1 else ""
    return OpCost(op, "elementwise", _numel(result) if result is not None else 0, 0, read, written, roof)


def _conv_roof(kind: str, weight: tuple[int, ...], args: Sequence[Any]) -> str:
    """Which convolution ceiling prices it: 1x1, 3x3 stride 1, strided, or any other shape."""
    kernel, stride = tuple(weight[2:]), tuple(args[3]) if len(args) > 3 else (1,)
    where = f"@{max(1, int(math.isqrt(_numel(_output_plane(args, weight)))))}/{args[0][0]}"  # output side, batch
    if kind == "depthwise":
        return "depthwise" + where
    if all(k == 1 for k in kernel) and all(s == 1 for s in stride):
        return "conv1x1" + where
    if any(s > 1 for s in stride) and all(k == 3 for k in kernel):
        return "conv_strided" + where
    return ("conv3x3" if all(k == 3 for k in kernel) else "conv") + where


def _output_plane(args: Sequence[Any], weight: tuple[int, ...]) -> tuple[int, ...]:
    """The output's spatial sizes of a convolution, from its input, kernel, stride, padding and dilation."""
    x = args[0]
    stride, padding = list(args[3]), list(args[4])
    dilation = list(args[5]) if len(args) > 5 else [1] * len(stride)
    return tuple((x[2 + i] + 2 * padding[i] - dilation[i] * (weight[2 + i] - 1) - 1) // stride[i] + 1
                 for i in range(len(stride)))


@dataclass(frozen=True)
class Roofs:
    """A device's ceilings for the roofline: compute peaks by kind (FLOP/s), the bandwidth (bytes/s)
    as a curve of (working-set bytes, bytes/s) pairs, rising working sets (one pair: one figure),
    and the fixed cost of one operator (seconds). ``origin`` says where the figures came from."""

    name: str
    peaks: dict[str, float]
    bandwidth: tuple[tuple[float, float], ...]
    overhead_s: float
    origin: str
    notes: tuple[str, ...] = field(default=())
    # calibrated memory-bound kinds: (fixed seconds per operator, bytes/s, at a working set of bytes),
    # in place of the overhead and the bandwidth
    memory: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def peak(self, roof: str, kind: str = "") -> float:
        """FLOP/s of ``roof`` ("conv3x3@28/1": output side 28, batch 1; else the measured one of that name
        nearest in log side and log batch), else of its ``kind`` ("conv"), else the vector units'."""
        if roof in self.peaks:
            return self.peaks[roof]
        base, _, where = roof.partition("@")
        measured = [k for k in self.peaks if k.partition("@")[0] == base and "@" in k]
        if measured and where:
            def distance(key: str) -> float:
                return sum(abs(math.log(float(a) / float(b)))
                           for a, b in zip(key.partition("@")[2].split("/"), where.split("/"), strict=False))

            return self.peaks[min(measured, key=distance)]
        return self.peaks.get(base) or self.peaks.get(kind) or self.peaks["vector"]

    def bandwidth_at(self, working_set: float) -> float:
        """Bytes/s for an operator touching ``working_set`` bytes: the curve, interpolated in log size."""
        sizes = [s for s, _ in self.bandwidth]
        if len(sizes) == 1 or working_set <= sizes[0]:
            return self.bandwidth[0][1]
        if working_set >= sizes[-1]:
            return self.bandwidth[-1][1]
        i = bisect.bisect_right(sizes, working_set)
        (s0, b0), (s1, b1) = self.bandwidth[i - 1], self.bandwidth[i]
        share = (math.log(working_set) - math.log(s0)) / (math.log(s1) - math.log(s0))
        return b0 + share * (b1 - b0)


@dataclass(frozen=True)
class Priced:
    """An operator's predicted time (seconds) and the bound it hit."""

    seconds: float
    bound: str
    compute_s: float
    memory_s: float


def roofline(flops: float, nbytes: float, kind: str, roofs: Roofs, roof: str = "") -> Priced:
    """max(FLOPs / peak, bytes / bandwidth) + the fixed cost of one operator, and the bound hit.

    ``roof`` names a finer ceiling than ``kind`` where the roofs have one. A memory-bound kind the
    calibration measured has its own fixed cost and rate in place of the overhead and the bandwidth."""
    compute = flops / roofs.peak(roof, kind)
    fixed, rate, at = roofs.memory.get(roof) or roofs.memory.get(kind) or (roofs.overhead_s, 0.0, 1.0)
    fixed = max(fixed, roofs.overhead_s)  # never below a small operator's cost
    if rate:  # the kind's rate, falling as the streaming curve falls beyond the working set it was measured at
        rate *= min(1.0, roofs.bandwidth_at(nbytes) / roofs.bandwidth_at(at))
    memory = nbytes / (rate or roofs.bandwidth_at(nbytes)) if nbytes else 0.0
    limit = max(compute, memory)
    bound = "overhead" if fixed > limit else ("compute" if compute >= memory else "memory")
    return Priced(limit + fixed, bound, compute, memory)
