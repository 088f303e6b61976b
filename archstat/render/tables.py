"""The terminal's writer of a result's description (Rich, or plain lines where they suffice: ``PlainTable``),
fitted to the terminal's width; and the csv of a result's rows. No arithmetic; numbers in words come from
``words.py``, every other cell from ``tabular.cell_text``."""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..inputs import format_shape
from ..tabular import KINDS, UNIT_NOTE, Column, TableData, cell_text  # noqa: F401 (UNIT_NOTE: the one sentence, re-exported)
from ..words import byte_text

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.table import Table
    from rich.text import Text

    from ..analysis.report import Report

def shape_text(shape: Sequence[int] | None) -> str:
    return "" if shape is None else format_shape(shape)


@dataclass
class Grid:
    """Column titles and rows of cells: a table to show, without pandas."""

    columns: list[str]
    rows: list[list[Any]]


def _grid(frame: pd.DataFrame | Grid) -> Grid:
    if isinstance(frame, Grid):
        return frame
    return Grid([str(c) for c in frame.columns], [list(row) for row in frame.itertuples(index=False)])


def terminal_cell(value: Any, column: Column) -> str:
    """A description's cell for a person at a terminal: bytes in words (binary prefixes, ``4.0 MiB``),
    every other kind as every writer writes it (``tabular.cell_text``: counts in full, shares, ratios)."""
    if column.kind == "bytes" and value is not None and value == value:
        return byte_text(value)
    return cell_text(value, column)


def terminal_table(data: TableData) -> PlainTable | str:
    """The terminal's writer of a result's description: its cells by kind (``terminal_cell``), its total
    row set apart, its notes under it; at a narrow terminal the least useful columns go first (``_Fit``)."""
    if not data.columns:  # nothing to tabulate (a diff of equal layouts): the title and the notes
        return "\n".join([data.title, *data.notes])

    def cells(row: Sequence[Any]) -> list[str | Text]:
        texts = [terminal_cell(v, c) for v, c in zip(row, data.columns, strict=True)]  # type: ignore[arg-type]
        if not data.styles:
            return texts  # type: ignore[return-value]
        from rich.text import Text

        styles = [data.styles.get(c.name, {}) for c in data.columns]  # type: ignore[union-attr]
        return [Text(t, style=style[t]) if t in style else t for t, style in zip(texts, styles, strict=True)]

    columns: list[Column] = list(data.columns)  # type: ignore[arg-type]
    grid = Grid([c.header(in_words=True) for c in columns], [cells(row) for row in data.rows])
    total = cells(data.total) if data.total is not None else None
    right = [c.header(in_words=True) for c in columns if c.header() in data.right]
    return PlainTable(grid, data.title, data.notes, right, kinds=[c.kind for c in columns], total=total)


class PlainTable:
    """A table drawn as Rich draws its default one (heavy head, one space of padding), from plain
    lines: 0.04 s where ``rich.table`` takes 0.6 s for ResNet-152's 500 rows, more than the
    meta engine's whole analysis. Cells and captions are shown as given (no
    markup); a cell may be a ``rich.text.Text`` to carry a style. When the table is wider than the
    console or a cell spans lines, ``rich.table`` draws it instead, giving up columns to fit (``_Fit``).
    ``kinds`` (a description's column kinds, ``tabular.KINDS``) let it give up the least useful numbers
    too; ``total`` is a row drawn bold below a rule."""

    def __init__(self, frame: pd.DataFrame | Grid, title: str, caption: Sequence[str] = (), right: Sequence[str] = (),
                 kinds: Sequence[str] | None = None, total: Sequence[str] | None = None):
        from rich.text import Text  # here, not at the top: --help and TAB never draw a table (45 ms of Rich)

        grid = _grid(frame)
        self.header = grid.columns
        self.rows = [[v if isinstance(v, Text) else str(v) for v in row] for row in grid.rows]
        self.title, self.caption, self.right = title, list(caption), {str(c) for c in right}
        self.kinds = list(kinds) if kinds is not None else None
        self.total = [Text(str(v), style="bold") for v in total] if total is not None else None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.cells import cell_len
        from rich.measure import Measurement
        from rich.text import Text

        def _width(cell: Text | str) -> int:
            return cell_len(cell) if isinstance(cell, str) else cell.cell_len

        every = [*self.rows, *([self.total] if self.total else [])]
        widths = [max([cell_len(h), *(_width(r[i]) for r in every)]) for i, h in enumerate(self.header)]
        width = sum(widths) + 3 * len(widths) + 1
        if not self.rows or width > options.max_width or any("\n" in str(c) for r in self.rows for c in r):
            # a table wider than the console after giving up columns overflows (never cropped: emit)
            # a terminal gives up numbers too; a file or a pipe keeps every number and runs wider
            table, width = self._rich(options.max_width, numbers=console.is_terminal)
            drawn = options.update_width(width)
            # the notes wrap at the width the table is drawn at, a number never parted from its unit
            table.caption = Text(caption_text(self._caption, Measurement.get(console, drawn, table).maximum),
                                 style="dim italic")
            yield from console.render(table, drawn)
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
        if self.total:
            rule("├─┼┤")
            line(self.total, "│││")
        rule("└─┴┘")
        pieces.append(Text(caption_text(self.caption, width), style="dim italic"))
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

    def _rich(self, max_width: int, numbers: bool = True) -> tuple[Table, int]:
        """``rich.table`` for ``max_width`` cells, and the width to draw it at: number columns never
        folded (a cut number is a misread number); text columns wrap first, and columns are given up,
        with a note, when the numbers still do not fit (text ones, then, for a description, the least
        useful numbers); past that it is drawn wider."""
        from rich.table import Table
        from rich.text import Text

        kinds = self.kinds if numbers else None  # without kinds, only text columns are given up
        fit = _Fit(self.header, [*self.rows, *([self.total] if self.total else [])], self.right, max_width, kinds)
        width = max(max_width, fit.least_width(fit.shown))
        self._caption = [*self.caption, *([fit.hidden_note()] if fit.hidden else [])]
        table = Table(title=Text(self.title, style="italic"), caption_justify="left", header_style="bold",
                      caption=Text("\n".join(self._caption), style="dim italic"))
        for i in fit.shown:
            number = fit.numeric[i]
            table.add_column(Text(fit.header_text(i)), justify="right" if self.header[i] in self.right else "left",
                             no_wrap=number, min_width=fit.least[i],
                             overflow="ellipsis" if number else "fold")
        for k, row in enumerate(self.rows):
            cells = [row[i] for i in fit.shown]
            table.add_row(*(cell if isinstance(cell, Text) else Text(cell) for cell in cells),
                          end_section=bool(self.total) and k == len(self.rows) - 1)
        if self.total:
            table.add_row(*(self.total[i] for i in fit.shown))
        return table, width


# a cell that is a number, a share or a shape: 61,100,840 / 12.5% / +248 / 1x64x55x55
_NUMBER = re.compile(r"[-+]?\d[\d,.]*(?:x\d[\d,.]*)*%?")
TEXT_MIN = 10  # the narrowest a text column is worth showing at, in cells
# a number and the word after it ("1.45 GFLOPs", "724 MMACs", "61 M params"): a line never breaks between them
_NUMBER_WORD = re.compile(r"(?<![\w.,])([-+]?\d[\d,.]*(?:x\d+)*%?) (?=\S)")
_GLUE = "\x00"


def caption_text(lines: Sequence[str], width: int) -> str:
    """Notes wrapped to ``width`` cells, a number never parted from the word after it nor cut."""
    wrapped = []
    for line in lines:
        glued = _NUMBER_WORD.sub(lambda m: m.group(1) + _GLUE, line)
        wrapped += [part.replace(_GLUE, " ") for part in textwrap.wrap(glued, width, break_long_words=False,
                                                                        break_on_hyphens=False)] or [""]
    return "\n".join(wrapped)


class _Fit:
    """Which columns a table shows at ``max_width`` cells and how wide its number columns are."""

    def __init__(self, header: list[str], rows: list[list[Any]], right: set[str], max_width: int,
                 kinds: Sequence[str] | None = None) -> None:
        from rich.cells import cell_len

        self.header = header
        cells = [[str(r[i]) for r in rows] for i in range(len(header))]
        if kinds is None:  # a bare grid: a number is what looks like one
            self.numeric = [header[i] in right or (any(c) and all(not t or _NUMBER.fullmatch(t) for t in c))
                            for i, c in enumerate(cells)]
        else:  # a description: numbers, shapes and fields are never folded
            self.numeric = [KINDS[k][0] or k in ("shape", "field") for k in kinds]
        natural = [max([cell_len(h), *(cell_len(t) for t in c)]) for h, c in zip(header, cells, strict=True)]
        self.wrap_headers = sum(natural) + 3 * len(header) + 1 > max_width
        words = [max(cell_len(w) for w in h.split() or [""]) for h in header]
        # a number column: its widest cell, or its header's longest word if the header must wrap
        self.widths = [max([words[i] if self.wrap_headers else cell_len(h), *(cell_len(t) for t in cells[i])])
                       for i, h in enumerate(header)]
        self.least = [w if number else min(n, TEXT_MIN)
                      for w, n, number in zip(self.widths, natural, self.numeric, strict=True)]
        self.shown = list(range(len(header)))
        # the first column names the row; the others go, least useful first, until the numbers fit
        if kinds is None:  # text columns only, widest first
            spare = sorted((i for i in self.shown[1:] if not self.numeric[i]), key=lambda i: natural[i])
        else:  # by kind (text, shape, field, share, ratio, time, bytes, count), the rightmost first
            spare = sorted(self.shown[1:], key=lambda i: (-KINDS[kinds[i]][1], i))
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


def csv_text(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue()


def layer_rows(report: Report, depth: int | None) -> pd.DataFrame:
    """A report's layers as data, for csv: every column but the bookkeeping ``is_leaf``."""
    rows = report.rows(depth)
    skip = ("is_leaf", *(() if report.totals.backward is not None else ("backward_macs",)))
    return rows[[c for c in rows.columns if c not in skip]]
