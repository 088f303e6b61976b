"""The one output sink: a command hands over its result's pieces and the chosen ``OutputFormat``, and
this module writes json, csv, markdown, LaTeX or a table for a terminal. Nothing else branches on the format.

Also here: the two consoles, and ``--output FILE`` / ``--force`` (the whole output written as
``files.py`` says; the format from FILE's suffix when ``--format`` is not given).
"""

from __future__ import annotations

import functools
import inspect
import io
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..options import OutputFormat
from ..render.tables import csv_text, terminal_table
from ..tabular import TableData, to_html, to_latex, to_markdown
from .files import check_writable, is_stdout, write_output
from .options import DEFAULT_FORMAT, ForceOpt, FormatBySuffixOpt, OutputOpt

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console, RenderableType

F = TypeVar("F", bound=Callable[..., Any])



class ConsoleOnFirstUse:
    """A Rich console, made when it is first used: importing Rich takes 45 ms that ``--help`` and a
    TAB press, which print nothing through it, would otherwise pay. Reads and writes of its
    attributes go to the console; ``made()`` is the console itself."""

    def __init__(self, settings: Callable[[], dict[str, Any]]) -> None:
        self.__dict__.update(_settings=settings, _console=None)

    def made(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self.__dict__["_console"] = Console(**self._settings())
        return self._console  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.made(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.made(), name, value)


# Off a terminal Rich would wrap at 80 columns; a wide page keeps each table row on one line.
stdout = ConsoleOnFirstUse(lambda: {"highlight": False, "width": None if sys.stdout.isatty() else 200})
stderr = ConsoleOnFirstUse(lambda: {"stderr": True, "highlight": False, "soft_wrap": True})


@dataclass
class Result:
    """A command's answer; ``emit`` writes the format asked for.

    A command hands over its result's one description, ``description`` (a ``TableData``: the result
    type's ``table_data``; or several, one after another, for a claim explained with the tables behind
    it), and the writers do the rest: the terminal (``render.tables.terminal_table``), markdown, LaTeX
    and HTML (``tabular``). ``json`` (the result's ``to_dict``: the interface, its keys kept) and ``csv``
    (its rows as data) stay the result's own. Each piece is a function called only for the format that
    shows it (a table for a terminal never builds the csv rows, nor imports pandas for them):
    - ``json``: json-able data (``ascii_json=False`` keeps non-ASCII text readable, not \\u-escaped);
    - ``csv``: the rows of the csv, a DataFrame;
    - ``description``: the result's table(s) (columns with kinds and units, plain cells, total, notes);
    - ``page``: for markdown that makes a page (docs/claims.md), its head (a heading, a paragraph),
      which the first table's own title then gives way to.
    """

    json: Callable[[], Any]
    csv: Callable[[], pd.DataFrame]
    description: Callable[[], TableData | Sequence[TableData]]
    page: Callable[[], str] | None = None
    ascii_json: bool = True


def emit(result: Result, format: OutputFormat) -> None:
    """Write ``result`` as ``format`` to stdout, or to the ``--output`` file being collected."""
    if format is OutputFormat.json:
        write(json.dumps(result.json(), indent=2, ensure_ascii=result.ascii_json) + "\n")
    elif format is OutputFormat.csv:
        write(csv_text(result.csv()))
    elif format is OutputFormat.markdown:
        write(markdown_text(result))
    elif format is OutputFormat.latex:
        write("\n".join(to_latex(table, source=_command()) for table in _descriptions(result)))
    elif format is OutputFormat.html:
        write("".join(to_html(table) for table in _descriptions(result)))
    else:
        for item in _tables(result):
            stdout.print(item, crop=False)  # a table too wide for the terminal runs past it, no digit cut


def for_people(format: OutputFormat) -> bool:
    """Whether ``format`` is read by a person (a progress bar may accompany it), not by a program."""
    return format is OutputFormat.table


def _tables(result: Result) -> list[RenderableType]:
    return [terminal_table(table) for table in _descriptions(result)]


def markdown_text(result: Result) -> str:
    """The description's tables; under a ``page``, which heads them, the first one's title gives way."""
    tables = _descriptions(result)
    if result.page is None:
        return "\n".join(to_markdown(table) for table in tables)
    return "\n".join([result.page(), to_markdown(replace(tables[0], title="")),
                      *(to_markdown(table) for table in tables[1:])])


# the command being run ('archstat sweep'), set by ``text_output``: the LaTeX's first line names it
_running = {"command": "archstat"}


def _command() -> str:
    return _running["command"]


def _descriptions(result: Result) -> list[TableData]:
    described = result.description()
    return [described] if isinstance(described, TableData) else list(described)


def write(text: str) -> None:
    """Write text as it is to stdout, or to the ``--output`` file being collected."""
    stdout.file.write(text)


def tell(line: str) -> None:
    """One line for the person running the command, on stderr (never part of the output)."""
    stderr.print(line, markup=False)


def note(text: str) -> None:
    """A note about how the result was made ('archstat: note: ...'), on stderr."""
    tell(f"archstat: note: {text}")


# The format a file's suffix names when --format is not given; any other suffix (.txt, none) gets the table.
SUFFIX_FORMATS = {".json": OutputFormat.json, ".csv": OutputFormat.csv, ".md": OutputFormat.markdown,
                  ".markdown": OutputFormat.markdown, ".tex": OutputFormat.latex, ".html": OutputFormat.html,
                  ".htm": OutputFormat.html}


def format_for(output: Path | None, given: OutputFormat | None) -> OutputFormat:
    """``--format`` when given, else the one ``--output``'s suffix names, else the table."""
    if given is not None:
        return given
    if output is None or is_stdout(output):
        return DEFAULT_FORMAT
    return SUFFIX_FORMATS.get(output.suffix.lower(), DEFAULT_FORMAT)


def text_output(command: F) -> F:
    """Give a command ``--output FILE`` and ``--force``: its whole output (any format, a table without
    colour) goes to FILE, written as ``cli/files.py`` says (atomically for a regular file, through for a
    device or pipe; ``-`` is stdout); an existing regular FILE is kept unless ``--force``. Without
    ``--format``, FILE's suffix names the format (``SUFFIX_FORMATS``). ``--force`` reaches the command too
    when it declares a ``force`` parameter of its own."""
    signature = inspect.signature(command, eval_str=True)  # resolved: Typer reads __signature__ as it is
    # A command that writes a second file of its own (sweep --plot) declares ``force`` itself, with help
    # naming both files; it then gets the one ``--force`` too.
    own_force = "force" in signature.parameters
    extra = [inspect.Parameter("output", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=OutputOpt)]
    if not own_force:
        extra.append(inspect.Parameter("force", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=ForceOpt))
    # --format defaults to None here, so that a suffix can choose when it is not given
    parameters = [p.replace(default=None, annotation=FormatBySuffixOpt) if p.name == "format" else p
                  for p in signature.parameters.values()]

    @functools.wraps(command)
    def wrapper(*args: Any, output: Path | None = None, force: bool = False, **kwargs: Any) -> Any:
        if own_force:
            kwargs["force"] = force
        if "format" in signature.parameters:
            kwargs["format"] = format_for(output, kwargs.get("format"))
        _running["command"] = f"archstat {command.__name__.removesuffix('_command')}"  # list_command: list
        if output is None or is_stdout(output):
            return command(*args, **kwargs)
        check_writable(output, "--output", force)
        collected = io.StringIO()
        stdout.file = collected
        try:
            result = command(*args, **kwargs)
        finally:
            stdout._file = None  # back to following sys.stdout (a test runner swaps it per test)
        write_output(output, collected.getvalue())
        tell(f"wrote {output}")
        return result

    wrapper.__signature__ = signature.replace(parameters=[*parameters, *extra])  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
