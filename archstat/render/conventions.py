"""``archstat conventions`` on the page: one row per tool's convention, its line items, and why.
No arithmetic: the numbers come from ``analysis.conventions``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .tables import UNIT_NOTE, Grid
from .words import human, integer, signed

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.conventions.report import ConventionsReport
    from ..analysis.conventions.rows import ConventionRow

RIGHT = ("number", "- archstat MACs", "params", "- archstat params", "actual", "actual params")


def items_text(items: list[tuple[str, int]]) -> str:
    """Line items as '+1,000 linear biases; -22,227,968 batch norm'."""
    return "; ".join(f"{signed(n)} {label}" for label, n in items)


def _number(row: ConventionRow) -> str:
    return integer(row.value) if row.value is not None else row.status


def _actual(value: Any, computed: int | None) -> str:
    """The tool's own number; a mark where it differs from the computed one."""
    if value is None:
        return ""
    if isinstance(value, int):
        return integer(value) + ("" if value == computed else "  (differs)")
    return str(value)


def conventions_table(report: ConventionsReport) -> Grid:
    columns = ["convention", "version", "call", "its word and unit", "number", "- archstat MACs", "line items",
               "params", "- archstat params", "params line items"]
    if report.ran:
        columns[5:5] = ["actual"]
        columns.append("actual params")
    rows = []
    for row in report.rows:
        c = row.convention
        cells = [c.key, c.version, c.tool, c.word, _number(row),
                 signed(row.difference) if row.difference is not None else "", items_text(row.items),
                 integer(row.params), signed(row.params_difference) if row.params_difference is not None else "",
                 items_text(row.params_items)]
        if report.ran:
            cells[5:5] = [_actual(row.actual, row.value)]
            cells.append(_actual(row.actual_params, row.params))
        rows.append(cells)
    return Grid(columns, rows)


def conventions_notes(report: ConventionsReport) -> list[str]:
    """archstat's totals, the unit, and one sentence per tool that says why it differs."""
    shape = "x".join(str(d) for d in report.input_shape[0])
    lines = [f"archstat: {report.macs:,} MACs ({human(report.macs, 'MACs')}), {report.params:,} params, "
             f"input {shape}; every tool's number is computed from archstat's own trace by that tool's rules.",
             UNIT_NOTE, "Prefixes: every tool prints G = 10^9 (1000-based), none 2^30."]
    lines += [f"{row.convention.key}: {row.convention.why}" for row in report.rows]
    lines += [f"{row.convention.key}: {row.status}" for row in report.rows if row.value is None and row.status
              and row.convention.key != "keras"]
    return [*lines, *report.notes]


def conventions_rows(report: ConventionsReport) -> pd.DataFrame:
    """One csv row per convention, numbers unformatted."""
    import pandas as pd

    records = []
    for row in report.rows:
        data = row.to_dict()
        data["items"] = items_text(row.items)
        data["params_items"] = items_text(row.params_items)
        records.append({"model": report.model, **data})
    return pd.DataFrame(records, dtype=object)  # object: a missing number stays blank, counts stay integers


ZOO_KEYS = ("fvcore", "torchinfo", "ptflops", "ptflops-aten", "thop", "ultralytics-thop", "torch", "torchvision",
            "paper")
ZOO_TITLES = ("archstat (fvcore) MACs", "torchinfo mult-adds", "ptflops MACs", "ptflops aten MACs", "thop macs",
              "ultralytics-thop macs", "torch FLOPs", "torchvision GFLOPS x 10^9", "paper multiply-adds")


def zoo_conventions_markdown(reports: list[ConventionsReport]) -> str:
    """Every zoo model by every tool, each number in the tool's own unit, at the model's default input."""
    header = "| model | input | " + " | ".join(ZOO_TITLES) + " | params: archstat / torchinfo / ptflops / thop |"
    lines = [header, "| " + " | ".join("---" for _ in range(len(ZOO_TITLES) + 3)) + " |"]
    for report in reports:
        by_key = {row.convention.key: row for row in report.rows}
        cells = [_number(by_key[key]) if key in by_key else "" for key in ZOO_KEYS]
        params = " / ".join(integer(by_key[key].params) for key in ("fvcore", "torchinfo", "ptflops", "thop"))
        shape = "x".join(str(d) for d in report.input_shape[0][1:])
        lines.append(f"| {report.model} | {shape} | " + " | ".join(cells) + f" | {params} |")
    return "\n".join(lines) + "\n"
