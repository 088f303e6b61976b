"""Checks of what a command was given that run while its arguments are parsed, before torch is imported
(about 1.5 s): a misspelt model name or a missing file is answered as fast as ``--help``, with the line the
library would give (``archstat.names``)."""

from __future__ import annotations

from typing import Any, NoReturn

import typer

from ..errors import ArchstatError


def _refuse(ctx: typer.Context, error: ArchstatError) -> NoReturn:
    """One line and the error's exit code, as ``errors.reports_errors`` gives it; with --debug (a parameter of
    the root command, read from its context) the error itself, with its traceback."""
    if ctx.find_root().params.get("debug"):
        raise error
    typer.echo(f"archstat: error: {error}", err=True)
    raise typer.Exit(error.exit_code)


def model_arg(ctx: typer.Context, value: Any) -> Any:
    """A MODEL argument: a zoo name as registered (``ResNet50`` is ``resnet50``), a user's file that exists."""
    if value is None or ctx.resilient_parsing:  # shell completion parses without checking
        return value
    from ..names import check_model

    try:
        return check_model(value)
    except ArchstatError as error:
        _refuse(ctx, error)


def model_args(ctx: typer.Context, values: Any) -> Any:
    """Several MODEL arguments, each as ``model_arg`` checks one, ``NAME@SIZE`` allowed (``compare``)."""
    if not values or ctx.resilient_parsing:
        return values
    from ..names import check_model

    try:
        return [check_model(value, at_size=True) for value in values]
    except ArchstatError as error:
        _refuse(ctx, error)


def before_parsing(ctx: typer.Context, command: Any, args: list[str]) -> None:
    """Run the MODEL checks of ``command`` on its raw arguments, before Typer converts any value (it imports
    pydantic to do that: 80 ms of the 0.3 s a misspelt name should take). Click's own parser only splits
    ``args`` into values here; anything it cannot split is left to the real parse, which says so."""
    checks = {param.name: getattr(param.callback, "__wrapped__", None) for param in command.params}
    checks = {name: check for name, check in checks.items() if check in (model_arg, model_args)}
    helps = set(getattr(command, "get_help_option_names", lambda c: ())(ctx)) or {"--help"}
    if not checks or ctx.resilient_parsing or helps & set(args):
        return
    parse_context = command.context_class(command, parent=ctx, info_name=command.name, resilient_parsing=True)
    try:
        values, _, _ = command.make_parser(parse_context).parse_args(list(args))
    except Exception:  # noqa: BLE001 - a usage error the real parse reports in its own words
        return
    for name, check in checks.items():
        if values.get(name) is not None:
            check(ctx, values[name])
