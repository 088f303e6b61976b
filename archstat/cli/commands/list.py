"""`archstat list`: the zoo's registry facts, read as data without torch (``archstat/zoo_facts/``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ...inputs import format_shape
from ...tabular import Column, TableData
from ..errors import reports_errors
from ..options import DEFAULT_FORMAT, FormatOpt
from ..output import Result, emit, note, text_output

if TYPE_CHECKING:
    import pandas as pd

    from ...zoo_facts import ModelInfo
else:
    from ..._lazy import pandas as pd


@reports_errors
@text_output
def list_command(
    pattern: Annotated[str | None, typer.Argument(
        metavar="PATTERN", help="Shell-style filter, e.g. 'resnet*'.")] = None,
    format: FormatOpt = DEFAULT_FORMAT,
) -> None:
    """The model zoo: family, year, paper and default input.

    Every command also takes models by hub name, not listed here: timm:NAME (any name
    timm.list_models() knows; archstat[timm]), torchvision:NAME (torchvision.models.list_models();
    archstat[torchvision]) and hf:TYPE, hf:config.json or hf:FOLDER (a Hugging Face transformers
    model from its configuration; archstat[hf]). Nothing is downloaded; see docs/own-models.md.

    Example: archstat list 'vgg*'
    """
    from ...zoo_facts import entries  # the registry's facts without importing torch (about 2 s)

    found = entries(pattern)
    if not found:
        note(no_match(pattern))
    emit(zoo_result(found), format)


def no_match(pattern: str | None) -> str:
    """The line for a pattern that matches no model (the empty result still follows, for scripts)."""
    return (f"no model matches {pattern!r}. Patterns are shell-style on the whole name, case-sensitively "
            "('resnet*', 'vgg1?'); 'archstat list' shows every name.")


# the registry's facts, one row per model: a year is a label, not a count (2012, never 2,012)
COLUMNS = (Column("name"), Column("family"), Column("year"), Column("input", "shape"),
           Column("min side", "count", "pixels"), Column("paper"))


def catalogue_table(infos: list[ModelInfo]) -> TableData:
    """The one description of the listing: one row per model (sides in pixels; no minimum: empty)."""
    rows = [[i.name, i.family, str(i.year), list(i.input_size), i.min_input or None, i.paper] for i in infos]
    return TableData(f"archstat zoo: {len(infos)} models", COLUMNS, rows)


def zoo_result(infos: list[ModelInfo]) -> Result:
    """The registry's facts: json and csv as data, every other format written from ``catalogue_table``."""

    def frame() -> pd.DataFrame:  # the description's rows as data: a shape as text, no minimum empty
        table = catalogue_table(infos)
        return pd.DataFrame([[format_shape(v) if isinstance(v, list) else "" if v is None else v for v in row]
                             for row in table.rows], columns=table.names)

    return Result(
        json=lambda: [{"name": i.name, "family": i.family, "year": i.year, "paper": i.paper,
                       "input_size": list(i.input_size), "min_input": i.min_input, "variant_of": i.variant_of}
                      for i in infos],
        csv=frame, description=lambda: catalogue_table(infos),
    )
