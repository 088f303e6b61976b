"""A table as plain data, and the writers that turn one into HTML, Markdown and LaTeX (booktabs).

This is layer 1 (core): it imports nothing from archstat and no third-party package, and it does no
arithmetic. Every result type describes itself once, as a ``TableData``, in one method,
``table_data()``, and inherits ``Tabular``: that gives it a notebook's HTML and Markdown
(``_repr_html_``, ``_repr_markdown_``), LaTeX for a paper (``to_latex()``) and a one-line repr. The
command line writes the same description (``cli/output.py``): the terminal (``render/tables.py``), markdown,
LaTeX and HTML are writers of it, so ``Report.to_latex()`` is what ``--format latex`` prints.

A ``Column`` carries its ``kind`` (what its cells are: ``KINDS``) and ``unit``; a writer formats a cell
by its column's kind, so a new kind of column (time, FLOP/s, error) is one entry in ``KINDS`` and one
line in ``cell_text``. Cells are plain values, written the same way by every writer (docs/output.md):
- an integer: in full, thousands grouped (``61,100,840``; in LaTeX ``61\\,100\\,840``, thin spaces, and
  four digits whole: ``4704``);
- in a ``share`` column, a percentage with one decimal (``35.3%``); in a ``ratio`` column, a multiple
  (``2.27x``, three significant digits, two below 1: ``0.051x``); in a ``change`` column (B - A), an
  integer with its sign (``+248``, ``-1,024``, ``0``);
- any other float: four significant digits (``0.05062``), or grouped in full from 1,000 on;
- a list of integers: a shape or a field, ``1x64x55x55``;
- None (or NaN): an empty cell; text, and anything else, as its ``str``.
"""

from __future__ import annotations

import html
import numbers
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# The MAC convention, written once; every printed sentence about it is built from these.
MAC_DEFINITION = "one fused multiply-add = 1 MAC"
MAC_SHORT = "1 MAC = one fused multiply-add"  # the same, where a label names MACs first
FLOPS_DEFINITION = "FLOPs = 2 x MACs"
MAC_SENTENCE = f"MACs: {MAC_DEFINITION}; {FLOPS_DEFINITION}."
UNIT_NOTE = f"MACs: {MAC_DEFINITION} (fvcore's 'flop'); {FLOPS_DEFINITION}."
LONG_ROWS = 40  # more rows than this: a longtable, which breaks across pages, not a float that would not fit
PAGE_CHARACTERS = 75  # about what a portrait page's text width holds in \\small type, in characters
PROSE_CHARACTERS = 40  # a text column with a cell longer than this wraps, in a box this wide:
PROSE_BOX = r"\parbox[t]{16em}"
PROSE_WIDTH = 32  # ... which is about this many characters
SHRINK = r"  \resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{%"  # never enlarges

# What a column's cells are. Numbers: right-aligned, never cut by a writer. ``drop`` is the order a
# narrow terminal gives columns up in (text first, then the least useful numbers), the first column never.
KINDS = {  # kind: (a number, drop order)
    "text": (False, 0), "shape": (False, 1), "field": (False, 2), "share": (True, 3), "ratio": (True, 4),
    "time": (True, 5), "bytes": (True, 6), "count": (True, 7), "change": (True, 8),
}


UNIT_IN_HEADER = {"bytes", "time"}


@dataclass(frozen=True)
class Column:
    """A column of a result's table: its ``name`` (the header), ``kind`` (one of ``KINDS``) and ``unit``
    ("MACs", "bytes", "%", "pixels"; "" for a plain count or text)."""

    name: str
    kind: str = "text"
    unit: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}")

    @property
    def numeric(self) -> bool:
        """Right-aligned, and never cut or wrapped."""
        return KINDS[self.kind][0]

    def header(self, in_words: bool = False) -> str:
        """The column's title: a quantity written in full whose cells do not name their unit (bytes,
        seconds) names it here, ``weights (bytes)``; in words (``4.0 MiB``) the cells name it."""
        return f"{self.name} ({self.unit})" if self.kind in UNIT_IN_HEADER and self.unit and not in_words \
            else self.name


@dataclass(frozen=True)
class TableData:
    """A table to show: ``columns`` (each a ``Column``, or a name: a text column, or a count when
    ``right`` names it) and ``rows`` of plain cells, a ``title``, the ``notes`` that belong under it
    (units, totals in words, the inputs), and an optional ``total`` row, set apart below the body.
    ``right`` ends up naming every numeric column; ``styles`` colours text cells at a terminal."""

    title: str
    columns: Sequence[Column | str]
    rows: Sequence[Sequence[Any]]
    notes: Sequence[str] = ()
    right: Sequence[str] = ()
    total: Sequence[Any] | None = None
    # how a terminal may colour a column's cells, by their text ({"verdict": {"holds": "green"}}: Rich
    # styles); every other writer leaves it out
    styles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        given = set(self.right)
        columns = tuple(c if isinstance(c, Column) else Column(c, "count" if c in given else "text")
                        for c in self.columns)
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "right", tuple(c.header() for c in columns if c.numeric or c.name in given))
        width = len(columns)
        for row in [*self.rows, *([self.total] if self.total is not None else [])]:
            if len(row) != width:
                raise ValueError(f"a row of {len(row)} cells in a table of {width} columns: {list(row)!r}")

    @property
    def names(self) -> list[str]:
        """The columns' headers."""
        return [c.header() for c in self.columns]  # type: ignore[union-attr]

    def cells(self, row: Sequence[Any]) -> list[str]:
        """One row's cells as text, each by its column's kind."""
        return [cell_text(v, c) for v, c in zip(row, self.columns, strict=True)]  # type: ignore[arg-type]


def ratio_text(value: float) -> str:
    """A ratio as a multiple, the one precision rule (docs/output.md): three significant digits, two
    below 1, grouped whole from 1,000: 0.0506 -> '0.051x', 2.269 -> '2.27x', 1234.5 -> '1,234x'."""
    if abs(value) >= 1000:
        return f"{value:,.0f}x"
    return f"{value:.2g}x" if abs(value) < 1 else f"{value:.3g}x"


def cell_text(value: Any, column: Column | None = None) -> str:
    """One cell as text, by the rules in the module docstring."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    kind = column.kind if column is not None else "text"
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if kind == "share" and isinstance(value, numbers.Real):
        return f"{float(value):.1f}%"
    if kind == "ratio" and isinstance(value, numbers.Real):
        return ratio_text(float(value))
    if kind == "change" and isinstance(value, numbers.Integral):
        return f"{int(value):+,}" if value else "0"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        number = float(value)
        return f"{number:,.0f}" if abs(number) >= 1000 or number.is_integer() else f"{number:.4g}"
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, numbers.Integral) for v in value):
        return "x".join(str(int(v)) for v in value)
    if kind in ("shape", "field") and isinstance(value, (list, tuple)) and value:  # a stride of '1/2' a pixel
        return "x".join(str(v) for v in value)
    return str(value)


def _lines(table: TableData) -> list[list[str]]:
    return [table.cells(row) for row in table.rows]


# ----------------------------------------------------------------------------- HTML


def to_html(table: TableData) -> str:
    """A ``<table>`` with its title as ``<caption>``, the total row in ``<tfoot>`` and the notes as
    paragraphs under it, every text escaped."""
    right = set(table.right)

    def cells(tag: str, values: Sequence[str], bold: bool = False) -> str:
        out = []
        for column, value in zip(table.names, values, strict=True):
            align = "right" if column in right else "left"
            text = html.escape(value)
            out.append(f'<{tag} style="text-align: {align}">{f"<b>{text}</b>" if bold and text else text}</{tag}>')
        return "<tr>" + "".join(out) + "</tr>"

    parts = ['<div class="archstat-table">', "<table>"]
    if table.title:
        parts.append(f"<caption>{html.escape(table.title)}</caption>")
    if table.columns:
        parts += ["<thead>", cells("th", table.names), "</thead>", "<tbody>"]
        parts += [cells("td", row) for row in _lines(table)]
        parts.append("</tbody>")
    if table.total is not None:
        parts += ["<tfoot>", cells("td", table.cells(table.total), bold=True), "</tfoot>"]
    parts.append("</table>")
    parts += [f"<p><small>{html.escape(note)}</small></p>" for note in table.notes]
    parts.append("</div>")
    return "\n".join(parts) + "\n"


# ----------------------------------------------------------------------------- Markdown


def markdown_cell(text: str) -> str:
    """A cell's text in a Markdown table: its ``|`` escaped (the one escape every Markdown writer uses)."""
    return text.replace("|", "\\|")


def to_markdown(table: TableData) -> str:
    """A GitHub-flavoured table under its title in bold, numeric columns right-aligned, the total row
    last in bold, the notes as a "- " list."""
    right = set(table.right)
    head = "| " + " | ".join(markdown_cell(c) for c in table.names) + " |"
    rule = "| " + " | ".join("---:" if c in right else "---" for c in table.names) + " |"
    body = ["| " + " | ".join(markdown_cell(v) for v in row) + " |" for row in _lines(table)]
    if table.total is not None:
        total = table.cells(table.total)
        body.append("| " + " | ".join(f"**{markdown_cell(v)}**" if v else "" for v in total) + " |")
    text = f"**{table.title}**\n\n" if table.title else ""
    if table.columns:  # a result with nothing to tabulate (a diff of equal layouts) is its notes alone
        text += "\n".join([head, rule, *body]) + "\n" + ("\n" if table.notes else "")
    return text + "".join(f"- {note}\n" for note in table.notes)


# ----------------------------------------------------------------------------- LaTeX

# One pass over the text: arrows first (they contain '>'), then every character LaTeX treats specially.
_SPECIAL = re.compile(r"->|=>|[\\&%$#_{}~^<>×→≈—–]")
_REPLACEMENT = {
    "->": r"$\rightarrow$", "=>": r"$\Rightarrow$", "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%",
    "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}", "×": r"$\times$",
    "→": r"$\rightarrow$", "≈": r"$\approx$", "—": "---", "–": "--",
}
# A number grouped by commas (61,100,840, also before a comma or full stop; not "1,2" nor part of "1,2345").
_GROUPED = re.compile(r"(?<![\d.])(?<!\d,)\d{1,3}(?:,\d{3})+(?!\d|,\d)")


def _thin_groups(number: str) -> str:
    """'61,100,840' -> '61\\,100\\,840'; a four-digit number stays whole, '4,704' -> '4704' (siunitx's
    default, and the SI's advice: a year or a 4704 reads better without a gap)."""
    digits = number.replace(",", "")
    return digits if len(digits) == 4 else number.replace(",", r"\,")


def latex_text(text: str) -> str:
    """``text`` for a LaTeX document: special characters escaped, grouped numbers with thin spaces."""
    escaped = _SPECIAL.sub(lambda match: _REPLACEMENT[match.group()], text)
    return _GROUPED.sub(lambda match: _thin_groups(match.group()), escaped)


def _latex_row(values: Sequence[str], prose: Collection[int] = ()) -> str:
    cells = [PROSE_BOX + rf"{{\raggedright {latex_text(v)}}}" if i in prose and v else latex_text(v)
             for i, v in enumerate(values)]
    return "    " + " & ".join(cells) + r" \\"


def to_latex(table: TableData, source: str = "archstat") -> str:
    """A booktabs table (``\\toprule``, ``\\midrule``, ``\\bottomrule``) in ``\\small`` type with narrow
    column gaps, its title as the caption and its notes, the MAC convention among them when a column
    counts MACs or FLOPs, as a footnote-size table note. Up to ``LONG_ROWS`` rows it is a ``table``
    float holding a ``tabular``, scaled to the text width if wider (graphicx); a longer one is a
    ``longtable``, which goes on over pages (a float must fit one page), on landscape pages if wider
    (pdflscape). Long text wraps in a box. ``source`` names the command in the first line, a comment
    on the packages it needs."""
    notes = list(table.notes)
    counts_macs = any(word in f"{table.title} {' '.join(table.names)}" for word in ("MAC", "FLOP"))
    if counts_macs and not any("multiply-add" in note for note in notes):
        notes.append(UNIT_NOTE)
    long = len(table.rows) > LONG_ROWS and bool(table.columns)
    wide = _characters(table) > PAGE_CHARACTERS
    packages = ",".join(["booktabs", *(["longtable"] if long else []),
                         *([("pdflscape" if long else "graphicx")] if wide else [])])
    lines = [f"% {source}: needs \\usepackage{{{packages}}} in the preamble (numbers grouped by \\, thin spaces)"]
    caption = [rf"  \caption{{{latex_text(table.title)}}}"] if table.title else []
    note_lines = [f"    {latex_text(note)}\\par" for note in notes]
    if long:
        size, gap = (r"\scriptsize", 2) if wide else (r"\small", 3)
        lines += [*([r"\begin{landscape}"] if wide else []), rf"\begingroup{size}\setlength{{\tabcolsep}}{{{gap}pt}}",
                  *_long_rows(table, caption)]
        if notes:
            lines += [r"\begin{footnotesize}", *note_lines, r"\end{footnotesize}"]
        return "\n".join([*lines, r"\endgroup", *([r"\end{landscape}"] if wide else [])]) + "\n"
    lines += [r"\begin{table}[htbp]", r"  \centering\small\setlength{\tabcolsep}{4pt}", *caption]
    if table.columns:
        lines += [*([SHRINK] if wide else []), rf"  \begin{{tabular}}{{{_spec(table)}}}",
                  r"    \toprule", _latex_row(table.names), r"    \midrule", *_body(table),
                  r"    \bottomrule", r"  \end{tabular}" + ("}" if wide else "")]
    if notes:
        lines += [r"  \par\smallskip", r"  \begin{minipage}{\linewidth}\footnotesize", *note_lines, r"  \end{minipage}"]
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def _widths(table: TableData) -> list[int]:
    """Each column's widest cell, header included, in characters."""
    lines = [table.names, *_lines(table), *([table.cells(table.total)] if table.total else [])]
    return [max(len(row[i]) for row in lines) for i in range(len(table.columns))]


def _prose(table: TableData) -> set[int]:
    """The text columns with a cell too long to keep on one line: they wrap in a ``PROSE_BOX``."""
    right = set(table.right)
    return {i for i, (c, w) in enumerate(zip(table.names, _widths(table), strict=True))
            if c not in right and w > PROSE_CHARACTERS}


def _characters(table: TableData) -> int:
    """About how wide the table is set, in characters: cells, wrapped ones at their box, and gaps."""
    prose = _prose(table)
    return sum(PROSE_WIDTH if i in prose else w for i, w in enumerate(_widths(table))) + 2 * len(table.columns)


def _spec(table: TableData) -> str:
    right = set(table.right)
    return "".join("r" if c in right else "l" for c in table.names)


def _body(table: TableData) -> list[str]:
    """The rows, long text in boxes that wrap it, and the total row set apart by a rule."""
    prose = _prose(table)
    body = [_latex_row(row, prose) for row in _lines(table)]
    if table.total is not None:
        body += [r"    \midrule", _latex_row(table.cells(table.total))]
    return body


def _long_rows(table: TableData, caption: list[str]) -> list[str]:
    """A longtable: caption and header on the first page, the header again atop every later page."""
    head = [r"    \toprule", _latex_row(table.names), r"    \midrule"]
    return [rf"\begin{{longtable}}{{{_spec(table)}}}", *(f"{line}\\\\" for line in caption), *head,
            r"  \endfirsthead", *head, r"  \endhead", *_body(table), r"    \bottomrule", r"\end{longtable}"]


# ----------------------------------------------------------------------------- the mixin


class Tabular:
    """Shows a result as its table. A result type writes one method, ``table_data()``, and may
    override ``summary()``; this mixin gives it the rest:

    - ``_repr_html_`` / ``_repr_markdown_``: what Jupyter displays (the whole table, totals, notes);
    - ``__repr__`` / ``__str__``: ``summary()``, one short line (a dataclass needs ``repr=False``,
      or its generated ``__repr__`` would win);
    - ``to_html()``, ``to_markdown()``, ``to_latex()``: the same as text, for a page or a paper.
    """

    def table_data(self) -> TableData:  # a subclass may add keyword options, such as ``depth``
        raise NotImplementedError(f"{type(self).__name__} needs a table_data() method")

    def summary(self) -> str:
        table = self.table_data()
        return f"<{type(self).__name__} {table.title}: {len(table.rows)} rows>"

    def __repr__(self) -> str:
        return self.summary()

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return to_html(self.table_data())

    def _repr_markdown_(self) -> str:
        return to_markdown(self.table_data())

    # ``options`` go to ``table_data`` (a report's ``depth=1``, for instance)
    def to_html(self, **options: Any) -> str:
        return to_html(self.table_data(**options))

    def to_markdown(self, **options: Any) -> str:
        return to_markdown(self.table_data(**options))

    def to_latex(self, source: str = "archstat", **options: Any) -> str:
        """``source`` names the maker in the first line (the command line passes 'archstat table')."""
        return to_latex(self.table_data(**options), source)
