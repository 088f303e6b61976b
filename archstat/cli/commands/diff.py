"""``archstat diff A B``: two layouts side by side, layer by layer, only the rows that differ.

The matching is ``archstat.diff.diff_reports`` (plain data); this module renders it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ...inputs import format_shape
from ...render.tables import UNIT_NOTE, shape_text
from ...render.words import integer, signed, signed_percent
from ..checks import model_arg
from ..errors import reports_errors
from ..options import (
    DEFAULT_ENGINE,
    DEFAULT_FORMAT,
    DEFAULT_MODE,
    EngineOpt,
    FormatOpt,
    ForwardKwargsOpt,
    InputOpt,
    ModeOpt,
    complete_model,
)
from ..output import Result, emit, text_output
from ..progress import working

if TYPE_CHECKING:
    import pandas as pd

    from ...analysis.diff import ReportDiff, RowDiff, Side
else:
    from ..._lazy import pandas as pd


def _percent(delta: int, base: int) -> str:
    return f" ({signed_percent(delta, base)})" if base else ""


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
        "params B-A": signed(row.delta("params")),
        f"MACs {a}": _side_text(row.a, "macs"), f"MACs {b}": _side_text(row.b, "macs"),
        "MACs B-A": signed(row.delta("macs")),
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
                     f"B-A {signed(delta)}{_percent(delta, t['a'][key])}.")
    movers = diff.largest("macs", 3)
    if movers and t["delta"]["macs"]:
        changes = ", ".join(f"{row.name} {signed(row.delta('macs'))}" for row in movers)
        lines.append(f"Largest MAC changes: {changes}.")
    inputs = [format_shape(report.input_shape[0]) for report in (diff.a, diff.b)]
    if inputs[0] == inputs[1]:
        lines.append(f"Both counted on input {inputs[0]} (NxCxHxW).")
    else:
        lines.append(f"Each counted on its own default input: {a} {inputs[0]}, {b} {inputs[1]} "
                     "(NxCxHxW); give --input to count both at one size.")
    lines.append(f"Both counted in {diff.a.mode} mode.")
    return [*lines, UNIT_NOTE]


def _csv_frame(diff: ReportDiff) -> pd.DataFrame:
    from ...analysis.diff import COUNTS

    side_keys = ("type", "config", "output_shape", *COUNTS)
    columns = ["name", "status", *(f"{key}_{which}" for which in ("a", "b") for key in side_keys),
               *(f"{key}_delta" for key in COUNTS)]
    rows = []
    for row in diff.changed:
        data: dict[str, Any] = {"name": row.name, "status": row.status}
        for which, side in (("a", row.a), ("b", row.b)):
            for key in side_keys:
                value = None if side is None else getattr(side, key)
                data[f"{key}_{which}"] = shape_text(value) if key == "output_shape" else value
        rows.append({**data, **{f"{key}_delta": row.delta(key) for key in COUNTS}})
    # dtype=object keeps counts as integers next to the empty cells of one-sided rows
    return pd.DataFrame(rows, columns=columns, dtype=object)


def diff_result(diff: ReportDiff) -> Result:
    """The differing rows and the summary lines; with no row differing, the summary alone."""
    lines = summary_lines(diff)
    title = f"{diff.a.model} vs {diff.b.model}: layers that differ"
    a, b = diff.a.model, diff.b.model
    right = [f"shape {a}", f"shape {b}", f"params {a}", f"params {b}", "params B-A", f"MACs {a}", f"MACs {b}",
             "MACs B-A"]  # every column of _frame but layer, type and settings
    result = Result(json=diff.to_dict, csv=lambda: _csv_frame(diff), table=lambda: _frame(diff), title=title,
                    notes=lines, right=right, heading=title)
    if not diff.changed:
        result.markdown = lambda: f"### {title}\n\nNo layer differs.\n\n" + "".join(f"- {line}\n" for line in lines)
        result.terminal = lambda: ["\n".join([f"{title}: none.", *lines])]
    return result


@reports_errors
@text_output
def diff(
    a: Annotated[str, typer.Argument(
        metavar="A", help="Model A: a zoo name, or pkg.module:Class / file.py:Class.", show_default=False,
        autocompletion=complete_model, callback=model_arg,
    )],
    b: Annotated[str, typer.Argument(
        metavar="B", help="Model B, compared with A; the same forms.", show_default=False,
        autocompletion=complete_model, callback=model_arg,
    )],
    input: InputOpt = None,
    engine: EngineOpt = DEFAULT_ENGINE,
    mode: ModeOpt = DEFAULT_MODE,
    forward_kwargs: ForwardKwargsOpt = None,
    format: FormatOpt = DEFAULT_FORMAT,
) -> None:
    """Two layouts side by side, layer by layer (matched by name): only the rows that differ.

    Example: archstat diff resnet50 resnet50_v1_5
    """
    from ...analysis.diff import diff_models

    with working(f"counting {a} and {b}"):
        diffed = diff_models(a, b, input_size=input or None, engine=engine, mode=mode, forward_kwargs=forward_kwargs)
    emit(diff_result(diffed), format)
