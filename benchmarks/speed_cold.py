#!/usr/bin/env python
"""How much slower an operator runs when its kind of work has not run for a while (issue 26).

In a network measured by ``archstat speed --measure``, a few layers take far longer than the same layer
called again and again: the global pooling once a forward, the stem's batch norm, the first 1x1
convolution after the stem. This script measures, on this machine and one thread, what such a layer
pays, and whether it is the time since its kind of work last ran or the bytes moved meanwhile.

For one small synthetic operator of each kind (never a layer of a benchmarked network; each input
written by a ReLU just before it, as a network's previous layer writes it), the fastest of ``--runs``
timed calls (thread CPU time) after:
- nothing (``hot``: the same operator ran just before);
- ``spin T ms``: this thread busy for T ms in a Python loop that reads the clock and touches almost no
  memory (what changes meanwhile is the machine's doing: other tenants' work, the hypervisor, the kernel);
- ``read M MB``: this thread summing M MB of its own (a stream of bytes, as other layers move; the column
  says how long the read takes, to set beside the idle times).

Each cell past the first is the time above ``hot``, in microseconds.

Usage:
  python benchmarks/speed_cold.py [--runs 20] [--output cold.md]
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from archstat.analysis.calibrate import read_processor

SPINS_MS = (1, 3, 10, 30, 100)
READS_MB = (16, 64)
LONG_MS = 30  # idle times from here on take a third of the runs (each costs the idle time itself)


def operators() -> dict[str, tuple[Callable[[torch.Tensor], torch.Tensor], tuple[int, ...]]]:
    """Kind of work -> (a small synthetic operator, its input shape)."""
    return {
        "batch norm, 64 ch 28x28": (nn.BatchNorm2d(64).eval(), (1, 64, 28, 28)),
        "1x1 convolution, 64 -> 64 ch 28x28": (nn.Conv2d(64, 64, 1, bias=False), (1, 64, 28, 28)),
        "3x3 convolution, 64 -> 64 ch 14x14": (nn.Conv2d(64, 64, 3, padding=1, bias=False), (1, 64, 14, 14)),
        "3x3 depthwise, 64 ch 28x28": (nn.Conv2d(64, 64, 3, padding=1, groups=64, bias=False), (1, 64, 28, 28)),
        "matrix-vector product, 256 -> 256": (nn.Linear(256, 256), (1, 256)),
        "global average pool, 256 ch 7x7": (nn.AdaptiveAvgPool2d(1), (1, 256, 7, 7)),
        "ReLU6, 64 ch 28x28": (nn.ReLU6(), (1, 64, 28, 28)),
        "addition, 64 ch 28x28": (lambda x: x + x, (1, 64, 28, 28)),
        "channel shuffle (copy), 64 ch 28x28": (
            lambda x: x.view(1, 2, 32, 28, 28).transpose(1, 2).contiguous(), (1, 64, 28, 28)),
    }


def spin(ms: float) -> None:
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


def fastest(op: Callable[[torch.Tensor], torch.Tensor], source: torch.Tensor, before: Callable[[], object],
            runs: int) -> float:
    """The fastest of ``runs`` timed calls of ``op`` (seconds, thread CPU time), each after ``before`` and a
    ReLU that writes the operator's input."""
    relu = nn.ReLU()
    best = float("inf")
    for _ in range(runs):
        before()
        x = relu(source)
        start = time.thread_time()
        op(x)
        best = min(best, time.thread_time() - start)
    return best


def _duration(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def table(runs: int) -> str:
    torch.manual_seed(0)
    stream = torch.randn(max(READS_MB) << 18)  # 4-byte floats: MB << 18 of them
    befores: list[tuple[str, Callable[[], object], int]] = [("hot", lambda: None, runs)]
    befores += [(f"spin {ms} ms", lambda ms=ms: spin(ms), runs if ms < LONG_MS else max(3, runs // 3))
                for ms in SPINS_MS]
    for mb in READS_MB:
        read = stream[: mb << 18].sum
        took = min(_duration(read) for _ in range(5))
        befores.append((f"read {mb} MB ({took * 1e3:.1f} ms)", read, runs))
    lines = [f"| operator | {' | '.join(name for name, _, _ in befores)} |",
             f"| --- |{' ---: |' * len(befores)}"]
    with torch.no_grad():
        for name, (op, shape) in operators().items():
            source = torch.randn(shape)
            for _ in range(3):
                op(source)
            hot, *rest = (fastest(op, source, before, n) * 1e6 for _, before, n in befores)
            lines.append(f"| {name} | {hot:.1f} | " + " | ".join(f"{t - hot:+.1f}" for t in rest) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed calls per cell (a third past 30 ms idle)")
    parser.add_argument("--output", type=Path, help="also write the table (markdown) here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    head = (f"{read_processor().name} ({platform.machine()}); {time.strftime('%Y-%m-%d %H:%M')}; torch "
            f"{torch.__version__}; 1 thread; thread CPU time; fastest of {args.runs} calls per cell "
            f"(a third of them past {LONG_MS} ms idle); microseconds: hot, then above hot")
    text = f"{head}\n\n{table(args.runs)}\n"
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
