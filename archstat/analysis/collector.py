"""Python's cycle collector kept off the objects alive before a long loop of models."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def old_objects_frozen() -> Iterator[None]:
    """Keep Python's cycle collector from rescanning the objects alive before the loop (torch's, the
    network's) at every full collection: each took 0.15 s, and a 31-side sweep of ResNet-50 made
    several; the 83 models of ``archstat zoo`` spent a sixth of their CPU time so. Objects made in the
    loop are collected as usual; a caller's own ``gc.freeze`` is left alone. Tensors are freed by
    reference counting either way, so every result is as without it. Workers forked inside inherit
    the frozen objects (and leave the pages holding them unwritten, shared with this process)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
