"""docs/zoo.md matches what `archstat zoo --format markdown` prints, and every row whose figure
differs from its paper's beyond rounding carries a note."""

from pathlib import Path

import pandas as pd
import pytest

from archstat.analysis.zoo import beyond_rounding, rounding, zoo_table
from archstat.cli.commands.zoo import zoo_markdown
from archstat.models import list_models

PAGE = Path(__file__).resolve().parent.parent / "docs" / "zoo.md"
GENERATED_FROM = "| model | input |"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    # The meta engine gives fvcore's counts without running the networks (tests/test_engines.py); the
    # page itself was made with the default engine, so equality here also cross-checks the two.
    return zoo_table(engine="meta")


def test_the_page_is_up_to_date(frame):
    page = PAGE.read_text()
    assert page[page.index(GENERATED_FROM):] == zoo_markdown(frame), (
        "docs/zoo.md is stale: regenerate its table with archstat zoo --format markdown")


def test_every_row_beyond_rounding_has_a_note(frame):
    assert list(frame.model) == list_models()
    for row in frame.itertuples():
        # params are compared as trainable params (LeNet-5's RBF prototypes are fixed): recover them
        trainable = None if pd.isna(row.params_diff) else row.paper_params * (1 + row.params_diff)
        stated = ((trainable, row.paper_params), (row.macs, row.paper_macs), (row.depth, row.paper_depth))
        if any(beyond_rounding(measured, paper) for measured, paper in stated if not pd.isna(paper)):
            assert row.note, f"{row.model} differs from its paper beyond rounding but has no note"


def test_rounding_follows_the_stated_digits():
    assert rounding(138e6) == 0.5e6
    assert rounding(1.5e9) == pytest.approx(0.05e9)
    assert rounding(25_557_032) == 0.5
    assert rounding(0.27e6) == pytest.approx(0.005e6)
    assert rounding(22) == 0.5
