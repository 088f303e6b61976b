"""A user's file that does things when imported (parses arguments, exits, prints, asks for input) is
contained: one line, exit 2, and nothing of it on stdout; archstat's own state is restored after."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from archstat import analyze
from archstat.cli.app import app
from archstat.errors import UsageError

runner = CliRunner()
NET = "from torch import nn\nNet = lambda: nn.Linear(4, 2)\n"
FILES = {
    # An argument parser with a required option: it sees only the file's own path, so it exits 2 itself.
    "argp.py": """
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float, required=True)
        args = parser.parse_args()
    """,
    "exits.py": "import sys\nprint('bye')\nsys.exit(3)\n",
    "asks.py": "\n\nanswer = input('continue? ')\n",  # line 3
    "interrupted.py": "\nraise KeyboardInterrupt\n",  # line 2
}
EXPECTED = {  # the one line each gives: what happened, and where or with which code
    "argp.py": "Importing argp.py exited with code 2 (its last output: 'argp.py: error: the following arguments "
               "are required: --lr')",
    "exits.py": "Importing exits.py exited with code 3 (its last output: 'bye')",
    "asks.py": "Importing asks.py failed: EOFError: EOF when reading a line, at asks.py:3",
    "interrupted.py": "Importing interrupted.py failed: KeyboardInterrupt, at interrupted.py:2",
}


def write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text) + NET)
    return path


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_file_that_acts_at_import_gets_one_line_and_exit_2(tmp_path, name):
    path = write(tmp_path, name, FILES[name])
    argv = list(sys.argv)
    result = runner.invoke(app, ["table", f"{path}:Net", "--input", "4", "--engine", "meta", "--format", "json"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""  # nothing of the file's on stdout, and no result
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]] and lines[0].startswith(f"archstat: error: {EXPECTED[name]}"), result.stderr
    assert sys.argv == argv  # restored
    with pytest.raises(UsageError, match="Importing"):  # the same from Python
        analyze(f"{path}:Net", input_size=4, engine="meta")


def test_what_a_file_prints_goes_to_stderr_never_into_json(tmp_path):
    path = write(tmp_path, "talks.py", "print('loading my net')\n")
    result = runner.invoke(app, ["table", f"{path}:Net", "--input", "4", "--engine", "meta", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # nn.Linear(4, 2): 4 x 2 weights + 2 biases = 10 parameters, 4 x 2 = 8 MACs (hand count)
    assert data["totals"]["params"] == 10 and data["totals"]["macs"] == 8
    assert "loading my net" in result.stderr


def test_an_argument_parser_sees_only_the_files_path(tmp_path):
    """With optional arguments only, the parser reads none of archstat's options and the file loads."""
    path = write(tmp_path, "opts.py", """
        import argparse, sys
        parser = argparse.ArgumentParser()
        parser.add_argument("--lr", type=float, default=0.1)
        args = parser.parse_args()
        SEEN = list(sys.argv)
    """)
    result = runner.invoke(app, ["table", f"{path}:Net", "--input", "4", "--engine", "meta", "--format", "csv"])
    assert result.exit_code == 0, result.output
    module = next(m for n, m in sys.modules.items() if n.startswith("archstat_user_opts_"))
    assert module.SEEN == [str(path)]


def test_a_constructors_missing_arguments_are_named(tmp_path):
    path = write(tmp_path, "needs.py", """
        from torch import nn
        class Wide(nn.Module):
            def __init__(self, width, depth, bias=True):
                super().__init__()
                self.fc = nn.Linear(4, width)
    """)
    result = runner.invoke(app, ["table", f"{path}:Wide", "--input", "4", "--engine", "meta"])
    assert result.exit_code == 2
    assert "Cannot build Wide: it needs width, depth" in result.stderr
    assert """--kwargs '{"width": VALUE, "depth": VALUE}'""" in result.stderr
