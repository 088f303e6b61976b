"""Every command's --help shows an example; shell completion is available."""

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from archstat.cli.app import app

runner = CliRunner()
COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def test_the_commands_the_issues_name_exist():
    assert {"table", "list", "rf", "zoo", "compare", "diff", "bottleneck", "factorize", "cardinality",
            "memory", "plot", "conventions"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_an_example(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: archstat " in result.stdout


def test_completion_script_is_offered():
    result = runner.invoke(app, ["--show-completion", "bash"], env={"SHELL": "/bin/bash"})
    assert result.exit_code == 0 and "archstat" in result.stdout


def _words(text: str) -> str:
    """Help text with its line wrapping undone."""
    return " ".join(text.split())


def test_the_first_screen_names_the_plot_extra_and_every_command_whole():
    """Rich markup once read "[plot]" in "archstat[plot]" as a style tag and dropped it; click cuts a
    command's line at 45 characters with "..."."""
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "(needs archstat[plot])" in _words(result.stdout)
    commands = _words(result.stdout.split("Commands:")[1])
    for name in COMMANDS:
        first = get_command(app).commands[name].help.split(". ")[0].split("\n\n")[0]  # type: ignore[attr-defined]
        assert _words(first) in commands, name
    assert "..." not in commands


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_flags_show_no_bool_metavar_and_arguments_are_named_in_capitals(command):
    result = runner.invoke(app, [command, "--help"] if command else ["--help"])
    assert result.exit_code == 0 and "<bool>" not in result.stdout
    usage = result.stdout.split("\n", 1)[0]
    pieces = usage.split("[OPTIONS]", 1)[1].replace("COMMAND [ARGS]...", "").split()
    assert all(piece.strip("{}[].").isupper() for piece in pieces), usage


def test_archstat_alone_shows_the_help_and_no_error_line():
    result = runner.invoke(app, [])
    assert result.exit_code == 2 and result.stdout.startswith("Usage: ") and "Commands:" in result.stdout
    assert "error" not in result.stderr
