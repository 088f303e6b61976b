"""Shell completion without converting any value: the answer Typer gives, at about half its cost.

To find what is being completed, click builds a context for the command line typed so far, and
Typer converts every parameter's value on the way; the first conversion imports pydantic (about
0.1 s, on every TAB press inside a command). Completion needs the parse, not the values: which
command was named, which options were given, which argument comes next. ``answer`` parses each
level with the command's own parser and hands the result to click's own resolution and to Typer's
own completion classes, so the completions and their format are the same as Typer's
(``tests/test_cli_layout.py`` compares the two on every command and option of the real app).

What it leaves out of a resilient parse: option callbacks (``--version`` typed before a TAB
completes as if absent) and converted values (an ``autocompletion`` function that reads
``ctx.params`` sees the text as typed). Anything it cannot parse goes back to Typer's own path.
"""

from __future__ import annotations

import os
from typing import Any

from typer.core import TyperGroup

try:  # recent Typer carries its own copy of click
    from typer._click import Context
    from typer._click.core import ParameterSource
    from typer._click.exceptions import UsageError
    from typer._click.shell_completion import _resolve_incomplete, get_completion_class
    from typer._click.utils import echo
except ImportError:
    try:  # older Typer runs on click itself
        from click import Context, echo  # type: ignore[assignment,no-redef]
        from click.core import ParameterSource  # type: ignore[assignment,no-redef]
        from click.exceptions import UsageError  # type: ignore[assignment,no-redef]
        from click.shell_completion import _resolve_incomplete, get_completion_class  # type: ignore[no-redef]
    except ImportError:  # a Typer laid out otherwise: its own completion path answers every TAB
        get_completion_class = None  # type: ignore[assignment]


def answer(cli: Any, prog_name: str, complete_var: str) -> bool:
    """Print the completions the environment asks for (``complete_var`` set by the shell's script)
    and return True; False when this is not a completion request it answers (a ``source_*``
    instruction, an unknown shell, a line its parse rejects): then Typer's own path runs."""
    instruction, _, shell = os.environ.get(complete_var, "").partition("_")
    known = get_completion_class is not None and instruction == "complete"
    shell_class = get_completion_class(shell) if known else None
    if shell_class is None:
        return False

    class ParsedOnly(shell_class):  # type: ignore[misc,valid-type]
        def get_completions(self, args: list[str], incomplete: str) -> list[Any]:
            ctx = parsed_context(self.cli, self.prog_name, args)
            target, incomplete = _resolve_incomplete(ctx, args, incomplete)
            return target.shell_complete(ctx, incomplete)  # type: ignore[no-any-return]

    try:
        echo(ParsedOnly(cli, {}, prog_name, complete_var).complete())
    except UsageError:
        return False
    return True


def parsed_context(cli: Any, prog_name: str, args: list[str]) -> Context:
    """The innermost context of ``args``, as click's completion resolves it (each command named in
    turn), but with every level parsed only."""
    ctx = _parse(cli, prog_name, args, parent=None)
    rest = ctx._protected_args + ctx.args
    while rest and isinstance(ctx.command, TyperGroup):
        name, command, rest = ctx.command.resolve_command(ctx, rest)
        if command is None:
            break
        ctx = _parse(command, name, rest, parent=ctx)
        rest = ctx._protected_args + ctx.args
    return ctx


def _parse(command: Any, name: str | None, args: list[str], parent: Context | None) -> Context:
    """``command``'s context after its parser has read ``args``: what was given on the line is
    marked as from the command line (as click does, a missing value is not), nothing is converted
    and no callback runs."""
    ctx = command.context_class(command, info_name=name, parent=parent, resilient_parsing=True)
    parser = command.make_parser(ctx)
    opts, rest, _ = parser.parse_args(args=list(args))
    for param in command.get_params(ctx):
        value = opts.get(param.name)
        ctx.set_parameter_source(param.name, ParameterSource.DEFAULT if value is None else ParameterSource.COMMANDLINE)
        if param.expose_value:
            ctx.params[param.name] = value
    ctx._opt_prefixes.update(parser._opt_prefixes)
    if isinstance(command, TyperGroup) and rest:
        ctx._protected_args, rest = rest[:1], rest[1:]
    ctx.args = rest
    return ctx
