"""The notebook forms of every result type, parsed back: the HTML table (html.parser) and the Markdown
table hold the result's own rows and totals, and those are pinned to independent facts (the paper's
parameter count, hand-computed MACs, 4 bytes per fp32 weight)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from torch import nn

import archstat
from archstat.analysis.compare import Comparison, compare_models
from archstat.analysis.diff import diff_models
from archstat.tabular import UNIT_NOTE, TableData, Tabular

LENET5_PARAMS = 60_000 + 84 * 10  # the paper's 60,000 trainable, plus the fixed 84 x 10 RBF prototypes


class TableParser(HTMLParser):
    """The caption, header, body rows, footer row and paragraphs of one ``to_html`` table, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.caption, self.header, self.body, self.foot, self.notes = "", [], [], [], []
        self._section, self._tag, self._row, self._text = "", "", [], ""

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td", "caption", "p"):
            self._tag, self._text = tag, ""

    def handle_data(self, data: str) -> None:
        self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td"):
            self._row.append(self._text)
        elif tag == "caption":
            self.caption = self._text
        elif tag == "p":
            self.notes.append(self._text)
        elif tag == "tr":
            {"thead": self.header, "tbody": self.body, "tfoot": self.foot}[self._section].append(self._row)


def parse_html(text: str) -> TableParser:
    parser = TableParser()
    parser.feed(text)
    return parser


def parse_markdown(text: str) -> tuple[list[str], list[list[str]], list[str]]:
    """(header, rows, notes) of a ``to_markdown`` table; bold marks taken off."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    cells = [[c.strip().strip("*") for c in line.strip("|").split(" | ")] for line in lines]
    assert set(cells[1]) <= {"---", "---:"}
    return cells[0], cells[2:], [line[2:] for line in text.splitlines() if line.startswith("- ")]


def number(text: str) -> int:
    return int(text.replace(",", ""))


def column(header: list[str], rows: list[list[str]], name: str) -> list[str]:
    return [row[header.index(name)] for row in rows]


@pytest.fixture(scope="module")
def lenet() -> archstat.Report:
    return archstat.analyze("lenet5", engine="meta")


def test_a_reports_html_rows_and_totals_are_its_own_and_the_papers(lenet):
    table = parse_html(lenet._repr_html_())
    header, records = table.header[0], lenet.row_records()
    assert header[:4] == ["layer", "type", "output shape", "params"]
    assert len(table.body) == len(records)  # one row per leaf, as archstat table shows
    assert column(header, table.body, "layer") == [r["name"] for r in records]
    params = [number(v) for v in column(header, table.body, "params")]
    assert params == [r["params"] for r in records]
    assert sum(params) == number(column(header, table.foot, "params")[0]) == lenet.totals["params"] == LENET5_PARAMS
    # C1: 6 maps of 5x5 weights and a bias, each of 28x28 outputs (paper, Section II-B): 117,600 MACs
    assert column(header, table.body, "MACs")[0] == f"{28 * 28 * 6 * 25:,}"
    assert sum(number(v) for v in column(header, table.body, "MACs")) == lenet.totals["macs"]
    assert table.caption == "lenet5: per-layer counts"
    assert UNIT_NOTE in table.notes


def test_a_reports_markdown_holds_the_same_table(lenet):
    header, rows, notes = parse_markdown(lenet._repr_markdown_())
    *body, total = rows
    assert len(body) == len(lenet.row_records())
    assert [number(v) for v in column(header, body, "activations")] == [r["activations"] for r in lenet.row_records()]
    assert total[0] == "total" and number(column(header, [total], "params")[0]) == LENET5_PARAMS
    assert column(header, [total], "field")[0] == "32x32"  # C5 sees the whole 32x32 input (paper, Fig. 2)
    assert UNIT_NOTE in notes


def test_a_reports_depth_folds_the_table(lenet):
    header, rows, _ = parse_markdown(lenet.to_markdown(depth=1))
    *body, _total = rows
    assert column(header, body, "layer") == [r["name"] for r in lenet.row_records(1)]
    assert sum(number(v) for v in column(header, body, "params")) == LENET5_PARAMS


def test_a_reports_plain_repr_is_one_short_line(lenet):
    text = repr(lenet)
    assert text == str(lenet) and "\n" not in text and len(text) < 200
    for part in ("lenet5", "1x1x32x32", f"{LENET5_PARAMS:,} params", f"{lenet.totals['macs']:,} MACs",
                 f"{len(lenet.row_records())} layers"):
        assert part in text


def test_a_memory_reports_html_adds_up_to_its_totals():
    report = archstat.estimate_memory("lenet5")
    for header, body, foot in _html_and_markdown(report):
        weights = [number(v) for v in column(header, body, "weights (bytes)")]
        assert weights == [int(w) for w in report.rows().weights]
        # fp32: 4 bytes per parameter; lenet5 has no buffers
        assert sum(weights) == number(column(header, foot, "weights (bytes)")[0]) == 4 * LENET5_PARAMS
        assert number(column(header, foot, "gradients (bytes)")[0]) == 4 * 60_000  # the trainable ones
    assert "MemoryReport lenet5" in repr(report) and f"{report.totals['training']:,} bytes" in repr(report)


def _two_convs(stride: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 16, 3, padding=1, stride=stride))


def test_a_diffs_tables_hold_the_differing_rows_and_the_deltas():
    diff = diff_models(_two_convs(1), _two_convs(2), input_size=(3, 16, 16), engine="meta")
    a_macs, b_macs = 16 * 16 * 16 * (8 * 9), 8 * 8 * 16 * (8 * 9)  # out H x W x C x (in C x 3 x 3)
    for header, body, foot in _html_and_markdown(diff):
        assert column(header, body, "layer") == ["2"]  # only the second convolution changed
        assert column(header, body, "settings")[0] == "3x3 8->16 => 3x3 8->16 stride 2"
        assert column(header, body, "MACs B-A") == [f"{b_macs - a_macs:,}"]
        assert column(header, body, "params B-A") == ["0"]
        first_conv = 16 * 16 * 8 * 27
        assert column(header, foot, "MACs B-A") == [f"{b_macs - a_macs:,}"]
        assert number(foot[0][header.index(f"MACs {diff.a.model}")]) == first_conv + a_macs
    assert "-221,184" in repr(diff) and "1 of 3 layers differ" in repr(diff)


def _html_and_markdown(result: Tabular) -> list[tuple[list[str], list[list[str]], list[list[str]]]]:
    """(header, body rows, total row) read from the HTML and from the Markdown."""
    html = parse_html(result._repr_html_())
    header, rows, _ = parse_markdown(result._repr_markdown_())
    return [(html.header[0], html.body, html.foot), (header, rows[:-1], rows[-1:])]


def test_a_comparisons_table_holds_each_value_and_ratio():
    comparison = compare_models(["lenet5", "lenet5@35"], engine="meta")
    assert isinstance(comparison, Comparison) and isinstance(comparison, list) and len(comparison) == 2
    table = parse_html(comparison._repr_html_())
    header, rows = table.header[0], {row[0]: row for row in table.body}
    assert header[:4] == ["model", "input", "params", "params ratio"]  # one row per model, a column per metric
    params, ratio, macs, field = (header.index(c) for c in ("params", "params ratio", "MACs", "receptive field"))
    assert [rows[m][params] for m in ("lenet5", "lenet5@35")] == [f"{LENET5_PARAMS:,}"] * 2
    assert rows["lenet5@35"][ratio] == "1x"  # no weight depends on the input
    assert number(rows["lenet5@35"][macs]) == comparison[1].values["macs"] > number(rows["lenet5"][macs])
    assert rows["lenet5"][field] == "32x32"
    _, markdown_rows, _ = parse_markdown(comparison._repr_markdown_())
    assert [row[:3] for row in markdown_rows] == [row[:3] for row in table.body]
    assert repr(comparison).startswith("<Comparison of lenet5, lenet5@35")


@dataclass(repr=False)
class Pair(Tabular):
    """A new result type: one line of inheritance and its ``table_data``."""

    name: str
    values: list[int]

    def table_data(self) -> TableData:
        return TableData(self.name, ["i", "value"], [[i, v] for i, v in enumerate(self.values)],
                         ["a <note> & more"], right=["value"], total=["total", sum(self.values)])


def test_a_new_result_type_gets_every_form_from_table_data_alone():
    pair = Pair("a_b <c>", [1_000_000, 2])
    table = parse_html(pair._repr_html_())
    assert table.caption == "a_b <c>" and table.body == [["0", "1,000,000"], ["1", "2"]]
    assert table.foot == [["total", "1,000,002"]] and table.notes == ["a <note> & more"]
    assert repr(pair) == "<Pair a_b <c>: 2 rows>"
    assert "1\\,000\\,002" in pair.to_latex() and "a\\_b" in pair.to_latex()


def test_a_row_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match="a row of 1 cells in a table of 2 columns"):
        TableData("t", ["a", "b"], [[1]])


DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_the_notebooks_page_shows_what_the_code_writes(lenet):
    page = (DOCS / "notebooks.md").read_text(encoding="utf-8")
    generated = page.split("-->\n", 1)[1].split("<!-- end generated -->")[0]
    assert generated == lenet.to_markdown(depth=1)


def test_the_notebooks_stored_tables_are_what_the_code_displays():
    """docs/notebook.ipynb is executed elsewhere (docs/notebooks.md); its VGG-16 cell must not be stale."""
    book = json.loads((DOCS / "notebook.ipynb").read_text(encoding="utf-8"))
    cells = {cell["id"]: cell for cell in book["cells"]}
    assert "archstat.analyze(\"vgg16\", engine=\"meta\")" in "".join(cells["cell-1"]["source"])
    stored = cells["cell-1"]["outputs"][0]["data"]
    report = archstat.analyze("vgg16", engine="meta")
    assert "".join(stored["text/html"]) == report._repr_html_()
    assert "".join(stored["text/plain"]) == repr(report)
    table = parse_html(report._repr_html_())
    params = column(table.header[0], table.foot, "params")[0]
    # VGG-16, configuration D of the paper's Table 1: thirteen 3x3 convolutions and three FC layers
    widths = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256), (256, 512),
              (512, 512), (512, 512), (512, 512), (512, 512), (512, 512)]
    fc = [(512 * 7 * 7, 4096), (4096, 4096), (4096, 1000)]
    assert number(params) == sum(i * o * 9 + o for i, o in widths) + sum(i * o + o for i, o in fc)


def test_the_convention_line_is_the_command_lines():
    from archstat.render.tables import UNIT_NOTE as TERMINAL_NOTE

    assert UNIT_NOTE == TERMINAL_NOTE  # one sentence everywhere; render/tables.py may import it from tabular


@pytest.fixture(scope="module")
def lenet_sweep():
    from archstat.analysis.sweep import sweep_model

    return sweep_model("lenet5", sizes="32,8", batches="1,2")  # 8x8 is too small: two failed points


def test_a_sweeps_table_holds_each_points_counts(lenet_sweep, lenet):
    table = parse_html(lenet_sweep._repr_html_())
    header, body = table.header[0], table.body
    assert len(body) == len(lenet_sweep.points) == 4
    assert column(header, body, "input") == ["1x1x32x32", "2x1x32x32", "1x1x8x8", "2x1x8x8"]
    macs = column(header, body, "MACs")
    assert [number(v) for v in macs[:2]] == [p.macs for p in lenet_sweep.points[:2]]
    # every counted operator is linear in the batch: batch 2 is twice the single-image count of analyze
    assert [number(v) for v in macs[:2]] == [lenet.totals["macs"], 2 * lenet.totals["macs"]]
    assert [number(v) for v in column(header, body, "params")[:2]] == [LENET5_PARAMS] * 2
    assert column(header, body, "field")[0] == "32x32"  # C5 sees the whole 32x32 input (paper, Fig. 2)
    assert all(cell == "" for row in body[2:] for cell in row[2:])  # a failed point: empty cells ...
    assert sum("Cannot take 8x8" in note and "too small" in note for note in table.notes) == 2  # ... its reason
    assert UNIT_NOTE in table.notes


def test_a_sweeps_markdown_and_repr(lenet_sweep):
    header, rows, notes = parse_markdown(lenet_sweep._repr_markdown_())
    assert [number(v) for v in column(header, rows, "training memory (bytes)")[:2]] == [
        p.training_bytes for p in lenet_sweep.points[:2]]
    assert UNIT_NOTE in notes
    text = repr(lenet_sweep)
    assert "\n" not in text and "lenet5: 4 points" in text and "2 failed" in text


@pytest.fixture(scope="module")
def lenet_conventions():
    from archstat.analysis.conventions.report import conventions

    return conventions("lenet5", engine="meta")


def test_a_conventions_table_holds_each_tools_number(lenet_conventions, lenet):
    report = lenet_conventions
    table = parse_html(report._repr_html_())
    header, body = table.header[0], table.body
    assert column(header, body, "convention") == [r.convention.key for r in report.rows]
    by_key = {row[0]: row for row in body}
    fvcore = dict(zip(header, by_key["fvcore"], strict=True))
    assert number(fvcore["number"]) == report.macs == lenet.totals["macs"]
    assert number(fvcore["params"]) == LENET5_PARAMS and fvcore["- archstat MACs"] == "0"
    torch_row = dict(zip(header, by_key["torch"], strict=True))  # torch counts 2 FLOPs per multiply-add
    assert number(torch_row["number"]) == 2 * lenet.totals["macs"]
    assert number(torch_row["- archstat MACs"]) == lenet.totals["macs"]
    assert dict(zip(header, by_key["keras"], strict=True))["number"] == "parameters only"
    assert UNIT_NOTE in table.notes
    _, rows, _ = parse_markdown(report._repr_markdown_())
    assert [row[0] for row in rows] == column(header, body, "convention")
    assert "\n" not in repr(report) and f"{report.macs:,} MACs" in repr(report)
