"""`archstat rf`: receptive field, effective stride and start of every layer's output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...render.tables import shape_text
from ...render.words import pair_text
from ..errors import reports_errors
from ..options import DEFAULT_FORMAT, FormatOpt, ModelArg, ModelOptions, model_options
from ..output import Result, emit, text_output
from ..progress import working

if TYPE_CHECKING:
    import pandas as pd

    from ...analysis.report import Report
else:
    from ..._lazy import pandas as pd

FIELD_NOTE = ("Receptive field and effective stride in input pixels (height x width); start: input coordinate "
              "where the first output unit's field begins (negative inside the padding). Theoretical field: "
              "every input pixel that can influence the unit.")


def field_rows(report: Report) -> pd.DataFrame:
    rows = report.rows()
    spatial = report.totals.get("field_applicable") is not False
    text = pair_text if spatial else (lambda _: "not applicable")
    return pd.DataFrame({
        "layer": rows.name, "type": rows.type, "output shape": rows.output_shape.map(shape_text),
        "field": rows.receptive_field.map(text), "stride": rows.effective_stride.map(text),
        "start": rows.field_start.map(text), "depth": rows.depth.map(lambda d: "" if d is None else str(d)),
    })


def field_summary(report: Report) -> str:
    t = report.totals
    if t.get("field_applicable") is False:
        return (f"{report.model}: receptive field and effective stride not applicable (no spatial operator ran: a "
                f"sequence or token model). Depth: {t['depth']} weight layers (recurrent layers and attention's "
                "projections included).")
    if not t["receptive_field"]:
        return f"{report.model} has no spatial feature map. Depth: {t['depth']} weight layers."
    return (f"{report.model}: the last spatial feature map sees {pair_text(t['receptive_field'])} input pixels, "
            f"effective stride {pair_text(t['effective_stride'])}, starting at {pair_text(t['field_start'])}; "
            f"depth {t['depth']} weight layers on the longest path.")


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
    emit(Result(json=lambda: field_data(report), csv=lambda: field_rows(report), table=lambda: field_rows(report),
                title=f"{report.model}: receptive fields ({report.mode} mode)",
                notes=[field_summary(report), FIELD_NOTE, f"Counted in {report.mode} mode.",
                       *report.totals["field_notes"]]), format)
