"""The zoo's listing facts without torch: what ``archstat list`` and shell completion read.

The facts themselves are literals in ``zoo_entries.py``, generated from the registry by
``python -m archstat.models.catalogue --write`` (tests/test_zoo_catalogue.py fails when they differ
from it). Both sit outside ``archstat.models`` because importing any module of that package first
runs the package, which imports every family and torch.
"""

from __future__ import annotations

import fnmatch
from typing import NamedTuple

from .zoo_entries import ROWS


class ZooEntry(NamedTuple):
    """One registered model's listing facts, as its ``ModelInfo`` holds them (sides in pixels)."""

    name: str
    family: str
    year: int
    paper: str
    input_size: tuple[int, int, int]  # channels, height, width
    min_input: int | None  # smallest square side that runs
    variant_of: str | None  # the zoo's paper layout a released layout re-implements


def entries(pattern: str | None = None) -> list[ZooEntry]:
    """The entries whose name matches the shell-style ``pattern`` (case-sensitively; ``None``: all),
    in the registry's natural order (resnet18 < resnet50 < resnet101), as ``list_models`` gives them."""
    return [entry for entry in ENTRIES if pattern is None or fnmatch.fnmatchcase(entry.name, pattern)]


def names(pattern: str | None = None) -> list[str]:
    """The names ``entries(pattern)`` holds, in the same order."""
    return [entry.name for entry in entries(pattern)]


ENTRIES: tuple[ZooEntry, ...] = tuple(ZooEntry(**row) for row in ROWS)
