"""What ``speed`` returns: per-row predicted (and measured) times, whole-model totals, the error summary.

Plain data; nothing prints. Units: seconds, bytes (at the report's dtype), FLOPs = 2 x MACs, FLOP/s.
The error of a row is (predicted - measured) / measured; the summary is over the rows measured at
``SMALL_S`` or more (a timer's resolution and the hooks' cost swamp shorter ones).
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..tabular import MAC_DEFINITION, MAC_SENTENCE, TableData, Tabular

if TYPE_CHECKING:
    from .cost import Roofs

SMALL_S = 50e-6
UNITS = {
    "macs": f"multiply-accumulates ({MAC_DEFINITION}), from analyze (meta engine)",
    "flops": "floating-point operations = 2 x MACs for convolutions and matrix products; element-wise rules otherwise",
    "bytes": "weights read + inputs read + outputs written, at the dtype (compulsory traffic)",
    "intensity": "FLOPs per byte moved",
    "seconds": "predicted: on a calibrated CPU, fixed cost + FLOPs/rate + traffic time per operator class; otherwise "
               "roofline max(FLOPs/peak, bytes/bandwidth) + fixed cost per operator (docs/speed.md); measured: median",
    "error": "(predicted - measured) / measured",
}


@dataclass
class SpeedRow:
    """One row: a leaf module, or the work a container does between its children ("... (between)")."""

    name: str
    type: str
    kind: str
    macs: int
    flops: int
    weight_bytes: int
    input_bytes: int
    output_bytes: int
    bound: str
    predicted_s: float
    ceiling_s: float  # the datasheet (or formula) roofline time, no fixed cost: nothing runs faster
    measured_s: float | None = None
    # the measurement's hooks' own cost in this row (calibrated): added to the prediction when it is
    # compared with the hooked measurement, never to the whole model's prediction
    hooks_s: float = 0.0

    @property
    def bytes(self) -> int:
        return self.weight_bytes + self.input_bytes + self.output_bytes

    @property
    def intensity(self) -> float | None:
        return self.flops / self.bytes if self.bytes else None

    @property
    def compared_s(self) -> float:
        """The prediction as the hooked measurement sees it: the row's time plus the hooks' own cost."""
        return self.predicted_s + self.hooks_s

    @property
    def error(self) -> float | None:
        if self.measured_s is None or self.measured_s <= 0:
            return None
        return (self.compared_s - self.measured_s) / self.measured_s

    @property
    def faster_than_roofline(self) -> bool:
        """Measured faster than the datasheet roofline allows: a wrong byte count or a wrong table entry."""
        return self.measured_s is not None and self.measured_s < self.ceiling_s


def ranks(values: list[float]) -> list[float]:
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(a: list[float], b: list[float]) -> float | None:
    """Spearman's rank correlation: Pearson's correlation of the ranks (``None`` under 3 pairs)."""
    if len(a) < 3:
        return None
    ra, rb = ranks(a), ranks(b)
    ma, mb = statistics.fmean(ra), statistics.fmean(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    var = (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5
    return cov / var if var else None


@dataclass(repr=False)
class SpeedReport(Tabular):
    """Rows, whole-model totals and, when measured, the measured side and the error summary."""

    model: str
    device: str
    where: str  # "cpu", "cuda" or a table name
    dtype: str
    input_shape: list[int]
    train: bool
    origin: str  # "calibrated", "formula" or "datasheet"
    rows: list[SpeedRow]
    notes: list[str] = field(default_factory=list)
    roofs: Roofs | None = field(default=None, compare=False)
    ceiling: Roofs | None = field(default=None, compare=False)
    threads: int | None = None
    measured_s: float | None = None  # the whole forward (or step) without hooks, median
    hooked_s: float | None = None  # the whole forward with the timing hooks, median
    runs: int | None = None

    @property
    def batch(self) -> int:
        return self.input_shape[0]

    @property
    def predicted_s(self) -> float:
        return sum(r.predicted_s for r in self.rows)

    @property
    def hooks_overhead_s(self) -> float | None:
        return None if self.hooked_s is None or self.measured_s is None else self.hooked_s - self.measured_s

    def images_per_s(self, seconds: float | None) -> float | None:
        return self.batch / seconds if seconds else None

    def summary_stats(self) -> dict[str, Any]:
        """The error summary over rows measured at ``SMALL_S`` or more: their count, the median absolute
        error, the shares within 10% and 25%, Spearman's rank correlation of predicted and measured, and
        the share of all measured rows at or above the datasheet roofline."""
        timed = [r for r in self.rows if r.measured_s is not None]
        big = [r for r in timed if r.measured_s is not None and r.measured_s >= SMALL_S]
        errors = [abs(r.error) for r in big if r.error is not None]
        whole = None if self.measured_s is None else (self.predicted_s - self.measured_s) / self.measured_s
        return {
            "rows_over_50us": len(big),
            "median_abs_error": statistics.median(errors) if errors else None,
            "within_10pct": sum(e <= 0.10 for e in errors) / len(errors) if errors else None,
            "within_25pct": sum(e <= 0.25 for e in errors) / len(errors) if errors else None,
            "spearman": spearman([r.compared_s for r in big], [r.measured_s or 0.0 for r in big]),
            "at_or_above_roofline": sum(not r.faster_than_roofline for r in timed) / len(timed) if timed else None,
            "flagged": [r.name for r in timed if r.faster_than_roofline],
            "whole_error": whole,
        }

    def to_dict(self) -> dict[str, Any]:
        """The json form: settings, units, totals, the error summary and one entry per row."""
        rows = []
        for r in self.rows:
            row = asdict(r)
            row.update(bytes=r.bytes, intensity=r.intensity, error=r.error, faster_than_roofline=r.faster_than_roofline)
            rows.append(row)
        return {
            "model": self.model, "device": self.device, "dtype": self.dtype, "input": self.input_shape,
            "train": self.train, "ceilings": self.origin, "threads": self.threads, "units": UNITS,
            "totals": {"predicted_s": self.predicted_s, "measured_s": self.measured_s, "hooked_s": self.hooked_s,
                       "hooks_overhead_s": self.hooks_overhead_s, "runs": self.runs,
                       "predicted_images_per_s": self.images_per_s(self.predicted_s),
                       "measured_images_per_s": self.images_per_s(self.measured_s),
                       "flops": sum(r.flops for r in self.rows), "bytes": sum(r.bytes for r in self.rows)},
            "summary": self.summary_stats() if self.measured_s is not None else None,
            "notes": self.notes, "rows": rows,
        }

    def table_data(self) -> TableData:
        return speed_view(self)

    def summary(self) -> str:
        return speed_summary(self)


# The one description of a SpeedReport: plain cells (seconds in microseconds, bytes in full), its notes.

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
