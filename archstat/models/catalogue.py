"""Writes ``archstat/zoo_catalogue.py``: the registry's listing facts as a literal, for what must not import torch.

The registry's facts live beside the builders, which import torch (about 2 s): reading them there
would make ``archstat list`` and every TAB press on a model name wait for it. The catalogue copies
the facts ``archstat list`` shows into a module of plain literals; tests/test_zoo_catalogue.py
checks it against the registry field by field. After registering, renaming or changing a model,
regenerate it:

    python -m archstat.models.catalogue --write
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import get_model_info, list_models

TARGET = Path(__file__).resolve().parent.parent / "zoo_catalogue.py"
REGENERATE = "python -m archstat.models.catalogue --write"

_HEAD = f'''"""The zoo's listing facts as literals: what ``archstat list`` and shell completion read, without torch.

Generated from the registry by ``{REGENERATE}``; do not edit by hand.
tests/test_zoo_catalogue.py fails when it differs from the registry. It sits outside
``archstat.models`` because importing any module of that package first runs the package, which
imports every family and torch.
"""

from __future__ import annotations

import fnmatch
from typing import NamedTuple


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


# In natural order of name, as list_models() sorts them.
ENTRIES: tuple[ZooEntry, ...] = (
'''


def render() -> str:
    """The text ``zoo_catalogue.py`` must hold: the head, then one entry per registered model."""
    rows = []
    for name in list_models():
        info = get_model_info(name)
        rows.append(
            f"    ZooEntry(\n"
            f"        name={info.name!r}, family={info.family!r}, year={info.year!r},\n"
            f"        input_size={tuple(info.input_size)!r}, min_input={info.min_input!r},"
            f" variant_of={info.variant_of!r},\n"
            f"        paper={info.paper!r},\n"
            f"    ),\n"
        )
    return _HEAD + "".join(rows) + ")\n"


def main(argv: list[str]) -> int:
    """``--write``: rewrite the catalogue; no argument: exit 1 when it differs from the registry."""
    text = render()
    if argv == ["--write"]:
        TARGET.write_text(text)
        return 0
    if TARGET.read_text() != text:
        print(f"{TARGET} differs from the registry; run: {REGENERATE}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
