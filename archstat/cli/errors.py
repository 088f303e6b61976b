"""Errors in one place: click's usage errors and the library's exceptions each become one line on
stderr and an exit code (a traceback with ``--debug``)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from typer.core import TyperGroup

from ..errors import AnalysisError, ArchstatError
from .output import stderr

try:  # recent Typer carries its own copy of click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
    from typer._click.exceptions import UsageError as ClickUsageError
except ImportError:  # older Typer runs on click itself
    from click.exceptions import ClickException, NoArgsIsHelpError  # type: ignore[assignment,no-redef]
    from click.exceptions import UsageError as ClickUsageError  # type: ignore[assignment,no-redef]

F = TypeVar("F", bound=Callable[..., Any])
_state = {"debug": False}


def set_debug(debug: bool) -> None:
    """``--debug``: let errors raise with their traceback instead of becoming one line."""
    _state["debug"] = debug


class OneLineErrors(TyperGroup):
    """click's usage errors as one line on stderr: its boxed panels are for reading at a terminal, but
    a script reading stderr wants one line that names the bad value and the next step."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[misc]
        except NoArgsIsHelpError as error:  # 'archstat' alone: the help, as for --help, but exit code 2
            print(error.format_message())
            sys.exit(2)
        except ClickUsageError as error:
            where = error.ctx.command_path if error.ctx else "archstat"
            message = error.format_message().replace("Value error, ", "").rstrip(".")
            if message:  # empty when no arguments were given: the help has been shown instead
                stderr.print(f"archstat: error: {message}. See '{where} --help'.", markup=False)
            sys.exit(2)
        except ClickException as error:
            stderr.print(f"archstat: error: {error.format_message()}", markup=False)
            sys.exit(error.exit_code)
        except typer.Abort:
            stderr.print("archstat: aborted.", markup=False)
            sys.exit(1)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def reports_errors(command: F) -> F:
    """Turn an ``ArchstatError`` into one line on stderr and its exit code (a traceback with --debug)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ArchstatError as error:
            if _state["debug"]:
                raise
            # The library's message is for Python callers too; the way to the traceback is the CLI's own.
            hint = "\n  Run with --debug for the full traceback." if isinstance(error, AnalysisError) else ""
            stderr.print(f"archstat: error: {error}{hint}", markup=False)
            raise typer.Exit(error.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as error:
            if _state["debug"]:
                raise
            stderr.print(
                f"archstat: internal error: {type(error).__name__}: {error}. "
                "Run again with --debug for the traceback and report it.", markup=False,
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]
