"""Progress on stderr while a command works, so that no run is a long silence.

Shown only when stderr is a terminal (a script or a pipe gets nothing), transient (gone when the work is
done), and never on stdout, so the result itself is unchanged. Rich is imported only when a bar is drawn.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .output import stderr

SLOW_AFTER_S = 2.0  # a single model's work shows a line once it has taken this long


def _shown() -> bool:
    return sys.stderr.isatty()


@contextmanager
def steps(total: int, what: str = "model") -> Iterator[Callable[[str], None]]:
    """``start(name)`` before each of ``total`` items: "model 3 of 40: resnet50", a bar and the time elapsed."""
    if not _shown() or total < 1:
        yield lambda name: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr.made(), transient=True) as progress:
        task = progress.add_task(f"{what} 1 of {total}", total=total)
        done = [0]

        def start(name: str) -> None:
            if done[0]:
                progress.advance(task)
            done[0] += 1
            progress.update(task, description=f"{what} {min(done[0], total)} of {total}: {name}")
            progress.refresh()  # drawn now: a quick model would otherwise pass between two timed refreshes

        yield start


@contextmanager
def working(label: str, after: float = SLOW_AFTER_S) -> Iterator[None]:
    """A spinner with ``label`` and the time elapsed, shown only once the work has taken ``after`` seconds
    (a quick command draws nothing) and taken down before the result is printed."""
    if not _shown():
        yield
        return
    shown: dict[str, Any] = {}
    lock = threading.Lock()

    def show() -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with lock:
            if "stopped" in shown:
                return
            progress = Progress(SpinnerColumn(), TextColumn(label), TimeElapsedColumn(), console=stderr.made(),
                                transient=True)
            progress.add_task(label, total=None)
            progress.start()
            shown["progress"] = progress

    timer = threading.Timer(after, show)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            shown["stopped"] = True
            if "progress" in shown:
                shown["progress"].stop()
