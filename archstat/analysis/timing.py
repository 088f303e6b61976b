"""Time a network layer by layer on a real device: hooks on the leaf modules, an injectable clock.

One timed run: ``sync(); start = clock()``, the forward with a pre- and a post-hook on every
module, ``sync(); end = clock()``. The hooks are registered once, before the first run, and removed
after the last: registering and removing them around each run took 2 ms of Python per ShuffleNet V2
forward here, inside the timed span, and left the caches cold for the first layers (its stem's
convolution measured 570 us that way, 470 with the hooks kept). Each hook synchronises the device and
reads the clock; a leaf's time is post minus pre, and every stretch between two hooks outside a leaf (a
residual addition, a concatenation, Python between the calls) is credited to the "between" row of the
container running it ("(model) (between)" at the top). So in every run the rows
add up exactly to ``end - start``, the whole forward with hooks. The whole forward is also timed
without hooks: the difference of the two medians is the hooks' overhead, stated with the result.

Each row's time is the median over the timed runs after the warm-up runs (seconds; the calibration's
probes take the fastest run instead, ``statistic``). The clock and
the synchronisation are parameters: ``time.perf_counter`` and ``torch.cuda.synchronize`` on a GPU,
a fake clock in the tests.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from torch import nn

Clock = Callable[[], float]


def between_name(container: str) -> str:
    """The row that holds the time spent in ``container`` outside its children."""
    return f"{container or '(model)'} (between)"


@dataclass(frozen=True)
class Timing:
    """Seconds per row (leaf names and "... (between)" rows, in the order first run; the median of the runs
    unless ``time_layers`` was given another statistic), the whole forward's median with hooks and without,
    and how many runs were timed."""

    rows: dict[str, float]
    hooked_s: float
    plain_s: float
    runs: int
    fastest_s: float = 0.0  # the fastest whole run with hooks: far below ``hooked_s``, something else ran meanwhile

    @property
    def overhead_s(self) -> float:
        """What the hooks add to one forward: the hooked median minus the plain one (seconds)."""
        return self.hooked_s - self.plain_s


@contextmanager
def _leaf_hooks(module: nn.Module, clock: Clock, sync: Callable[[], None], state: dict[str, Any]) -> Iterator[None]:
    """Hooks that add each leaf's time to ``state["totals"][name]`` and each gap to the running container's
    "between" row; ``state["mark"]`` is the last time the clock was read at a leaf's edge. The caller starts
    each run with a fresh ``totals`` and ``mark``."""
    running: list[str] = []
    handles = []

    def charge(row: str) -> None:  # the time since the last edge goes to ``row``
        sync()
        now = clock()
        totals = state["totals"]
        totals[row] = totals.get(row, 0.0) + now - state["mark"]
        state["mark"] = now

    def gap() -> str:
        return between_name(running[-1] if running else "")

    for name, sub in module.named_modules():
        leaf = not any(True for _ in sub.children())
        if leaf and name:
            def before(_m: nn.Module, _args: Any) -> None:
                charge(gap())

            def after(_m: nn.Module, _args: Any, _out: Any, name: str = name) -> None:
                charge(name)

            handles += [sub.register_forward_pre_hook(before), sub.register_forward_hook(after)]
        elif not leaf:
            def enter(_m: nn.Module, _args: Any, name: str = name) -> None:
                charge(gap())
                running.append(name)

            def leave(_m: nn.Module, _args: Any, _out: Any, name: str = name) -> None:
                charge(between_name(name))
                running.pop()

            handles += [sub.register_forward_pre_hook(enter), sub.register_forward_hook(leave)]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def time_layers(run: Callable[[], Any], module: nn.Module, *, warmup: int = 3, runs: int = 10,
                clock: Clock = time.perf_counter, sync: Callable[[], None] = lambda: None,
                statistic: Callable[[list[float]], float] = statistics.median) -> Timing:
    """Time ``run()`` (a forward of ``module``) per leaf and whole; see the module docstring. ``statistic``
    makes each row's time of its timed runs (the median; ``min`` for the calibration's probes)."""
    per_run: list[dict[str, float]] = []
    hooked: list[float] = []
    state: dict[str, Any] = {}
    top = between_name("")
    with _leaf_hooks(module, clock, sync, state):
        for i in range(warmup + runs):
            totals = state["totals"] = {}
            sync()
            start = state["mark"] = clock()
            run()
            sync()
            end = clock()
            totals[top] = totals.get(top, 0.0) + end - state["mark"]
            if i >= warmup:
                per_run.append(totals)
                hooked.append(end - start)
    plain = time_whole(run, warmup=0, runs=runs, clock=clock, sync=sync)
    names = list(dict.fromkeys(name for totals in per_run for name in totals))
    rows = {name: statistic([totals.get(name, 0.0) for totals in per_run]) for name in names}
    return Timing(rows, statistics.median(hooked), plain, runs, min(hooked))


def time_whole(run: Callable[[], Any], *, warmup: int = 3, runs: int = 10, clock: Clock = time.perf_counter,
               sync: Callable[[], None] = lambda: None) -> float:
    """The median seconds of ``run()`` without hooks, after ``warmup`` untimed runs."""
    times = []
    for i in range(warmup + runs):
        sync()
        start = clock()
        run()
        sync()
        if i >= warmup:
            times.append(clock() - start)
    return statistics.median(times)
