"""This processor's ceilings, measured (``archstat speed --calibrate``) or from a formula, as ``Roofs``.

Measured, in well under a minute, at the thread count asked for and for each dtype, each on one
probe operator (``_probes``):
- compute ceilings in FLOP/s (FLOPs = 2 x MACs): a 1024^3 matrix product (``matmul``), a 7x7 stride-2
  convolution from 3 channels (``conv``, every shape not below), and at each stage of a ResNet
  (output sides 56, 28, 14, 7 with 64, 128, 256, 512 channels), at batch 1 and 8 (``@side/batch``),
  convolutions 1x1
  (``conv1x1``), 3x3 stride 1 (``conv3x3``), 3x3 stride 2 (``conv_strided``) and 3x3 depthwise
  (``depthwise``): CPU libraries pick different algorithms for these, several times apart in
  throughput, and a small output side leaves the vector units less work per weight;
- streaming bandwidth: ``copy_`` of working sets from 32 KiB (caches) to 256 MiB (DRAM), bytes
  read + written per second, so an operator's bandwidth depends on how much it touches;
- the memory-bound kinds: a batch norm (``norm``), a ReLU (``elementwise``), a residual addition
  (``add``), a concatenation (``copy``), a 3x3 stride-2 max pool (``maxpool``) and a global average
  pool (``pool``) on
  64 x 56 x 56 at batch 1 and 8, timed in a small network (``_Chain``) with the measurement's own
  hooks; the line through the two gives each kind a fixed cost and a rate (bytes/s);
- the fixed cost of a small operator: a ReLU module on a one-element tensor, called from Python.
Each figure is the median of repeated timings. They are kept as JSON in the user's cache folder
(``$XDG_CACHE_HOME/archstat``, else ``~/.cache/archstat``), one file per processor and thread count.

Without a calibration, the formula values are upper bounds, read from the processor's description:
cores x clock x 1.5 (turbo allowance) x FLOPs per cycle from its vector flags (AVX-512: 64 fp32
FLOPs a cycle, two 512-bit fused multiply-add units; AVX2 with FMA: 32; else 8), and a bandwidth of
two vector loads a cycle per core (the first-level cache's rate). They are also the "datasheet"
roofline of a processor: no layer can run faster than they allow.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from .cost import Roofs

TURBO = 1.5
FORMULA_OVERHEAD_S = 5e-6  # the fixed cost assumed per operator without a calibration
BANDWIDTH_SIZES = (32 << 10, 256 << 10, 2 << 20, 16 << 20, 64 << 20, 256 << 20)
DTYPES = ("fp32", "bf16")


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


def flops_per_cycle(flags: frozenset[str], dtype: str) -> int:
    """fp32 FLOPs a core can start per cycle, at most, from its vector flags; bf16 twice with AVX512_BF16."""
    base = 64 if "avx512f" in flags else 32 if {"avx2", "fma"} <= flags else 8
    return base * 2 if dtype == "bf16" and "avx512_bf16" in flags else base


def formula_roofs(processor: Processor, threads: int, dtype: str) -> Roofs:
    """Upper bounds from the processor's description (module docstring); no per-operator cost."""
    cores = min(threads, processor.cores)
    peak = cores * processor.hz * TURBO * flops_per_cycle(processor.flags, dtype)
    vector_bytes = 64 if "avx512f" in processor.flags else 32
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
    """``Roofs`` from a stored calibration for ``dtype`` (``None`` if that dtype was not measured)."""
    peaks = data.get("peaks", {}).get(dtype)
    if not peaks:
        return None
    curve = tuple((float(s), float(b)) for s, b in data["bandwidth"])
    vector = max(b for _, b in curve) / 4  # element-wise work is memory-bound: never the binding roof
    return Roofs(f"{data['processor']}, {data['threads']} threads", {**peaks, "vector": vector}, curve,
                 float(data["overhead_s"]), "calibrated", (f"calibrated {data['date']} ({data['file']})",),
                 {kind: tuple(float(v) for v in fit) for kind, fit in data.get("memory", {}).get(dtype, {}).items()})


CLOCK: list[Callable[[], float]] = [time.perf_counter]  # the clock of the running calibration


def _median_time(fn: Callable[[], Any], seconds: float = 0.4, least: int = 3,
                 flush: Callable[[], Any] | None = None) -> float:
    """The median of repeated timings of ``fn`` over about ``seconds``, after one untimed call; ``flush``
    runs (untimed) before each call: what a network's previous layer would do to the caches."""
    fn()
    times: list[float] = []
    spent = time.perf_counter()
    clock = CLOCK[0]
    while len(times) < least or time.perf_counter() - spent < seconds:
        if flush is not None:
            flush()
        start = clock()
        fn()
        times.append(clock() - start)
        if len(times) > 10000:
            break
    return statistics.median(times)


def _probes(kind: Any) -> dict[str, tuple[Callable[[], Any], float, float]]:
    """Each ceiling's probe: (the call, its FLOPs, its bytes by ``cost.op_cost``'s rules), at ``kind``."""
    import torch
    import torch.nn.functional as F

    def conv(batch: int, cin: int, cout: int, side: int, k: int, stride: int, groups: int = 1) -> tuple[Any, ...]:
        x, w = torch.randn(batch, cin, side, side, dtype=kind), torch.randn(cout, cin // groups, k, k, dtype=kind)
        out = batch * cout * (side // stride) ** 2
        size = x.element_size()
        return (lambda: F.conv2d(x, w, stride=stride, padding=k // 2, groups=groups),
                2.0 * out * (cin // groups) * k * k, float((x.numel() + w.numel() + out) * size))

    a, b = torch.randn(1024, 1024, dtype=kind), torch.randn(1024, 1024, dtype=kind)
    probes = {"matmul": (lambda: a @ b, 2.0 * 1024**3, 3.0 * a.numel() * a.element_size())}
    for batch in BATCHES:
        probes[f"conv@112/{batch}"] = conv(batch, 3, 64, 224, 7, 2)
        for side, width in STAGES:  # a ResNet's stages: the channels double as the side halves
            probes[f"conv3x3@{side}/{batch}"] = conv(batch, width, width, side, 3, 1)
            probes[f"conv1x1@{side}/{batch}"] = conv(batch, 4 * width, width, side, 1, 1)
            probes[f"conv_strided@{side // 2}/{batch}"] = conv(batch, width, 2 * width, side, 3, 2)
            probes[f"depthwise@{side}/{batch}"] = conv(batch, 4 * width, 4 * width, side, 3, 1, groups=4 * width)
    return probes


class _Add(nn.Module):
    def forward(self, a: Any, b: Any) -> Any:
        return a + b


class _Cat(nn.Module):
    def forward(self, a: Any, b: Any) -> Any:
        import torch

        return torch.cat([a, b], 1)


class _Chain(nn.Module):
    """The memory-bound probe: a network's own sequence on 64 x 56 x 56 (3x3 convolution, batch norm,
    ReLU, convolution, batch norm, residual addition, ReLU, concatenation, 3x3 stride-2 max pool, global
    average pool), every step a module, timed with the measurement's own hooks: a batch norm reads a
    convolution's fresh output here, as it does in a network, at two to three times a warm cache's cost."""

    def __init__(self, kind: Any) -> None:
        super().__init__()
        self.conv1, self.conv2 = (nn.Conv2d(64, 64, 3, padding=1, bias=False).to(kind) for _ in range(2))
        self.norm, self.norm2 = (nn.BatchNorm2d(64).to(kind).eval() for _ in range(2))
        self.elementwise, self.relu2, self.add, self.copy = nn.ReLU(), nn.ReLU(), _Add(), _Cat()
        self.maxpool, self.pool = nn.MaxPool2d(3, 2, 1), nn.AdaptiveAvgPool2d(1)

    def forward(self, x: Any) -> Any:
        y = self.norm2(self.conv2(self.elementwise(self.norm(self.conv1(x)))))
        y = self.relu2(self.add(y, x))
        return self.pool(self.maxpool(self.copy(y, x)))


def memory_fits(kind: Any, clock: Callable[[], float]) -> dict[str, tuple[float, float, float]]:
    """Each memory-bound kind's (fixed seconds, bytes/s, at bytes): the line through its times in ``_Chain``
    at batch 1 and 8 (a small operator's time is mostly its fixed cost, a large one's its traffic); the
    rate holds for working sets like batch 8's and follows the streaming curve beyond."""
    small, large = _chain_rates(kind, clock, 1), _chain_rates(kind, clock, 8)
    fits = {}
    for name, (bytes_1, seconds_1) in small.items():
        bytes_8, seconds_8 = large[name]
        rate = (bytes_8 - bytes_1) / (seconds_8 - seconds_1) if seconds_8 > seconds_1 else bytes_8 / seconds_8
        fits[name] = (max(0.0, seconds_1 - bytes_1 / rate), rate, bytes_8)
    return fits


def _chain_rates(kind: Any, clock: Callable[[], float], batch: int) -> dict[str, tuple[float, float]]:
    """(bytes, seconds) of each memory-bound kind in ``_Chain`` (``cost.op_cost``'s byte rules by hand)."""
    import torch

    from .timing import time_layers

    chain, x = _Chain(kind), torch.randn(batch, 64, 56, 56, dtype=kind)
    n, size = x.numel(), x.element_size()
    torch.set_flush_denormal(True)
    try:
        with torch.no_grad():
            rows = time_layers(lambda: chain(x), chain, warmup=2, runs=9, clock=clock).rows
    finally:
        torch.set_flush_denormal(False)
    return {"norm": ((2 * n + 4 * 64) * size, rows["norm"]), "elementwise": (2 * n * size, rows["elementwise"]),
            "add": (3 * n * size, rows["add"]), "copy": (4 * n * size, rows["copy"]),
            "maxpool": (1.25 * 2 * n * size, rows["maxpool"]), "pool": ((n // 2 + 128) * size, rows["pool"])}


STAGES = ((56, 64), (28, 128), (14, 256), (7, 512))
BATCHES = (1, 8)  # a batch lets a library block the work differently: both are measured


def measure_ceilings(threads: int, dtypes: tuple[str, ...] = DTYPES, cpu_time: bool = False) -> dict[str, Any]:
    """Measure this processor's ceilings at ``threads`` threads (module docstring); plain data.

    Compute probes give FLOP/s (FLOPs = 2 x MACs); memory probes give bytes/s, kept as their share of the
    line through two batches (``memory_fits``). ``cpu_time``: time with the thread's CPU
    clock instead of the wall clock (one thread only: on a shared machine it leaves out the time others ran)."""
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(threads)
    CLOCK[0] = time.thread_time if cpu_time else time.perf_counter
    try:
        with torch.no_grad():
            curve = []
            for size in BANDWIDTH_SIZES:
                src, dst = torch.empty(size // 4), torch.empty(size // 4)
                src.fill_(1.0)
                curve.append((2.0 * size, 2 * size / _median_time(lambda d=dst, s=src: d.copy_(s), 0.2)))
            peaks: dict[str, dict[str, float]] = {}
            memory: dict[str, dict[str, tuple[float, float]]] = {}
            for dtype in dtypes:
                kind = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[dtype]
                probes = _probes(kind)
                peaks[dtype] = {name: flops / _median_time(call, 0.25) for name, (call, flops, _) in probes.items()}
                memory[dtype] = memory_fits(kind, CLOCK[0])
            relu, one = torch.nn.ReLU(), torch.zeros(1)
            overhead = _median_time(lambda: relu(one), 0.3)
    finally:
        torch.set_num_threads(saved)
        CLOCK[0] = time.perf_counter
    return {"peaks": peaks, "memory": memory, "bandwidth": curve, "overhead_s": overhead,
            "threads": threads, "torch": torch.__version__, "clock": "thread CPU time" if cpu_time else "wall"}


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
