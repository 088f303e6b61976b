#!/usr/bin/env python
"""Time archstat's two engines against the tools people run instead, as whole processes.

Each measurement is a fresh Python process, timed from start to exit (wall seconds) with its peak
resident memory (``ru_maxrss`` of that child, from ``os.wait4``). Every tool runs once as a warm-up
(file caches), then ``--runs`` rounds; each round runs every tool once, in an order rotated from
round to round, so a slow spell of the machine falls on all tools alike. Medians are reported.

Tools, on the same network definitions (archstat's zoo):
  archstat-meta    ``python -m archstat table NET --input S --engine meta``
  archstat         ``python -m archstat table NET --input S --engine fvcore`` (the default engine, named)
  fvcore           ``FlopCountAnalysis`` + ``flop_count_table`` on a normally built model
  torchinfo        ``torchinfo.summary(model, input_size=...)``
  ptflops          ``ptflops.get_model_complexity_info(model, (3, S, S))``
  thop             ``thop.profile(model, inputs=(x,))``
The four others build the model as a user would (PyTorch's weight initialisation) and import only
archstat's model definitions, not its analysis code. Install them with ``pip install -e .[bench]``.

Four sections measure archstat alone (``--only startup,rf,big,sweep`` runs just them, in a few minutes):
  startup   ``archstat --help``, ``--version``, ``table --help``, four completions (one of a zoo model
            name) and ``list --format json``, run as the console script runs them, beside ``python -c pass``
            and ``python -c "import torch"``
  rf        ``archstat rf vgg16 --input 1024`` against ``archstat table vgg16 --input 1024 --engine meta``
            (target: rf within 1.3x of table)
  big       ``archstat table tests/fixtures/wide_vgg.py:WideVGG --input 224`` on both engines: VGG-16
            widened 8x, 34.5 GB of weights (target: peak RSS under 1.5 GB on both)
  sweep     ``archstat sweep resnet50_v1_5 --sizes 64:1024:32`` (31 sides, meta engine) against
            ``archstat table resnet50_v1_5 --engine meta`` (target: within 3x of table)

Usage: ``python benchmarks/run.py`` (30-45 minutes on 2 cores; writes docs/performance.md),
``python benchmarks/run.py --quick`` (a few minutes; writes nothing unless --output is given) or
``python benchmarks/run.py --only startup,rf`` (prints those sections; writes nothing unless --output).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = {"alexnet": 227, "vgg16": 224, "resnet152": 224, "densenet201": 224, "inception_v3": 299}
LARGE = 1024
TOOLS = ["archstat-meta", "archstat", "fvcore", "torchinfo", "ptflops", "thop"]
FLOOR = "import torch"  # a process that imports torch and exits: what no tool can go below
SECTIONS = ("startup", "rf", "big", "sweep")  # what --only can pick; the tool comparison runs only without --only

# Startup: what the console script costs when it analyses nothing. The commands run as the script
# does (``main`` with argv[0] "archstat", which click's completion keys on), from the source tree.
STARTUP = "startup"
_SCRIPT = "import sys; sys.argv[0] = 'archstat'; from archstat.cli.app import main; main()"
_COMPLETION = {"_ARCHSTAT_COMPLETE": "complete_bash", "COMP_WORDS": "archstat ta", "COMP_CWORD": "1"}
STARTUPS: dict[str, tuple[list[str], dict[str, str]]] = {
    "archstat --help": (["--help"], {}),
    "archstat --version": (["--version"], {}),
    "archstat table --help": (["table", "--help"], {}),
    "completion of `archstat ta` (bash)": ([], _COMPLETION),
    "completion of `archstat table --fo` (bash)": (
        [], {**_COMPLETION, "COMP_WORDS": "archstat table --fo", "COMP_CWORD": "2"}),
    "completion of `archstat ta` (zsh)": (
        [], {"_ARCHSTAT_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "archstat ta"}),
    # a zoo model name and the zoo's listing: both read the zoo's facts (archstat/zoo_facts/), not the registry (torch)
    "completion of `archstat table res` (bash)": (
        [], {**_COMPLETION, "COMP_WORDS": "archstat table res", "COMP_CWORD": "2"}),
    "archstat list --format json": (["list", "--format", "json"], {}),
}
STARTUP_FLOORS = {"python -c pass": "pass", "python -c 'import torch'": "import torch"}
# rf against the table of the same network and input: tracing fields should cost little over counting.
RF, RF_NETWORK, RF_TARGET = "archstat-rf", "vgg16", 1.3
# A model bigger than RAM (issue 16): VGG-16 widened 8x, 8.6 G parameters, 34.5 GB of fp32 weights,
# a user's file; both engines must answer within 1.5 GB of peak memory.
BIG, BIG_SIDE, BIG_TARGET_MB = "tests/fixtures/wide_vgg.py:WideVGG", 224, 1500
# A 31-side sweep against one table of the same network: the per-side cost has to be small.
SWEEP, SWEEP_NETWORK, SWEEP_SIZES, SWEEP_TARGET = "archstat-sweep", "resnet50_v1_5", "64:1024:32", 3.0
SWEEP_TABLE = "archstat-meta-default"  # table at the network's default input (no --input)
WARMS_WITH = {RF: "archstat-meta", SWEEP: "archstat-meta", SWEEP_TABLE: "archstat-meta"}  # one warm-up fills the caches

# What the four other tools' users write: build the model, then one call. The model definitions are
# imported without archstat's package __init__ (which loads its analysis code and pandas).
_BUILD = f"""
import sys, types, torch
package = types.ModuleType("archstat"); package.__path__ = [{str(ROOT / "archstat")!r}]
sys.modules["archstat"] = package
from archstat.models import build_model
model = build_model(NAME, init_weights=True)
"""
_CALLS = {
    "fvcore": "from fvcore.nn import FlopCountAnalysis, flop_count_table\n"
              "print(flop_count_table(FlopCountAnalysis(model, torch.randn(1, 3, SIDE, SIDE))))",
    "torchinfo": "from torchinfo import summary\nprint(summary(model, input_size=(1, 3, SIDE, SIDE)))",
    "ptflops": "from ptflops import get_model_complexity_info\n"
               "print(get_model_complexity_info(model, (3, SIDE, SIDE)))",
    "thop": "from thop import profile\nprint(profile(model, inputs=(torch.randn(1, 3, SIDE, SIDE),)))",
}


def command(tool: str, name: str, side: int) -> list[str]:
    """The argv that runs ``tool`` on network ``name`` at ``side`` x ``side``."""
    if tool == FLOOR:
        return [sys.executable, "-c", "import torch"]
    if tool == STARTUP:
        floor = STARTUP_FLOORS.get(name)
        return [sys.executable, "-c", floor] if floor else [sys.executable, "-c", _SCRIPT, *STARTUPS[name][0]]
    if tool == RF:
        return [sys.executable, "-m", "archstat", "rf", name, "--input", str(side)]
    if tool == SWEEP:
        return [sys.executable, "-m", "archstat", "sweep", name, "--sizes", SWEEP_SIZES]
    if tool == SWEEP_TABLE:
        return [sys.executable, "-m", "archstat", "table", name, "--engine", "meta"]
    if tool.startswith("archstat"):
        # fvcore named: table's default counts a net of over 200 modules with weights (densenet201) on meta
        engine = ["--engine", "meta"] if tool == "archstat-meta" else ["--engine", "fvcore"]
        return [sys.executable, "-m", "archstat", "table", name, "--input", str(side), *engine]
    code = _BUILD.replace("NAME", repr(name)) + _CALLS[tool].replace("SIDE", str(side))
    return [sys.executable, "-c", code]


@dataclass
class Sample:
    seconds: float
    peak_mb: float
    ok: bool
    error: str = ""  # last line of stderr when the process failed


def measure(argv: list[str], env: dict[str, str]) -> Sample:
    """Run ``argv`` to its end; wall time and the peak resident memory of that process."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors, env=env, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        error = ""
        if process.returncode != 0:
            errors.seek(0)
            error = next(iter(errors.read().decode(errors="replace").strip().splitlines()), "")
            print(f"    failed ({process.returncode}): {' '.join(argv[:6])} ... {error}", file=sys.stderr)
    return Sample(seconds, usage.ru_maxrss / 1024, process.returncode == 0, error)  # ru_maxrss is in KiB


@dataclass
class Results:
    """Samples per (tool, network, side), and what the machine was doing."""

    samples: dict[tuple[str, str, int], list[Sample]] = field(default_factory=dict)
    load: list[tuple[float, float, float]] = field(default_factory=list)
    warm: set[str] = field(default_factory=set)  # tools already run once (file caches filled)

    def add(self, tool: str, name: str, side: int, sample: Sample) -> None:
        self.samples.setdefault((tool, name, side), []).append(sample)

    def median(self, tool: str, name: str, side: int, what: str = "seconds") -> float | None:
        found = [s for s in self.samples.get((tool, name, side), []) if s.ok]
        return statistics.median(getattr(s, what) for s in found) if found else None


def job_env(tool: str, name: str, env: dict[str, str]) -> dict[str, str]:
    """``env``, plus what a startup command sets (shell completion is asked for through variables)."""
    return {**env, **STARTUPS[name][1]} if tool == STARTUP and name in STARTUPS else env


def rounds(jobs: list[tuple[str, str, int]], runs: int, env: dict[str, str], results: Results) -> None:
    """A warm-up run of each tool not yet run, then ``runs`` rounds over all jobs, in an order
    rotated each round."""
    for tool, name, side in jobs:
        if WARMS_WITH.get(tool, tool) not in results.warm:
            measure(command(tool, name, side), job_env(tool, name, env))
            results.warm.add(WARMS_WITH.get(tool, tool))
    for round_ in range(runs):
        shift = round_ % len(jobs)
        for tool, name, side in jobs[shift:] + jobs[:shift]:
            results.add(tool, name, side, measure(command(tool, name, side), job_env(tool, name, env)))
        results.load.append(os.getloadavg())
        print(f"  round {round_ + 1}/{runs} done, load {os.getloadavg()[0]:.2f}", file=sys.stderr)


def run_sections(args: argparse.Namespace, env: dict[str, str], results: Results) -> None:
    """The startup and rf sections ``args.only`` names: archstat alone, no other tool."""
    if "startup" in args.sections:
        print("startup (the console script, analysing nothing):", file=sys.stderr)
        rounds([(STARTUP, name, 0) for name in [*STARTUPS, *STARTUP_FLOORS]], args.runs, env, results)
    if "rf" in args.sections:
        print(f"rf against table at {LARGE} ({RF_NETWORK}, meta engine):", file=sys.stderr)
        rounds([("archstat-meta", RF_NETWORK, LARGE), (RF, RF_NETWORK, LARGE)], args.runs, env, results)
    if "big" in args.sections:
        print(f"a model bigger than RAM ({BIG}), both engines:", file=sys.stderr)
        jobs = [("archstat-meta", BIG, BIG_SIDE), ("archstat", BIG, BIG_SIDE), ("archstat-meta", "vgg16", BIG_SIDE)]
        rounds(jobs, args.runs, env, results)  # the zoo's VGG-16 in the same rounds: what the load costs
    if "sweep" in args.sections:
        print(f"a {SWEEP_SIZES} sweep against one table ({SWEEP_NETWORK}, meta engine):", file=sys.stderr)
        rounds([(SWEEP_TABLE, SWEEP_NETWORK, 0), (SWEEP, SWEEP_NETWORK, 0)], args.runs, env, results)


def run_all(args: argparse.Namespace, env: dict[str, str]) -> Results:
    results = Results(load=[os.getloadavg()])
    if args.only:
        run_sections(args, env, results)
        results.load.append(os.getloadavg())
        return results
    networks = {n: NETWORKS[n] for n in args.networks}
    for name, side in networks.items():
        for size in (side, LARGE):
            print(f"{name} at {size}:", file=sys.stderr)
            floor = [(FLOOR, name, size)] if size == side else []
            rounds([(tool, name, size) for tool in args.tools] + floor, args.runs, env, results)
    print("meta engine at 2048 against its own time at the default input:", file=sys.stderr)
    rounds([("archstat-meta", n, s) for name, side in networks.items() for n, s in ((name, side), (name, 2048))],
           args.runs, env, results)
    print("the 1000-layer networks, meta engine:", file=sys.stderr)
    rounds([("archstat-meta", n, 32) for n in ("resnet1202", "preact_resnet1001")], args.runs, env, results)
    print(f"every zoo model at 4096, meta engine, {len(args.zoo)} models:", file=sys.stderr)
    for name in args.zoo:
        results.add("archstat-meta", name, 4096, measure(command("archstat-meta", name, 4096), env))
    results.load.append(os.getloadavg())
    run_sections(args, env, results)
    results.load.append(os.getloadavg())
    return results


def zoo_names() -> list[str]:
    listing = subprocess.run([sys.executable, "-m", "archstat", "list", "--format", "json"],
                             capture_output=True, text=True, check=True, cwd=ROOT)
    return [entry["name"] for entry in json.loads(listing.stdout)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="vgg16 and resnet152, 3 runs, 8 zoo models at 4096")
    parser.add_argument("--runs", type=int, help="measured rounds (after one warm-up); default 5, 3 with --only")
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS for every child (default: torch's own)")
    parser.add_argument("--output", type=Path, help="Markdown report (default: docs/performance.md, not with --quick)")
    parser.add_argument("--json", type=Path, help="also write every sample here")
    parser.add_argument("--from-json", type=Path, help="render the page again from a --json file, no measuring")
    parser.add_argument("--only", type=sections, help=f"run only these sections, comma-separated: {','.join(SECTIONS)} "
                        "(3 runs unless --runs; prints them, writes nothing unless --output)")
    args = parser.parse_args()
    args.sections = args.only or list(SECTIONS)
    if args.from_json:
        rerender(args)
        return
    args.runs = args.runs or (3 if args.only else 5)
    if args.only:
        args.networks, args.tools, args.zoo = [], [], []
    else:
        args.networks, args.tools, args.zoo = list(NETWORKS), TOOLS, zoo_names()
    if args.quick:
        args.networks, args.runs, args.zoo = ["vgg16", "resnet152"], min(args.runs, 3), args.zoo[::7]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
    started = datetime.datetime.now(datetime.timezone.utc)
    results = run_all(args, env)
    text = (render_sections if args.only else render)(results, args, started, machine(args))
    output = args.output or (None if args.quick or args.only else ROOT / "docs" / "performance.md")
    if output:
        output.write_text(text + kept_first_use(output), encoding="utf-8")
        print(f"wrote {output}", file=sys.stderr)
    else:
        print(text)
    if args.json:
        rows = [{"tool": t, "network": n, "side": s, **vars(x)}
                for (t, n, s), xs in results.samples.items() for x in xs]
        saved = {"started": started.isoformat(), "runs": args.runs, "machine": machine(args), "load": results.load,
                 "only": args.only, "samples": rows}
        args.json.write_text(json.dumps(saved, indent=1), encoding="utf-8")


def sections(text: str) -> list[str]:
    """``--only``'s value: known section names, comma-separated."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown section {', '.join(unknown) or '(none)'}; choose from "
                                         f"{', '.join(SECTIONS)}")
    return names


def rerender(args: argparse.Namespace) -> None:
    """The page from saved samples (same run, same numbers): for a change in the page's layout."""
    saved = json.loads(args.from_json.read_text(encoding="utf-8"))
    results = Results(load=[tuple(x) for x in saved["load"]])  # type: ignore[misc]
    for row in saved["samples"]:
        results.add(row["tool"], row["network"], row["side"], Sample(row["seconds"], row["peak_mb"], row["ok"],
                                                                     row.get("error", "")))
    args.networks = [n for n in NETWORKS if (TOOLS[0], n, NETWORKS[n]) in results.samples]
    args.tools, args.zoo = TOOLS, [n for (t, n, s) in results.samples if s == 4096]
    args.runs, args.only = saved["runs"], saved.get("only")
    args.sections = args.only or list(SECTIONS)
    started = datetime.datetime.fromisoformat(saved["started"])
    if args.only:
        text = render_sections(results, args, started, saved["machine"])
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            print(text)
        return
    text = render(results, args, started, saved["machine"])
    page = args.output or ROOT / "docs" / "performance.md"
    page.write_text(text + kept_first_use(page), encoding="utf-8")


def kept_first_use(page: Path) -> str:
    """The section benchmarks/first_use.py wrote into ``page`` (between its markers), kept when this script
    writes the page again: the two measure different things, each in its own run."""
    text = page.read_text(encoding="utf-8") if page.exists() else ""
    begin, end = "<!-- first-use: benchmarks/first_use.py -->", "<!-- /first-use -->"
    if begin not in text or end not in text:
        return ""
    return "\n" + text[text.index(begin):text.index(end) + len(end)] + "\n"


def machine(args: argparse.Namespace) -> dict[str, str]:
    """What ran the benchmark: CPU, cores, memory, software versions."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memory = next((int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0) if Path("/proc/meminfo").exists() else 0
    versions = subprocess.run(
        [sys.executable, "-c", "import importlib.metadata as m\nfor p in ('torch', 'archstat', 'fvcore', 'torchinfo', "
         "'ptflops', 'thop'):\n    print(p, m.version(p))"], capture_output=True, text=True, check=False).stdout
    return {
        "cpu": f"{cpu}, {os.cpu_count()} logical cores", "memory": f"{memory / 2**30:.1f} GiB",
        "os": platform.platform(), "python": platform.python_version(),
        "packages": ", ".join(" ".join(line.split()) for line in versions.splitlines()),
        "threads": f"OMP_NUM_THREADS={args.threads}" if args.threads else "torch's default",
    }


# The Markdown page: arithmetic on the medians only.

def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _to_fvcore(results: Results, tool: str, name: str, side: int, what: str = "seconds") -> float | None:
    """``tool``'s median over fvcore's, in wall time or peak RSS."""
    return _ratio(results.median(tool, name, side, what), results.median("fvcore", name, side, what))


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def _cell(results: Results, tool: str, name: str, side: int) -> str:
    seconds, peak = results.median(tool, name, side), results.median(tool, name, side, "peak_mb")
    if seconds is None:
        errors = [s.error for s in results.samples.get((tool, name, side), []) if s.error]
        if not errors or errors[0].startswith("Traceback"):
            return "failed (an exception)"
        return f"failed: {errors[0].removeprefix('archstat: error: ')[:70].replace('|', '/')}..."
    return f"{seconds:.2f} s / {peak:.0f} MB"


def _targets(results: Results, args: argparse.Namespace) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for each target of issue 7 that this run measured."""
    rows: list[tuple[str, str, bool | None]] = []
    main = [n for n in ("vgg16", "resnet152") if n in args.networks]
    for label, large, limit in (("default input", False, 0.5), (str(LARGE), True, 0.3)):
        ratios = [_to_fvcore(results, "archstat-meta", n, LARGE if large else NETWORKS[n]) for n in main]
        shown = ", ".join(f"{n} {_x(r)}" for n, r in zip(main, ratios, strict=True))
        rows.append((f"meta vs fvcore, wall time at {label}: at most {limit}x", shown,
                     all(r is not None and r <= limit for r in ratios)))
    memory = [(f"{n} {s}", _to_fvcore(results, "archstat-meta", n, s, "peak_mb"))
              for n in main for s in (NETWORKS[n], LARGE)]
    rows.append(("meta vs fvcore, peak RSS: at most 0.5x", ", ".join(f"{k} {_x(r)}" for k, r in memory),
                 all(r is not None and r <= 0.5 for _, r in memory)))
    scale = [(n, _ratio(results.median("archstat-meta", n, 2048), results.median("archstat-meta", n, NETWORKS[n])))
             for n in args.networks]
    ran, failed = [(n, r) for n, r in scale if r is not None], [n for n, r in scale if r is None]
    rows.append(("meta at 2048 vs meta at the default input, wall time: at most 1.2x",
                 ", ".join(f"{n} {_x(r)}" for n, r in ran) + _not_taking(failed, 2048),
                 bool(ran) and all(r <= 1.2 for _, r in ran)))
    zoo = [(n, results.median("archstat-meta", n, 4096, "peak_mb")) for n in args.zoo]
    ran = [(n, m) for n, m in zoo if m is not None]
    worst = max(ran, key=lambda item: item[1]) if ran else ("none", 0.0)
    failed = [n for n, m in zoo if m is None]
    rows.append((f"every zoo model at 4096 (meta): peak RSS within 1 GB ({len(ran)} of {len(zoo)} models "
                 "take a 4096 input)", f"largest {worst[1]:.0f} MB ({worst[0]})"
                 + (f"; {', '.join(failed)} do not take 4096 (see the last table)" if failed else ""),
                 bool(ran) and all(m <= 1024 for _, m in ran)))
    deep = [(n, results.median("archstat-meta", n, 32)) for n in ("resnet1202", "preact_resnet1001")]
    rows.append(("resnet1202 and preact_resnet1001 (meta): under 10 s",
                 ", ".join(f"{n} {t:.2f} s" if t else f"{n} failed" for n, t in deep),
                 all(t is not None and t < 10 for _, t in deep)))
    points = [(n, s) for n in args.networks for s in (NETWORKS[n], LARGE) if results.median("fvcore", n, s)]
    default = [(f"{n} {s}", _to_fvcore(results, "archstat", n, s)) for n, s in points]
    skipped = [f"{n} {s}" for n in args.networks for s in (NETWORKS[n], LARGE) if (n, s) not in points]
    rows.append(("default engine never slower than fvcore used directly", ", ".join(
        f"{k} {_x(r)}" for k, r in default) + _not_taking(skipped, None),
        all(r is not None and r <= 1.0 for _, r in default)))
    return rows


def _floor(results: Results, args: argparse.Namespace) -> list[str]:
    """What ``import torch`` alone costs, beside fvcore's and the meta engine's whole runs."""
    rows = [(n, results.median(FLOOR, n, NETWORKS[n]), results.median("fvcore", n, NETWORKS[n]),
             results.median("archstat-meta", n, NETWORKS[n])) for n in args.networks]
    shown = [(n, t, f, m) for n, t, f, m in rows if t is not None]
    if not shown:
        return []
    return [
        "A process that only runs `import torch` and exits, measured in the same rounds, is the floor "
        "for every tool here:", "",
        "| network | input | `import torch` alone | as a share of fvcore's run | meta engine above the floor |",
        "| --- | --- | --- | --- | --- |",
        *[f"| {n} | {NETWORKS[n]} | {t:.2f} s | {_x(_ratio(t, f))} | "
          + (f"{m - t:+.2f} s |" if m is not None else "n/a |") for n, t, f, m in shown],
    ]


def _not_taking(names: list[str], side: int | None) -> str:
    """A network whose classifier is sized for one input fails there with every tool."""
    where = f" {side}" if side else ""
    return f"; {', '.join(names)}: no input{where} (fails with every tool)" if names else ""


def render(results: Results, args: argparse.Namespace, started: datetime.datetime, info: dict[str, str]) -> str:
    points = [(n, s) for n in args.networks for s in (NETWORKS[n], LARGE)]
    loads = ", ".join(f"{load[0]:.2f}" for load in results.load)
    lines = [
        "# Performance", "",
        "Generated by `python benchmarks/run.py` (see [benchmarks/README.md](../benchmarks/README.md)); numbers "
        "from one real run, copied by the script, not by hand.", "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC; {args.runs} measured runs per point after a warm-up, tools "
        "alternated within each round, medians shown",
        *[f"- {key}: {value}" for key, value in info.items()],
        f"- load average (1 min) at the start and after each round: {loads}. Other work shared the machine; "
        "every tool met the same conditions within a round.", "",
        "Wall time is the whole process (interpreter start, imports, model, analysis, output); peak RSS is "
        "the process's largest resident memory. A network whose classifier is sized for one input "
        "(alexnet, lenet5) fails at other inputs with every tool; ptflops reports such a failure and "
        "exits normally.", "",
        "## Targets (issue 7)", "", "| target | measured | met |", "| --- | --- | --- |",
        *[f"| {t} | {m} | {'yes' if ok else 'no'} |" for t, m, ok in _targets(results, args)], "",
        *_floor(results, args), "",
        "## Wall time and peak RSS (median)", "",
        "| network | input | " + " | ".join(args.tools) + " |", "| --- | --- |" + " --- |" * len(args.tools),
        *[f"| {n} | {s} | " + " | ".join(_cell(results, t, n, s) for t in args.tools) + " |" for n, s in points], "",
        "## Ratios to fvcore used directly", "",
        "| network | input | meta / fvcore, time | meta / fvcore, RSS | archstat (default engine) / fvcore, time |",
        "| --- | --- | --- | --- | --- |",
        *[f"| {n} | {s} | {_x(_to_fvcore(results, 'archstat-meta', n, s))} | "
          f"{_x(_to_fvcore(results, 'archstat-meta', n, s, 'peak_mb'))} | "
          f"{_x(_to_fvcore(results, 'archstat', n, s))} |" for n, s in points], "",
        "## Meta engine: input size and depth", "",
        "| network | input | wall / peak RSS |", "| --- | --- | --- |",
        *[f"| {n} | {s} | {_cell(results, 'archstat-meta', n, s)} |"
          for n in args.networks for s in (NETWORKS[n], 2048)],
        *[f"| {n} | 32 | {_cell(results, 'archstat-meta', n, 32)} |" for n in ("resnet1202", "preact_resnet1001")],
        "", "## Every zoo model at 4096x4096, meta engine (one run each)", "",
        "| model | wall / peak RSS |", "| --- | --- |",
        *[f"| {n} | {_cell(results, 'archstat-meta', n, 4096)} |" for n in args.zoo], "",
        *_sections(results, args),
    ]
    return "\n".join(lines)


def _sections(results: Results, args: argparse.Namespace) -> list[str]:
    """The startup and rf tables, for the sections this run measured (an older run has neither)."""
    lines: list[str] = []
    if "startup" in args.sections and any(t == STARTUP for t, _, _ in results.samples):
        lines += ["## Startup: the console script analysing nothing (wall / peak RSS, median)", "",
                  "Run as the `archstat` script runs them, beside the interpreter alone and `import torch` alone.", "",
                  "| command | wall / peak RSS |", "| --- | --- |",
                  *[f"| {n} | {_cell(results, STARTUP, n, 0)} |" for n in [*STARTUPS, *STARTUP_FLOORS]], ""]
    if "rf" in args.sections and (RF, RF_NETWORK, LARGE) in results.samples:
        rf, table = results.median(RF, RF_NETWORK, LARGE), results.median("archstat-meta", RF_NETWORK, LARGE)
        ratio = _ratio(rf, table)
        met = "yes" if ratio is not None and ratio <= RF_TARGET else "no"
        lines += [f"## Receptive fields: `archstat rf` against `archstat table --engine meta` ({RF_NETWORK}, "
                  f"{LARGE}x{LARGE})", "", "| command | wall / peak RSS |", "| --- | --- |",
                  f"| `archstat rf {RF_NETWORK} --input {LARGE}` | {_cell(results, RF, RF_NETWORK, LARGE)} |",
                  f"| `archstat table {RF_NETWORK} --input {LARGE} --engine meta` | "
                  f"{_cell(results, 'archstat-meta', RF_NETWORK, LARGE)} |", "",
                  f"rf / table, wall time: {_x(ratio)} (target: at most {RF_TARGET}x; met: {met})", ""]
    if "big" in args.sections and ("archstat", BIG, BIG_SIDE) in results.samples:
        lines += _big(results)
    if "sweep" in args.sections and (SWEEP, SWEEP_NETWORK, 0) in results.samples:
        lines += _sweep_section(results)
    return lines


def _big(results: Results) -> list[str]:
    """The bigger-than-RAM model on both engines, against its 1.5 GB target."""
    runs = [(f"`archstat table {BIG} --input {BIG_SIDE} --engine meta`", "archstat-meta"),
            (f"`archstat table {BIG} --input {BIG_SIDE}` (default engine, default budget)", "archstat")]
    peaks = [results.median(tool, BIG, BIG_SIDE, "peak_mb") for _, tool in runs]
    met = "yes" if all(p is not None and p < BIG_TARGET_MB for p in peaks) else "no"
    return [f"## A model bigger than RAM: VGG-16 widened 8x ({BIG})", "",
            "8.6 G parameters, 34.5 GB of fp32 weights (counts pinned by hand in tests/test_big_models.py), "
            "on a machine with less memory than that; both engines build it on the meta device.", "",
            "| command | wall / peak RSS |", "| --- | --- |",
            *[f"| {label} | {_cell(results, tool, BIG, BIG_SIDE)} |" for label, tool in runs],
            f"| `archstat table vgg16 --input {BIG_SIDE} --engine meta` (the zoo's VGG-16, 553 MB of weights, "
            f"for reference) | {_cell(results, 'archstat-meta', 'vgg16', BIG_SIDE)} |", "",
            f"Peak RSS under {BIG_TARGET_MB} MB on both engines: {met}", ""]


def _sweep_section(results: Results) -> list[str]:
    """The 31-side sweep against one table of the same network (issue 16)."""
    sweep, table = results.median(SWEEP, SWEEP_NETWORK, 0), results.median(SWEEP_TABLE, SWEEP_NETWORK, 0)
    ratio = _ratio(sweep, table)
    met = "yes" if ratio is not None and ratio <= SWEEP_TARGET else "no"
    return [f"## A 31-side sweep against one table ({SWEEP_NETWORK}, meta engine)", "",
            "| command | wall / peak RSS |", "| --- | --- |",
            f"| `archstat table {SWEEP_NETWORK} --engine meta` | {_cell(results, SWEEP_TABLE, SWEEP_NETWORK, 0)} |",
            f"| `archstat sweep {SWEEP_NETWORK} --sizes {SWEEP_SIZES}` | "
            f"{_cell(results, SWEEP, SWEEP_NETWORK, 0)} |", "",
            f"sweep / table, wall time: {_x(ratio)} (target: at most {SWEEP_TARGET}x; met: {met})", ""]


def render_sections(results: Results, args: argparse.Namespace, started: datetime.datetime,
                    info: dict[str, str]) -> str:
    """Only the sections ``--only`` ran, with when and where, as Markdown."""
    loads = ", ".join(f"{load[0]:.2f}" for load in results.load)
    lines = [f"# archstat benchmarks: {', '.join(args.sections)}", "",
             f"Generated by `python benchmarks/run.py --only {','.join(args.sections)}`.", "",
             f"- date: {started:%Y-%m-%d %H:%M} UTC; {args.runs} measured runs per point after a warm-up, "
             "commands alternated within each round, medians shown",
             *[f"- {key}: {value}" for key, value in info.items()],
             f"- load average (1 min) at the start and after each section: {loads}", "",
             *_sections(results, args)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
