"""Every archstat command shown in README.md and docs/ runs, as written, and prints what the page shows.

The examples, how a page shows an output and how it is compared are in tests/regen_docs.py; when a page
differs, `python -m tests.regen_docs` rewrites every shown output from a fresh run (read the diff before
committing it: a changed number is a finding, not a chore).
"""

from __future__ import annotations

import difflib

import pytest
from regen_docs import ELSEWHERE, PAGES, all_examples, matches, missing_library, rewritten, run

EXAMPLES = all_examples()
# One run per distinct command: the first page that shows its output, else the first that names it.
CHOSEN = {}
for _example in EXAMPLES:
    if _example.command not in CHOSEN or (_example.compared and not CHOSEN[_example.command].compared):
        CHOSEN[_example.command] = _example
SHOWN_TWICE = [e for e in EXAMPLES if e.compared and CHOSEN[e.command] is not e]


@pytest.mark.parametrize("example", list(CHOSEN.values()), ids=list(CHOSEN))
def test_documented_command_runs_and_prints_what_the_page_shows(example, tmp_path):
    if example.command in ELSEWHERE:
        pytest.skip("run in full by its own page's test, or changes the user's shell")
    library = missing_library(example.command)
    if library:  # a hub model whose library is not installed here: tests/test_hub.py says what happens then
        pytest.skip(f"{library} cannot be imported here")
    code, output = run(example, tmp_path)
    where = f"{example.page.name}: {example.command}"
    assert example.exits_as_shown(code), f"{where} exited {code}\n{output}"
    assert "Traceback" not in output, f"{where}\n{output}"
    if example.compared:
        shown = example.shown or ""
        diff = "\n".join(difflib.unified_diff(shown.splitlines(), output.splitlines(), "page", "run", lineterm=""))
        assert matches(shown, output), f"{where}: the page differs (python -m tests.regen_docs rewrites it)\n{diff}"


@pytest.mark.parametrize("example", SHOWN_TWICE, ids=[f"{e.page.name}: {e.command}" for e in SHOWN_TWICE])
def test_an_output_shown_twice_is_the_same(example):
    first = CHOSEN[example.command]
    assert matches(example.shown or "", first.shown or ""), f"{example.page.name} and {first.page.name} differ"


def test_every_fenced_command_is_found():
    """Plain, bash and console blocks, with or without a prompt; a synopsis with placeholders is not run."""
    found = {e.command for e in EXAMPLES}
    assert {"archstat table alexnet", "archstat rf alexnet", "archstat zoo"} <= found
    assert "archstat table tests/fixtures/simple_googlenet.py:SimpleGoogleNet --input 3x224x224" in found  # ```
    assert not any("MODEL" in c or "[" in c for c in found)
    assert all(page.exists() for page in PAGES)


def hub_importable(library: str) -> bool:
    import importlib

    from archstat.analysis.hub import make_torchvision_importable

    try:
        make_torchvision_importable()
        importlib.import_module(library)
        return True
    except Exception:  # noqa: BLE001 - any import failure means the example cannot run here
        return False


def test_the_docs_show_every_command():
    """Every command the app registers (one added later too) has a documented example."""
    from typer.main import get_command

    from archstat.cli.app import app

    shown = {c.split()[1] for c in CHOSEN if len(c.split()) > 1}
    assert set(get_command(app).commands) <= shown  # type: ignore[attr-defined]


def test_a_line_of_dots_stands_for_lines_left_out():
    run_output = "head\nb\nc\ntail  \n"
    assert matches("head\n...\ntail\n", run_output)  # spaces at the end of a line do not count
    assert matches("head\n...\n", run_output) and matches("head\nb\nc\ntail\n", run_output)
    assert not matches("head\n...\nother\n", run_output) and not matches("head\ntail\n", run_output)
    assert rewritten("old\n...\nold\n", "new\nb\nc\nend\n", markdown=False) == "new\n...\nend\n"
