"""`archstat conventions`: why fvcore, torchinfo, ptflops, thop, torch and the paper disagree."""

from __future__ import annotations

from ..errors import reports_errors
from ..options import (
    DEFAULT_ENGINE,
    DEFAULT_FORMAT,
    DEFAULT_MODE,
    ClassesOpt,
    EngineOpt,
    FormatOpt,
    InputOpt,
    KwargsOpt,
    ModelArg,
    ModeOpt,
    RunOpt,
)
from ..output import Result, emit, text_output


@reports_errors
@text_output
def conventions(
    model: ModelArg,
    input: InputOpt = None,
    num_classes: ClassesOpt = None,
    kwargs: KwargsOpt = None,
    engine: EngineOpt = DEFAULT_ENGINE,
    run: RunOpt = False,
    mode: ModeOpt = DEFAULT_MODE,
    format: FormatOpt = DEFAULT_FORMAT,
) -> None:
    """Each peer tool's count of one network, from archstat's own trace, and why it differs, item by item.

    The tools run the network in eval mode, so --mode train is refused.

    Example: archstat conventions resnet50_v1_5 --run
    """
    from ...analysis.conventions.report import conventions as compute
    from ...render.conventions import conventions_rows  # imports the analysis, so torch: not for --help

    report = compute(model, input_size=input or None, num_classes=num_classes, kwargs=kwargs, engine=engine, run=run,
                     mode=mode)
    emit(Result(json=report.to_dict, csv=lambda: conventions_rows(report), description=report.table_data), format)
