"""For every result type that describes itself once (``table_data``), every output carries the same
numbers: the integers in the cells of the markdown, LaTeX and HTML tables are the same list, each of
them is in the json, and each body row's integers are in the csv (the total row's are the json's totals).

The numbers themselves are pinned elsewhere (tests/test_reprs.py, test_latex.py: the paper's parameter
counts, hand-computed MACs); this test pins that no writer drops, rounds or invents one."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from archstat.cli.app import app

runner = CliRunner()
RESULTS = {  # result type -> a cheap command that shows it
    "Report": ["table", "lenet5", "--engine", "meta", "--backward"],
    "MemoryReport": ["memory", "lenet5", "--batch", "2"],
    "ReportDiff": ["diff", "resnet18", "resnet34", "--engine", "meta", "--input", "64"],
    "SweepReport": ["sweep", "lenet5", "--sizes", "32,8", "--batch", "1,2"],
    "ConventionsReport": ["conventions", "lenet5", "--engine", "meta"],
    "Comparison": ["compare", "lenet5", "alexnet", "--engine", "meta"],
    "design.Comparison": ["bottleneck", "--in", "56", "--mid", "28", "--out", "125", "--k", "5"],
    "Separable": ["separable", "--in", "32", "--out", "64", "--k", "3", "--size", "56"],
    "zoo (analysis.zoo.table_data)": ["zoo", "alexnet*", "--engine", "meta"],
    "list (catalogue_table)": ["list", "resnet*"],
}
INTEGER = re.compile(r"[-+]?\d+")


def integers(cells: list[str]) -> list[int]:
    """The cells that are one integer (grouped by commas or LaTeX thin spaces), as absolute values."""
    found = []
    for cell in cells:
        text = cell.strip().strip("*").replace(r"\,", "").replace(",", "")
        if INTEGER.fullmatch(text):
            found.append(abs(int(text)))
    return found


def markdown_rows(text: str) -> list[list[str]]:
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    return [line.strip().strip("|").split(" | ") for line in lines[2:]]  # the header and the rule left out


def latex_rows(text: str) -> list[list[str]]:
    # after the header (a longtable's header comes twice: the first page's, then every later page's)
    body = text.split(r"\endhead")[1] if r"\endhead" in text else text[text.index(r"\midrule"):]
    lines = [line.strip().removesuffix(r"\\") for line in body.splitlines() if line.strip().endswith(r"\\")]
    return [re.split(r"(?<!\\)&", line) for line in lines if r"\toprule" not in line]


class Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.text: str | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self.text = ""

    def handle_data(self, data: str) -> None:
        if self.text is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.text is not None:
            self.rows[-1].append(self.text)
            self.text = None


def html_rows(text: str) -> list[list[str]]:
    parser = Cells()
    parser.feed(text)
    return [row for row in parser.rows if row]  # the header row holds <th> cells only


def json_integers(data: object) -> set[int]:
    if isinstance(data, bool):
        return set()
    if isinstance(data, int):
        return {abs(data)}
    if isinstance(data, float) and data.is_integer():
        return {abs(int(data))}
    if isinstance(data, dict):
        return set().union(*(json_integers(v) for v in data.values())) if data else set()
    if isinstance(data, list):
        return set().union(*(json_integers(v) for v in data)) if data else set()
    return set()


def csv_integers(text: str) -> set[int]:
    found = set()
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            cell = cell.strip()
            if re.fullmatch(r"[-+]?\d+(?:\.0+)?", cell):
                found.add(abs(int(float(cell))))
    return found


@pytest.mark.parametrize("kind", list(RESULTS))
def test_csv_json_markdown_latex_and_html_carry_the_same_numbers(kind):
    args = RESULTS[kind]
    shown = {}
    for fmt in ("csv", "json", "markdown", "latex", "html"):
        result = runner.invoke(app, [*args, "--format", fmt])
        assert result.exit_code == 0, result.output
        shown[fmt] = result.stdout
    tables = {"latex": latex_rows(shown["latex"]), "html": html_rows(shown["html"]),
              "markdown": markdown_rows(shown["markdown"])}
    numbers = {fmt: [integers(row) for row in rows] for fmt, rows in tables.items()}
    assert all(found == numbers["html"] for found in numbers.values()), kind
    every = [n for row in numbers["html"] for n in row]
    assert len([n for n in every if n > 1000]) >= 5, every  # the test reads real counts, not nothing
    in_json = json_integers(json.loads(shown["json"]))
    assert set(every) <= in_json, sorted(set(every) - in_json)
    in_csv = csv_integers(shown["csv"])
    has_total = tables["html"] and tables["html"][-1][0].strip() == "total"
    body = numbers["html"][:-1] if has_total else numbers["html"]
    assert {n for row in body for n in row} <= in_csv, sorted({n for row in body for n in row} - in_csv)
