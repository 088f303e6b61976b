"""``--format latex`` and ``to_latex()``: booktabs tables whose structure holds on every row, whose
special characters are escaped, whose numbers are the json output's, and which compile when a LaTeX
engine is installed (``pdflatex`` with booktabs; the test says it skipped otherwise)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import get_args, get_type_hints

import pytest
from typer.testing import CliRunner

import archstat
from archstat.cli.app import app
from archstat.options import GraphFormat, OutputFormat
from archstat.tabular import LONG_ROWS, UNIT_NOTE, TableData, latex_text, to_latex

runner = CliRunner()
RULES = (r"\toprule", r"\midrule", r"\bottomrule")
# one cheap run of each kind of result: a table piece, a custom layout (csv fallback), a diff, a ratio
COMMANDS = {
    "table": ["table", "lenet5", "--engine", "meta"],
    "memory": ["memory", "lenet5"],
    "compare": ["compare", "lenet5", "lenet5@35", "--engine", "meta", "--metric", "macs"],
    "rf": ["rf", "lenet5"],
    "list": ["list", "lenet*"],
    "zoo": ["zoo", "lenet*", "--engine", "meta"],
    "bottleneck": ["bottleneck", "--in", "56", "--mid", "28", "--out", "125", "--k", "5"],
    "sweep": ["sweep", "lenet5", "--sizes", "32,8"],
    "conventions": ["conventions", "lenet5", "--engine", "meta"],
}


def cli(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def unescaped_split(line: str) -> list[str]:
    """The cells of one tabular row: split on '&' not written as '\\&'."""
    return [cell.strip() for cell in re.split(r"(?<!\\)&", line.removesuffix(r"\\").strip())]


def tabular(text: str) -> tuple[str, list[list[str]]]:
    """(column spec, rows of cells) of the one tabular in ``text``, after checking its booktabs frame."""
    spec = re.search(r"\\begin\{tabular\}\{([lr]+)\}", text)
    assert spec, text
    body = [line.strip() for line in text[spec.end():text.index(r"\end{tabular}")].strip().splitlines()]
    assert body[0] == r"\toprule" and body[2] == r"\midrule" and body[-1] == r"\bottomrule"
    rows = [line for line in body if line not in RULES]
    assert all(line.endswith(r"\\") for line in rows), rows
    rows = [unescaped_split(line) for line in rows]
    assert all(len(row) == len(spec.group(1)) for row in rows), rows  # every row as wide as the spec
    return spec.group(1), rows


def number(cell: str) -> int:
    return int(cell.replace(r"\,", "").replace(",", ""))


@pytest.fixture(scope="module")
def table_outputs() -> tuple[str, dict]:
    args = COMMANDS["table"]
    return cli([*args, "--format", "latex"]), json.loads(cli([*args, "--format", "json"]))


def test_table_latex_numbers_are_the_json_outputs(table_outputs):
    latex, data = table_outputs
    _, (header, *rows, total) = tabular(latex)  # the report's one description: its rows, then the total row
    assert header[:4] == ["layer", "type", "output shape", "params"] and r"\% params" in header
    assert total[0] == "total" and number(total[header.index("params")]) == data["totals"]["params"]
    layers = data["layers"]
    assert [row[0].replace(r"\_", "_") for row in rows] == [layer["name"] for layer in layers]
    for name in ("params", "MACs", "activations"):
        key = {"MACs": "macs"}.get(name, name)
        assert [number(row[header.index(name)]) for row in rows] == [layer[key] for layer in layers]
    t = data["totals"]
    assert f"Total: {t['params']:,} params".replace(",", r"\,") in latex
    assert latex_text(UNIT_NOTE) in latex  # the convention line, as a table note
    assert latex.index(r"\end{tabular}") < latex.index(latex_text(UNIT_NOTE)) < latex.index(r"\end{table}")


def test_the_api_writes_the_same_numbers(table_outputs):
    _, data = table_outputs
    report = archstat.analyze("lenet5", engine="meta")
    _, (header, *rows) = tabular(report.to_latex())
    *body, total = rows
    assert [number(row[header.index("MACs")]) for row in body] == [layer["macs"] for layer in data["layers"]]
    assert total[0] == "total" and number(total[header.index("params")]) == data["totals"]["params"]
    lines = [line.strip() for line in report.to_latex().splitlines()]
    assert lines[lines.index(" & ".join(total) + r" \\") - 1] == r"\midrule"  # the total row set apart


def test_to_latex_is_format_latex(table_outputs):
    """One description, one writer: the API's LaTeX is the command line's, character for character."""
    latex, _ = table_outputs
    assert archstat.analyze("lenet5", engine="meta").to_latex(source="archstat table") == latex


def test_every_format_option_offers_latex():
    """Every command's --format is the OutputFormat enum, so every command (one added later too) takes latex."""
    hints = {command.name or command.callback.__name__: get_type_hints(command.callback, include_extras=True)
             for command in app.registered_commands if command.callback}
    formats = {name: get_args(h["format"])[0] for name, h in hints.items() if "format" in h}
    assert {"table", "memory", "compare", "diff", "rf", "list", "zoo", "claims"} <= set(formats)
    # graph draws a picture (svg, png, dot, Mermaid, html), not a table: its --format names picture formats
    tables = {name: kind for name, kind in formats.items() if GraphFormat not in get_args(kind) + (kind,)}
    assert set(formats) - set(tables) == {"graph"}
    assert all(kind is OutputFormat for kind in tables.values()), formats
    assert OutputFormat("latex") is OutputFormat.latex


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_kind_of_result_writes_a_well_formed_table(name):
    latex = cli([*COMMANDS[name], "--format", "latex"])
    spec, rows = tabular(latex)
    assert latex.count(r"\begin{table}") == latex.count(r"\end{table}") == 1
    assert not re.search(r"(?<!\\)[_%#&](?![^$]*\$)", "".join(c for row in rows for c in row))  # all escaped
    if name in ("compare", "sweep", "conventions"):  # MACs counted: the convention line is among the notes
        assert "one fused multiply-add" in latex
    assert latex.startswith(f"% archstat {COMMANDS[name][0]}: needs")  # the first line names the command


def test_sweep_and_conventions_write_counts_in_full():
    """Not the terminal's words ("270 k", "40.9 MMACs"): the json's integers, grouped."""
    _, (header, *rows) = tabular(cli(["sweep", "resnet20", "--sizes", "32,40", "--format", "latex"]))
    points = json.loads(cli(["sweep", "resnet20", "--sizes", "32,40", "--format", "json"]))["points"]
    assert len(points) == 2 and not any(p["error"] for p in points)
    for name, key in (("params", "params"), ("MACs", "macs"), ("backward MACs", "backward_macs"),
                      ("activations", "activations")):
        assert [number(row[header.index(name)]) for row in rows] == [p[key] for p in points]
    args = COMMANDS["conventions"]
    _, (header, *rows) = tabular(cli([*args, "--format", "latex"]))
    data = json.loads(cli([*args, "--format", "json"]))
    counted = [(row, json_row) for row, json_row in zip(rows, data["rows"], strict=True) if json_row["value"]]
    assert counted and all(number(row[header.index("number")]) == j["value"] for row, j in counted)
    counted = [(row, j) for row, j in zip(rows, data["rows"], strict=True) if j["params"] is not None]
    assert counted and all(number(row[header.index("params")]) == j["params"] for row, j in counted)


def test_special_characters_and_grouping():
    assert latex_text("a_b 50% R&D #1 $2 {x} ~^ <>") == (
        r"a\_b 50\% R\&D \#1 \$2 \{x\} \textasciitilde{}\textasciicircum{} \textless{}\textgreater{}")
    assert latex_text("3x3 8->16 => stride 2") == r"3x3 8$\rightarrow$16 $\Rightarrow$ stride 2"
    assert latex_text("61,100,840 and +77,070,336") == r"61\,100\,840 and +77\,070\,336"
    assert latex_text("60,840 -> 60,840, B-A 0.") == r"60\,840 $\rightarrow$ 60\,840, B-A 0."  # a list's comma after it
    assert latex_text("1,998; 4,704; 1,2; 12,3456") == "1998; 4704; 1,2; 12,3456"  # four digits whole; not numbers


def test_a_table_of_macs_without_the_convention_gets_it():
    latex = to_latex(TableData("t", ["model", "MACs"], [["x", 1_000_000]], right=["MACs"]))
    assert latex_text(UNIT_NOTE) in latex and "1\\,000\\,000" in latex
    assert tabular(latex)[0] == "lr"


def _document(*tables: str) -> str:
    """A document holding ``tables``, with the packages each one's first line says it needs."""
    packages = sorted({p for t in tables for p in re.match(r"% archstat[ a-z]*: needs \\usepackage\{([a-z,]+)\}",
                                                          t).group(1).split(",")})
    return "\n".join([r"\documentclass{article}", rf"\usepackage{{{','.join(packages)}}}", r"\begin{document}",
                      *tables, r"\end{document}", ""])


def _compile(tmp_path: Path, *tables: str) -> str:
    """pdflatex's log of a document of ``tables``, after checking it compiled without an error."""
    (tmp_path / "t.tex").write_text(_document(*tables), encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    errors = [line for line in done.stdout.splitlines() if line.startswith("!")]
    if done.returncode != 0 and re.search(r"`(booktabs|longtable|pdflscape|graphicx)\.sty' not found", done.stdout):
        pytest.skip("pdflatex without booktabs / longtable / pdflscape (texlive-latex-recommended)")
    assert done.returncode == 0 and not errors, "\n".join(errors) or done.stdout[-2000:]
    assert (tmp_path / "t.pdf").stat().st_size > 0
    return (tmp_path / "t.log").read_text(encoding="utf-8", errors="replace")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex: the structure tests above stand in")
def test_the_tables_compile(tmp_path: Path, table_outputs):
    tables = [table_outputs[0], cli([*COMMANDS["memory"], "--format", "latex"]),
              cli([*COMMANDS["compare"], "--format", "latex"]), cli([*COMMANDS["zoo"], "--format", "latex"])]
    _compile(tmp_path, *tables)


@pytest.fixture(scope="module")
def long_table() -> str:
    """A layer table of 60 rows and 12 columns: wider than a portrait page, longer than one."""
    return cli(["table", "resnet18", "--backward", "--engine", "meta", "--format", "latex"])


def test_a_long_table_is_a_longtable_with_the_jsons_numbers(long_table):
    assert long_table.startswith(r"% archstat table: needs \usepackage{booktabs,longtable,pdflscape}")
    assert r"\begin{longtable}" in long_table and r"\begin{table}" not in long_table
    head, body = long_table.split(r"\endhead")
    *rows, total = [unescaped_split(line) for line in body.splitlines() if line.strip().endswith(r"\\")]
    header = unescaped_split(head.split(r"\endfirsthead")[1].splitlines()[2])
    data = json.loads(cli(["table", "resnet18", "--backward", "--engine", "meta", "--format", "json"]))
    assert total[0] == "total" and number(total[header.index("backward MACs")]) == data["totals"]["backward_macs"]
    assert len(rows) == len(data["layers"]) > LONG_ROWS
    for name, key in (("params", "params"), ("MACs", "macs"), ("backward MACs", "backward_macs")):
        assert [number(row[header.index(name)]) for row in rows] == [layer[key] or 0 for layer in data["layers"]]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex: the structure tests above stand in")
def test_a_long_wide_table_fits_its_pages(tmp_path: Path, long_table):
    """archstat table resnet18 --backward was 380pt too wide for a float that could not fit a page."""
    wide = [cli([*COMMANDS[name], "--format", "latex"]) for name in ("sweep", "conventions")]  # shrunk; boxed prose
    log = _compile(tmp_path, long_table, *wide)
    assert "Overfull" not in log and "Float too large" not in log, [
        line for line in log.splitlines() if "Overfull" in line or "Float too large" in line]


def test_the_pages_python_runs():
    page = (Path(__file__).resolve().parent.parent / "docs" / "latex.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/latex.md", "exec"), {})


def test_a_diff_with_nothing_to_show_writes_its_notes_alone():
    latex = cli(["diff", "lenet5", "lenet5", "--engine", "meta", "--format", "latex"])
    assert r"\begin{tabular}" not in latex and r"\caption{lenet5 vs lenet5: layers that differ}" in latex
    assert r"Total params: 60\,840 $\rightarrow$ 60\,840, B-A 0 (+0.0\%)." in latex
