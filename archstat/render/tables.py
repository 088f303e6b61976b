"""Rendering of reports and tables: Rich for terminals, csv / json / markdown for machines. No arithmetic;
numbers are put in words by ``render.words``."""

from __future__ import annotations

import io
import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..inputs import format_shape
from ..tabular import UNIT_NOTE  # the convention line, written once (the notebook and LaTeX writers use it too)
from .words import human, integer, pair_text, share

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.table import Table
    from rich.text import Text

    from ..analysis.report import Report

def shape_text(shape: Sequence[int] | None) -> str:
    return "" if shape is None else format_shape(shape)


NOT_APPLICABLE = "not applicable"


def input_text(report: Report) -> str:
    """``1x3x224x224 (NxCxHxW)`` for images; any other shape with its batch first (``1x128 int64``)."""
    shapes = [format_shape(s) + (f" {d}" if d != "float32" else "") for s, d in
              zip(report.input_shape, report.input_dtypes or ["float32"] * len(report.input_shape), strict=False)]
    images = all(len(s) == 4 for s in report.input_shape)
    return " + ".join(shapes) + (" (NxCxHxW)" if images else " (batch first)")


def totals_lines(report: Report) -> list[str]:
    t = report.totals
    lines = [
        f"Total: {t['params']:,} params ({human(t['params'])}), of which {t['trainable_params']:,} trainable; "
        f"{t['macs']:,} MACs ({human(t['macs'], 'MACs')} = {human(t['flops'], 'FLOPs')}); "
        f"{t['activations']:,} activations.",
        f"Input {input_text(report)}; engine: {report.engine}; {report.mode} mode; "
        f"auxiliary heads {'included' if report.aux else 'excluded'}.",
        UNIT_NOTE,
    ]
    if "backward_macs" in t:
        lines.insert(1, backward_line(t))
    if t.get("field_applicable") is False:
        lines.insert(1, f"Receptive field: {NOT_APPLICABLE} (no spatial operator ran: a sequence or token model); "
                        f"depth: {t['depth']} weight layers on the longest path (recurrent layers and attention's "
                        "projections included).")
    elif t.get("receptive_field"):
        lines.insert(1, f"Receptive field of the last spatial feature map: {pair_text(t['receptive_field'])} input "
                        f"pixels, effective stride {pair_text(t['effective_stride'])}; depth: {t['depth']} weight "
                        "layers on the longest path.")
    lines += [f"Field note: {note}" for note in t.get("field_notes", [])]
    if t.get("uncounted_ops"):
        lines.append("Not counted (fvcore's conventions have no MAC formula for them): "
                     + ", ".join(t["uncounted_ops"]) + ".")
    return lines


def backward_line(t: dict[str, Any]) -> str:
    """The backward pass and the training step in one sentence, with the backward/forward ratio."""
    ratio = f"{t['backward_macs'] / t['macs']:.2f}x the forward" if t["macs"] else "no forward MACs"
    left_out = (f" (leaves out {', '.join(t['backward_uncounted_ops'])})" if t.get("backward_uncounted_ops") else "")
    return (f"Backward: {t['backward_macs']:,} MACs ({human(t['backward_macs'], 'MACs')}, {ratio}; torch's "
            f"FlopCounterMode convention{left_out}); training step (forward + backward): "
            f"{t['training_step_macs']:,} MACs ({human(t['training_step_macs'], 'MACs')}).")


@dataclass
class Grid:
    """Column titles and rows of cells: a table to show, without pandas."""

    columns: list[str]
    rows: list[list[Any]]


def _grid(frame: pd.DataFrame | Grid) -> Grid:
    if isinstance(frame, Grid):
        return frame
    return Grid([str(c) for c in frame.columns], [list(row) for row in frame.itertuples(index=False)])


def layer_table(report: Report, depth: int | None) -> Grid:
    """The rows a person reads: shares of the totals added, shapes as text."""
    t = report.totals
    trainable = bool(t.get("frozen_params"))  # fine-tuning: say which layers train
    fields = "receptive_field" in t  # a report of counts without fields shows none
    field_cells = (lambda r: [NOT_APPLICABLE] * 2) if t.get("field_applicable") is False else (
        lambda r: [pair_text(r["receptive_field"]), pair_text(r["effective_stride"])])
    backward = "backward_macs" in t
    columns = ["layer", "type", "output shape", "params", "% params", *(["trainable"] if trainable else []),
               "MACs", "% MACs", *(["backward MACs"] if backward else []), "activations",
               *(["field", "stride"] if fields else [])]
    rows = []
    for r in report.row_records(depth):
        # a module with parameters but no output was defined and never called by forward
        shape = shape_text(r["output_shape"]) if isinstance(r["output_shape"], list) else "not called"
        rows.append([r["name"], r["type"], shape, integer(r["params"]), share(r["params"], t["params"]),
                     *([integer(r["trainable_params"])] if trainable else []),
                     integer(r["macs"]), share(r["macs"], t["macs"]),
                     *([integer(r["backward_macs"] or 0)] if backward else []), integer(r["activations"]),
                     *(field_cells(r) if fields else [])])
    return Grid(columns, rows)


class PlainTable:
    """A table drawn as Rich draws its default one (heavy head, one space of padding), from plain
    lines: 0.04 s where ``rich.table`` takes 0.6 s for ResNet-152's 500 rows, more than the
    meta engine's whole analysis. Cells and captions are shown as given (no
    markup); a cell may be a ``rich.text.Text`` to carry a style. When the table is wider than the
    console or a cell spans lines, ``rich.table`` draws it instead, folding cells to fit."""

    def __init__(self, frame: pd.DataFrame | Grid, title: str, caption: Sequence[str] = (), right: Sequence[str] = ()):
        from rich.text import Text  # here, not at the top: --help and TAB never draw a table (45 ms of Rich)

        grid = _grid(frame)
        self.header = grid.columns
        self.rows = [[v if isinstance(v, Text) else str(v) for v in row] for row in grid.rows]
        self.title, self.caption, self.right = title, list(caption), {str(c) for c in right}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.cells import cell_len
        from rich.text import Text

        def _width(cell: Text | str) -> int:
            return cell_len(cell) if isinstance(cell, str) else cell.cell_len

        widths = [max([cell_len(h), *(_width(r[i]) for r in self.rows)]) for i, h in enumerate(self.header)]
        width = sum(widths) + 3 * len(widths) + 1
        if not self.rows or width > options.max_width or any("\n" in str(c) for r in self.rows for c in r):
            # a table wider than the console after hiding text columns overflows (never cropped: emit)
            table, width = self._rich(options.max_width)
            yield from console.render(table, options.update_width(width))
            return
        pieces: list[str | Text] = []  # plain text, and the styled cells as they come

        def line(cells: Sequence[Text | str], ends: str) -> None:
            pieces.append(ends[0] + " ")
            for k, (cell, w, column) in enumerate(zip(cells, widths, self.header, strict=True)):
                gap = " " * (w - _width(cell))
                pieces.extend((gap, cell) if column in self.right else (cell, gap))
                pieces.append(f" {ends[1]} " if k < len(widths) - 1 else f" {ends[2]}\n")

        def rule(chars: str) -> None:
            pieces.append(chars[0] + chars[2].join(chars[1] * (w + 2) for w in widths) + chars[3] + "\n")

        rule("┏━┳┓")
        line([Text(h, style="bold") for h in self.header], "┃┃┃")
        rule("┡━╇┩")
        for row in self.rows:
            line(row, "│││")
        rule("└─┴┘")
        caption = "\n".join("\n".join(textwrap.wrap(text, width) or [""]) for text in self.caption)
        pieces.append(Text(caption, style="dim italic"))
        text = Text(no_wrap=True)
        text.append(self.title.center(width).rstrip() + "\n", style="italic")  # Rich's table.title style
        plain: list[str] = []
        for piece in pieces:
            if isinstance(piece, str):
                plain.append(piece)
                continue
            text.append("".join(plain))
            text.append(piece)
            plain.clear()
        text.rstrip()
        yield text

    def _rich(self, max_width: int) -> tuple[Table, int]:
        """``rich.table`` for ``max_width`` cells, and the width to draw it at: number columns never
        folded (a cut number is a misread number); text columns wrap first, and the widest ones are
        hidden, with a note, when the numbers still do not fit; past that it is drawn wider."""
        from rich.table import Table
        from rich.text import Text

        fit = _Fit(self.header, self.rows, self.right, max_width)
        caption = [*self.caption, *([fit.hidden_note()] if fit.hidden else [])]
        table = Table(title=Text(self.title, style="italic"), caption_justify="left", header_style="bold",
                      caption=Text("\n".join(caption), style="dim italic"))
        for i in fit.shown:
            number = fit.numeric[i]
            table.add_column(Text(fit.header_text(i)), justify="right" if self.header[i] in self.right else "left",
                             no_wrap=number, min_width=fit.least[i],
                             overflow="ellipsis" if number else "fold")
        for row in self.rows:
            cells = [row[i] for i in fit.shown]
            table.add_row(*(cell if isinstance(cell, Text) else Text(cell) for cell in cells))
        return table, max(max_width, fit.least_width(fit.shown))


# a cell that is a number, a share or a shape: 61,100,840 / 12.5% / +248 / 1x64x55x55
_NUMBER = re.compile(r"[-+]?\d[\d,.]*(?:x\d[\d,.]*)*%?")
TEXT_MIN = 10  # the narrowest a text column is worth showing at, in cells


class _Fit:
    """Which columns a table shows at ``max_width`` cells and how wide its number columns are."""

    def __init__(self, header: list[str], rows: list[list[Any]], right: set[str], max_width: int) -> None:
        from rich.cells import cell_len

        self.header = header
        cells = [[str(r[i]) for r in rows] for i in range(len(header))]
        self.numeric = [header[i] in right or (any(c) and all(not t or _NUMBER.fullmatch(t) for t in c))
                        for i, c in enumerate(cells)]
        natural = [max([cell_len(h), *(cell_len(t) for t in c)]) for h, c in zip(header, cells, strict=True)]
        self.wrap_headers = sum(natural) + 3 * len(header) + 1 > max_width
        words = [max(cell_len(w) for w in h.split() or [""]) for h in header]
        # a number column: its widest cell, or its header's longest word if the header must wrap
        self.widths = [max([words[i] if self.wrap_headers else cell_len(h), *(cell_len(t) for t in cells[i])])
                       for i, h in enumerate(header)]
        self.least = [w if number else min(n, TEXT_MIN)
                      for w, n, number in zip(self.widths, natural, self.numeric, strict=True)]
        self.shown = list(range(len(header)))
        # the first column names the row; other text columns go, widest first, until the numbers fit
        spare = sorted((i for i in self.shown[1:] if not self.numeric[i]), key=lambda i: natural[i])
        while spare and self.least_width(self.shown) > max_width:
            self.shown.remove(spare.pop())
        self.hidden = [header[i] for i in range(len(header)) if i not in self.shown]

    def least_width(self, columns: list[int]) -> int:
        """The narrowest these columns can be drawn, borders and padding included, in cells."""
        return sum(self.least[i] for i in columns) + 3 * len(columns) + 1

    def header_text(self, i: int) -> str:
        """A number column's title wrapped to the column (a no-wrap column would otherwise be as wide
        as its title)."""
        if not (self.numeric[i] and self.wrap_headers):
            return self.header[i]
        return "\n".join(textwrap.wrap(self.header[i], self.widths[i]) or [""])

    def hidden_note(self) -> str:
        count = len(self.hidden)
        return (f"{count} column{'s' if count > 1 else ''} hidden at this width ({', '.join(self.hidden)}); "
                "--format markdown shows all.")


def rich_table(
    frame: pd.DataFrame | Grid, title: str, caption: Sequence[str] = (), right: Sequence[str] = ()
) -> PlainTable:
    """``frame`` as a table for a Rich console: ``right`` names the right-aligned columns."""
    return PlainTable(frame, title, caption, right)


def markdown_table(frame: pd.DataFrame | Grid) -> str:
    grid = _grid(frame)
    header = "| " + " | ".join(grid.columns) + " |"
    rule = "| " + " | ".join("---" for _ in grid.columns) + " |"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in grid.rows]
    return "\n".join([header, rule, *body]) + "\n"


def csv_text(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue()


def json_text(data: Any) -> str:
    return json.dumps(data, indent=2) + "\n"


# the right-aligned columns of layer_table
NUMERIC_COLUMNS = ("params", "% params", "trainable", "MACs", "% MACs", "backward MACs", "activations")


def layer_rows(report: Report, depth: int | None) -> pd.DataFrame:
    """A report's layers as data, for csv: every column but the bookkeeping ``is_leaf``."""
    rows = report.rows(depth)
    skip = ("is_leaf", *(() if "backward_macs" in report.totals else ("backward_macs",)))
    return rows[[c for c in rows.columns if c not in skip]]
