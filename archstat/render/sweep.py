"""A sweep as a table a person reads: one row per (input side, batch). No arithmetic: every number
comes from ``analysis.sweep``; this module puts them in words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..tabular import MAC_DEFINITION
from .tables import Grid
from .words import byte_text, human, pair_text

if TYPE_CHECKING:
    from ..analysis.sweep import SweepPoint, SweepReport

SWEEP_COLUMNS = ["input", "batch", "params", "MACs", "backward MACs", "activations", "training memory",
                 "inference memory", "field", "field / input", "MACs growth", "memory growth"]
SWEEP_RIGHT = tuple(SWEEP_COLUMNS[1:8] + SWEEP_COLUMNS[9:])


def sweep_table(report: SweepReport) -> Grid:
    """The rows; a side the network cannot take says so, and the notes say why."""
    return Grid(SWEEP_COLUMNS, [_row(p) for p in report.points])


def _row(p: SweepPoint) -> list[str]:
    side = f"{p.input_shape[1]}x{p.side}x{p.side}"
    if p.error:
        return [side, str(p.batch), "cannot take it", *[""] * (len(SWEEP_COLUMNS) - 3)]
    assert p.params is not None and p.macs is not None and p.backward_macs is not None
    assert p.activations is not None and p.training_bytes is not None and p.inference_bytes is not None
    return [side, str(p.batch), human(p.params), human(p.macs, "MACs"), human(p.backward_macs, "MACs"),
            human(p.activations), byte_text(p.training_bytes), byte_text(p.inference_bytes),
            pair_text(p.receptive_field), f"{p.field_over_input:.2f}" if p.field_over_input is not None else "",
            f"{p.macs_growth:.2f}x", f"{p.memory_growth:.2f}x"]


def sweep_notes(report: SweepReport) -> list[str]:
    reasons = {p.side: p.error for p in report.points if p.error}
    return [
        f"Engine: {report.engine}; one exact count per input side (no scaling from a probe input). MACs: "
        f"{MAC_DEFINITION} (fvcore's count); backward MACs as torch's FlopCounterMode counts a real "
        "backward pass (docs/conventions.md).",
        f"Memory: {report.dtype}, {report.optimizer}; training = weights + gradients + optimizer state + "
        "activations saved for backward; inference = weights + peak activations (docs/memory.md). "
        "1 MiB = 2^20 bytes.",
        "field / input: receptive field of the last spatial feature map over the input side (above 1: every "
        "output unit sees the whole image). Growth: over the first row that ran.",
        *[f"Cannot take {side}x{side}: {reason}" for side, reason in reasons.items()],
        *report.notes,
    ]
