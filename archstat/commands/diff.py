"""``archstat diff A B``: two layouts side by side, layer by layer, only the rows that differ.

``diff_reports`` is plain data (rows matched by module name, deltas B - A); the rest renders it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Annotated, Any

import pandas as pd
import typer
from torch import nn

from ..analysis import analyze
from ..cli import text_output, FormatOpt, InputOpt, app, emit, model_target, reports_errors, stdout
from ..inputs import Shape, format_shape
from ..registry import build_model, get_model_info
from ..render import (
    UNIT_NOTE,
    OutputFormat,
    csv_text,
    integer,
    json_text,
    markdown_table,
    rich_table,
    shape_text,
)
from ..report import UNITS, Report

COUNTS = ("params", "macs", "activations")


@dataclass(frozen=True)
class Side:
    """One model's row: module type, its settings as text (kernel, stride, channels; see
    ``layer_config``), output shape [N, C, H, W] (None if it has none) and its counts."""

    type: str
    config: str
    output_shape: list[int] | None
    params: int
    macs: int
    activations: int


@dataclass(frozen=True)
class RowDiff:
    """A module name and its row in A and in B (None where that model has no such module)."""

    name: str
    a: Side | None
    b: Side | None

    @property
    def status(self) -> str:
        """"only_a", "only_b", "changed" (type, output shape or a count differs) or "same"."""
        if self.b is None:
            return "only_a"
        if self.a is None:
            return "only_b"
        return "same" if self.a == self.b else "changed"

    def delta(self, key: str) -> int:
        """B minus A for one count; a module missing on one side counts 0 there."""
        return (getattr(self.b, key) if self.b else 0) - (getattr(self.a, key) if self.a else 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "status": self.status,
            "a": asdict(self.a) if self.a else None, "b": asdict(self.b) if self.b else None,
            "delta": {key: self.delta(key) for key in COUNTS},
        }


@dataclass(frozen=True)
class ReportDiff:
    """Every row of A and B in network order, matched by name; ``changed``: the differing ones."""

    a: Report
    b: Report
    rows: list[RowDiff]

    @property
    def changed(self) -> list[RowDiff]:
        return [row for row in self.rows if row.status != "same"]

    def totals(self) -> dict[str, Any]:
        """Totals of A and B, B - A, and how many rows differ."""
        a = {key: self.a.totals[key] for key in COUNTS}
        b = {key: self.b.totals[key] for key in COUNTS}
        statuses = [row.status for row in self.rows]
        return {
            "a": a, "b": b, "delta": {key: b[key] - a[key] for key in COUNTS},
            "rows": len(statuses), "changed": statuses.count("changed"),
            "only_a": statuses.count("only_a"), "only_b": statuses.count("only_b"),
        }

    def largest(self, key: str, count: int) -> list[RowDiff]:
        """The ``count`` rows whose ``key`` changed most (by absolute B - A), largest first."""
        moved = [row for row in self.changed if row.delta(key)]
        return sorted(moved, key=lambda row: -abs(row.delta(key)))[:count]

    def to_dict(self) -> dict[str, Any]:
        """json: ``a``, ``b`` (names), ``inputs``, ``units``, ``rows`` (differing), ``totals``."""
        return {
            "a": self.a.model, "b": self.b.model,
            "inputs": {"a": list(self.a.input_shape[0]), "b": list(self.b.input_shape[0])},
            "units": {key: UNITS[key] for key in COUNTS},
            "rows": [row.to_dict() for row in self.changed],
            "totals": self.totals(),
        }


def _pair(value: int | tuple[int, ...]) -> str:
    return "x".join(map(str, value)) if isinstance(value, tuple) else f"{value}x{value}"


def _stride(value: int | tuple[int, ...]) -> str:
    values = set(value) if isinstance(value, tuple) else {value}
    if values == {1}:
        return ""
    return f" stride {values.pop()}" if len(values) == 1 else f" stride {_pair(value)}"


def layer_config(module: nn.Module) -> str:
    """The settings that decide a layer's counts, as text: '3x3 128->128 stride 2', '4096->1000'."""
    if isinstance(module, nn.modules.conv._ConvNd):
        groups = f" groups {module.groups}" if module.groups != 1 else ""
        return (f"{_pair(module.kernel_size)} {module.in_channels}->{module.out_channels}"
                f"{_stride(module.stride)}{groups}")
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        return f"{_pair(module.kernel_size)}{_stride(module.stride)}"
    if isinstance(module, nn.Linear):
        return f"{module.in_features}->{module.out_features}"
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return str(module.num_features)
    return ""


def _sides(report: Report, configs: Mapping[str, str]) -> dict[str, Side]:
    frame = report.rows()
    return {
        row.name: Side(row.type, configs.get(row.name, ""),
                       None if row.output_shape is None else [int(d) for d in row.output_shape],
                       int(row.params), int(row.macs), int(row.activations))
        for row in frame.itertuples(index=False)
    }


def _merged_order(first: list[str], second: list[str]) -> list[str]:
    """``first`` in order, each name only in ``second`` placed after the name it follows there."""
    order, known = list(first), set(first)
    previous = None
    for name in second:
        if name not in known:
            order.insert(order.index(previous) + 1 if previous is not None else 0, name)
            known.add(name)
        previous = name
    return order


def diff_reports(a: Report, b: Report, configs_a: Mapping[str, str] | None = None,
                 configs_b: Mapping[str, str] | None = None) -> ReportDiff:
    """Match the leaf rows (``Report.rows()``) of two reports by module name.

    ``configs_*`` map module names to ``layer_config`` text (empty when not given); a row whose
    settings differ is shown even when its counts agree (a stride moved from one layer to another).
    """
    rows_a, rows_b = _sides(a, configs_a or {}), _sides(b, configs_b or {})
    names = _merged_order(list(rows_a), list(rows_b))
    return ReportDiff(a, b, [RowDiff(name, rows_a.get(name), rows_b.get(name)) for name in names])


# ----------------------------------------------------------------------------- rendering


def _signed(value: int) -> str:
    return f"{value:+,}" if value else "0"


def _percent(delta: int, base: int) -> str:
    return f" ({100 * delta / base:+.1f}%)" if base else ""


def _side_text(side: Side | None, key: str) -> str:
    if side is None:
        return "-"
    return shape_text(side.output_shape) if key == "output_shape" else integer(getattr(side, key))


def _both(row: RowDiff, key: str) -> str:
    """One value, or 'A => B' where the two differ ('->' already means channels in -> out)."""
    return " => ".join(dict.fromkeys(getattr(s, key) for s in (row.a, row.b) if s is not None))


def _frame(diff: ReportDiff) -> pd.DataFrame:
    a, b = diff.a.model, diff.b.model
    return pd.DataFrame([{
        "layer": row.name, "type": _both(row, "type"), "settings": _both(row, "config"),
        f"shape {a}": _side_text(row.a, "output_shape"),
        f"shape {b}": _side_text(row.b, "output_shape"),
        f"params {a}": _side_text(row.a, "params"), f"params {b}": _side_text(row.b, "params"),
        "params B-A": _signed(row.delta("params")),
        f"MACs {a}": _side_text(row.a, "macs"), f"MACs {b}": _side_text(row.b, "macs"),
        "MACs B-A": _signed(row.delta("macs")),
    } for row in diff.changed])


def summary_lines(diff: ReportDiff) -> list[str]:
    """Counts of differing rows, total deltas, the largest MAC changes and the inputs used."""
    a, b, t = diff.a.model, diff.b.model, diff.totals()
    lines = [
        f"A = {a}, B = {b}. {t['changed']} of {t['rows']} layers differ; "
        f"{t['only_a']} only in {a}, {t['only_b']} only in {b}.",
    ]
    for key, label in (("params", "params"), ("macs", "MACs")):
        delta = t["delta"][key]
        lines.append(f"Total {label}: {t['a'][key]:,} -> {t['b'][key]:,}, "
                     f"B-A {_signed(delta)}{_percent(delta, t['a'][key])}.")
    movers = diff.largest("macs", 3)
    if movers and t["delta"]["macs"]:
        changes = ", ".join(f"{row.name} {_signed(row.delta('macs'))}" for row in movers)
        lines.append(f"Largest MAC changes: {changes}.")
    inputs = [format_shape(report.input_shape[0]) for report in (diff.a, diff.b)]
    if inputs[0] == inputs[1]:
        lines.append(f"Both counted on input {inputs[0]} (NxCxHxW).")
    else:
        lines.append(f"Each counted on its own default input: {a} {inputs[0]}, {b} {inputs[1]} "
                     "(NxCxHxW); give --input to count both at one size.")
    return [*lines, UNIT_NOTE]


_SIDE_KEYS = ("type", "config", "output_shape", *COUNTS)
CSV_COLUMNS = ["name", "status", *(f"{key}_{which}" for which in ("a", "b") for key in _SIDE_KEYS),
               *(f"{key}_delta" for key in COUNTS)]


def _csv_frame(diff: ReportDiff) -> pd.DataFrame:
    rows = []
    for row in diff.changed:
        data: dict[str, Any] = {"name": row.name, "status": row.status}
        for which, side in (("a", row.a), ("b", row.b)):
            for key in _SIDE_KEYS:
                value = None if side is None else getattr(side, key)
                data[f"{key}_{which}"] = shape_text(value) if key == "output_shape" else value
        rows.append({**data, **{f"{key}_delta": row.delta(key) for key in COUNTS}})
    # dtype=object keeps counts as integers next to the empty cells of one-sided rows
    return pd.DataFrame(rows, columns=CSV_COLUMNS, dtype=object)


def render(diff: ReportDiff, fmt: OutputFormat) -> str | None:
    """Text for csv / json / markdown; for ``table`` prints to the terminal and returns None."""
    if fmt is OutputFormat.json:
        return json_text(diff.to_dict())
    if fmt is OutputFormat.csv:
        return csv_text(_csv_frame(diff))
    frame, lines = _frame(diff), summary_lines(diff)
    title = f"{diff.a.model} vs {diff.b.model}: layers that differ"
    if fmt is OutputFormat.markdown:
        body = markdown_table(frame) if len(frame) else "No layer differs.\n"
        return f"### {title}\n\n{body}\n" + "".join(f"- {line}\n" for line in lines)
    if len(frame):
        right = [c for c in frame.columns if c not in ("layer", "type", "settings")]
        stdout.print(rich_table(frame, title, lines, right))
    else:
        stdout.print("\n".join([f"{title}: none.", *lines]))
    return None


@app.command()
@reports_errors
@text_output
def diff(
    a: Annotated[str, typer.Argument(
        help="Model A: a zoo name, or pkg.module:Class / file.py:Class.", show_default=False,
    )],
    b: Annotated[str, typer.Argument(
        help="Model B, compared with A; the same forms.", show_default=False,
    )],
    input: InputOpt = None,
    format: FormatOpt = OutputFormat.table,
) -> None:
    """Two layouts side by side, layer by layer (matched by name): only the rows that differ.

    Example: archstat diff resnet50 resnet50_v1_5
    """
    # Resolve both first, so a bad name for B fails before A is traced.
    targets = [model_target(spec, input) for spec in (a, b)]
    (report_a, configs_a), (report_b, configs_b) = (_count(*target) for target in targets)
    emit(render(diff_reports(report_a, report_b, configs_a, configs_b), format))


def _count(
    target: str | nn.Module, label: str, shapes: list[Shape] | None
) -> tuple[Report, dict[str, str]]:
    """The report of one model and the settings of its layers (one build serves both)."""
    module = build_model(target) if isinstance(target, str) else target
    if shapes is None:
        shapes = [get_model_info(label).input_size]
    report = analyze(module, input_size=shapes, name=label)
    return report, {key: layer_config(sub) for key, sub in module.named_modules()}
