"""``archstat conventions`` on the page: one row per tool's convention, its line items, and why.
No arithmetic: the numbers come from ``analysis.conventions``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..analysis.conventions.report import items_text
from .words import integer

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.conventions.report import ConventionsReport
    from ..analysis.conventions.rows import ConventionRow


def _number(row: ConventionRow) -> str:
    return integer(row.value) if row.value is not None else row.status


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
