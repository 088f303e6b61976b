#!/usr/bin/env python
"""One real training step on a GPU, measured beside archstat's estimates (issue 16, item 4).

For each network and batch: forward, cross-entropy loss, backward and an SGD step (no momentum,
so no optimizer state), in fp32, in train mode. Measured: ``torch.cuda.max_memory_allocated``
over the measured steps, beside ``archstat memory``'s training estimate for the same settings
(``estimate_memory(name, batch=B, dtype="fp32", optimizer="sgd")``: weights + gradients + the
activations autograd saves); and the step's wall time (median of ``--steps`` steps after
``--warmup`` steps, ``torch.cuda.synchronize()`` before and after each), beside archstat's
forward MACs at that batch (one fused multiply-add = 1 MAC).

The allocator's peak holds what the estimate leaves out on purpose (docs/memory.md): the input
and labels, the backward pass's transient gradient buffers, cuDNN's workspaces and the
allocator's rounding. The CUDA context is outside both.

Usage:
  python benchmarks/gpu_step.py                          # resnet50_v1_5 at 32 and 64, vgg16 at 32, cuda
  python benchmarks/gpu_step.py --output table.md        # also write the Markdown table to a file
  python benchmarks/gpu_step.py --device cpu --batches 2 --steps 1 --warmup 1   # a smoke check, no GPU
On a CPU there are no allocator statistics: the memory columns read n/a and only the time is measured.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's archstat, installed or not

import torch  # noqa: E402
from torch import nn  # noqa: E402

import archstat  # noqa: E402
from archstat.models import build_model, get_model_info  # noqa: E402

CASES = [("resnet50_v1_5", 32), ("resnet50_v1_5", 64), ("vgg16", 32)]


@dataclass
class Row:
    model: str
    input_side: int
    batch: int
    estimate_bytes: int  # archstat's training total: weights + gradients + saved activations (SGD: no state)
    peak_bytes: int | None  # torch.cuda.max_memory_allocated over the measured steps; None off CUDA
    macs: int  # archstat's forward MACs at this batch
    step_seconds: float  # median wall time of one training step


def training_step(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor) -> None:
    """Forward, loss, backward, update; gradients dropped first (``set_to_none``), as training loops do."""
    optimizer.zero_grad(set_to_none=True)
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()


def measure_step(name: str, batch: int, side: int | None, device: torch.device, warmup: int, steps: int
                 ) -> tuple[int | None, float]:
    """(allocator peak in bytes or None off CUDA, median step seconds) of ``name`` at ``batch``."""
    info = get_model_info(name)
    shape = (info.input_size[0], side, side) if side else info.input_size
    torch.manual_seed(0)
    model = build_model(name, init_weights=True).to(device).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)  # plain SGD: no optimizer state
    x = torch.randn(batch, *shape, device=device)
    y = torch.randint(0, info.num_classes, (batch,), device=device)
    for _ in range(warmup):  # lazy initialisation, cuDNN's algorithm choice, allocator warm-up
        training_step(model, optimizer, x, y)
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        training_step(model, optimizer, x, y)
        if cuda:
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    peak = torch.cuda.max_memory_allocated(device) if cuda else None
    del model, optimizer, x, y
    if cuda:
        torch.cuda.empty_cache()
    return peak, statistics.median(times)


def run_case(name: str, batch: int, args: argparse.Namespace, device: torch.device) -> Row:
    info = get_model_info(name)
    side = args.input or info.input_size[-1]
    size = f"{info.input_size[0]}x{side}x{side}"
    estimate = archstat.estimate_memory(name, input_size=size, batch=batch, dtype="fp32", optimizer="sgd")
    macs = archstat.analyze(name, input_size=size, batch=batch, engine="meta").totals["macs"]
    peak, seconds = measure_step(name, batch, args.input, device, args.warmup, args.steps)
    return Row(name, side, batch, estimate.totals["training"], peak, macs, seconds)


def _mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 2**20:,.0f} MiB"


def render(rows: list[Row], args: argparse.Namespace, device: torch.device, started: datetime.datetime) -> str:
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({torch.get_num_threads()} threads)"
    cudnn = torch.backends.cudnn
    lines = [
        f"# One training step on {name}: measured beside archstat's estimates", "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC; `{' '.join(['python benchmarks/gpu_step.py', *args.argv])}`",
        f"- device: {name}; torch {torch.__version__}, CUDA {torch.version.cuda or 'none'}, cuDNN "
        f"{cudnn.version() if cudnn.is_available() else 'none'}",
        f"- fp32 (TF32 allowed: convolutions {cudnn.allow_tf32}, matrix products "
        f"{torch.backends.cuda.matmul.allow_tf32}); cudnn.benchmark {cudnn.benchmark}",
        "- one step: forward, cross-entropy, backward, SGD (no momentum) update, train mode; "
        f"warm-up steps: {args.warmup}, measured steps: {args.steps}, median time shown",
        "- estimate: `archstat memory NET --batch B --dtype fp32 --optimizer sgd`, its training total "
        "(weights + gradients + activations saved for backward); MACs: archstat's forward count at the batch "
        "(1 MAC = one fused multiply-add; FLOPs = 2 x MACs)", "",
        "| model | input | batch | archstat training estimate | torch.cuda.max_memory_allocated | measured / "
        "estimate | forward GMACs | step time | forward GMACs per second of step |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        ratio = f"{row.peak_bytes / row.estimate_bytes:.2f}x" if row.peak_bytes is not None else "n/a"
        lines.append(f"| {row.model} | {row.input_side} | {row.batch} | {_mib(row.estimate_bytes)} | "
                     f"{_mib(row.peak_bytes)} | {ratio} | {row.macs / 1e9:,.1f} | {row.step_seconds * 1e3:,.1f} ms | "
                     f"{row.macs / 1e9 / row.step_seconds:,.1f} |")
    return "\n".join(lines) + "\n"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:N, or cpu for a smoke check")
    parser.add_argument("--batches", type=lambda t: [int(b) for b in t.split(",")],
                        help="batch sizes for every model, comma-separated (default: resnet50_v1_5 at 32 and 64, "
                             "vgg16 at 32)")
    parser.add_argument("--models", type=lambda t: t.split(","), help="zoo names, comma-separated "
                        "(default: resnet50_v1_5,vgg16)")
    parser.add_argument("--input", type=int, help="input side (default: each model's paper input)")
    parser.add_argument("--warmup", type=int, default=3, help="steps before measuring (default 3)")
    parser.add_argument("--steps", type=int, default=10, help="measured steps (default 10)")
    parser.add_argument("--output", type=Path, help="also write the Markdown table here")
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv  # shown in the table's header
    return args


def cases(args: argparse.Namespace) -> list[tuple[str, int]]:
    models = args.models or list(dict.fromkeys(name for name, _ in CASES))
    if args.batches:
        return [(name, batch) for name in models for batch in args.batches]
    return [(name, batch) for name, batch in CASES if name in models] or [(name, 32) for name in models]


def main(argv: list[str] | None = None) -> str:
    args = parse(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("No CUDA device here (torch.cuda.is_available() is False). "
                         "Run on a machine with an NVIDIA GPU, or give --device cpu for a smoke check.")
    started = datetime.datetime.now(datetime.timezone.utc)
    rows = []
    for name, batch in cases(args):
        print(f"{name} at batch {batch} ...", file=sys.stderr)
        rows.append(run_case(name, batch, args, device))
    text = render(rows, args, device, started)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    print(text)
    return text


if __name__ == "__main__":
    main()
