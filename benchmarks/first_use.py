#!/usr/bin/env python
"""Time what a new user meets first, side by side in one run: the heavy commands and a misspelt name.

Each command is a fresh process run as the console script runs it, timed from start to exit (wall
seconds); the machine's load average (1 minute) is read before each, and reported beside the medians,
because on a shared machine a busy minute can double a time. Rounds rotate the order of the commands,
so a slow spell falls on all alike. Targets (issue 23):

  archstat zoo, archstat claims     each within 15 s (the meta engine, their default)
  archstat table resnet1202         within 3x archstat table resnet18 (over 200 modules with weights:
                                    counted on meta by default)
  archstat table resnt50            (a misspelt name) within 1.2x archstat --help

Usage: ``python benchmarks/first_use.py`` (prints the section; ``--runs N``, default 3; ``--output
docs/performance.md`` puts it into that page between its first-use markers, which benchmarks/run.py keeps).
``--quick-runs N`` (default 5): runs a round of each command under a second. ``--before DIR``: another checkout
of archstat (e.g. ``git worktree add /tmp/before HEAD~3``) timed beside this one in the same rounds.
``--numbers`` also checks that the json of ``zoo`` and ``claims`` on their default engine equals
``--engine fvcore``'s (minutes: fvcore traces every network).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SCRIPT = "import sys; sys.argv[0] = 'archstat'; from archstat.cli.app import main; main()"
COMMANDS: dict[str, list[str]] = {
    "archstat --help": ["--help"],
    "archstat table resnt50 (misspelt)": ["table", "resnt50"],
    "archstat table resnet18": ["table", "resnet18"],
    "archstat table resnet1202": ["table", "resnet1202"],
    "archstat zoo": ["zoo"],
    "archstat claims": ["claims"],
}
TARGETS = [  # (what, command, limit in seconds or a ratio to another command)
    ("zoo within 15 s", "archstat zoo", 15.0, None),
    ("claims within 15 s", "archstat claims", 15.0, None),
    ("table resnet1202 within 3x table resnet18", "archstat table resnet1202", 3.0, "archstat table resnet18"),
    ("a misspelt name within 1.2x --help", "archstat table resnt50 (misspelt)", 1.2, "archstat --help"),
]
Sample = tuple[float, int, float, float]  # wall seconds, exit code, load average before, CPU seconds
BEGIN, END = "<!-- first-use: benchmarks/first_use.py -->", "<!-- /first-use -->"


def timed(args: list[str], root: Path = ROOT, warm_up: bool = False) -> tuple[float, int, float, float]:
    """(wall seconds, exit code, load average before, CPU seconds) of one run, its output thrown away. The CPU
    seconds (user + system, the command's processes together) are what a busy machine changes least."""
    load = os.getloadavg()[0]
    env = dict(os.environ, PYTHONPATH=str(root))
    if not warm_up:  # the warm-up writes the bytecode a pip install compiles (a fresh clone has none); runs don't
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _SCRIPT, *args], env=env, cwd=root, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, done.returncode, load, cpu


QUICK = 1.0  # seconds: a command the warm-up finished within this runs ``--quick-runs`` times a round


def measure(runs: int, quick_runs: int = 5, before: Path | None = None) -> dict[str, list[Sample]]:
    """Samples of every command: ``runs`` rounds, the order rotated from round to round. A command under
    ``QUICK`` seconds runs ``quick_runs`` times in each round: at 0.15 s one busy moment of the machine
    moves a single run by half, and the misspelt name's target is a ratio of two such runs. ``before``: another
    checkout of archstat whose commands run beside these, in the same rounds (named "... [before]")."""
    jobs = {name: (args, ROOT) for name, args in COMMANDS.items()}
    if before is not None:
        jobs |= {f"{name} [before]": (args, before) for name, args in COMMANDS.items()}
    samples: dict[str, list[Sample]] = {name: [] for name in jobs}
    names = list(jobs)
    repeats = {name: quick_runs if timed(*jobs[name], warm_up=True)[0] < QUICK else 1 for name in names}
    for round_ in range(runs):
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            for _ in range(repeats[name]):
                samples[name].append(timed(*jobs[name]))
                wall, _, load, cpu = samples[name][-1]
                print(f"{name}: {wall:.2f} s, {cpu:.2f} CPU s (load {load:.1f})", file=sys.stderr)
    return samples


def same_numbers(command: str) -> bool:
    """Whether ``archstat COMMAND --format json`` gives the same json on its default engine and on fvcore's
    (the engine's name aside)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    outputs = [json.loads(subprocess.run([sys.executable, "-m", "archstat", command, "--format", "json", *extra],
                                         env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout)
               for extra in ([], ["--engine", "fvcore"])]
    return _without_engine(outputs[0]) == _without_engine(outputs[1])


def _without_engine(data: object) -> object:
    if isinstance(data, dict):
        return {k: _without_engine(v) for k, v in data.items() if k != "engine"}
    if isinstance(data, list):
        return [_without_engine(v) for v in data]
    return data


def render(samples: dict[str, list[tuple[float, int, float, float]]], numbers: dict[str, bool]) -> str:
    median = {name: statistics.median(s[0] for s in runs) for name, runs in samples.items()}
    rounds = min(len(runs) for runs in samples.values())
    lines = [BEGIN, "## First use: the heavy commands and a misspelt name", "",
             f"Measured {datetime.date.today().isoformat()} with `python benchmarks/first_use.py` "
             f"({rounds} round(s) after a warm-up, medians, wall seconds of a fresh process each; a command under "
             f"{QUICK:.0f} s runs several times a round, {os.cpu_count()} cores). "
             "The load average is the machine's (1 minute) before each run: the "
             "machine was shared, so the times carry its noise; compare commands within this table, not across runs. "
             "Above a load of one per core a wall time stretches by about load / cores; the CPU seconds (user + "
             "system, every process of the command) are the work itself: on an idle machine a command's wall time "
             "is about its CPU seconds, divided by about two for `zoo` and `claims`, which measure in two processes.",
             "", "| command | median (s) | CPU (s) | exit code | load average |", "| --- | ---: | ---: | ---: | --- |"]
    cpu = {name: statistics.median(s[3] for s in runs) for name, runs in samples.items()}
    for name, runs in samples.items():
        loads = ", ".join(f"{s[2]:.1f}" for s in runs)
        lines.append(f"| `{name}` ({len(runs)} runs) | {median[name]:.2f} | {cpu[name]:.2f} | {runs[0][1]} | {loads} |")
    lines += ["", "| target | measured (wall) | in CPU seconds | met (wall) |", "| --- | --- | --- | --- |"]
    for what, name, limit, against in TARGETS:
        value = median[name] / median[against] if against else median[name]
        shown = f"{value:.2f}x" if against else f"{value:.1f} s"
        by_cpu = f"{cpu[name] / cpu[against]:.2f}x" if against else f"{cpu[name]:.1f} s"
        lines.append(f"| {what} | {shown} | {by_cpu} | {'yes' if value <= limit else 'no'} |")
    befores = [name for name in samples if name.endswith(" [before]")]
    if befores:
        lines += ["", "| command | before: median (s) | now | before: CPU (s) | now | now / before, CPU |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for was in befores:
            name = was.removesuffix(" [before]")
            lines.append(f"| `{name}` | {median[was]:.2f} | {median[name]:.2f} | {cpu[was]:.2f} | {cpu[name]:.2f} "
                         f"| {cpu[name] / cpu[was]:.2f}x |")
    for command, same in numbers.items():
        lines.append(f"\n`archstat {command} --format json` on its default engine (meta) "
                     f"{'equals' if same else 'DIFFERS FROM'} `--engine fvcore`'s, the engine's name aside.")
    return "\n".join([*lines, END]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick-runs", type=int, default=5, help="runs a round of each command under 1 s")
    parser.add_argument("--before", type=Path, help="another archstat checkout, timed beside this one")
    parser.add_argument("--output", type=Path, help="a page to put the section into (between its markers)")
    parser.add_argument("--numbers", action="store_true", help="also compare zoo's and claims' json with fvcore's")
    args = parser.parse_args()
    samples = measure(args.runs, args.quick_runs, args.before)
    section = render(samples, {c: same_numbers(c) for c in ("zoo", "claims")} if args.numbers else {})
    if args.output is None:
        print(section)
        return
    text = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    if BEGIN in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
