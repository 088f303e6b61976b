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
