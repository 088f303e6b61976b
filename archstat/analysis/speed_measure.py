"""The measured side of ``speed``: the network built for real with random weights, timed per layer.

Random weights: PyTorch's default initialisation of each layer (nothing is downloaded). Threads are
fixed to the report's count and denormal numbers flushed to zero for the run (a network's tiny values
would otherwise take a slow path on x86 that no cost model knows), both restored afterwards. On a
GPU every hook synchronises the device (``torch.cuda.synchronize``) before it reads the clock.

A training step (``train``) is timed whole: forward, ``output.sum().backward()`` and an SGD step
(no momentum); the rows keep their measured forward times, so the per-layer error stays a forward's.
Where the median hooked run is more than ``BUSY`` times the fastest, a note says the machine was busy.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from torch import nn

from ..errors import UsageError
from ..options import Mode
from .calibrate import settle_allocator
from .feeding import feed_at_batch
from .request import Request
from .resolve import Target
from .speed_report import SpeedReport
from .timing import time_layers, time_whole

TORCH_DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
BUSY = 1.1  # the median hooked run over the fastest, above which the measurement says the machine was busy


def build_real(request: Request, device: str, dtype: torch.dtype) -> Target:
    """The request's network with initialised random weights on ``device`` (a zoo model at its classes, a
    user's built with its constructor keywords); a given module is used as it is."""
    from ..models import build_model
    from .resolve import is_user_spec, parse_kwargs, resolve

    model = request.model
    target = resolve(model, input_size=request.input_size, num_classes=request.num_classes, kwargs=request.kwargs,
                     device="meta" if isinstance(model, str) and not is_user_spec(model) else "cpu")
    if isinstance(model, nn.Module):
        return target
    if target.info is not None:  # a zoo model, resolved on the meta device: built again, initialised
        arguments = dict(request.kwargs) if isinstance(request.kwargs, dict) else parse_kwargs(request.kwargs)
        classes = arguments.pop("num_classes", request.num_classes)
        target.module = build_model(target.info.name, init_weights=True, num_classes=classes, **arguments)
    target.module = target.module.to(device=device, dtype=dtype).eval()
    return target


def measure_into(report: SpeedReport, request: Request, *, warmup: int = 3, runs: int = 10,
                 clock: Callable[[], float] | None = None) -> None:
    """Time the ``request``'s model on the report's device and fill in the measured side of ``report``."""
    from .params import aux_mode
    from .snapshot import as_given
    from .trainable import mark_trainable

    device = "cuda" if report.where == "cuda" else "cpu"
    dtype = TORCH_DTYPES[report.dtype]
    if device == "cpu":
        settle_allocator()  # as the calibration did: the same allocator state on both sides
    target = build_real(request, device, dtype)
    module = target.module
    feed = feed_at_batch(target.inputs, request.forward_kwargs, device, request.batch)
    # random values for the float inputs (zeros would take special paths), the others zeros of their dtype
    args = tuple(torch.randn(t.shape, device=device, dtype=dtype) if t.is_floating_point() else t for t in feed.args)
    with as_given(module, Mode.eval), aux_mode(module, request.aux), feed.bound(module):
        undo = mark_trainable(module, freeze=request.freeze, train=request.train)
        try:
            if report.train and not any(p.requires_grad for p in module.parameters()):
                raise UsageError(f"--train: every parameter of {target.label} is frozen, so a training step has "
                                 "nothing to update; freeze less (--freeze).")
            _measure(report, module, args, warmup, runs, clock)
        finally:
            undo()


def _measure(report: SpeedReport, module: nn.Module, args: tuple[torch.Tensor, ...], warmup: int, runs: int,
             clock: Callable[[], float] | None) -> None:
    """``measure_into`` on a module built, marked and fed."""
    device = "cuda" if report.where == "cuda" else "cpu"
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    clock = clock or time.perf_counter
    saved_threads = torch.get_num_threads()
    torch.set_flush_denormal(True)
    torch.set_num_threads(report.threads or saved_threads)
    try:
        with torch.no_grad():
            timing = time_layers(lambda: module(*args), module, warmup=warmup, runs=runs, clock=clock, sync=sync)
        if report.train:
            report.measured_s = _time_step(module, args, warmup, runs, clock, sync)
        else:
            report.measured_s = timing.plain_s
        report.hooked_s = None if report.train else timing.hooked_s
    finally:
        torch.set_num_threads(saved_threads)
        torch.set_flush_denormal(False)
    report.runs = timing.runs
    if timing.hooked_s > BUSY * timing.fastest_s:
        report.notes.append(f"the timed runs spread: the fastest {timing.fastest_s * 1e3:.3g} ms, the median "
                            f"{timing.hooked_s * 1e3:.3g} ms (with hooks): something else ran on this machine "
                            "meanwhile (another process, or another tenant of a virtual machine's core); the rows "
                            "are medians, so measure again when it is quiet.")
    if clock is time.thread_time:
        report.notes.append("clock: this thread's CPU time (time.thread_time), which leaves out the time other "
                            "processes ran on a shared machine; one thread only.")
    for row in report.rows:
        row.measured_s = timing.rows.get(row.name)
    known = {row.name for row in report.rows}
    left = sum(seconds for name, seconds in timing.rows.items() if name not in known)
    if left:  # between-rows where the prediction saw no kernel (Python between calls): add them to the model's
        report.notes.append(f"{left * 1e6:.1f} us measured between layers where no operator runs (Python and the "
                            "hooks between calls) is not in the rows.")
    if report.train:
        report.notes.append("--train: the whole step is measured (forward, backward, SGD step); the rows' measured "
                            "times are the forward's, their predicted times the step's.")


def _time_step(module: nn.Module, args: tuple[torch.Tensor, ...], warmup: int, runs: int,
               clock: Callable[[], float], sync: Callable[[], None]) -> float:
    """Median seconds of one SGD training step (forward, ``sum().backward()``, step) in train mode; frozen
    parameters (``requires_grad`` off) get no gradient and no step."""
    optimizer = torch.optim.SGD([p for p in module.parameters() if p.requires_grad], lr=1e-4)
    module.train()

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        module(*args).sum().backward()
        optimizer.step()

    try:
        return time_whole(step, warmup=warmup, runs=runs, clock=clock, sync=sync)
    finally:
        module.eval()
