"""Rendering of reports and tables: Rich for terminals, csv / json / markdown for machines. No arithmetic
beyond shares of a total and unit prefixes."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from enum import Enum
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from .inputs import format_shape
from .report import Report

UNIT_NOTE = "MACs: one fused multiply-add = 1 MAC (fvcore's 'flop'); FLOPs = 2 x MACs."


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


def human(value: float, unit: str = "") -> str:
    """1_135_906_176 -> '1.14 G' (decimal prefixes)."""
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {prefix}{unit}"
    return f"{value:g} {unit}".rstrip()


def integer(value: Any) -> str:
    return "" if value is None or value != value else f"{int(value):,}"


def share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def shape_text(shape: Sequence[int] | None) -> str:
    return "" if shape is None else format_shape(shape)


def pair_text(pair: Sequence[int] | None) -> str:
    return "" if pair is None else f"{pair[0]}x{pair[1]}"


def totals_lines(report: Report) -> list[str]:
    t = report.totals
    lines = [
        f"Total: {t['params']:,} params ({human(t['params'])}), of which {t['trainable_params']:,} trainable; "
        f"{t['macs']:,} MACs ({human(t['macs'], 'MACs')} = {human(t['flops'], 'FLOPs')}); "
        f"{t['activations']:,} activations.",
        f"Input {' + '.join(format_shape(s) for s in report.input_shape)} (NxCxHxW); engine: {report.engine}; "
        f"auxiliary heads {'included' if report.aux else 'excluded'}.",
        UNIT_NOTE,
    ]
    if t.get("receptive_field"):
        lines.insert(1, f"Receptive field of the last spatial feature map: {pair_text(t['receptive_field'])} input "
                        f"pixels, effective stride {pair_text(t['effective_stride'])}; depth: {t['depth']} weight "
                        "layers on the longest path.")
    lines += [f"Field note: {note}" for note in t.get("field_notes", [])]
    if t.get("uncounted_ops"):
        lines.append("Not counted by fvcore (no MAC handle): " + ", ".join(t["uncounted_ops"]) + ".")
    return lines


def layer_table(report: Report, depth: int | None) -> pd.DataFrame:
    """The rows a person reads: shares of the totals added, shapes as text."""
    rows = report.rows(depth)
    t = report.totals
    table = pd.DataFrame({
        "layer": rows.name,
        "type": rows.type,
        # a module with parameters but no output was defined and never called by forward
        "output shape": rows.output_shape.map(lambda s: shape_text(s) if isinstance(s, list) else "not called"),
        "params": rows.params.map(integer),
        "% params": [share(p, t["params"]) for p in rows.params],
        "MACs": rows.macs.map(integer),
        "% MACs": [share(m, t["macs"]) for m in rows.macs],
        "activations": rows.activations.map(integer),
    })
    if t.get("frozen_params"):  # fine-tuning: say which layers train
        table.insert(5, "trainable", rows.trainable_params.map(integer))
    for column, title in (("receptive_field", "field"), ("effective_stride", "stride")):
        if column in rows:
            table[title] = rows[column].map(pair_text)
    return table


def rich_table(frame: pd.DataFrame, title: str, caption: Sequence[str] = (), right: Sequence[str] = ()) -> Table:
    table = Table(title=title, caption="\n".join(caption), caption_justify="left", header_style="bold")
    for column in frame.columns:
        table.add_column(str(column), justify="right" if column in right else "left")
    for values in frame.itertuples(index=False):
        table.add_row(*(str(v) for v in values))
    return table


def markdown_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"


def csv_text(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue()


def json_text(data: Any) -> str:
    return json.dumps(data, indent=2) + "\n"


_NUMERIC = ("params", "% params", "trainable", "MACs", "% MACs", "activations")


def report_text(report: Report, fmt: OutputFormat, depth: int | None, console: Console) -> str | None:
    """Render a report; for ``table`` it prints to ``console`` and returns None."""
    if fmt is OutputFormat.json:
        return json_text(report.to_dict(depth))
    if fmt is OutputFormat.csv:
        rows = report.rows(depth)
        return csv_text(rows[[c for c in rows.columns if c not in ("is_leaf",)]])
    table = layer_table(report, depth)
    if fmt is OutputFormat.markdown:
        return f"### {report.model}\n\n" + markdown_table(table) + "\n" + "\n".join(
            f"- {line}" for line in totals_lines(report)) + "\n"
    console.print(rich_table(table, f"{report.model}: per-layer counts", totals_lines(report), _NUMERIC))
    return None
