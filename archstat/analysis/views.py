"""The tables the analysis results show themselves as, in a notebook and in a paper: plain cells
(integers in full, shapes as lists), the totals as their own row, the units as notes. No arithmetic
beyond reading the results; ``archstat.tabular`` writes the cells (HTML, Markdown, LaTeX).

Each result type (``Report``, ``MemoryReport``, ``ReportDiff``, ``Comparison``, ``SweepReport``,
``ConventionsReport``) inherits ``tabular.Tabular`` and calls one function here from its
``table_data`` and ``summary``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..inputs import format_shape
from ..tabular import UNIT_NOTE, TableData

if TYPE_CHECKING:
    from .compare import Comparison
    from .conventions.report import ConventionsReport
    from .diff import ReportDiff
    from .memory import MemoryReport
    from .report import Report
    from .sweep import SweepReport

BYTES_NOTE = "Memory in bytes, of the report's dtype; not counted: framework overhead, workspaces, fragmentation."


def _inputs(shapes: Any) -> str:
    return " + ".join(format_shape(s) for s in shapes)


# ----------------------------------------------------------------------------- Report (analyze)


def report_view(report: Report, depth: int | None = None) -> TableData:
    """The rows ``archstat table`` shows (leaves, or modules at ``depth``), which add up to the total row."""
    t = report.totals
    macs, fields = "macs" in t, "receptive_field" in t
    columns = ["layer", "type", "output shape", "params", *(["MACs", "activations"] if macs else []),
               *(["field", "stride"] if fields else [])]
    rows = []
    for r in report.row_records(depth):
        # a module with parameters but no output was defined and never called by forward
        shape = r["output_shape"] if isinstance(r["output_shape"], list) else "not called"
        rows.append([r["name"], r["type"], shape, r["params"], *([r["macs"], r["activations"]] if macs else []),
                     *([r["receptive_field"], r["effective_stride"]] if fields else [])])
    total = ["total", "", "", t["params"], *([t["macs"], t["activations"]] if macs else []),
             *([t["receptive_field"], t["effective_stride"]] if fields else [])]
    notes = [f"Input {_inputs(report.input_shape)} (NxCxHxW); engine: {report.engine}; auxiliary heads "
             f"{'included' if report.aux else 'excluded'}; {t['trainable_params']:,} of the params trainable."]
    if macs:
        notes += [f"{t['macs']:,} MACs = {t['flops']:,} FLOPs.", UNIT_NOTE]
    if fields and t.get("receptive_field"):
        notes.append(f"field, stride: receptive field and effective stride in input pixels (HxW); depth: "
                     f"{t['depth']} weight layers on the longest path.")
    right = ["params", "MACs", "activations"]
    return TableData(f"{report.model}: per-layer counts", columns, rows, [*notes, *report.notes], right, total)


def report_summary(report: Report) -> str:
    """'<Report alexnet: input 1x3x227x227, 60,965,224 params, 723,821,600 MACs (...), 22 layers>'."""
    t = report.totals
    macs = f", {t['macs']:,} MACs (1 MAC = one fused multiply-add; FLOPs = 2 x MACs)" if "macs" in t else ""
    return (f"<Report {report.model}: input {_inputs(report.input_shape)}, {t['params']:,} params{macs}, "
            f"{len(report.row_records())} layers, engine {report.engine}>")


# ----------------------------------------------------------------------------- MemoryReport


_MEMORY_COLUMNS = {  # column shown -> the MemoryReport's column
    "weights (bytes)": "weights", "gradients (bytes)": "gradients", "optimizer state (bytes)": "optimizer_state",
    "saved for backward (bytes)": "saved_activations", "inference peak (bytes)": "inference_peak",
}


def memory_view(report: MemoryReport, depth: int | None = None) -> TableData:
    """One row per module holding memory; the total row holds the totals (inference peak: the whole pass's)."""
    frame, t = report.rows(depth), report.totals
    frozen = t["trainable_params"] != t["params"]
    columns = ["layer", "type", "params", *(["trainable"] if frozen else []), *_MEMORY_COLUMNS]
    rows = [[r["name"], r["type"], int(r["params"]), *([int(r["trainable_params"])] if frozen else []),
             *(int(r[key]) for key in _MEMORY_COLUMNS.values())] for r in frame.to_dict("records")]
    total = ["total", "", t["params"], *([t["trainable_params"]] if frozen else []), t["weights"], t["gradients"],
             t["optimizer_state"], t["saved_activations"], t["inference_activations"]]
    notes = [
        f"Training: {t['training']:,} bytes = weights + gradients + {report.optimizer} state + activations "
        "saved for backward.",
        f"Inference: {t['inference']:,} bytes = weights + peak activations (the most alive at once, at "
        f"{report.peak_layer}).",
        f"Input {_inputs(report.input_shape)} (NxCxHxW), {report.dtype}. {BYTES_NOTE}",
    ]
    return TableData(f"{report.model}: memory, {report.dtype}, {report.optimizer}", columns, rows, notes,
                     columns[2:], total)


def memory_summary(report: MemoryReport) -> str:
    t = report.totals
    return (f"<MemoryReport {report.model}: input {_inputs(report.input_shape)} {report.dtype}, training "
            f"{t['training']:,} bytes ({report.optimizer}), inference {t['inference']:,} bytes, "
            f"{t['params']:,} params>")


# ----------------------------------------------------------------------------- ReportDiff


def diff_view(diff: ReportDiff) -> TableData:
    """The rows that differ (a missing side's cells empty), B - A per count, and the totals row."""
    a, b, t = diff.a.model, diff.b.model, diff.totals()
    columns = ["layer", "type", "settings", f"shape {a}", f"shape {b}", f"params {a}", f"params {b}",
               "params B-A", f"MACs {a}", f"MACs {b}", "MACs B-A"]
    rows = []
    for row in diff.changed:
        sides = (row.a, row.b)
        types = dict.fromkeys(s.type for s in sides if s is not None)
        configs = dict.fromkeys(s.config for s in sides if s is not None)
        rows.append([row.name, " => ".join(types), " => ".join(configs),
                     *(s.output_shape if s else None for s in sides),
                     *(s.params if s else None for s in sides), row.delta("params"),
                     *(s.macs if s else None for s in sides), row.delta("macs")])
    total = ["total", "", "", "", "", t["a"]["params"], t["b"]["params"], t["delta"]["params"],
             t["a"]["macs"], t["b"]["macs"], t["delta"]["macs"]]
    notes = [f"A = {a}, B = {b}: {t['changed']} of {t['rows']} layers differ; {t['only_a']} only in {a}, "
             f"{t['only_b']} only in {b}.",
             f"Inputs: {a} {_inputs(diff.a.input_shape)}, {b} {_inputs(diff.b.input_shape)} (NxCxHxW).", UNIT_NOTE]
    return TableData(f"{a} vs {b}: layers that differ", columns, rows, notes, columns[3:], total)


def diff_summary(diff: ReportDiff) -> str:
    t = diff.totals()
    return (f"<ReportDiff {diff.a.model} vs {diff.b.model}: {t['changed'] + t['only_a'] + t['only_b']} of "
            f"{t['rows']} layers differ; params B-A {t['delta']['params']:+,}, MACs B-A {t['delta']['macs']:+,}>")


# ----------------------------------------------------------------------------- Comparison


METRIC_LABELS = {
    "params": "params", "macs": "MACs", "flops": "FLOPs (2 x MACs)", "activations": "activations",
    "depth": "depth (weight layers)", "receptive_field": "receptive field (pixels, HxW)",
    "memory": "inference memory (bytes)",
}


def comparison_view(comparison: Comparison) -> TableData:
    """One row per metric: each model's value, and each later model's ratio to the first's."""
    first = comparison[0]
    columns = ["metric", first.label]
    for entry in comparison[1:]:
        columns += [entry.label, f"{entry.label} / {first.label}"]
    rows = []
    for metric in first.values:
        row: list[Any] = [METRIC_LABELS[metric], _value(first, metric)]
        for entry in comparison[1:]:
            row += [_value(entry, metric), entry.ratios.get(metric)]
        rows.append(row)
    inputs = "; ".join(f"{e.label} {'+'.join(format_shape(s) for s in e.input)}" for e in comparison)
    notes = [f"Ratios are to {first.label}. Inputs (NxCxHxW): {inputs}.", UNIT_NOTE]
    return TableData(f"compared with {first.label}", columns, rows, notes, columns[1:])


def _value(entry: Any, metric: str) -> Any:
    if metric == "receptive_field" and entry.field_hw:
        return entry.field_hw
    return entry.values[metric]


def comparison_summary(comparison: Comparison) -> str:
    metrics = ", ".join(comparison[0].values) if comparison else "nothing"
    return f"<Comparison of {', '.join(e.label for e in comparison)} on {metrics}>"


# ----------------------------------------------------------------------------- SweepReport


_SWEEP_COLUMNS = {  # column shown -> the SweepPoint's field
    "input": "input_shape", "batch": "batch", "params": "params", "MACs": "macs", "backward MACs": "backward_macs",
    "activations": "activations", "training memory (bytes)": "training_bytes",
    "inference memory (bytes)": "inference_bytes", "field": "receptive_field", "field / input": "field_over_input",
    "MACs growth": "macs_growth", "memory growth": "memory_growth",
}


def sweep_view(report: SweepReport) -> TableData:
    """One row per (side, batch); a point the network cannot take keeps its input and batch, the rest
    of its cells empty, and its reason in the notes."""
    rows = []
    for point in report.points:
        cells = [getattr(point, key) for key in _SWEEP_COLUMNS.values()]
        rows.append(cells[:2] + [None] * (len(cells) - 2) if point.error else cells)
    failed = [f"Cannot take {p.side}x{p.side} at batch {p.batch}: {p.error}" for p in report.points if p.error]
    notes = [
        f"Engine: {report.engine}; one exact count per input side (NxCxHxW), nothing scaled from a probe input. "
        "backward MACs as torch's FlopCounterMode counts a backward pass.", UNIT_NOTE,
        f"Memory in bytes, {report.dtype}, {report.optimizer}: training = weights + gradients + optimizer state + "
        "activations saved for backward; inference = weights + peak activations.",
        "field: receptive field (HxW, input pixels); field / input: its height over the input side; growth: over "
        "the first point that ran.", *failed, *report.notes,
    ]
    columns = list(_SWEEP_COLUMNS)
    right = [c for c in columns if c not in ("input", "field")]
    return TableData(f"{report.model}: cost against input side", columns, rows, notes, right)


def sweep_summary(report: SweepReport) -> str:
    """'<SweepReport resnet20: 3 points, sides 32..128, batches 1, 1 failed, engine meta>'."""
    sides = dict.fromkeys(p.side for p in report.points)
    batches = ", ".join(str(b) for b in dict.fromkeys(p.batch for p in report.points))
    failed = sum(1 for p in report.points if p.error)
    return (f"<SweepReport {report.model}: {len(report.points)} points, sides {', '.join(map(str, sides))}, "
            f"batches {batches}, {failed} failed, engine {report.engine}>")


# ----------------------------------------------------------------------------- ConventionsReport


def _items(items: list[tuple[str, int]]) -> str:
    return "; ".join(f"{n:+,} {label}" for label, n in items)


def conventions_view(report: ConventionsReport) -> TableData:
    """One row per convention: the number in the tool's own unit (its status where there is none),
    the difference from archstat's MACs and its line items; the same for params."""
    columns = ["convention", "version", "call", "its word and unit", "number", "- archstat MACs", "line items",
               "params", "- archstat params", "params line items", *(["actual", "actual params"] if report.ran else [])]
    rows = []
    for row in report.rows:
        c = row.convention
        rows.append([c.key, c.version, c.tool, c.word, row.value if row.value is not None else row.status,
                     row.difference, _items(row.items), row.params, row.params_difference, _items(row.params_items),
                     *([row.actual, row.actual_params] if report.ran else [])])
    notes = [f"archstat: {report.macs:,} MACs, {report.params:,} params, input {_inputs(report.input_shape)} "
             "(NxCxHxW); every number is computed from archstat's own trace by that tool's rules.", UNIT_NOTE,
             *(f"{row.convention.key}: {row.convention.why}" for row in report.rows), *report.notes]
    right = ["number", "- archstat MACs", "params", "- archstat params", "actual", "actual params"]
    return TableData(f"{report.model}: every tool's convention", columns, rows, notes,
                     [c for c in right if c in columns])


def conventions_summary(report: ConventionsReport) -> str:
    return (f"<ConventionsReport {report.model}: input {_inputs(report.input_shape)}, {report.macs:,} MACs "
            f"(1 MAC = one fused multiply-add), {report.params:,} params, {len(report.rows)} conventions>")
