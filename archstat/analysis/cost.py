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
- pooling (``pool``): a window's (max, average) 1 FLOP per element of each window (output elements
  x window area), a global one's (mean, adaptive to 1 x 1) 1 per input element; bytes = input +
  output (max pooling's indices are not written in eval mode);
- data movement (``copy``: cat, clone, pad, contiguous): no FLOPs, bytes = input + output;
- views (view, reshape, transpose, slice, detach, ...) launch no kernel and cost nothing.

Each operator also has a class, finer than its kind, that a calibration measures apart (``roof``:
conv1x1, conv1x1_b16, conv3x3, conv_strided, conv, depthwise, matmul, norm, layernorm, elementwise,
inplace, activation, add, copy, maxpool, avgpool, pool).

The roofline time of an operator is max(FLOPs / peak FLOP/s for its kind, bytes / bandwidth) plus a
fixed cost per operator; its bound is "compute", "memory" or "overhead" (the fixed cost is larger
than the roofline part). A calibrated processor prices each class by ``linear_time`` instead: its
measured fixed cost + FLOPs at its measured rate + its traffic at a measured multiple of the
streaming time for its working set (``analysis/speed_probes.py`` measures and fits them).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence
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
BINARY = frozenset({"add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_"})
# element-wise operators that evaluate an exponential, error function or division per element
TRANSCENDENTAL = frozenset({"gelu", "silu", "sigmoid", "tanh", "exp", "erf", "softmax", "_softmax", "log_softmax",
                            "_log_softmax", "mish", "elu", "softplus"})
# classes whose time is their loop's, not their traffic's (PyTorch's CPU pooling with a window): their
# bytes are priced at the caches' rate at any size, so that the streaming curve's fall does not reach them
TILED = frozenset({"maxpool", "avgpool"})
BATCHED = 16  # the batch from which PyTorch runs a 1x1 convolution on one CPU thread through oneDNN
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
    roof: str = ""  # its class, finer than its kind, that calibration measures apart ("conv3x3", "maxpool")
    images: int = 1  # a convolution's batch: PyTorch's own 1x1 path (``conv1x1``) runs one matrix product per image
    channels: tuple[int, int] = (0, 0)  # a convolution's input and output channels (``unblocked_bytes``)

    @property
    def bytes(self) -> int:
        return self.weight_bytes + self.input_bytes + self.output_bytes

    @property
    def weight_reads(self) -> int:
        """Its weights' bytes once per image: what one matrix product per image packs (``conv1x1``)."""
        return self.weight_bytes * self.images

    def unblocked_bytes(self, block: int) -> int:
        """Its input's and output's bytes where their channels are not a multiple of ``block`` (a convolution
        through oneDNN, whose blocked layout holds ``block`` channels a vector: such a tensor takes its
        reorder's slow path); an input of 3 channels or fewer is not counted (oneDNN's first-convolution
        kernels read it as it is); 0 for anything else, or without a block."""
        if not block or self.kind not in ("conv", "depthwise") or self.roof == "conv1x1":
            return 0
        cin, cout = self.channels
        return (self.input_bytes if cin % block and cin > 3 else 0) + (self.output_bytes if cout % block else 0)

    @property
    def allocated(self) -> tuple[int, ...]:
        """Bytes of each tensor it allocates: none in place (``relu_``); a convolution on a CPU also its
        input's and its output's copies in the library's blocked layout (oneDNN reorders both); else its output."""
        if self.op.endswith("_"):
            return ()
        if self.kind in ("conv", "depthwise"):
            return (self.input_bytes, self.output_bytes, self.output_bytes)
        return (self.output_bytes,)


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
        batched = len(x) == len(weight)  # an unbatched input has one dimension less
        images = x[0] if batched else 1
        roof = _conv_roof(kind, weight, args, images)
        return OpCost(op, kind, 2 * macs, weights, _numel(x) * itemsize, written, roof, images,
                      (int(x[1] if batched else x[0]), int(weight[0])))
    if op in MATMULS:
        a_pos, b_pos = MATMULS[op]
        a, b = args[a_pos], args[b_pos]
        inner = a[-1]
        extra = sum(_numel(s) for s in _tensors(args[:a_pos]))  # addmm's bias
        weights = (_numel(b) + extra) * itemsize if op in ("addmm", "mm", "linear") else 0
        inputs = _numel(a) * itemsize + (0 if weights else (_numel(b) + extra) * itemsize)
        return OpCost(op, "matmul", 2 * _numel(result) * inner, weights, inputs, written, "matmul")
    shapes = _tensors(list(args))
    if op in NORMS:
        x = shapes[0]
        stats = sum(_numel(s) for s in shapes[1:])
        roof = "norm" if "batch" in op else "layernorm"  # batch norm: per-channel; layer, group: per-sample stats
        return OpCost(op, "norm", 2 * _numel(x), stats * itemsize, _numel(x) * itemsize, _numel(x) * itemsize, roof)
    read = sum(_numel(s) for s in shapes) * itemsize
    if op in POOLS:
        return _pool_cost(op, args, shapes, result, itemsize)
    if op in COPIES:
        return OpCost(op, "copy", 0, 0, read, written, "copy")
    if op in BINARY and len(shapes) > 1:
        roof = "add"
    elif op.rstrip("_") in TRANSCENDENTAL:
        roof = "activation"
    else:  # in place (relu_): no new tensor, and the same lines read and written
        roof = "inplace" if op.endswith("_") else "elementwise"
    return OpCost(op, "elementwise", _numel(result) if result is not None else 0, 0, read, written, roof)


def call_costs(calls: Sequence[Any], itemsize: int) -> Iterator[tuple[Any, OpCost]]:
    """(call, its ``op_cost``) for each ATen call of a ``call_log`` record that runs a kernel in a real forward:
    views are left out, and so is the ``clone`` the meta pass makes of an in-place module's input just before
    its in-place operator (``relu_``, ``hardtanh_``, ...) in the same module, which a real forward never runs."""
    for i, call in enumerate(calls):
        following = calls[i + 1] if i + 1 < len(calls) else None
        if (call.name == "clone" and following is not None and following.name.endswith("_")
                and following.name != "copy_" and following.modules == call.modules):
            continue
        cost = op_cost(call.name, call.args, call.output, itemsize)
        if cost is not None:
            yield call, cost


def _pool_cost(op: str, args: Sequence[Any], shapes: list[tuple[int, ...]], result: Any, itemsize: int) -> OpCost:
    """A pooling: a window's (max, average) FLOPs = output elements x window area (one comparison or
    addition per element of each window); a global one's (mean, adaptive to 1 x 1) = input elements."""
    x = shapes[0] if shapes else ()
    out = _numel(result) if result is not None else 0
    written = out * itemsize
    if op in GLOBAL_POOLS or not (len(args) > 1 and isinstance(args[1], (list, tuple)) and args[1]):
        return OpCost(op, "pool", _numel(x), 0, _numel(x) * itemsize, written, "pool")
    window = math.prod(int(k) for k in args[1])
    roof = "maxpool" if "max" in op else "avgpool"
    return OpCost(op, "pool", out * window, 0, _numel(x) * itemsize, written, roof)


def _conv_roof(kind: str, weight: tuple[int, ...], args: Sequence[Any], images: int) -> str:
    """The class of a convolution that calibration measures apart: depthwise, 1x1 (on a batch of 16 or
    more: ``conv1x1_b16``), 3x3 stride 1, strided (kernel 3 or less, stride above 1), or any other (5x5,
    7x7, a 4x4 patchify stem).

    A 1x1 stride-1 convolution is split by its batch because PyTorch's CPU convolution is: on one thread
    it runs a batch under 16 as one matrix product per image (its own path) and a batch of 16 or more
    through oneDNN (``ConvParams::use_mkldnn``), two kernels with their own costs (at batch 32 here,
    ShuffleNet V2's 1x1 convolutions took 161 ms where the smaller batches' fit said 108)."""
    kernel, stride = tuple(weight[2:]), tuple(args[3]) if len(args) > 3 else (1,)
    if kind == "depthwise":
        return "depthwise"
    if any(s > 1 for s in stride) and all(k <= 3 for k in kernel):
        return "conv_strided"
    if all(k == 1 for k in kernel):
        return "conv1x1_b16" if images >= BATCHED else "conv1x1"
    return "conv3x3" if all(k == 3 for k in kernel) else "conv"


@dataclass(frozen=True)
class Roofs:
    """A device's ceilings for the roofline: compute peaks by kind or class (FLOP/s), the bandwidth
    (bytes/s) as a curve of (working-set bytes, bytes/s) pairs, rising working sets (one pair: one
    figure), and the fixed cost of one operator (seconds). ``origin`` says where the figures came from.

    ``fits``: a calibrated processor's cost per operator class (``cost.linear_time``): (fixed seconds,
    seconds per FLOP, traffic factor, weight-traffic factor); a class without one is priced on the roofline."""

    name: str
    peaks: dict[str, float]
    bandwidth: tuple[tuple[float, float], ...]
    overhead_s: float
    origin: str
    notes: tuple[str, ...] = field(default=())
    fits: dict[str, tuple[float, ...]] = field(default_factory=dict)
    # (bytes, seconds per byte): an allocation above that size is fresh pages from the operating system
    # every time, and the first write to each page faults (glibc maps anything above 32 MiB anew)
    first_touch: tuple[float, float] = (math.inf, 0.0)
    # seconds: one module call's Python in a plain forward; the measurement's hooks' own cost inside a
    # layer's row, and in a container's "between" row per gap between its children's calls
    calls: tuple[float, float, float] = (0.0, 0.0, 0.0)
    block: int = 0  # fp32 channels a vector register holds (oneDNN's blocked layout): 16 with AVX-512, else 8

    def peak(self, roof: str, kind: str = "") -> float:
        """FLOP/s of the class ``roof`` ("conv3x3"), else of its ``kind`` ("conv"), else the vector units'."""
        return self.peaks.get(roof) or self.peaks.get(kind) or self.peaks["vector"]

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
    """max(FLOPs / peak, bytes / bandwidth) + the fixed cost of one operator, and the bound hit."""
    compute = flops / roofs.peak(roof, kind)
    memory = nbytes / roofs.bandwidth_at(nbytes) if nbytes else 0.0
    limit = max(compute, memory)
    bound = "overhead" if roofs.overhead_s > limit else ("compute" if compute >= memory else "memory")
    return Priced(limit + roofs.overhead_s, bound, compute, memory)


def price(op: OpCost, roofs: Roofs) -> Priced:
    """One operator's time on ``roofs``: ``linear_time`` where the roofs have a calibrated fit of its class,
    else the ``roofline``; plus the first writes to the fresh pages of its large allocations."""
    fit = roofs.fits.get(op.roof) or roofs.fits.get(op.kind)
    if fit is not None:
        priced = linear_time(op.flops, op.input_bytes + op.output_bytes, op.weight_bytes, op.output_bytes, fit, roofs,
                             op.roof, op.weight_reads, op.unblocked_bytes(roofs.block))
    else:
        priced = roofline(op.flops, op.bytes, op.kind, roofs, op.roof)
    fresh = first_touch_s(op.allocated, roofs)
    if not fresh:
        return priced
    return Priced(priced.seconds + fresh, priced.bound, priced.compute_s, priced.memory_s + fresh)


def first_touch_s(allocated: Sequence[float], roofs: Roofs) -> float:
    """Seconds of page faults: each allocation above the roofs' threshold, at its measured cost per byte."""
    threshold, per_byte = roofs.first_touch
    return sum(size for size in allocated if size > threshold) * per_byte


def linear_features(flops: float, io_bytes: float, weight_bytes: float, output_bytes: float,
                    roofs: Roofs, roof: str = "", weight_reads: float = 0.0, unblocked: float = 0.0
                    ) -> tuple[float, ...]:
    """What a calibrated class's time is linear in: 1 (the fixed cost); FLOPs; the seconds its
    activations' traffic (input + output) takes at the streaming bandwidth measured for its working set
    (the previous layer just wrote its input; windowed pooling, ``TILED``, at the caches' rate at any
    size); the seconds its weights take at the bandwidth of the
    largest working set (a forward reads each weight once: from memory, not from a cache); its
    output bytes (work per output element: a convolution's accumulators stored once per block of input
    channels, a pooling window's loop); the seconds ``weight_reads`` (its weights once per image)
    take at the caches' rate (PyTorch's own 1x1 path runs one matrix product per image, and each packs
    the weights anew); and the seconds its ``unblocked`` bytes (``OpCost.unblocked_bytes``) take at its
    streaming bandwidth. A traffic factor of 1 is a plain copy's speed."""
    fastest = max(b for _, b in roofs.bandwidth)
    stream = roofs.bandwidth_at(io_bytes + weight_bytes) if roof not in TILED else fastest
    memory = roofs.bandwidth[-1][1]
    return (1.0, float(flops), io_bytes / stream, weight_bytes / memory, float(output_bytes), weight_reads / fastest,
            unblocked / stream)


def linear_time(flops: float, io_bytes: float, weight_bytes: float, output_bytes: float, fit: tuple[float, ...],
                roofs: Roofs, roof: str = "", weight_reads: float = 0.0, unblocked: float = 0.0) -> Priced:
    """fixed + FLOPs x seconds per FLOP + traffic time x factor + weight traffic time x factor (+ output bytes,
    per-image weight reads and unblocked bytes, each at its own coefficient): on a CPU, PyTorch's convolution
    reorders input and weights into the library's blocked layout, computes and reorders the output back, one
    step after the other, so the parts add; the bound is the largest part."""
    features = linear_features(flops, io_bytes, weight_bytes, output_bytes, roofs, roof, weight_reads, unblocked)
    parts = [c * x for c, x in zip(fit, features, strict=True)]
    fixed, compute, memory = parts[0], parts[1] + parts[4], parts[2] + parts[3] + parts[5] + parts[6]
    bound = max((fixed, "overhead"), (compute, "compute"), (memory, "memory"))[1]
    return Priced(fixed + compute + memory, bound, compute, memory)
