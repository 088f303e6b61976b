"""`archstat conventions`: why fvcore, torchinfo, ptflops, thop, torch and the paper disagree."""

from __future__ import annotations

from ..errors import reports_errors
from ..options import DEFAULT_FORMAT, FormatOpt, ModelArg, ModelOptions, RunOpt, model_options
from ..output import Result, emit, text_output
from ..progress import working


@reports_errors
@text_output
@model_options()
def conventions(
    model: ModelArg,
    run: RunOpt = False,
    format: FormatOpt = DEFAULT_FORMAT,
    *,
    options: ModelOptions,
) -> None:
    """Each peer tool's count of one network, from archstat's own trace, and why it differs, item by item.

    The tools run the network in eval mode, so --mode train is refused.

    Example: archstat conventions resnet50_v1_5 --run
    """
    from ...analysis.conventions.report import conventions as compute
    from ...render.conventions import conventions_rows  # imports the analysis, so torch: not for --help

    with working(f"counting {model}"):
        report = compute(options.request(model), run=run)
    emit(Result(json=report.to_dict, csv=lambda: conventions_rows(report), description=report.table_data), format)
