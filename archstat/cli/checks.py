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
