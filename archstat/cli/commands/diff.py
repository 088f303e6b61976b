"""``archstat diff A B``: two layouts side by side, layer by layer, only the rows that differ.

The matching is ``archstat.diff.diff_reports`` (plain data); this module renders it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ...render.tables import shape_text
from ..checks import model_arg
from ..errors import reports_errors
from ..options import DEFAULT_FORMAT, FormatOpt, ModelOptions, complete_model, model_options
from ..output import Result, emit, text_output
from ..progress import working

if TYPE_CHECKING:
    import pandas as pd

    from ...analysis.diff import ReportDiff
else:
    from ..._lazy import pandas as pd


def _csv_frame(diff: ReportDiff) -> pd.DataFrame:
    from ...analysis.diff import COUNTS

    side_keys = ("type", "config", "output_shape", *COUNTS)
    columns = ["name", "status", *(f"{key}_{which}" for which in ("a", "b") for key in side_keys),
               *(f"{key}_delta" for key in COUNTS)]
    rows = []
    for row in diff.changed:
        data: dict[str, Any] = {"name": row.name, "status": row.status}
        for which, side in (("a", row.a), ("b", row.b)):
            for key in side_keys:
                value = None if side is None else getattr(side, key)
                data[f"{key}_{which}"] = shape_text(value) if key == "output_shape" else value
        rows.append({**data, **{f"{key}_delta": row.delta(key) for key in COUNTS}})
    # dtype=object keeps counts as integers next to the empty cells of one-sided rows
    return pd.DataFrame(rows, columns=columns, dtype=object)


def diff_result(diff: ReportDiff) -> Result:
    """A diff for the output sink: its json and csv, and its one description."""
    return Result(json=diff.to_dict, csv=lambda: _csv_frame(diff), description=diff.table_data)


@reports_errors
@text_output
@model_options()
def diff(
    a: Annotated[str, typer.Argument(
        metavar="A", help="Model A: a zoo name, or pkg.module:Class / file.py:Class.", show_default=False,
        autocompletion=complete_model, callback=model_arg,
    )],
    b: Annotated[str, typer.Argument(
        metavar="B", help="Model B, compared with A; the same forms.", show_default=False,
        autocompletion=complete_model, callback=model_arg,
    )],
    format: FormatOpt = DEFAULT_FORMAT,
    *,
    options: ModelOptions,
) -> None:
    """Two layouts side by side, layer by layer (matched by name): only the rows that differ.

    Example: archstat diff resnet50 resnet50_v1_5
    """
    from ...analysis.diff import diff_models

    with working(f"counting {a} and {b}"):
        diffed = diff_models(options.request(a), options.request(b))
    emit(diff_result(diffed), format)
