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


HELP_RUNS = [["--help"], ["--version"], *([command, "--help"] for command in (
    "table", "list", "claims", "memory", "compare", "bottleneck", "factorize", "cardinality", "diff", "plot", "rf",
    "zoo", "conventions"))]


@pytest.mark.parametrize("args", HELP_RUNS, ids=" ".join)
def test_help_and_version_import_no_torch(args):
    assert not _imported(args) & set(HEAVY)


def test_completing_a_command_or_an_option_imports_no_torch():
    for words, cword in (("archstat ta", "1"), ("archstat table --fo", "2"), ("archstat table x --format ", "4")):
        assert not _imported([], _ARCHSTAT_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=cword) & set(HEAVY)


def test_the_import_check_sees_torch_where_it_is_needed():
    assert "torch" in _imported(["list", "lenet*", "--format", "json"])  # the registry lives beside the builders


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
