"""The table a ``SpeedReport`` shows: plain cells (seconds in microseconds, bytes in full), its notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..tabular import MAC_SENTENCE, TableData

if TYPE_CHECKING:
    from .speed_report import SpeedReport

COLUMNS = ["layer", "type", "kind", "MACs", "bytes", "FLOP/byte", "bound", "predicted us", "measured us", "error %"]
RIGHT = ["MACs", "bytes", "FLOP/byte", "predicted us", "measured us", "error %"]


def _us(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1e6, 1)


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def speed_view(report: SpeedReport) -> TableData:
    """One row per leaf layer and per "between" row; the whole model as the total row."""
    rows = []
    for r in report.rows:
        mark = " (!)" if r.faster_than_roofline else ""
        rows.append([r.name + mark, r.type, r.kind, r.macs, r.bytes,
                     None if r.intensity is None else round(r.intensity, 2), r.bound, _us(r.predicted_s),
                     _us(r.measured_s), _pct(r.error)])
    measured = report.measured_s
    error = None if measured is None else (report.predicted_s - measured) / measured
    total = ["whole model", "", "", sum(r.macs for r in report.rows), sum(r.bytes for r in report.rows), None, "",
             _us(report.predicted_s), _us(measured), _pct(error)]
    return TableData(_title(report), COLUMNS, rows, speed_notes(report), RIGHT, total)


def _title(report: SpeedReport) -> str:
    step = "training step" if report.train else "forward"
    return f"{report.model}: {step} time per layer on {report.device} ({report.dtype}, batch {report.batch})"


def speed_notes(report: SpeedReport) -> list[str]:
    """Units, where the ceilings came from, the whole model's figures and the error summary."""
    notes = [
        f"{MAC_SENTENCE} bytes: weights read + inputs read + outputs "
        "written at the dtype; FLOP/byte: arithmetic intensity; bound: compute, memory or overhead (fixed cost).",
        f"Ceilings: {report.origin}" + (f", {report.threads} threads" if report.threads else "") + ".",
        *report.notes,
    ]
    predicted = report.images_per_s(report.predicted_s)
    notes.append(f"Predicted: {report.predicted_s * 1e3:.3f} ms, {predicted:,.1f} images/s.")
    if report.measured_s is not None:
        s = report.summary_stats()
        hooks = (report.hooks_overhead_s or 0) * 1e3
        notes.append(f"Measured (median of {report.runs} runs, no hooks): {report.measured_s * 1e3:.3f} ms, "
                     f"{report.images_per_s(report.measured_s):,.1f} images/s; with hooks "
                     f"{(report.hooked_s or 0) * 1e3:.3f} ms (hooks' overhead {hooks:.3f} ms); whole-model error "
                     f"{100 * s['whole_error']:+.1f}%.")
        hooked = sum(r.hooks_s for r in report.rows)
        if hooked:
            notes.append(f"Per-layer errors compare each row's prediction plus the hooks' calibrated own cost in it "
                         f"({hooked * 1e3:.3f} ms over all rows) with its hooked measurement; the whole model's "
                         "prediction leaves it out.")
        if s["median_abs_error"] is not None:
            rho = "n/a" if s["spearman"] is None else f"{s['spearman']:.3f}"
            notes.append(f"Layers over 50 us ({s['rows_over_50us']}): median |error| "
                         f"{100 * s['median_abs_error']:.1f}%, {100 * s['within_10pct']:.0f}% within 10%, "
                         f"{100 * s['within_25pct']:.0f}% within 25%, "
                         f"Spearman rank correlation {rho}.")
        share = s["at_or_above_roofline"]
        origin = report.ceiling.origin if report.ceiling else ""
        flagged = (f"; (!) measured faster than it allows: {', '.join(s['flagged'])} (a wrong byte count or a wrong "
                   "table entry)") if s["flagged"] else ""
        notes.append(f"{100 * share:.1f}% of measured rows at or above the {origin} roofline{flagged}.")
    return notes


def speed_summary(report: SpeedReport) -> str:
    text = f"{report.model} on {report.device}: predicted {report.predicted_s * 1e3:.3f} ms"
    if report.measured_s is not None:
        text += f", measured {report.measured_s * 1e3:.3f} ms"
    return text + f" ({report.dtype}, batch {report.batch})"
