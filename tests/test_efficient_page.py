"""docs/efficient-cnns.md: its commands' blocks are what the commands print, and its table of every zoo
model holds the same parameters and MACs as docs/zoo.md (which tests/test_zoo_page.py checks against a
fresh count), so the page cannot drift from the zoo."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archstat.cli.app import app
from archstat.models import list_models

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGE = (DOCS / "efficient-cnns.md").read_text()


def table_rows(text: str, header: str) -> dict[str, list[str]]:
    """Rows of the Markdown table that starts with ``header``, keyed by their model cell."""
    block = text[text.index(header):].split("\n\n")[0].splitlines()[2:]
    cells = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in block if line.startswith("|")]
    key = header.strip("| ").split(" | ").index("model")
    return {row[key]: row for row in cells}


def test_the_table_is_the_zoo_pages():
    page = table_rows(PAGE, "| family | model |")
    zoo = table_rows((DOCS / "zoo.md").read_text(), "| model | input |")
    assert set(list_models()) <= set(page), "rerun docs/make_efficient_plot.py: a model is missing"
    for name, row in page.items():
        if name in zoo:  # models of a branch not merged yet are checked once they are registered
            assert (row[3], row[4]) == (zoo[name][2], zoo[name][5]), name
            assert row[2] == "x".join(zoo[name][1].split("x")[1:]), name


def test_the_picture_is_there():
    assert "![parameters against multiply-adds for every zoo model](img/efficient-cnns.png)" in PAGE
    assert (DOCS / "img" / "efficient-cnns.png").stat().st_size > 20_000


@pytest.mark.parametrize("command", re.findall(r"\$ archstat (.+?) --format markdown\n", PAGE))
def test_each_block_is_what_the_command_prints(command):
    printed = CliRunner().invoke(app, [*command.split(), "--format", "markdown"]).stdout
    assert f"$ archstat {command} --format markdown\n```\n\n{printed}" in PAGE, command
