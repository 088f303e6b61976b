"""`archstat memory`: weights, gradients, optimizer state and activations, for training and inference."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...options import Dtype, Optimizer
from ..errors import reports_errors
from ..options import (
    DEFAULT_FORMAT,
    AuxOpt,
    BatchOpt,
    ClassesOpt,
    DepthOpt,
    DtypeOpt,
    FormatOpt,
    ForwardKwargsOpt,
    FreezeOpt,
    InputOpt,
    KwargsOpt,
    ModelArg,
    OptimizerOpt,
    TrainOpt,
)
from ..output import Result, emit, text_output

if TYPE_CHECKING:
    from ...analysis.memory import MemoryReport


@reports_errors
@text_output
def memory(
    model: ModelArg,
    input: InputOpt = None,
    batch: BatchOpt = 1,
    dtype: DtypeOpt = Dtype.fp32,
    optimizer: OptimizerOpt = Optimizer.sgd,
    num_classes: ClassesOpt = None,
    train: TrainOpt = None,
    freeze: FreezeOpt = None,
    kwargs: KwargsOpt = None,
    aux: AuxOpt = False,
    depth: DepthOpt = None,
    forward_kwargs: ForwardKwargsOpt = None,
    format: FormatOpt = DEFAULT_FORMAT,
) -> None:
    """Memory per layer for training (weights, gradients, optimizer state, saved activations) and inference.

    Example: archstat memory vgg16 --batch 32 --optimizer adam
    """
    from ...analysis.memory import estimate_memory

    report = estimate_memory(
        model, input_size=input or None, batch=batch, dtype=dtype, optimizer=optimizer,
        num_classes=num_classes, kwargs=kwargs, aux=aux, freeze=freeze or (), train=train or (),
        forward_kwargs=forward_kwargs,
    )
    emit(memory_result(report, depth), format)


def memory_result(report: MemoryReport, depth: int | None) -> Result:
    """A memory report for the output sink: its json and csv, and its one description."""
    return Result(json=lambda: report.to_dict(depth), csv=lambda: report.rows(depth),
                  description=lambda: report.table_data(depth))
