"""`archstat memory`: weights, gradients, optimizer state and activations, for training and inference."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...options import Dtype, Optimizer
from ...render.words import byte_text, integer, share
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
from ..progress import working

if TYPE_CHECKING:
    import pandas as pd

    from ...analysis.memory import MemoryReport
else:
    from ..._lazy import pandas as pd


_BYTES_NOTE = ("1 MiB = 2^20 bytes. Measured by running the network on PyTorch's meta device; "
               "not counted: framework overhead, workspaces, allocator fragmentation (see docs/memory.md).")


def memory_table(report: MemoryReport, depth: int | None) -> pd.DataFrame:
    rows = report.rows(depth)
    saved = report.totals["saved_activations"]
    table = pd.DataFrame({
        "layer": rows.name,
        "type": rows.type,
        "params": rows.params.map(integer),
        "weights": rows.weights.map(byte_text),
        "gradients": rows.gradients.map(byte_text),
        "optimizer": rows.optimizer_state.map(byte_text),
        "saved for backward": rows.saved_activations.map(byte_text),
        "% saved": [share(s, saved) for s in rows.saved_activations],
        "inference peak": rows.inference_peak.map(lambda b: byte_text(b) if b else ""),
    })
    if report.totals["trainable_params"] != report.totals["params"]:
        table.insert(3, "trainable", rows.trainable_params.map(integer))
    return table


def totals_lines(report: MemoryReport) -> list[str]:
    t = report.totals
    shape = " + ".join("x".join(map(str, s)) for s in report.input_shape)
    return [
        f"Training: {byte_text(t['training'])} = weights {byte_text(t['weights'])} + gradients "
        f"{byte_text(t['gradients'])} ({t['trainable_params']:,} trainable params) + {report.optimizer} "
        f"state {byte_text(t['optimizer_state'])} + activations saved for backward "
        f"{byte_text(t['saved_activations'])}.",
        f"Inference: {byte_text(t['inference'])} = weights {byte_text(t['weights'])} + peak activations "
        f"{byte_text(t['inference_activations'])} (the most alive at once, at {report.peak_layer}).",
        f"Input {shape} (NxCxHxW), {report.dtype}. {_BYTES_NOTE}",
        *_macs_line(report.macs),
    ]


def _macs_line(macs: dict[str, int]) -> list[str]:
    if not macs:
        return []
    return [f"Compute per step: forward {macs['forward']:,} MACs + backward {macs['backward']:,} MACs "
            f"= {macs['training_step']:,} MACs (1 MAC = one fused multiply-add; backward as torch's "
            "FlopCounterMode counts it: gradient products of convolutions and matrix products)."]


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

    with working(f"counting {model}"):
        report = estimate_memory(
            model, input_size=input or None, batch=batch, dtype=dtype, optimizer=optimizer,
            num_classes=num_classes, kwargs=kwargs, aux=aux, freeze=freeze or (), train=train or (),
            forward_kwargs=forward_kwargs,
        )
    emit(memory_result(report, depth, batch), format)


def memory_result(report: MemoryReport, depth: int | None, batch: int) -> Result:
    """The memory report's pieces for the output sink: per-layer rows, and the totals as notes."""
    right = ("params", "trainable", "weights", "gradients", "optimizer", "saved for backward", "% saved",
             "inference peak")
    return Result(
        json=lambda: report.to_dict(depth), csv=lambda: report.rows(depth),
        table=lambda: memory_table(report, depth),
        title=f"{report.model}: memory at batch {batch}, {report.dtype}, {report.optimizer}",
        notes=totals_lines(report), right=right, heading=f"{report.model}: memory",
    )
