"""`archstat memory`: weights, gradients, optimizer state and activations, for training and inference."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...options import Dtype, Mode, Optimizer
from ..errors import reports_errors
from ..options import (
    DEFAULT_FORMAT,
    DepthOpt,
    DtypeOpt,
    FormatOpt,
    ModelArg,
    ModelOptions,
    OptimizerOpt,
    model_options,
)
from ..output import Result, emit, text_output
from ..progress import working

if TYPE_CHECKING:
    from ...analysis.memory import MemoryReport


@reports_errors
@text_output
@model_options(defaults={"mode": Mode.train})  # --mode: the training step's; inference runs in eval mode
def memory(
    model: ModelArg,
    dtype: DtypeOpt = Dtype.fp32,
    optimizer: OptimizerOpt = Optimizer.sgd,
    depth: DepthOpt = None,
    format: FormatOpt = DEFAULT_FORMAT,
    *,
    options: ModelOptions,
) -> None:
    """Memory per layer for training (weights, gradients, optimizer state, saved activations) and inference.

    Example: archstat memory vgg16 --batch 32 --optimizer adam
    """
    from ...analysis.memory import estimate_memory

    with working(f"counting {model}"):
        report = estimate_memory(options.request(model), dtype=dtype, optimizer=optimizer, mode=options.mode)
    emit(memory_result(report, depth), format)


def memory_result(report: MemoryReport, depth: int | None) -> Result:
    """A memory report for the output sink: its json and csv, and its one description."""
    return Result(json=lambda: report.to_dict(depth), csv=lambda: report.rows(depth),
                  description=lambda: report.table_data(depth))
