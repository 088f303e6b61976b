"""`archstat table`: per-layer parameters, MACs and activations of one network."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ...render.tables import layer_rows
from ..engine_choice import fvcore_unless_deep
from ..errors import reports_errors
from ..options import DEFAULT_FORMAT, BackwardOpt, DepthOpt, FormatOpt, ModelArg, ModelOptions, model_options
from ..output import Result, emit, note, text_output
from ..progress import working

if TYPE_CHECKING:
    from ...analysis.report import Report


@reports_errors
@text_output
@model_options(defaults={"engine": None})  # None: fvcore, meta for a deep net (engine_choice)
def table(
    model: ModelArg,
    depth: DepthOpt = None,
    backward: BackwardOpt = False,
    format: FormatOpt = DEFAULT_FORMAT,
    *,
    options: ModelOptions,
) -> None:
    """Per-layer parameters, MACs and activations of one network: a zoo model or your own.

    Example: archstat table resnet50 --num-classes 2 --train fc
    """
    from ...analysis.counting import analyze

    with fvcore_unless_deep(options.engine) as engine, working(f"counting {model}"):
        report = analyze(replace(options, engine=engine).request(model), backward=backward)
    for text in report.notes:
        note(text)
    emit(report_result(report, depth), format)


def report_result(report: Report, depth: int | None) -> Result:
    """A report for the output sink: its json and csv, and its one description (layers to ``depth``)."""
    return Result(json=lambda: report.to_dict(depth), csv=lambda: layer_rows(report, depth),
                  description=lambda: report.table_data(depth))
