"""The command line's shape: one output sink, explicit registration, and a start that imports no torch."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from archstat.cli.options import complete_model
from archstat.options import OutputFormat

PACKAGE = Path(__file__).resolve().parent.parent / "archstat"
SINK = {PACKAGE / "cli" / "output.py", PACKAGE / "cli" / "options.py", PACKAGE / "options.py"}
HEAVY = ("torch", "pandas", "fvcore")
# What --help and a TAB press would import unless told otherwise, each 45 ms or more of a 0.3 s budget: pydantic, which
# Typer converts values with (cli/app.py, cli/completion.py), markdown_it for Rich help, and Rich itself, which only
# drawing a table needs (import it inside the function that draws, as torch; cli/output.py makes its consoles late).
SLOW_FOR_STARTUP = ("pydantic", "markdown_it", "rich")


def _format_reads(path: Path) -> list[str]:
    members = {member.name for member in OutputFormat}
    return [f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: OutputFormat.{node.attr}"
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "OutputFormat" and node.attr in members]


def test_commands_are_registered_in_one_list_and_never_import_the_app():
    for path in sorted((PACKAGE / "cli" / "commands").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.module not in ("app", "cli.app", "archstat.cli.app"), path
                assert "app" not in {alias.name for alias in node.names}, path
    assert "pkgutil" not in (PACKAGE / "cli" / "commands" / "__init__.py").read_text()


def _imported(args: list[str], **env: str) -> set[str]:
    """The top-level packages a run of the real console script imports (python -X importtime)."""
    script = "import sys; sys.argv[0] = 'archstat'; from archstat.cli.app import main; main()"
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", script, *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()
            if line.startswith("import time:")}


def _registered() -> list[str]:
    """Every command the app registers (``cli/app.py``): a command added later is checked the moment it is."""
    from typer.main import get_command

    from archstat.cli.app import app

    return sorted(get_command(app).commands)  # type: ignore[attr-defined]  # names resolved as Typer runs them


HELP_RUNS = [["--help"], ["--version"], *([command, "--help"] for command in _registered())]


@pytest.mark.parametrize("args", HELP_RUNS, ids=" ".join)
def test_help_and_version_import_no_torch(args):
    assert not _imported(args) & {*HEAVY, *SLOW_FOR_STARTUP}


def test_every_registered_command_has_its_help_checked():
    assert len(HELP_RUNS) == 2 + len(_registered()) and {"sweep", "graph"} <= set(_registered())


def test_completing_a_command_or_an_option_imports_no_torch():
    for words, cword in (("archstat ta", "1"), ("archstat table --fo", "2"), ("archstat table x --format ", "4")):
        imported = _imported([], _ARCHSTAT_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=cword)
        assert not imported & {*HEAVY, *SLOW_FOR_STARTUP}, words


def test_the_import_check_sees_torch_where_it_is_needed():
    assert "torch" in _imported(["rf", "lenet5", "--format", "json"])  # a model built and traced


def test_completing_a_model_name_and_listing_the_zoo_import_no_torch():
    # both read the zoo's facts as data (archstat/zoo_facts/), not the registry (which binds them to builders: torch)
    imported = _imported([], _ARCHSTAT_COMPLETE="complete_bash", COMP_WORDS="archstat table res", COMP_CWORD="2")
    assert not imported & {*HEAVY, *SLOW_FOR_STARTUP}
    for args in (["list", "--format", "json"], ["list", "resnet*", "--format", "json"]):  # a run converts: pydantic
        assert not _imported(args) & set(HEAVY), args
    assert "torch" not in _imported(["list", "vgg1?", "--format", "csv"])  # pandas draws the frame, torch stays out


def test_a_model_name_completes_from_the_registry():
    assert "resnet50" in complete_model("resnet") and "vgg16" not in complete_model("resnet")
    assert complete_model("nothing_like_it") == []


def test_importing_archstat_is_cheap_and_its_names_load_on_first_use():
    script = ("import sys, archstat; assert 'torch' not in sys.modules; "
              "from archstat import analyze, list_models, Report, estimate_memory; assert 'torch' in sys.modules; "
              "assert callable(analyze) and 'vgg16' in list_models() and set(archstat.__all__) <= set(dir(archstat))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_version_is_written_once():
    """pyproject.toml reads the version from ``archstat.__version__``: the installed metadata agrees."""
    import importlib.metadata

    import archstat

    assert importlib.metadata.version("archstat") == archstat.__version__


# Shell completion: cli/completion.py answers a TAB press from a parse alone; Typer's own path converts every value.
# Both run here in-process on the real app, on lines made from its own commands and options, so a command or an
# option added later is compared the moment it is registered.

@pytest.fixture(scope="module")
def cli():
    from typer.main import get_command

    from archstat.cli.app import app

    return get_command(app)


def _typed_lines(cli) -> list[str]:
    """Command lines up to a TAB press: every command, its options, and each option's values."""
    lines = ["archstat ", "archstat t", "archstat c", "archstat -", "archstat --", "archstat --debug ",
             "archstat nope "]
    for name, command in cli.commands.items():
        lines += [f"archstat {name} ", f"archstat {name} -", f"archstat {name} --", f"archstat --debug {name} --"]
        for param in command.params:
            for opt in getattr(param, "opts", [])[:1] if param.param_type_name == "option" else []:
                lines.append(f"archstat {name} {opt[:3]}")
                if param.is_flag:
                    lines.append(f"archstat {name} {opt} --")
                else:
                    lines += [f"archstat {name} {opt} ", f"archstat {name} x {opt} v --"]
                    described = getattr(param, "type_descriptor", None) or getattr(param, "type", None)  # Typer, click
                    choices = getattr(described, "choices", None) or []
                    lines += [f"archstat {name} {opt} {str(getattr(c, 'value', c))[:1]}" for c in choices[:2]]
    return lines


def _shell_env(shell: str, line: str) -> dict[str, str]:
    """What each shell's completion script sets for ``line`` (the word under the cursor last)."""
    if shell == "bash":
        return {"COMP_WORDS": line, "COMP_CWORD": str(len(line.split()) - (0 if line.endswith(" ") else 1))}
    env = {"_TYPER_COMPLETE_ARGS": line, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    if shell == "powershell":
        env["_TYPER_COMPLETE_WORD_TO_COMPLETE"] = "" if line.endswith(" ") else line.split()[-1]
    return env


def _both_paths(cli, shell: str, line: str, monkeypatch, capsys) -> tuple[str, str]:
    from typer.completion import shell_complete

    from archstat.cli import completion
    from archstat.cli.app import COMPLETE_VAR

    for key, value in {COMPLETE_VAR: f"complete_{shell}", **_shell_env(shell, line)}.items():
        monkeypatch.setenv(key, value)
    assert completion.answer(cli, "archstat", COMPLETE_VAR), line
    fast = capsys.readouterr().out
    assert shell_complete(cli, {}, "archstat", COMPLETE_VAR, f"complete_{shell}") == 0
    return fast, capsys.readouterr().out


def test_the_fast_completion_answers_as_typer_does_on_every_command_and_option(cli, monkeypatch, capsys):
    lines = _typed_lines(cli)
    assert len(lines) > 100  # every command, each with its options
    for line in lines:
        fast, typer_own = _both_paths(cli, "bash", line, monkeypatch, capsys)
        assert fast == typer_own, line
    assert _both_paths(cli, "bash", "archstat ta", monkeypatch, capsys)[0] == "table\n"


@pytest.mark.parametrize("shell", ["zsh", "fish", "powershell"])
def test_the_fast_completion_answers_as_typer_does_in_other_shells(cli, shell, monkeypatch, capsys):
    for line in ("archstat ", "archstat ta", "archstat table --f", "archstat table x --format ", "archstat plot --"):
        fast, typer_own = _both_paths(cli, shell, line, monkeypatch, capsys)
        assert fast == typer_own and fast.strip(), (shell, line)


def test_the_fast_completion_completes_a_model_name_as_typer_does(cli, monkeypatch, capsys):
    fast, typer_own = _both_paths(cli, "bash", "archstat table resn", monkeypatch, capsys)
    assert fast == typer_own and "resnet50" in fast.split()


def test_the_fast_completion_leaves_what_it_does_not_answer_to_typer(cli, monkeypatch):
    from archstat.cli import completion
    from archstat.cli.app import COMPLETE_VAR

    for instruction in ("source_bash", "complete_tcsh", ""):
        monkeypatch.setenv(COMPLETE_VAR, instruction)
        assert not completion.answer(cli, "archstat", COMPLETE_VAR), instruction
