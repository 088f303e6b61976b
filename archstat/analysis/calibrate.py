"""This processor's ceilings, measured (``archstat speed --calibrate``) or from a formula, as ``Roofs``.

Measured at the thread count asked for, in under a minute on an idle machine, on synthetic
probes only (never a layer of a benchmarked network):
- streaming bandwidth: ``copy_`` of working sets from 64 KiB (caches) to 512 MiB (memory), bytes
  read + written per second, so that an operator's traffic is priced at the rate for its size;
- the first write to fresh pages (``first_touch``): an allocation above 32 MiB is mapped anew by the
  allocator every time, and writing it costs page faults on top of the traffic; measured inside a batch
  norm and a depthwise convolution, against the same run where glibc keeps the pages mapped;
- the cost of a module call and of the measurement's hooks (``speed_probes.time_calls``; per gap in a
  container's row, between the probes' kernels, ``speed_probes.time_probes``), so that the fits hold a
  plain forward's costs and the hooked measurement can be compared like with like;
- per operator class (1x1, 3x3, strided, other and depthwise convolutions, matrix products, batch and
  layer norms, cheap and transcendental element-wise work, binary operations, copies, max, average and
  global pooling), ``speed_probes.PER_CLASS`` random shapes at batch 1 and 8 (1x1 convolutions also at
  batch 16, a class of their own: PyTorch runs them through another kernel from there), timed in one
  synthetic network with the measurement's hooks; each class's fixed cost, seconds per FLOP and traffic factors
  are the non-negative least-squares fit of their times (``cost.linear_time`` states the rule), but for
  ``conv1x1``'s weight factor, measured: its batch-1 probes timed again with their weights read just before;
- the fixed cost of a small operator: a ReLU on a one-element tensor, called from Python.
Each time is the fastest of repeated runs (other work on the machine only ever adds time; on a shared
machine it came in bursts that slowed whole runs by 40-60%, so that a median moved between calibrations).
They are kept as JSON in the user's cache folder
(``$XDG_CACHE_HOME/archstat``, else ``~/.cache/archstat``), one file per processor and thread count.

Without a calibration, the formula values are upper bounds, read from the processor's description:
cores x clock x 1.5 (turbo allowance) x FLOPs per cycle from its vector flags (AVX-512: 64 fp32
FLOPs a cycle, two 512-bit fused multiply-add units; AVX2 with FMA: 32; else 8), and a bandwidth of
two vector loads a cycle per core (the first-level cache's rate). They are also the "datasheet"
roofline of a processor: no layer can run faster than they allow.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from .cost import Roofs

TURBO = 1.5
FORMULA_OVERHEAD_S = 5e-6  # the fixed cost assumed per operator without a calibration
BANDWIDTH_SIZES = (32 << 10, 256 << 10, 2 << 20, 16 << 20, 64 << 20, 256 << 20)  # copied: x2 working set
DTYPES = ("fp32",)
VERSION = 8  # per-class fits of the fastest runs, 7 terms, conv1x1's weights, page faults inside operators, hooks kept
COMPUTE_CLASSES = ("conv1x1", "conv1x1_b16", "conv3x3", "conv_strided", "conv", "depthwise", "matmul")
WEIGHTS_MEASURED = "conv1x1"  # the class whose weight term is measured, not fitted (``fit_dtype``)
MMAP_MAX = 32 << 20  # glibc's largest mmap threshold on 64-bit: blocks above it are always mapped anew


@dataclass(frozen=True)
class Processor:
    """What the formula needs: a name, logical cores, clock (Hz) and vector flags."""

    name: str
    cores: int
    hz: float
    flags: frozenset[str]

    @property
    def key(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "-", self.name).strip("-").lower() or "cpu"


def read_processor(cpuinfo: str | None = None) -> Processor:
    """The processor from ``/proc/cpuinfo`` text (read when not given; a generic one elsewhere)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            cpuinfo = ""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    name = fields.get("model name") or platform.processor() or "cpu"
    family = fields.get("cpu family", "")
    model = fields.get("model", "")
    mhz = float(fields.get("cpu MHz", "0") or 0) or 2500.0
    flags = frozenset(fields.get("flags", "").split())
    return Processor(f"{name} family {family} model {model}".strip(), os.cpu_count() or 1, mhz * 1e6, flags)


def vector_block(flags: frozenset[str]) -> int:
    """fp32 values one vector register holds: 16 with AVX-512, else 8 (oneDNN's blocked layout on a CPU keeps
    that many channels together, ``cost.OpCost.unblocked_bytes``)."""
    return 16 if "avx512f" in flags else 8


def flops_per_cycle(flags: frozenset[str], dtype: str) -> int:
    """fp32 FLOPs a core can start per cycle, at most, from its vector flags; bf16 twice with AVX512_BF16."""
    base = 64 if "avx512f" in flags else 32 if {"avx2", "fma"} <= flags else 8
    return base * 2 if dtype == "bf16" and "avx512_bf16" in flags else base


def formula_roofs(processor: Processor, threads: int, dtype: str) -> Roofs:
    """Upper bounds from the processor's description (module docstring); no per-operator cost."""
    cores = min(threads, processor.cores)
    peak = cores * processor.hz * TURBO * flops_per_cycle(processor.flags, dtype)
    vector_bytes = 4 * vector_block(processor.flags)  # fp32 lanes x 4 bytes
    bandwidth = cores * processor.hz * TURBO * 2 * vector_bytes
    return Roofs(f"{processor.name}, {cores} threads", {"vector": peak}, ((1.0, bandwidth),), 0.0, "formula",
                 (f"formula ceilings: {cores} cores x {processor.hz / 1e9:.2f} GHz x {TURBO} turbo allowance x "
                  f"{flops_per_cycle(processor.flags, dtype)} FLOPs/cycle; bandwidth 2 vector loads/cycle/core",))


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "archstat"


def cache_file(processor: Processor, threads: int) -> Path:
    return cache_dir() / f"calibration-{processor.key}-{threads}t.json"


def load_calibration(processor: Processor, threads: int) -> dict[str, Any] | None:
    path = cache_file(processor, threads)
    try:
        return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return None


def calibrated_roofs(data: dict[str, Any], dtype: str) -> Roofs | None:
    """``Roofs`` from a stored calibration for ``dtype`` (``None`` if that dtype was not measured, or the
    file is an older archstat's, without per-class fits)."""
    fits = data.get("fits", {}).get(dtype) if data.get("version") == VERSION else None
    if not fits:
        return None
    curve = tuple((float(s), float(b)) for s, b in data["bandwidth"])
    fits = {name: tuple(float(v) for v in fit) for name, fit in fits.items()}
    # FLOP/s of the classes whose arithmetic is the point (the roofs drawn; a memory-bound class's rate is not)
    peaks = {name: 1.0 / fit[1] for name, fit in fits.items() if fit[1] > 0 and name in COMPUTE_CLASSES}
    for kind, classes in (("conv", ("conv1x1", "conv1x1_b16", "conv3x3", "conv_strided", "conv")),
                          ("depthwise", ("depthwise",)), ("matmul", ("matmul",))):
        rates = [peaks[c] for c in classes if c in peaks]
        if rates:
            peaks[kind] = max(rates)
    vector = max(b for _, b in curve) / 4  # element-wise work is memory-bound: never the binding roof
    threshold, per_byte = data.get("first_touch", (math.inf, 0.0))
    return Roofs(f"{data['processor']}, {data['threads']} threads", {**peaks, "vector": vector}, curve,
                 float(data["overhead_s"]), "calibrated", (f"calibrated {data['date']} ({data['file']})",),
                 fits, (float(threshold), float(per_byte)), _three(data.get("calls", (0.0, 0.0, 0.0))),
                 int(data.get("block", 0)))


def _three(values: Any) -> tuple[float, float, float]:
    first, second, third = (float(v) for v in values)
    return first, second, third


CLOCK: list[Callable[[], float]] = [time.perf_counter]  # the clock of the running calibration


def _fastest_time(fn: Callable[[], Any], seconds: float = 0.4, least: int = 3) -> float:
    """The fastest of repeated timings of ``fn`` over about ``seconds``, after one untimed call."""
    fn()
    times: list[float] = []
    spent = time.perf_counter()
    clock = CLOCK[0]
    while len(times) < least or time.perf_counter() - spent < seconds:
        start = clock()
        fn()
        times.append(clock() - start)
        if len(times) > 10000:
            break
    return min(times)


def first_touch(seconds: float = 0.3, threads: int = 1) -> tuple[float, float, str]:
    """(bytes, seconds per byte, how measured): what an operator's allocations above ``MMAP_MAX`` cost beyond
    the same operator writing into pages already mapped. The allocator maps such a block anew each time, each
    page faults on first write, and the block is unmapped when freed: all of it is charged per byte allocated.

    Measured inside operators ("operators"): a batch norm and a depthwise convolution on a 64 MiB input
    (``_fault_ops``), timed here and again in a child process whose glibc serves every block from its heap
    and keeps it mapped (``HEAP_ONLY``), over the bytes ``cost.OpCost.allocated`` says they allocate.
    Faults inside an operator cost more than in a bare fill (0.47-0.60 ns a byte against 0.39-0.44 here):
    the fault handler runs between the operator's loads and evicts its working data. Where that cannot be
    measured (not glibc, or the child still faulted), a fill of a fresh block less a refill ("fill")."""
    import torch

    from .cost import OpCost

    size = math.prod(FAULT_SHAPE) * 4
    allocated = sum(sum(OpCost("", kind, 0, 0, size, size).allocated) for kind in ("norm", "depthwise"))
    mapped = _heap_only_seconds(seconds, threads, allocated)
    if mapped is not None:
        return float(MMAP_MAX), max(0.0, (_fault_ops(seconds) - mapped) / allocated), "operators"
    block = 2 * MMAP_MAX
    kept = torch.empty(block // 4)
    kept.fill_(0.0)
    again = _fastest_time(lambda: kept.fill_(1.0), seconds)
    fresh = _fastest_time(lambda: torch.empty(block // 4).fill_(1.0), seconds)
    return float(MMAP_MAX), max(0.0, (fresh - again) / block), "fill"


FAULT_SHAPE = (16, 64, 128, 128)  # 64 MiB in fp32: every block the two operators allocate is above MMAP_MAX
# glibc tunables: no block is mmap-ed, and the heap is never trimmed, so a freed block's pages stay mapped
HEAP_ONLY = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296"
# timed calls of each operator, at least: under ``HEAP_ONLY`` a batch norm's first four or five calls (the untimed
# one included) still fault while the heap grows, 40 ms each, so on a loaded machine a time budget alone could end
# before any call ran on mapped pages (it did once in CI)
FAULT_CALLS = 8


def _fault_ops(seconds: float, faults: tuple[list[int], list[int]] | None = None) -> float:
    """Seconds a batch norm and a depthwise 3x3 convolution on a ``FAULT_SHAPE`` input take, the fastest of at
    least ``FAULT_CALLS`` runs each; each call's minor page faults (bytes) go to ``faults``, one list per operator."""
    import torch

    channels = FAULT_SHAPE[1]
    x = torch.randn(FAULT_SHAPE)
    norm = torch.nn.BatchNorm2d(channels).eval()
    depthwise = torch.nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False)
    with torch.no_grad():
        return sum(_fastest_time(partial(_counted, op, x, counts), seconds, FAULT_CALLS)
                   for op, counts in zip((norm, depthwise), faults or ([], []), strict=True))


def _counted(op: Callable[[Any], Any], x: Any, counts: list[int]) -> None:
    """``op(x)``; the bytes of the minor page faults it took are appended to ``counts``."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    op(x)
    counts.append((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) * resource.getpagesize())


def _heap_only_seconds(seconds: float, threads: int, allocated: int) -> float | None:
    """``_fault_ops`` in a child process under ``HEAP_ONLY``, at this process's thread count and clock; ``None``
    where the C library is not glibc, the child failed, or every call of an operator there still faulted half
    its blocks or more in afresh (the tunables did not hold). Under them a block may still land on new heap
    pages when an aligned request does not fit the block just freed, so some calls fault: the fastest has not."""
    import subprocess
    import sys

    if platform.libc_ver()[0] != "glibc":
        return None
    tunables = ":".join(filter(None, (os.environ.get("GLIBC_TUNABLES"), HEAP_ONLY)))
    clock = "thread_time" if CLOCK[0] is time.thread_time else "perf_counter"
    command = [sys.executable, "-c", f"from archstat.analysis.calibrate import _child; _child({seconds!r}, "
               f"{threads}, {clock!r})"]
    try:
        done = subprocess.run(command, env={**os.environ, "GLIBC_TUNABLES": tunables}, capture_output=True,
                              text=True, check=True, timeout=120)
        taken, least = json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        return None
    return float(taken) if least < allocated / 2 else None


def _child(seconds: float, threads: int, clock: str) -> None:
    """A child process of ``_heap_only_seconds``: prints [``_fault_ops``' seconds, the bytes faulted in by the
    call of each operator that faulted least, added]."""
    import torch

    torch.set_num_threads(threads)
    CLOCK[0] = getattr(time, clock)
    faults: tuple[list[int], list[int]] = ([], [])
    taken = _fault_ops(seconds, faults)
    print(json.dumps([taken, sum(min(counts) for counts in faults)]))


def settle_allocator() -> None:
    """Make and free one block just under ``MMAP_MAX``: glibc then raises its dynamic mmap threshold to that
    size and its trim threshold to twice it, where a process that once freed a large tensor has them, and
    keeps the heap a forward grows. A fresh process otherwise maps and faults its tensors in afresh on
    every forward (MobileNetV2 at batch 1 measured 22 to 25 ms fresh, 16 ms settled, on one core here)."""
    import torch

    block = torch.empty((MMAP_MAX - (1 << 20)) // 4)
    block.fill_(0.0)
    del block


def _stream_curve() -> list[tuple[float, float]]:
    """(working-set bytes, bytes/s) of ``copy_`` from cache-sized to memory-sized working sets."""
    import torch

    curve = []
    for size in BANDWIDTH_SIZES:
        src, dst = torch.empty(size // 4), torch.empty(size // 4)
        src.fill_(1.0)
        curve.append((2.0 * size, 2 * size / _fastest_time(partial(dst.copy_, src), 0.2)))
    return curve


def fit_dtype(dtype: str, roofs: Roofs, leaf_hooks_s: float, clock: Callable[[], float]
              ) -> tuple[dict[str, tuple[float, ...]], float]:
    """Time the probes (``speed_probes``) in ``dtype`` at each batch and fit each class's cost: each probe's
    time less the hooks' own cost in a layer's row and its page faults (priced apart). The weight term of
    ``conv1x1`` is measured instead (``speed_probes.cold_weight_seconds``): its batch-1 probes timed again, each
    with its weights read just before it. Also returned: the hooks' cost per gap, from the batch-1 network."""
    import torch

    from .speed_probes import BATCHES, cold_weight_seconds, fit_classes, probe_features, time_probes

    kind = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[dtype]
    names: list[str] = []
    features: list[tuple[float, ...]] = []
    seconds: list[float] = []
    first: tuple[list[str], list[tuple[float, ...]], list[float]] = ([], [], [])
    gap = 0.0
    for batch in BATCHES:
        probe_names, net, shapes, times, gaps = time_probes(kind, batch, clock)
        probe_features_, fresh = probe_features(net, shapes, dtype, roofs)
        names += probe_names
        features += probe_features_
        seconds += [max(1e-7, t - leaf_hooks_s - f) for t, f in zip(times, fresh, strict=True)]
        if batch == 1:
            first, gap = (probe_names, probe_features_, times), gaps
    fits = fit_classes(names, features, seconds)
    if WEIGHTS_MEASURED in fits:
        probe_names, probe_features_, cold = first
        warm = time_probes(kind, 1, clock, warm_weights=(WEIGHTS_MEASURED,))[3]
        memory = roofs.bandwidth[-1][1]  # ``cost.linear_features`` prices the weights at this bandwidth
        chosen = [i for i, name in enumerate(probe_names) if name == WEIGHTS_MEASURED]
        per_byte = cold_weight_seconds([probe_features_[i][3] * memory for i in chosen], [cold[i] for i in chosen],
                                       [warm[i] for i in chosen])
        fit = list(fits[WEIGHTS_MEASURED])
        fit[3] = per_byte * memory
        fits[WEIGHTS_MEASURED] = tuple(fit)
    return fits, gap


@contextmanager
def measuring(threads: int, cpu_time: bool) -> Iterator[None]:
    """This process set to measure as a calibration does: ``threads`` threads, the clock ``CLOCK`` (the thread's
    CPU time with ``cpu_time``, else the wall clock), no autograd; as it was again on leaving."""
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(threads)
    CLOCK[0] = time.thread_time if cpu_time else time.perf_counter
    try:
        with torch.no_grad():
            yield
    finally:
        torch.set_num_threads(saved)
        CLOCK[0] = time.perf_counter


def measure_ceilings(threads: int, dtypes: tuple[str, ...] = DTYPES, cpu_time: bool = False) -> dict[str, Any]:
    """Measure this processor's ceilings at ``threads`` threads (module docstring); plain data.

    ``cpu_time``: time with the thread's CPU clock instead of the wall clock (one thread only: on a shared
    machine it leaves out the time others ran)."""
    import torch

    from .speed_probes import time_calls

    with measuring(threads, cpu_time):
        settle_allocator()
        curve = _stream_curve()
        threshold, per_byte, faults = first_touch(threads=threads)
        call, leaf = time_calls(CLOCK[0])
        block = vector_block(read_processor().flags)
        roofs = Roofs("", {"vector": 1.0}, tuple(curve), 0.0, "", first_touch=(threshold, per_byte), block=block)
        fitted = {dtype: fit_dtype(dtype, roofs, leaf, CLOCK[0]) for dtype in dtypes}
        fits = {dtype: fit for dtype, (fit, _) in fitted.items()}
        calls = (call, leaf, fitted[dtypes[0]][1])
        relu, one = torch.nn.ReLU(), torch.zeros(1)
        overhead = _fastest_time(lambda: relu(one), 0.3)
    return {"version": VERSION, "fits": fits, "bandwidth": curve, "first_touch": [threshold, per_byte],
            "faults_in": faults, "calls": list(calls), "block": block, "overhead_s": overhead, "threads": threads,
            "torch": torch.__version__, "clock": "thread CPU time" if cpu_time else "wall"}


def calibrate(threads: int, dtypes: tuple[str, ...] = DTYPES, cpu_time: bool = False) -> dict[str, Any]:
    """Measure and store the ceilings for this processor at ``threads`` threads; returns what was stored."""
    processor = read_processor()
    data = measure_ceilings(threads, dtypes, cpu_time)
    path = cache_file(processor, threads)
    data.update(processor=processor.name, date=time.strftime("%Y-%m-%d %H:%M"), file=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
    temporary.replace(path)
    return data
