"""The ``archstat`` command line: the app, its global options, and every command registered in one list.

The commands live in ``commands/``; the options they share in ``options.py``; their output goes through
``output.py`` and their errors through ``errors.py``. Nothing imports ``app`` back.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import Annotated, Any

import typer
from typer.main import get_command

from .. import __version__
from . import checks, completion
from .commands import claims, compare, conventions, design, diff, graph, memory, plot, rf, speed, sweep, table, zoo
from .commands import list as list_
from .errors import OneLineErrors, set_debug


class ArchstatGroup(OneLineErrors):
    """The app's own group: errors as one line (``OneLineErrors``), and in ``archstat --help`` each
    command's first sentence whole, wrapped to the terminal, where click would cut it at 45 characters
    with "..."."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """The command, its MODEL checked first (``checks.before_parsing``): a misspelt name is answered before
        any value is converted, as fast as ``--help``."""
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            checks.before_parsing(ctx, command, rest)
        return name, command, rest

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        """``--debug`` anywhere on the line (every error says "run again with --debug", and it is added at
        the end): moved to the front, where the app's own option is read. Not past a ``--``."""
        line = list(sys.argv[1:] if args is None else args)
        end = line.index("--") if "--" in line else len(line)
        if "--debug" in line[:end]:
            line = ["--debug", *(a for a in line[:end] if a != "--debug"), *line[end:]]
        return super().main(line, *rest, **kwargs)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        rows = [(name, command.get_short_help_str(limit=10_000)) for name, command in commands
                if command is not None and not command.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    cls=ArchstatGroup,
    name="archstat",
    help="Exact parameter, multiply-add (MAC), activation and receptive-field accounting for CNNs: "
    "1 MAC is one fused multiply-add, FLOPs = 2 x MACs.\n\n"
    "Start with 'archstat table resnet50'; 'archstat COMMAND --help' shows a command's options and an example.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help: Rich's would import rich.markdown and markdown_it (65 ms of every --help), and its
    # markup reads "[plot]" in "archstat[plot]" as a style tag and drops it.
    rich_markup_mode=None,
    # Typer converts an option's value through pydantic (80 ms to import) unless the value is
    # already a bool; these three flags of the app itself have no default, so without one here a
    # command's --help and every completion would pay for it.
    context_settings={"default_map": {"help": False, "install_completion": False, "show_completion": False}},
)
COMPLETE_VAR = "_ARCHSTAT_COMPLETE"  # what the shell's completion script sets (Typer's name for 'archstat')


def _version(value: bool) -> None:
    if value:
        print(f"archstat {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    """archstat: how many parameters, multiply-adds and activations, layer by layer."""
    set_debug(debug)


# In the order --help lists them.
app.command("table")(table.table)
app.command("list")(list_.list_command)
app.command("claims")(claims.claims)
app.command("memory")(memory.memory)
app.command("sweep")(sweep.sweep)
app.command("compare")(compare.compare)
app.command("bottleneck")(design.bottleneck)
app.command("factorize")(design.factorize)
app.command("cardinality")(design.cardinality)
app.command("separable")(design.separable)
app.command("diff")(diff.diff)
app.command("plot")(plot.plot)
app.command("graph")(graph.graph)
app.command("rf")(rf.rf)
app.command("zoo")(zoo.zoo)
app.command("conventions")(conventions.conventions)
app.command("speed")(speed.speed)


def main() -> None:
    """The console script: run the command, then leave without tearing the interpreter down.

    Unloading torch and everything it imported takes longer than most analyses (0.6 s of a 3 s
    run); the process ends anyway, so after the exit handlers and a flush of both streams it exits
    at once with the command's code. A TAB press is answered by ``completion.answer`` (the same
    completions as Typer's, without converting any value) unless it hands back to Typer."""
    try:
        if not (COMPLETE_VAR in os.environ and completion.answer(get_command(app), "archstat", COMPLETE_VAR)):
            app()
        code = 0
    except SystemExit as done:
        if done.code is not None and not isinstance(done.code, int):
            print(done.code, file=sys.stderr)
        code = done.code if isinstance(done.code, int) else int(done.code is not None)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can reach the reader
            code = code or 1
    os._exit(code)
