"""The roofline picture of a ``SpeedReport``: the device's roofs on log-log axes, every layer a point.

x: arithmetic intensity (FLOPs per byte moved); y: FLOP/s achieved (measured, where measured, else
predicted), FLOPs = 2 x MACs. The roofs are the ceilings the prediction used (each compute ceiling a
horizontal line, the highest probe of each family for a calibrated processor; the bandwidth the slanted
one) and, dashed, the datasheet or formula ceilings no layer may pass. Points are coloured by layer
kind. Every number comes from the report.
"""

from __future__ import annotations

from pathlib import Path

from ..analysis.speed_report import SpeedReport
from .plot import _pyplot

COLOURS = {"conv": "tab:blue", "depthwise": "tab:cyan", "matmul": "tab:purple", "norm": "tab:orange",
           "pool": "tab:green", "elementwise": "tab:red", "copy": "tab:brown"}


def roofline_figure(report: SpeedReport, out: Path) -> None:
    """Write the roofline picture of ``report`` to ``out`` (png or svg)."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(8, 5.5))
    points = [r for r in report.rows if r.intensity and r.flops]
    measured = report.measured_s is not None
    xs = [r.intensity or 0.0 for r in points]
    lo, hi = min(xs + [0.05]) / 2, max(xs + [100.0]) * 2
    grid = [lo * (hi / lo) ** (i / 200) for i in range(201)]
    drawn: set[tuple[float, float]] = set()
    for roofs, style, label in ((report.roofs, "-", report.origin), (report.ceiling, "--", "ceiling")):
        if roofs is None:
            continue
        bandwidth = max(b for _, b in roofs.bandwidth)
        best: dict[str, float] = {}  # a calibration's probes of one family ("conv3x3@28/1", ...): the highest
        for name, peak in roofs.peaks.items():
            if name != "vector" or len(roofs.peaks) == 1:
                family = name.partition("@")[0]
                best[family] = max(best.get(family, 0.0), peak)
        peaks: dict[float, list[str]] = {}
        for family, peak in best.items():
            peaks.setdefault(peak, []).append(family)
        for i, (peak, names) in enumerate(sorted(peaks.items(), reverse=True)):
            if (peak, bandwidth) in drawn:
                continue
            drawn.add((peak, bandwidth))
            axes.plot(grid, [min(peak, x * bandwidth) for x in grid], style, color="grey", linewidth=1)
            where = hi if i % 2 == 0 else hi / 12  # close roofs' labels alternate sides
            axes.annotate(f"{label} {', '.join(names)}: {peak / 1e9:,.0f} GFLOP/s", (where, peak), fontsize=7,
                          ha="right", va="bottom", color="dimgrey")
        axes.annotate(f"{label} bandwidth {bandwidth / 1e9:,.0f} GB/s", (lo * 1.1, lo * 1.1 * bandwidth),
                      fontsize=7, color="dimgrey")
    for kind, colour in COLOURS.items():
        chosen = [r for r in points if r.kind == kind]
        if not chosen:
            continue
        seconds = [(r.measured_s if measured and r.measured_s else r.predicted_s) for r in chosen]
        axes.scatter([r.intensity for r in chosen], [r.flops / s for r, s in zip(chosen, seconds, strict=True)],
                     s=14, color=colour, label=kind, alpha=0.8)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("arithmetic intensity (FLOPs per byte moved; FLOPs = 2 x MACs)")
    axes.set_ylabel(f"FLOP/s {'measured' if measured else 'predicted'}")
    axes.set_title(f"{report.model} on {report.device} ({report.dtype}, batch {report.batch})", fontsize=10)
    axes.legend(fontsize=8, loc="lower right")
    axes.grid(True, which="both", linewidth=0.3)
    figure.tight_layout()
    figure.savefig(out, dpi=110)
    plt.close(figure)
