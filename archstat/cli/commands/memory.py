"""`archstat memory`: weights, gradients, optimizer state and activations, for training and inference."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ...analysis.memory import MemoryReport, estimate_memory
from ...options import Dtype, Optimizer
from ...render.tables import OutputFormat, csv_text, json_text, markdown_table, rich_table
from ...render.words import byte_text, integer, share
from ..app import (
    AuxOpt,
    BatchOpt,
    ClassesOpt,
    DepthOpt,
    FormatOpt,
    FreezeOpt,
    InputOpt,
    KwargsOpt,
    ModelArg,
    TrainOpt,
    app,
    emit,
    model_target,
    reports_errors,
    stdout,
    text_output,
)

if TYPE_CHECKING:
    import pandas as pd
else:
    from ..._lazy import pandas as pd






DtypeOpt = Annotated[Dtype, typer.Option("--dtype", help="Number format of weights and activations.")]
OptimizerOpt = Annotated[Optimizer, typer.Option(
    "--optimizer", help="Optimizer state per trainable parameter: sgd none, momentum 1 copy, adam 2 copies.",
)]

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
    ]


@app.command()
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
    format: FormatOpt = OutputFormat.table,
) -> None:
    """Memory per layer for training (weights, gradients, optimizer state, saved activations) and inference.

    Example: archstat memory vgg16 --batch 32 --optimizer adam
    """
    target, label, shapes = model_target(model, input, num_classes, kwargs)
    report = estimate_memory(
        target, input_size=shapes, batch=batch, dtype=dtype.value, optimizer=optimizer.value,
        num_classes=num_classes, aux=aux, name=label, freeze=freeze or (), train=train or (),
    )
    if format is OutputFormat.json:
        emit(json_text(report.to_dict(depth)))
    elif format is OutputFormat.csv:
        emit(csv_text(report.rows(depth)))
    elif format is OutputFormat.markdown:
        emit(f"### {label}: memory\n\n" + markdown_table(memory_table(report, depth)) + "\n"
             + "\n".join(f"- {line}" for line in totals_lines(report)) + "\n")
    else:
        title = f"{label}: memory at batch {batch}, {report.dtype}, {report.optimizer}"
        right = ("params", "trainable", "weights", "gradients", "optimizer", "saved for backward", "% saved",
                 "inference peak")
        stdout.print(rich_table(memory_table(report, depth), title, totals_lines(report), right))
