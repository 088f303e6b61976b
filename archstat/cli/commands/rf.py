"""`archstat rf`: receptive field, effective stride and start of every layer's output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import reports_errors
from ..options import DEFAULT_FORMAT, FormatOpt, ModelArg, ModelOptions, model_options
from ..output import Result, emit, text_output
from ..progress import working

if TYPE_CHECKING:
    import pandas as pd

    from ...analysis.report import Report
else:
    from ..._lazy import pandas as pd

def field_data(report: Report) -> dict[str, object]:
    """The report's json, cut to the fields, shapes and depths."""
    data = report.to_dict()
    return {
        "model": data["model"], "input": data["input"], "engine": data["engine"], "mode": data["mode"],
        "totals": {k: data["totals"][k] for k in
                   ("receptive_field", "effective_stride", "field_start", "depth", "field_applicable",
                    "field_notes") if k in data["totals"]},
        "layers": [{k: layer[k] for k in ("name", "type", "output_shape", "receptive_field",
                                          "effective_stride", "field_start", "depth")}
                   for layer in data["layers"]],
    }


@reports_errors
@text_output
@model_options()
def rf(model: ModelArg, format: FormatOpt = DEFAULT_FORMAT, *, options: ModelOptions) -> None:
    """Receptive field, effective stride and start of every layer, correct through branches.

    Example: archstat rf vgg16 --format json
    """
    from ...analysis.counting import analyze
    from ...engines.contract import Want

    with working(f"counting {model}"):
        report = analyze(options.request(model), want=Want.FIELDS)
    emit(Result(json=lambda: field_data(report), csv=lambda: field_rows(report),
                description=lambda: report.table_data(fields_only=True)), format)


def field_rows(report: Report) -> pd.DataFrame:
    """The csv: one row per layer, as the table (fields and shapes as text, HxW)."""
    table = report.table_data(fields_only=True)
    return pd.DataFrame([table.cells(row) for row in table.rows], columns=table.names)
