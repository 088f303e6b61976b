"""Every kind of bad input: one line on stderr naming the value and the next step, exit 2 for usage
errors and 1 for a failed analysis, never a traceback. The same cases make docs/errors.md:
`python tests/test_bad_input.py` rewrites it, and a test fails when the page is stale."""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from archstat.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "errors.md"
runner = CliRunner()

# (what is wrong, the command, the exit code)
CASES = [
    ("unknown model", "archstat table resnet5", 2),
    ("malformed --input: two dimensions", "archstat table alexnet --input 3x224", 2),
    ("malformed --input: not a number", "archstat table alexnet --input abc", 2),
    ("impossible --input: a zero", "archstat table alexnet --input 0x224x224", 2),
    ("impossible --input: negative", "archstat table alexnet --input -3", 2),
    ("--input with too many dimensions", "archstat table alexnet --input 3x224x224x2", 2),
    ("input too small for the network", "archstat table vgg16 --input 16", 2),
    ("--num-classes 0", "archstat table alexnet --num-classes 0", 2),
    ("unknown --format", "archstat table alexnet --format xml", 2),
    ("unknown --metric", "archstat compare vgg16 alexnet --metric speed", 2),
    ("calculator channels: zero", "archstat bottleneck --in 0 --mid 28 --out 125 --k 5", 2),
    ("calculator channels: negative", "archstat factorize --k 7 --channels -64", 2),
    ("calculator channels: absurd", "archstat bottleneck --in 99999999 --mid 28 --out 125 --k 5", 2),
    ("calculator: no reduction", "archstat bottleneck --in 56 --mid 56 --out 125 --k 5", 2),
    ("calculator: kernel larger than the input", "archstat bottleneck --in 56 --mid 28 --out 125 --k 7 --hw 3", 2),
    ("a user model path that does not import", "archstat table no/such/file.py:Net --input 3x32x32", 2),
    ("a module that does not exist", "archstat table no_such_package.models:Net --input 3x32x32", 2),
    ("an object that is not an nn.Module", "archstat table os:sep --input 3x32x32", 2),
    ("a user model without --input", "archstat table tests/fixtures/lenet_like.py:Net", 2),
    ("a forward that raises (the documents' SimpleGoogleNet)",
     "archstat table tests/fixtures/simple_googlenet.py:SimpleGoogleNet --input 3x32x32", 1),
    ("an embedding given a float --input", "archstat table tests/user_corpus.py:embedding --input 5", 1),
    ("--output onto an existing file", "archstat table lenet5 --output README.md", 2),
    ("graph --output in a folder that does not exist", "archstat graph googlenet -o /nonexistent/dir/g.svg", 2),
    ("sweep --plot in a folder that does not exist", "archstat sweep resnet20 --sizes 32 --plot /nonexist/x.png", 2),
    ("sweep --plot that is not a picture", "archstat sweep resnet20 --sizes 32 --plot sweep.pdf", 2),
    ("plot --out in a folder that does not exist", "archstat plot lenet5 --out /nonexistent/x.png", 2),
]


def run(command: str):
    return runner.invoke(app, shlex.split(command)[1:], catch_exceptions=True)


def message(command: str) -> str:
    # paths under the checkout are shown relative to it, so the page is the same in any clone
    return run(command).stderr.strip().replace(str(ROOT) + "/", "").replace(f"({ROOT})", "(.)")


def page() -> str:
    lines = [
        "# Bad input and errors",
        "",
        "Every error is one line on stderr that names the bad value and says what to do next (a failing",
        "`forward` in your own model gets a short block naming the layer, its input shape and your file and",
        "line). Exit code 2 means the command was used wrongly, 1 that an analysis failed; 0 is success.",
        "No traceback is shown unless `--debug` is given before the command (`archstat --debug table ...`).",
        "",
        "This page is generated from the cases in `tests/test_bad_input.py`, which run each command and",
        "check its exit code and message: `python tests/test_bad_input.py` rewrites it.",
        "",
    ]
    for what, command, code in CASES:
        lines += [f"## {what}", "", "```console", f"$ {command}", message(command), f"$ echo $?  # {code}", "```", ""]
    lines += [
        "A file written with `--output` gets the permissions a plain `open()` would give it (0o666 less your",
        "umask, usually `-rw-r--r--`); with `--force`, an existing file keeps its own.",
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("what", "command", "code"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line(what, command, code, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run(command)
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.output
    assert lines and lines[0].startswith("archstat: error:")
    if code == 2:
        assert len(lines) == 1, result.stderr
    elif "simple_googlenet" in command:  # a failing forward: one short block, naming the layer, the shapes
        assert len(lines) <= 3 and "'fc' (Linear)" in lines[0] and "256" in lines[0] and "512" in lines[0]
        assert "simple_googlenet.py:" in lines[1]  # ... and the user's line
    else:  # an embedding fed floats: torch's reason, then the input that works
        assert len(lines) == 2 and "layer '0' (Embedding) with input 5" in lines[0]
        assert lines[0].endswith("Give integer token ids: --input 5:int64 (input_size='5:int64' in Python).")


def test_debug_shows_the_traceback(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, ["--debug", "table", "resnet5"])
    assert result.exit_code != 0 and result.exception is not None
    assert type(result.exception).__name__ == "UnknownModelError"


def test_the_page_is_up_to_date(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert PAGE.read_text() == page(), "docs/errors.md is stale: run python tests/test_bad_input.py"


# What a Python caller gets: each message names the keyword argument, with the command line's option beside
# it. LeNet-5 (LeCun et al. 1998) needs 32x32: C1 5x5 -> 28, S2 /2 -> 14, C3 5x5 -> 10, S4 /2 -> 5, C5 5x5 -> 1.
LIBRARY_CASES = [
    (dict(model="lenet5", input_size="4"), "InputSizeError",
     "The smallest input that works is 32x32: give input_size 32 (--input 32) or larger."),
    (dict(model="lenet5", batch=0), "UsageError",
     "batch (--batch) must be at least 1, got 0. Give a batch size such as 1 or 32."),
    (dict(model="lenet5", num_classes=0), "UsageError",
     "num_classes (--num-classes) must be at least 1, got 0. Give a class count such as 1000."),
    (dict(model="lenet5", aux=True), "UsageError", "lenet5 has no auxiliary heads; drop aux=True (--aux)."),
    (dict(model="lenet5", kwargs={"width": 3}), "UsageError", "Zoo models take only num_classes (--num-classes)."),
    (dict(model="tests/fixtures/lenet_like.py:Net"), "UsageError",
     "needs an input size: give input_size CxHxW (--input CxHxW), e.g. 3x224x224 (or 128:int64 for token ids)."),
]


@pytest.mark.parametrize(("arguments", "kind", "ending"), LIBRARY_CASES, ids=[c[2][:30] for c in LIBRARY_CASES])
def test_library_errors_name_the_argument_and_the_option(arguments, kind, ending, monkeypatch):
    import archstat

    monkeypatch.chdir(ROOT)
    arguments = dict(arguments)
    with pytest.raises(archstat.errors.ArchstatError) as error:
        archstat.analyze(arguments.pop("model"), **arguments)
    assert type(error.value).__name__ == kind and str(error.value).endswith(ending), str(error.value)
    assert "\n" not in str(error.value)


WORDS = ["table", "list", "rf", "compare", "diff", "bottleneck", "factorize", "cardinality", "memory", "plot",
         "lenet5", "resnet5", "x.py:Net", "os:sep", "--input", "--batch", "--format", "--num-classes",
         "--depth", "--metric", "--in", "--mid", "--out", "--k", "--hw", "--channels", "--groups", "--aux",
         "--kwargs", "--train", "--freeze", "--dtype", "--optimizer", "json", "xml", "3x224", "abc", "0", "-1",
         "1x32x32", "32", "2.5", "{", "{\"a\": 1}", "", "fc", "*", "compare", "--output", "/nonexistent/x.png"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=6))
def test_random_arguments_never_end_in_a_traceback(arguments):
    # Random argument lists from the CLI's own vocabulary and random text; none may crash. They run in
    # an empty folder, so a random --output never lands in the project.
    home = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            result = runner.invoke(app, arguments, catch_exceptions=True)
        finally:
            os.chdir(home)
    assert result.exception is None or isinstance(result.exception, SystemExit), (arguments, result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2)


if __name__ == "__main__":
    os.chdir(ROOT)
    PAGE.write_text(page())
    sys.stdout.write(f"wrote {PAGE}\n")
