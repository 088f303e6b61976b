"""Pictures of where parameters and multiply-adds live. matplotlib is an optional extra (archstat[plot]).

The figures show shares of a report's totals; every number comes from the report, none is computed here
beyond shares.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..analysis.report import Report
from ..errors import UsageError
from ..inputs import format_shape
from ..tabular import MAC_SHORT

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.sweep import SweepReport
else:
    from .._lazy import pandas as pd

METRICS = {
    "params": "share of parameters (%)",
    "macs": f"share of MACs (%, {MAC_SHORT})",
    "activations": "share of activations (%, conv/fc output elements)",
    "receptive_field": "receptive field (input pixels, height)",
}
KINDS = {"Conv2d": "convolution", "Linear": "fully connected"}


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display is needed or wanted
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("archstat plot needs matplotlib: pip install 'archstat[plot]' (or pip install matplotlib).") \
            from None
    return plt


Picture = Path | IO[bytes]  # a file name (its suffix names the format) or a stream (``format`` names it)


def check_target(out: Path, option: str = "--out", suffixes: tuple[str, ...] = (".png", ".svg")) -> None:
    """Refuse a picture name matplotlib would not write as one of ``suffixes``; ``option`` names where it
    came from."""
    if out.suffix.lower() not in suffixes:
        raise UsageError(f"{option} {str(out)!r} must end in {' or '.join(suffixes)}.")


def _save(fig: Any, out: Picture, format: str | None) -> None:
    plt = _pyplot()
    fig.savefig(out, format=format)
    plt.close(fig)


def weight_rows(report: Report, depth: int | None) -> pd.DataFrame:
    rows = report.rows(depth)
    return rows[(rows.params > 0) | (rows.macs > 0)]


def _share(rows: pd.DataFrame, report: Report, metric: str) -> list[float]:
    if metric == "receptive_field":
        return [f[0] if isinstance(f, list) else 0 for f in rows.receptive_field]
    total = getattr(report.totals, metric)  # params, macs or activations: typed attributes of Totals
    return [100 * v / total if total else 0.0 for v in rows[metric]]


def layer_figure(report: Report, out: Picture, metric: str | None = None, depth: int | None = None,
                 format: str | None = None) -> Picture:
    """Per-layer bars: share of params against share of MACs (or one ``metric``), saved to ``out``; the
    title names the input and the mode the report was counted in (train mode counts dropout and batch norm
    as they train)."""
    plt = _pyplot()
    rows = weight_rows(report, depth)
    metrics = [metric] if metric else ["params", "macs"]
    positions = range(len(rows))
    width = 0.8 / len(metrics)
    fig, ax = plt.subplots(figsize=(max(8, 0.35 * len(rows) + 3), 5), layout="constrained")
    for i, name in enumerate(metrics):
        ax.bar([p + i * width for p in positions], _share(rows, report, name), width, label=METRICS[name])
    ax.set_xticks([p + width * (len(metrics) - 1) / 2 for p in positions], list(rows.name), rotation=90, fontsize=7)
    ax.set_ylabel("receptive field (px)" if metric == "receptive_field" else "% of the model's total")
    shown = " and ".join({"params": "parameters", "macs": "MACs"}.get(m, m) for m in metrics)
    size = format_shape(report.input_shape[0][1:])
    ax.set_title(f"{report.model}: {shown} by layer (input {size}, {report.mode} mode)")
    ax.legend()
    _save(fig, out, format)
    return out


def kind_shares(report: Report) -> dict[str, dict[str, float]]:
    """Share of params and of MACs held by convolutions, fully connected layers and the rest, in %."""
    leaves = report.rows()
    kinds = leaves.type.map(lambda t: KINDS.get(t, "other"))
    return {
        metric: {kind: 100 * leaves[kinds == kind][metric].sum() / whole for kind in (*KINDS.values(), "other")}
        for metric, whole in (("params", report.totals.params), ("macs", report.totals.macs))
    }


def compare_figure(reports: list[Report], out: Picture, format: str | None = None) -> Picture:
    """For each model, stacked bars of the params and MACs shares held by conv, fc and other layers."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(2.2 * len(reports) + 3, 5), layout="constrained")
    colours = {"convolution": "tab:blue", "fully connected": "tab:orange", "other": "tab:grey"}
    for i, report in enumerate(reports):
        shares = kind_shares(report)
        for j, metric in enumerate(("params", "macs")):
            bottom = 0.0
            for kind, value in shares[metric].items():
                ax.bar(i + (j - 0.5) * 0.4, value, 0.38, bottom=bottom, color=colours[kind],
                       label=kind if i == 0 and j == 0 else None, hatch="//" if metric == "macs" else None)
                bottom += value
    ax.set_xticks(range(len(reports)), [f"{r.model}\nparams | MACs (hatched)" for r in reports], fontsize=8)
    ax.set_ylabel("% of the model's total")
    modes = " and ".join(dict.fromkeys(f"{r.mode} mode" for r in reports))
    ax.set_title(f"Who holds the parameters and who does the computation ({modes})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _save(fig, out, format)
    return out


def sweep_figure(report: SweepReport, out: Picture, format: str | None = None) -> Picture:
    """MACs (forward, backward, training step) and memory (training, inference) against the input
    side, one line per batch, log scales; the sides the network cannot take are left out."""
    plt = _pyplot()
    fig, (macs, memory) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    for batch in dict.fromkeys(p.batch for p in report.points):
        ran = [p for p in report.points if p.batch == batch and p.error is None]
        sides, tag = [p.side for p in ran], f" (batch {batch})"
        for key, label, style in (("macs", "forward", "-"), ("backward_macs", "backward", "--"),
                                  ("training_step_macs", "training step", ":")):
            macs.plot(sides, [getattr(p, key) for p in ran], style, marker=".", label=label + tag)
        for key, label, style in (("training_bytes", "training", "-"), ("inference_bytes", "inference", "--")):
            memory.plot(sides, [getattr(p, key) / 2**20 for p in ran], style, marker=".", label=label + tag)
    for ax, unit in ((macs, f"MACs ({MAC_SHORT})"), (memory, f"memory (MiB, {report.dtype})")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("input side (pixels)")
        ax.set_ylabel(unit)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    macs.set_title(f"{report.model}: MACs against input side ({report.engine} engine)")
    memory.set_title(f"{report.model}: memory against input side ({report.optimizer})")
    _save(fig, out, format)
    return out
