"""The claims measured in two processes where a machine has the cores: they are independent, each a few
tenths of a second to a few seconds of one core.

The workers are forked from this process (torch and the catalogue are imported once; Linux and macOS,
else one process), each with its own ``Session``: a network two claims share is built and counted in
each worker that meets it, so the split keeps a source's claims together (the claims of one document
name the same networks), and the claims timed on this CPU together, in one worker, one after another.
A worker sends back each claim's measurements (``rules.measure_parts``, plain data); the verdicts are
given here, as in one process (``rules.judged``).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from collections.abc import Callable, Sequence

from ..analysis.collector import old_objects_frozen
from .hardware import TIMED
from .measure import Session
from .readings import Measured
from .rules import Claim, measure_parts

# Set before the workers fork: they read the claims from here (a task is a list of positions).
_CLAIMS: Sequence[Claim] = ()
_SESSION: list[Session] = []


def measure_all(claims: Sequence[Claim], engine: str, workers: int = 1,
                progress: Callable[[str], None] | None = None) -> list[tuple[Measured, ...]]:
    """Each claim's measurements, in order. ``workers`` above 1 measures in that many processes where
    fork is available and there are claims enough to share; ``progress`` is called with each claim's id."""
    parallel = workers > 1 and len(groups(claims)) > 1 and "fork" in multiprocessing.get_all_start_methods()
    if parallel:
        import pandas  # noqa: F401  (every worker's evidence tables need it: imported once, before the fork)
    with old_objects_frozen():  # the collector would rescan torch's objects at every full collection
        if parallel:
            return _in_processes(claims, engine, workers, progress)
        session, measured = Session(engine), []
        for claim in claims:
            if progress:
                progress(claim.id)
            measured.append(measure_parts(claim, session))
        return measured


def groups(claims: Sequence[Claim]) -> list[list[int]]:
    """Positions of ``claims`` in tasks, the longest first so that the workers end together: the claims with
    a part timed on this CPU (``hardware.TIMED``: real forwards and training steps, seconds each) in one
    task, so that no two timings run at once; then the others by source, most parts (each builds or counts
    something) first."""
    timed = [i for i, claim in enumerate(claims) if claim.id in TIMED]
    by_source: dict[str, list[int]] = {}
    for i, claim in enumerate(claims):
        if claim.id not in TIMED:
            by_source.setdefault(claim.source, []).append(i)
    rest = sorted(by_source.values(), key=lambda group: sum(len(claims[i].parts) for i in group), reverse=True)
    return [timed, *rest] if timed else rest


def _start(engine: str) -> None:
    """A worker: one thread (two workers on two cores, not two pools of threads) and its own session."""
    import torch

    torch.set_num_threads(1)
    _SESSION.append(Session(engine))


def _measure_group(positions: list[int]) -> list[tuple[Measured, ...]]:
    return [measure_parts(_CLAIMS[i], _SESSION[0]) for i in positions]


def _in_processes(claims: Sequence[Claim], engine: str, workers: int,
                  progress: Callable[[str], None] | None) -> list[tuple[Measured, ...]]:
    global _CLAIMS
    _CLAIMS = claims

    results: dict[int, tuple[Measured, ...]] = {}
    context = multiprocessing.get_context("fork")
    try:
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=_start,
                                                    initargs=(engine,)) as pool:
            tasks = {pool.submit(_measure_group, group): group for group in groups(claims)}
            for task in concurrent.futures.as_completed(tasks):
                for i, measured in zip(tasks[task], task.result(), strict=True):
                    results[i] = measured
                    if progress:
                        progress(claims[i].id)
    finally:
        _CLAIMS = ()
    return [results[i] for i in range(len(claims))]
