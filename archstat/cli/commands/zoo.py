"""`archstat zoo`: every model at its default input, measured beside its paper's figures."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ...options import Engine
from ...tabular import to_markdown
from ..engine_choice import meta_unless_asked
from ..errors import reports_errors
from ..options import DEFAULT_FORMAT, ChosenEngineOpt, FormatOpt
from ..output import Result, emit, note, text_output
from ..progress import steps
from .list import no_match

if TYPE_CHECKING:
    import pandas as pd


def _missing(value: Any) -> bool:
    """``analysis.zoo.is_missing``: an empty cell (imported on use: the zoo module imports torch)."""
    from ...analysis.zoo import is_missing

    return is_missing(value)


def zoo_markdown(frame: pd.DataFrame) -> str:
    """docs/zoo.md's generated part: the markdown ``--format markdown`` prints, from the table on (the
    page has its own heading)."""
    from ...analysis.zoo import table_data

    return to_markdown(replace(table_data(frame), title=""))


def zoo_result(frame: pd.DataFrame) -> Result:
    """The zoo's pieces: the measured rows as they are for machines, its one description for people."""
    from ...analysis.zoo import table_data

    return Result(json=lambda: [{k: (None if _missing(v) else v) for k, v in row.items()}
                                for row in frame.to_dict("records")],
                  csv=lambda: frame, description=lambda: table_data(frame))


@reports_errors
@text_output
def zoo(
    pattern: Annotated[str | None, typer.Argument(
        metavar="PATTERN", help="Shell-style filter on model names, e.g. 'vgg*'.")] = None,
    engine: ChosenEngineOpt = None,
    format: FormatOpt = DEFAULT_FORMAT,
) -> None:
    """Every zoo model at its default input: measured params, MACs, activations, depth and receptive
    field beside the paper's figures.

    Example: archstat zoo 'resnet*' --format markdown
    """
    from ...zoo_facts import names as zoo_names  # the pattern checked before torch is imported

    names = zoo_names(pattern)
    if not names:
        note(no_match(pattern))
    chosen = meta_unless_asked(engine) if names else Engine.meta  # no note over an empty table
    from ...analysis.zoo import zoo_table

    # Two processes where there is work for both: 117 s -> 92 s on a busy 2-core machine (load 16), the same rows.
    workers = min(2, os.cpu_count() or 1) if len(names) >= 8 else 1
    with steps(len(names)) as start:
        frame = zoo_table(names, progress=start, engine=chosen.value, workers=workers)
    emit(zoo_result(frame), format)
