"""`archstat table`: per-layer parameters, MACs and activations of one network."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...render.tables import layer_rows
from ..errors import reports_errors
from ..options import (
    DEFAULT_ENGINE,
    DEFAULT_FORMAT,
    DEFAULT_MODE,
    AuxOpt,
    BackwardOpt,
    BatchOpt,
    BudgetOpt,
    ClassesOpt,
    DepthOpt,
    EngineOpt,
    FormatOpt,
    ForwardKwargsOpt,
    FreezeOpt,
    InputOpt,
    KwargsOpt,
    ModelArg,
    ModeOpt,
    TrainOpt,
)
from ..output import Result, emit, note, text_output

if TYPE_CHECKING:
    from ...analysis.report import Report


@reports_errors
@text_output
def table(
    model: ModelArg,
    input: InputOpt = None,
    batch: BatchOpt = 1,
    num_classes: ClassesOpt = None,
    depth: DepthOpt = None,
    aux: AuxOpt = False,
    kwargs: KwargsOpt = None,
    freeze: FreezeOpt = None,
    train: TrainOpt = None,
    engine: EngineOpt = DEFAULT_ENGINE,
    memory_budget: BudgetOpt = None,
    mode: ModeOpt = DEFAULT_MODE,
    forward_kwargs: ForwardKwargsOpt = None,
    backward: BackwardOpt = False,
    format: FormatOpt = DEFAULT_FORMAT,
) -> None:
    """Per-layer parameters, MACs and activations of one network: a zoo model or your own.

    Example: archstat table resnet50 --num-classes 2 --train fc
    """
    from ...analysis.counting import analyze

    report = analyze(model, input_size=input or None, batch=batch, num_classes=num_classes, kwargs=kwargs, aux=aux,
                     freeze=freeze or (), train=train or (), engine=engine, memory_budget=memory_budget,
                     mode=mode, forward_kwargs=forward_kwargs, backward=backward)
    for text in report.notes:
        note(text)
    emit(report_result(report, depth), format)


def report_result(report: Report, depth: int | None) -> Result:
    """A report for the output sink: its json and csv, and its one description (layers to ``depth``)."""
    return Result(json=lambda: report.to_dict(depth), csv=lambda: layer_rows(report, depth),
                  description=lambda: report.table_data(depth))
