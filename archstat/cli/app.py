"""The ``archstat`` command line. Library errors become one line on stderr and an exit code."""

from __future__ import annotations

import atexit
import functools
import inspect
import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from torch import nn
from typer.core import TyperGroup

from .. import __version__
from ..analysis.counting import analyze
from ..analysis.resolve import is_user_spec, resolve, zoo_info
from ..errors import ArchstatError, UsageError
from ..inputs import Shape
from ..models import get_model_info, list_models
from ..options import Engine
from ..render.tables import OutputFormat, csv_text, json_text, markdown_table, report_text, rich_table

try:  # recent Typer carries its own copy of click
    from typer._click.exceptions import ClickException
    from typer._click.exceptions import UsageError as ClickUsageError
except ImportError:  # older Typer runs on click itself
    from click.exceptions import ClickException  # type: ignore[assignment,no-redef]
    from click.exceptions import UsageError as ClickUsageError  # type: ignore[assignment,no-redef]


class OneLineErrors(TyperGroup):
    """click's usage errors as one line on stderr: its boxed panels are for reading at a terminal, but
    a script reading stderr wants one line that names the bad value and the next step."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[misc]
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


app = typer.Typer(
    cls=OneLineErrors,
    name="archstat",
    help="Exact parameter, multiply-add (MAC), activation and receptive-field accounting for CNNs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}
F = TypeVar("F", bound=Callable[..., Any])

ModelArg = Annotated[str, typer.Argument(
    help="A zoo model name (see 'archstat list'), or your own: pkg.module:Class or path/to/file.py:Class.",
    show_default=False,
)]
InputOpt = Annotated[list[str] | None, typer.Option(
    "--input", "-i", metavar="CxHxW",
    help="Input shape CxHxW (3x224x224) or one side (224). Default: the zoo model's. Repeat for several inputs.",
)]
BatchOpt = Annotated[int, typer.Option("--batch", "-b", help="Batch size N; counts scale with it.")]
ClassesOpt = Annotated[
    int | None,
    typer.Option("--num-classes", "-k", help="Width of the classifier. Default: the paper's (1000 for ImageNet)."),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
AuxOpt = Annotated[bool, typer.Option("--aux", help="Include auxiliary classifier heads (GoogLeNet, Inception-v3).")]
DepthOpt = Annotated[
    int | None, typer.Option("--depth", "-d", min=1, help="Fold modules deeper than this into their parents.")
]
KwargsOpt = Annotated[str | None, typer.Option(
    "--kwargs", metavar="JSON",
    help="""Your model's constructor arguments as a JSON object, e.g. '{"num_classes": 2}'.""",
)]
FreezeOpt = Annotated[list[str] | None, typer.Option(
    "--freeze", metavar="PATTERN", help="Freeze modules matching this glob (e.g. 'layer1', 'features.*'). Repeatable.",
)]
TrainOpt = Annotated[list[str] | None, typer.Option(
    "--train", metavar="PATTERN",
    help="Train only modules matching this glob (e.g. 'fc'); the rest is frozen. Repeatable.",
)]




EngineOpt = Annotated[Engine, typer.Option(
    "--engine", "-e", help="fvcore traces a real forward pass; meta counts the same way without running one "
    "(fast at any input size).",
)]
BudgetOpt = Annotated[str | None, typer.Option(
    "--memory-budget", metavar="SIZE", show_default=False,
    help="Most memory fvcore's trace may take (8G, 512M); above it the meta engine counts instead. "
    "Default: $ARCHSTAT_MEMORY_BUDGET, else half the available RAM.",
)]

# Off a terminal Rich would wrap at 80 columns; a wide page keeps each table row on one line.
stdout = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def reports_errors(command: F) -> F:
    """Turn an ``ArchstatError`` into one line on stderr and its exit code (a traceback with --debug)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ArchstatError as error:
            if _state["debug"]:
                raise
            stderr.print(f"archstat: error: {error}", markup=False)
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


def emit(text: str | None) -> None:
    """Write a command's text to stdout, or to the ``--output`` file being collected."""
    if text is not None:
        stdout.file.write(text)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, so a reader never sees
    half a file and a failure leaves any earlier file as it was."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


OutputOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write the result to this file (atomically) instead of stdout.", show_default=False)]
ForceOpt = Annotated[bool, typer.Option("--force", help="Let --output overwrite an existing file.")]


def text_output(command: F) -> F:
    """Give a command ``--output FILE`` and ``--force``: its whole output (any format, a table without
    colour) goes to FILE, written atomically; an existing FILE is kept unless ``--force``."""
    signature = inspect.signature(command, eval_str=True)  # resolved: Typer reads __signature__ as it is
    extra = [inspect.Parameter("output", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=OutputOpt),
             inspect.Parameter("force", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=ForceOpt)]

    @functools.wraps(command)
    def wrapper(*args: Any, output: Path | None = None, force: bool = False, **kwargs: Any) -> Any:
        if output is None:
            return command(*args, **kwargs)
        if output.exists() and not force:
            raise UsageError(f"--output {str(output)!r} exists; give --force to overwrite it, or another file name.")
        if not output.parent.is_dir():
            raise UsageError(f"--output {str(output)!r}: folder {str(output.parent)!r} does not exist.")
        collected = io.StringIO()
        stdout.file = collected
        try:
            result = command(*args, **kwargs)
        finally:
            stdout._file = None  # back to following sys.stdout (a test runner swaps it per test)
        write_atomically(output, collected.getvalue())
        stderr.print(f"wrote {output}", markup=False)
        return result

    wrapper.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *extra])  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def model_target(
    spec: str, inputs: list[str] | None, num_classes: int | None = None, kwargs: str | None = None
) -> tuple[str | nn.Module, str, list[Shape] | list[str] | None]:
    """What to hand ``analyze`` / ``estimate_memory`` for a command's MODEL argument.

    A zoo name stays a name, with the ``--input`` texts (the engine builds it, on the meta device
    where it can); a user's spec (``file.py:Class``, ``pkg.module:Class``) is built by ``resolve``.
    Returns the target, its label and its inputs (None: the zoo model's default).
    """
    if not is_user_spec(spec) and kwargs is None:
        zoo_info(spec)  # an unknown name fails here, with a pointer to the user-model forms
        return spec, spec, inputs or None
    target = resolve(spec, input_size=inputs or None, num_classes=num_classes, kwargs=kwargs)
    return target.module, target.label, target.shapes


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
    _state["debug"] = debug


@app.command()
@reports_errors
@text_output
def table(
    model: ModelArg,
    input: InputOpt = None,
    batch: BatchOpt = 1,
    num_classes: ClassesOpt = None,
    depth: DepthOpt = None,
    aux: AuxOpt = False,
    kwargs: KwargsOpt = None,
    freeze: FreezeOpt = None,
    train: TrainOpt = None,
    engine: EngineOpt = Engine.fvcore,
    memory_budget: BudgetOpt = None,
    format: FormatOpt = OutputFormat.table,
) -> None:
    """Per-layer parameters, MACs and activations of one network: a zoo model or your own.

    Example: archstat table resnet50 --num-classes 2 --train fc
    """
    target, label, shapes = model_target(model, input, num_classes, kwargs)
    report = analyze(target, input_size=shapes, batch=batch, num_classes=num_classes, aux=aux, name=label,
                     freeze=freeze or (), train=train or (), engine=engine.value, memory_budget=memory_budget)
    for note in report.notes:
        stderr.print(f"archstat: note: {note}", markup=False)
    emit(report_text(report, format, depth, stdout))


@app.command("list")
@reports_errors
@text_output
def list_command(
    pattern: Annotated[str | None, typer.Argument(help="Shell-style filter, e.g. 'resnet*'.")] = None,
    format: FormatOpt = OutputFormat.table,
) -> None:
    """The model zoo: family, year, paper and default input.

    Example: archstat list 'vgg*'
    """
    import pandas as pd

    infos = [get_model_info(name) for name in list_models(pattern)]
    if format is OutputFormat.json:
        emit(json_text([
            {"name": i.name, "family": i.family, "year": i.year, "paper": i.paper, "input_size": list(i.input_size),
             "min_input": i.min_input}
            for i in infos
        ]))
        return
    frame = pd.DataFrame(
        [(i.name, i.family, i.year, "x".join(map(str, i.input_size)), i.min_input or "", i.paper) for i in infos],
        columns=["name", "family", "year", "input", "min side", "paper"],
    )
    if format is OutputFormat.csv:
        emit(csv_text(frame))
    elif format is OutputFormat.markdown:
        emit(markdown_table(frame))
    else:
        stdout.print(rich_table(frame, f"archstat zoo: {len(frame)} models"))


# Imported last: each command module registers itself on `app`, defined above.
from . import commands  # noqa: E402,F401


def main() -> None:
    """The console script: run the command, then leave without tearing the interpreter down.

    Unloading torch and everything it imported takes longer than most analyses (0.6 s of a 3 s
    run); the process ends anyway, so after the exit handlers and a flush of both streams it exits
    at once with the command's code."""
    try:
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
