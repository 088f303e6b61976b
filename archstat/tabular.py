"""A table as plain data, and the writers that turn one into HTML, Markdown and LaTeX (booktabs).

This is layer 1 (core): it imports nothing from archstat and no third-party package, and it does no
arithmetic. A result type in ``analysis/`` describes itself as a ``TableData`` in one method,
``table_data()``, and inherits ``Tabular``: that gives it a notebook's HTML and Markdown
(``_repr_html_``, ``_repr_markdown_``), LaTeX for a paper (``to_latex()``) and a one-line repr. The
command line's ``--format latex`` writes a ``TableData`` made from a command's ``Result``
(``cli/output.py``), so every command gets LaTeX from the pieces it already has.

Cells are plain values, written the same way by every writer:
- an integer: in full, thousands grouped (``61,100,840``; in LaTeX ``61\\,100\\,840``, thin spaces, and
  four digits whole: ``4704``);
- a float: four significant digits (``0.05062``), or grouped in full from 1,000 on;
- a list of integers: a shape or a field, ``1x64x55x55``;
- None (or NaN): an empty cell; text, and anything else, as its ``str``.
"""

from __future__ import annotations

import html
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

UNIT_NOTE = "MACs: one fused multiply-add = 1 MAC (fvcore's 'flop'); FLOPs = 2 x MACs."
BOOKTABS = "% archstat table: needs \\usepackage{booktabs} in the preamble (numbers grouped by \\, thin spaces)"


@dataclass(frozen=True)
class TableData:
    """A table to show: ``columns`` and ``rows`` of plain cells, a ``title``, the ``notes`` that
    belong under it (units, totals in words, the inputs), the ``right``-aligned (numeric) columns and
    an optional ``total`` row, set apart below the body."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    notes: Sequence[str] = ()
    right: Sequence[str] = ()
    total: Sequence[Any] | None = None

    def __post_init__(self) -> None:
        width = len(self.columns)
        for row in [*self.rows, *([self.total] if self.total is not None else [])]:
            if len(row) != width:
                raise ValueError(f"a row of {len(row)} cells in a table of {width} columns: {list(row)!r}")


def cell_text(value: Any) -> str:
    """One cell as text, by the rules in the module docstring."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        number = float(value)
        return f"{number:,.0f}" if abs(number) >= 1000 or number.is_integer() else f"{number:.4g}"
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, numbers.Integral) for v in value):
        return "x".join(str(int(v)) for v in value)
    return str(value)


def _lines(table: TableData) -> list[list[str]]:
    return [[cell_text(v) for v in row] for row in table.rows]


# ----------------------------------------------------------------------------- HTML


def to_html(table: TableData) -> str:
    """A ``<table>`` with its title as ``<caption>``, the total row in ``<tfoot>`` and the notes as
    paragraphs under it, every text escaped."""
    right = set(table.right)

    def cells(tag: str, values: Sequence[str], bold: bool = False) -> str:
        out = []
        for column, value in zip(table.columns, values, strict=True):
            align = "right" if column in right else "left"
            text = html.escape(value)
            out.append(f'<{tag} style="text-align: {align}">{f"<b>{text}</b>" if bold and text else text}</{tag}>')
        return "<tr>" + "".join(out) + "</tr>"

    parts = ['<div class="archstat-table">', "<table>"]
    if table.title:
        parts.append(f"<caption>{html.escape(table.title)}</caption>")
    parts += ["<thead>", cells("th", list(table.columns)), "</thead>", "<tbody>"]
    parts += [cells("td", row) for row in _lines(table)]
    parts.append("</tbody>")
    if table.total is not None:
        parts += ["<tfoot>", cells("td", [cell_text(v) for v in table.total], bold=True), "</tfoot>"]
    parts.append("</table>")
    parts += [f"<p><small>{html.escape(note)}</small></p>" for note in table.notes]
    parts.append("</div>")
    return "\n".join(parts) + "\n"


# ----------------------------------------------------------------------------- Markdown


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(table: TableData) -> str:
    """A GitHub-flavoured table under its title in bold, numeric columns right-aligned, the total row
    last in bold, the notes as a "- " list."""
    right = set(table.right)
    head = "| " + " | ".join(_markdown_cell(c) for c in table.columns) + " |"
    rule = "| " + " | ".join("---:" if c in right else "---" for c in table.columns) + " |"
    body = ["| " + " | ".join(_markdown_cell(v) for v in row) + " |" for row in _lines(table)]
    if table.total is not None:
        total = [cell_text(v) for v in table.total]
        body.append("| " + " | ".join(f"**{_markdown_cell(v)}**" if v else "" for v in total) + " |")
    text = f"**{table.title}**\n\n" if table.title else ""
    text += "\n".join([head, rule, *body]) + "\n"
    if table.notes:
        text += "\n" + "".join(f"- {note}\n" for note in table.notes)
    return text


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


def _latex_row(values: Sequence[str]) -> str:
    return "    " + " & ".join(latex_text(v) for v in values) + r" \\"


def to_latex(table: TableData) -> str:
    """A ``table`` float holding a booktabs ``tabular`` (``\\toprule``, ``\\midrule``, ``\\bottomrule``),
    its title as the caption and its notes, the MAC convention among them when a column counts MACs
    or FLOPs, as a footnote-size table note. Needs only ``\\usepackage{booktabs}``."""
    notes = list(table.notes)
    counts_macs = any(word in f"{table.title} {' '.join(table.columns)}" for word in ("MAC", "FLOP"))
    if counts_macs and not any("multiply-add" in note for note in notes):
        notes.append(UNIT_NOTE)
    right = set(table.right)
    lines = [BOOKTABS, r"\begin{table}[htbp]", r"  \centering"]
    if table.title:
        lines.append(rf"  \caption{{{latex_text(table.title)}}}")
    if table.columns:
        spec = "".join("r" if c in right else "l" for c in table.columns)
        lines += [rf"  \begin{{tabular}}{{{spec}}}", r"    \toprule", _latex_row(list(table.columns)), r"    \midrule"]
        lines += [_latex_row(row) for row in _lines(table)]
        if table.total is not None:
            lines += [r"    \midrule", _latex_row([cell_text(v) for v in table.total])]
        lines += [r"    \bottomrule", r"  \end{tabular}"]
    if notes:
        lines += [r"  \par\smallskip", r"  \begin{minipage}{\linewidth}\footnotesize"]
        lines += [f"    {latex_text(note)}\\par" for note in notes]
        lines.append(r"  \end{minipage}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


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

    def to_latex(self, **options: Any) -> str:
        return to_latex(self.table_data(**options))
