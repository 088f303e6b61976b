"""`archstat zoo`: every model at its default input, measured beside its paper's figures."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ...inputs import format_shape
from ...options import Engine
from ...render.tables import markdown_table, rich_table
from ...render.words import human, integer, pair_text, signed_percent
from ...tabular import MAC_DEFINITION
from ..engine_choice import meta_unless_asked
from ..errors import reports_errors
from ..options import DEFAULT_FORMAT, ChosenEngineOpt, FormatOpt
from ..output import Result, emit, note, text_output
from ..progress import steps
from .list import no_match

if TYPE_CHECKING:
    import pandas as pd
else:
    from ..._lazy import pandas as pd

UNITS = (f"params: parameter elements (aux heads excluded); MACs: {MAC_DEFINITION}; "
         "activations: conv/fc output elements; depth: weight layers on the longest path; "
         "field: receptive field of the last spatial feature map, input pixels. "
         "diff: (measured - paper) / paper.")


def _missing(value: Any) -> bool:
    """``analysis.zoo.is_missing``: an empty cell (imported on use: the zoo module imports torch)."""
    from ...analysis.zoo import is_missing

    return is_missing(value)


def _stated(value: Any) -> str:
    return "" if _missing(value) else human(value)


def _diff(value: Any) -> str:
    return "" if _missing(value) else signed_percent(value)


def readable(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Rows for people, and the notes they point to (numbered [1], [2] ...)."""
    notes: list[str] = []
    marks = []
    for text in frame.note:
        if text:
            notes.append(text)
        marks.append(f"[{len(notes)}]" if text else "")
    shown = pd.DataFrame({
        "model": frame.model,
        "input": frame.input.map(format_shape),
        "params": frame.params.map(integer),
        "paper params": frame.paper_params.map(_stated),
        "diff": frame.params_diff.map(_diff),
        "MACs": frame.macs.map(integer),
        "paper MACs": frame.paper_macs.map(_stated),
        "MACs diff": frame.macs_diff.map(_diff),
        "activations": frame.activations.map(integer),
        "depth": frame.depth.map(lambda d: "" if _missing(d) else str(int(d))),
        "paper depth": frame.paper_depth.map(lambda d: "" if _missing(d) else str(int(d))),
        "field": frame.receptive_field.map(lambda f: "" if _missing(f) else pair_text(f)),
        "note": marks,
    })
    return shown, notes


def zoo_markdown(frame: pd.DataFrame) -> str:
    shown, notes = readable(frame)
    lines = [markdown_table(shown), UNITS, ""]
    if notes:
        lines.append("Where the measured figure differs from the paper's by more than rounding:\n")
        lines += [f"{i}. {note}" for i, note in enumerate(notes, 1)]
    return "\n".join(lines) + "\n"


def zoo_result(frame: pd.DataFrame) -> Result:
    """The zoo table's pieces: the measured rows as they are for machines, readable ones for people."""

    def terminal() -> list[Any]:
        shown, notes = readable(frame)
        return [rich_table(shown, f"archstat zoo: {len(shown)} models", [UNITS, *[
            f"[{i}] {n}" for i, n in enumerate(notes, 1)]], right=("params", "MACs", "activations"))]

    return Result(json=lambda: [{k: (None if _missing(v) else v) for k, v in row.items()}
                                for row in frame.to_dict("records")],
                  csv=lambda: frame, markdown=lambda: zoo_markdown(frame), terminal=terminal)


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
