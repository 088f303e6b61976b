"""In a real 80-column terminal (a pseudo-terminal whose window size is set, COLUMNS unset), every
command's table is at most 80 columns wide and every number in it is whole: least useful columns are
given up with one note saying which, numbers are never cut or folded, and a note never breaks between
a number and its unit.

One subprocess runs every command (torch is imported once): the test is a few seconds of CPU."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from typer.main import get_command

from archstat.cli.app import app
from tests.terminal import read_until_closed

WIDTH = 80
# A cheap run of every command that prints a table (small models, the meta engine where there is one).
RUNS = {
    "table": ["table", "resnet18", "--depth", "1", "--backward", "--engine", "meta"],
    "list": ["list", "resnet*"],
    "claims": ["claims", "c01", "--engine", "meta"],
    "memory": ["memory", "lenet5"],
    "sweep": ["sweep", "resnet20", "--sizes", "32,64", "--batch", "1,8"],
    "compare": ["compare", "lenet5", "alexnet", "resnet18", "--engine", "meta"],
    "bottleneck": ["bottleneck", "--in", "256", "--mid", "64", "--out", "256", "--k", "3"],
    "factorize": ["factorize", "--k", "7", "--channels", "192"],
    "cardinality": ["cardinality", "--width", "256", "--groups", "32", "--group-width", "4"],
    "diff": ["diff", "resnet50", "resnet50_v1_5", "--engine", "meta"],
    "rf": ["rf", "lenet5"],
    "zoo": ["zoo", "lenet*", "--engine", "meta"],
    "conventions": ["conventions", "lenet5", "--engine", "meta"],
    "separable": ["separable", "--in", "32", "--out", "64", "--k", "3", "--size", "56", "--t", "6"],
    "speed": ["speed", "lenet5", "--device", "h100-sxm"],
}
PICTURES = {"plot", "graph"}  # they draw pictures (or dot text), not tables

DRIVER = """
import sys
from archstat.cli.app import app
for i, args in enumerate(%r):
    try:
        app(args, prog_name="archstat")
        code = 0
    except SystemExit as done:
        code = done.code or 0
    sys.stdout.flush()
    print(f"@@@ {i} {code}", flush=True)
"""
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# a cell holding a number: in full, signed, a share, a ratio, a shape or field, bytes or a count in words
WHOLE = re.compile(r"[-+]?\d{1,3}(?:,\d{3})*(?:\.\d+)?(?:%|x| ?[kMGT]?i?B| [kMGT]?(?:MACs|FLOPs)?)?"
                   r"|\d+(?:x\d+)+|1/[\d,.]+|[-+]?\d[\d,.]*x?(?: \([\d.]+ ?[kMGT]?\))?(?: = [\d.,]+x)?")


def run_in_terminal(runs: list[list[str]]) -> list[tuple[int, str]]:
    """Each run's (exit code, text) as an 80-column pseudo-terminal showed it."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, WIDTH, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(TERM="xterm", NO_COLOR="1", PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    process = subprocess.Popen([sys.executable, "-c", DRIVER % (runs,)], stdin=slave, stdout=slave,
                               stderr=subprocess.DEVNULL, env=env, close_fds=True)
    os.close(slave)
    shown = read_until_closed(master)
    process.wait(timeout=60)
    os.close(master)
    text = ANSI.sub("", shown.decode("utf-8", "replace").replace("\r\n", "\n"))
    parts = re.split(r"^@@@ (\d+) (\d+)\n", text, flags=re.M)
    return [(int(parts[k + 2]), parts[k]) for k in range(0, len(parts) - 1, 3)]


@pytest.fixture(scope="module")
def shown() -> dict[str, tuple[int, str]]:
    names = list(RUNS)
    return dict(zip(names, run_in_terminal([RUNS[n] for n in names]), strict=True))


def test_every_command_that_prints_a_table_is_run():
    registered = {command.name for command in get_command(app).commands.values()}
    assert set(RUNS) | PICTURES == registered


@pytest.mark.parametrize("name", list(RUNS))
def test_the_table_fits_80_columns_with_every_number_whole(shown, name):
    code, text = shown[name]
    assert code == 0, text
    lines = text.splitlines()
    assert lines and max(len(line) for line in lines) <= WIDTH, "\n".join(w for w in lines if len(w) > WIDTH)
    assert "…" not in text  # Rich's mark of a cut cell
    for line in lines:
        if line.startswith("│") or line.startswith("┃"):
            for cell in (c.strip() for c in line.strip("│┃").split("│" if line[0] == "│" else "┃")):
                if re.fullmatch(r"[-+]?[\d,.]+%?x?", cell):  # a number alone in its cell: whole
                    assert WHOLE.fullmatch(cell), (name, cell, line)
        elif not re.match(r"\s*[┏┡├└]", line):  # a note: never ends with a number parted from its unit
            assert not re.search(r"(?<![\w.^])\d(?:[\d,.]*\d)?$", line.rstrip()), (name, line)
