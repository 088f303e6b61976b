"""Output that behaves in pipes and files: --output is atomic and never overwrites without --force;
machine formats and NO_COLOR carry no colour codes."""

import json
import os
import pty
import re
import stat
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from archstat.cli.app import app
from archstat.words import byte_text
from tests.terminal import read_until_closed

runner = CliRunner()
COLOUR = re.compile(r"\x1b\[(?:\d+;)*(?:3[0-8]|9[0-7]|4[0-8]|10[0-7])[;m]")  # SGR foreground/background colours


def test_output_writes_the_file_and_keeps_an_existing_one(tmp_path):
    out = tmp_path / "alexnet.json"
    result = runner.invoke(app, ["table", "lenet5", "-f", "json", "--output", str(out)])
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text())["model"] == "lenet5"
    out.write_text("the user's own notes")
    result = runner.invoke(app, ["table", "lenet5", "-f", "json", "--output", str(out)])
    assert result.exit_code == 2 and "--force" in result.stderr
    assert out.read_text() == "the user's own notes"
    assert runner.invoke(app, ["table", "lenet5", "-f", "json", "-o", str(out), "--force"]).exit_code == 0
    assert json.loads(out.read_text())["model"] == "lenet5"
    assert [p.name for p in tmp_path.iterdir()] == ["alexnet.json"]  # no temporary file left behind


@pytest.mark.skipif(os.name != "posix", reason="permission bits and the umask are POSIX's")
@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_output_gets_the_mode_open_gives_and_force_keeps_the_files_own(tmp_path, umask):
    previous = os.umask(umask)
    try:
        (tmp_path / "by_open.txt").write_text("x")  # what a plain open() makes under this umask
        out = tmp_path / "list.csv"
        assert runner.invoke(app, ["list", "lenet*", "-f", "csv", "-o", str(out)]).exit_code == 0
    finally:
        os.umask(previous)
    mode = stat.S_IMODE(out.stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "by_open.txt").stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0o600
    out.chmod(0o640)  # the user's own choice survives an overwrite
    assert runner.invoke(app, ["list", "lenet*", "-f", "csv", "-o", str(out), "--force"]).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and "lenet5" in out.read_text()


def test_a_failed_command_leaves_no_file(tmp_path):
    out = tmp_path / "x.json"
    result = runner.invoke(app, ["table", "lenet5", "--input", "4", "-o", str(out)])
    assert result.exit_code == 2 and not out.exists() and list(tmp_path.iterdir()) == []


# Every command that writes a file of its own, with the option naming it and where its computing starts.
WRITERS = [
    (["graph", "lenet5"], "--output", "archstat.analysis.graph.graph_of", ".svg"),
    (["plot", "lenet5"], "--out", "archstat.analysis.counting.analyze", ".png"),
    (["sweep", "lenet5", "--sizes", "32"], "--plot", "archstat.analysis.sweep.sweep_model", ".png"),
    (["table", "lenet5"], "--output", "archstat.analysis.counting.analyze", ".txt"),
]


def _never_computed(monkeypatch, target: str) -> None:
    """Make the command's library call fail loudly: a refused path must be refused before it."""

    def computed(*args, **kwargs):
        raise AssertionError("computed before the path was checked")

    monkeypatch.setattr(target, computed)


@pytest.mark.parametrize(("command", "option", "target", "suffix"), WRITERS, ids=[w[0][0] for w in WRITERS])
def test_a_file_in_a_missing_folder_is_refused_before_computing(tmp_path, monkeypatch, command, option, target,
                                                                suffix):
    _never_computed(monkeypatch, target)
    out = tmp_path / "no" / "such" / f"x{suffix}"
    result = runner.invoke(app, [*command, option, str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"archstat: error: {option} {str(out)!r}: folder {str(out.parent)!r} does not exist; "
                             "create it first or give a file in a folder that exists.\n")


@pytest.mark.parametrize(("command", "option", "target", "suffix"), WRITERS, ids=[w[0][0] for w in WRITERS])
def test_an_existing_file_is_kept_without_force_and_a_folder_refused(tmp_path, monkeypatch, command, option, target,
                                                                     suffix):
    _never_computed(monkeypatch, target)
    out = tmp_path / f"mine{suffix}"
    out.write_text("the user's own file")
    result = runner.invoke(app, [*command, option, str(out)])
    assert result.exit_code == 2 and out.read_text() == "the user's own file"
    assert result.stderr == (f"archstat: error: {option} {str(out)!r} exists; give --force to overwrite it, "
                             "or another file name.\n")
    folder = tmp_path / f"folder{suffix}"
    folder.mkdir()
    result = runner.invoke(app, [*command, option, str(folder), "--force"])
    assert result.exit_code == 2
    assert result.stderr == f"archstat: error: {option} {str(folder)!r} is a folder; give a file name inside it.\n"


def test_sweep_plot_names_its_own_option_and_force_overwrites(tmp_path):
    result = runner.invoke(app, ["sweep", "lenet5", "--sizes", "32", "--plot", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2
    assert result.stderr == f"archstat: error: --plot {str(tmp_path / 'x.pdf')!r} must end in .png or .svg.\n"
    out = tmp_path / "sweep.svg"
    out.write_text("old")
    result = runner.invoke(app, ["sweep", "lenet5", "--sizes", "32", "--plot", str(out), "--force", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert out.read_text().lstrip().startswith("<?xml") and "<svg" in out.read_text()
    assert json.loads(result.stdout)["model"] == "lenet5"


def test_table_to_a_file_has_no_colour(tmp_path):
    out = tmp_path / "t.txt"
    assert runner.invoke(app, ["table", "lenet5", "-o", str(out)]).exit_code == 0
    assert "\x1b[" not in out.read_text() and "c1.conv" in out.read_text()


def _in_terminal(args: list[str], stderr_apart: bool = False, **env: str) -> str:
    """Run the real command in a pseudo-terminal, as a person would, and return what it printed
    (``stderr_apart``: what it printed on stdout only; progress on stderr goes elsewhere)."""
    leader, follower = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    environment.update(TERM="xterm-256color", COLUMNS="200", **env)
    process = subprocess.Popen([sys.executable, "-m", "archstat", *args], stdout=follower,
                               stderr=subprocess.DEVNULL if stderr_apart else follower,
                               env=environment)
    os.close(follower)
    shown = read_until_closed(leader)
    process.wait(timeout=120)
    os.close(leader)
    return shown.decode(errors="replace")


def test_no_color_is_honoured_in_a_terminal():
    coloured = _in_terminal(["table", "lenet5"])
    assert "\x1b[" in coloured  # a terminal gets Rich's styling ...
    plain = _in_terminal(["table", "lenet5"], NO_COLOR="1")
    assert not COLOUR.search(plain)  # ... and NO_COLOR leaves no colour in it (bold is not a colour)
    assert "c1.conv" in plain


def test_machine_formats_carry_no_markup_even_in_a_terminal():
    text = _in_terminal(["table", "lenet5", "-f", "json"], stderr_apart=True)  # a slow machine's progress is stderr's
    assert "\x1b[" not in text
    assert json.loads(text[text.index("{"):])["model"] == "lenet5"


def test_plain_table_draws_what_rich_draws():
    """archstat's fast table against rich.table (the second method) on a real report, in colour and
    without: the same lines, Rich's trailing spaces aside. Narrower than the table, Rich draws it."""
    import io

    from rich.console import Console

    import archstat
    from archstat.render.tables import Grid, PlainTable

    report = archstat.analyze("googlenet", engine="meta")
    data = report.table_data(2)  # the report's description, drawn as a bare grid (no kinds: text columns hide)
    grid = Grid(data.names, [data.cells(row) for row in data.rows])
    table = PlainTable(grid, "googlenet: per-layer counts", report.total_lines(), ["params", "MACs"])

    def draw(renderable, width, colour):
        console = Console(file=io.StringIO(), width=width, force_terminal=colour,
                          color_system="standard" if colour else None)
        console.print(renderable, crop=False)  # as the command line prints: a table too wide runs on
        return [line.rstrip() for line in console.file.getvalue().splitlines()]

    plain = draw(table, 400, False)
    assert plain == draw(table._rich(400)[0], 400, False)
    coloured = draw(table, 400, True)
    assert [re.sub(r"\x1b\[[0-9;]*m", "", line).rstrip() for line in coloured] == plain
    assert "\x1b[1mlayer\x1b[0m" in coloured[2]  # the header is bold, as in Rich's
    narrow = "\n".join(draw(table, 60, False))  # too narrow for the numbers: text columns hidden, digits whole
    assert "…" not in narrow and "1 column hidden at this width (type)" in " ".join(narrow.split())
    for row in table.rows:
        assert f" {row[3]} " in narrow and f" {row[5]} " in narrow  # params, MACs


def test_the_console_script_exits_with_the_command_code_and_all_its_output():
    """The console script skips the interpreter's teardown: its output must still be complete and
    its exit code the command's."""
    done = subprocess.run([sys.executable, "-m", "archstat", "table", "resnet50", "-e", "meta", "-f", "json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and json.loads(done.stdout)["totals"]["params"] == 25_557_032
    failed = subprocess.run([sys.executable, "-m", "archstat", "table", "resnet5"], capture_output=True, text=True,
                            timeout=300)
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.startswith("archstat: error: ") and failed.stderr.count("\n") == 1


# a cell that is a number, a shape or a number with its unit: 61,100,840 / +248 / 1x64x56x56 / 1.00x / 40.9 MMACs
NUMBER_CELL = re.compile(r"[-+]?\d[\d,.]*(?:x\d[\d,.]*)*[%x]?(?: [kMGT]?i?(?:MACs|B)?)?")


@pytest.fixture
def narrow(monkeypatch):
    """The command line's console at 80 columns, as a terminal that wide gives it."""
    from archstat.cli import output

    monkeypatch.setattr(output, "stdout", output.ConsoleOnFirstUse(lambda: {"highlight": False, "width": 80}))


@pytest.mark.parametrize("args", [["conventions", "lenet5", "--engine", "meta"],
                                  ["table", "resnet18", "--backward", "--depth", "1"],
                                  ["sweep", "resnet20", "--sizes", "32,64"]])
def test_no_number_is_cut_at_80_columns(narrow, args):
    """Every number cell of the markdown table (all columns, whole cells) is whole in the 80-column
    table, save the text columns the table says it hides; numbers are never folded across lines."""
    shown = runner.invoke(app, args)
    page = runner.invoke(app, [*args, "--format", "markdown"])
    assert shown.exit_code == 0 and page.exit_code == 0, shown.output + page.output
    assert "…" not in shown.stdout
    hidden = re.search(r"hidden at this width \((.*?)\); --format markdown shows all", " ".join(shown.stdout.split()))
    hidden_columns = set(hidden.group(1).split(", ")) if hidden else set()
    lines = [line for line in page.stdout.splitlines() if line.startswith("| ") and "| ---" not in line]
    header, rows = [c.strip() for c in lines[0].strip("|").split(" | ")], lines[1:]
    checked = 0
    for row in rows:
        for column, cell in zip(header, (c.strip() for c in row.strip("|").split(" | ")), strict=True):
            if column in hidden_columns or not NUMBER_CELL.fullmatch(cell):
                continue
            if column.endswith(" (bytes)"):  # in full in markdown, in words at the terminal (docs/output.md)
                column, cell = column.removesuffix(" (bytes)"), byte_text(int(cell.replace(",", "")))
                if column in hidden_columns:
                    continue
            assert re.search(rf"(?<![\w,.]){re.escape(cell)}(?![\w,.])", shown.stdout), (column, cell)
            checked += 1
    assert checked >= 2 * len(rows)
    if args[0] == "table":  # and the json's counts, in full, as the table shows them
        data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
        for layer in data["layers"]:
            for key in ("params", "macs", "backward_macs", "activations"):
                assert f" {layer[key]:,} " in shown.stdout, (layer["name"], key)
