#!/usr/bin/env python
"""How much of a per-layer rank correlation's shortfall is the measurement's own noise (issue 26).

Reads several ``benchmarks/speed.py --layers FILE.json`` files (draws of the same models measured at
different times) and prints, per model and batch found in two draws or more, over the rows measured at
50 us or more in each draw (the rows ``archstat speed`` summarises):

- ``predicted``: Spearman's rank correlation of the draw's predicted (+ hooks) and measured times, as
  the report gives it;
- ``ceiling``: the same with the median of the *other* draws' measured times in place of the
  prediction: what a cost model that knew every layer's true time (up to the noise) would reach;
- ``draw vs draw``: the mean and lowest correlation of two draws' measured times, row by row.

With ``--cross``, per model and batch instead: one row per file's prediction (its calibration's), one
column per file's measurement, each cell the rank correlation of the two: whether a verdict follows the
calibration (a row alike across its columns) or the measured draw (a column alike down its rows).

A prediction near the ceiling is as good as the measurement lets it be; a ceiling near the target says
that the target is within the noise of the measurement for that network.

Usage:
  python benchmarks/speed_noise.py a.json b.json c.json [--models shufflenet_v2_x1_0 mobilenet_v2] [--cross]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
from pathlib import Path

from scipy.stats import spearmanr

SMALL_S = 50e-6  # as archstat.analysis.speed.SMALL_S: shorter rows are timer noise


def draws(paths: list[Path]) -> dict[tuple[str, int], list[dict[str, tuple[float, float]]]]:
    """(model, batch) -> one {row name: (measured s, predicted + hooks s)} per file holding it."""
    found: dict[tuple[str, int], list[dict[str, tuple[float, float]]]] = {}
    for path in paths:
        for report in json.loads(path.read_text(encoding="utf-8")):
            rows = {row["name"]: (row["measured_s"], row["predicted_s"] + (row.get("hooks_s") or 0.0))
                    for row in report["rows"] if row.get("measured_s") is not None}
            found.setdefault((report["model"], int(report["input"][0])), []).append(rows)
    return found


def rho(xs: list[float], ys: list[float]) -> float:
    return float(spearmanr(xs, ys)[0])


def cross(rows: list[dict[str, tuple[float, float]]], names: list[str]) -> None:
    """The ``--cross`` table of one model and batch: each draw's prediction against each draw's measurement."""
    print(f"| prediction of | {' | '.join(names)} |")
    print(f"|---|{'---:|' * len(names)}")
    for name, predicting in zip(names, rows, strict=True):
        cells = []
        for measuring in rows:
            kept = [n for n, (measured, _) in measuring.items() if measured >= SMALL_S and n in predicting]
            cells.append(f"{rho([measuring[n][0] for n in kept], [predicting[n][1] for n in kept]):.3f}")
        print(f"| {name} | {' | '.join(cells)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--models", nargs="*", help="only these models (default: every one in two draws)")
    parser.add_argument("--cross", action="store_true", help="each draw's prediction against each draw's measurement")
    args = parser.parse_args()
    if args.cross:
        for (model, batch), rows in sorted(draws(args.files).items()):
            if len(rows) == len(args.files) > 1 and (not args.models or model in args.models):
                print(f"\n{model} at batch {batch}:\n")
                cross(rows, [path.stem for path in args.files])
        return
    print("| model | batch | draws | predicted | ceiling | draw vs draw (mean, lowest) |")
    print("|---|---:|---:|---|---|---|")
    for (model, batch), rows in sorted(draws(args.files).items()):
        if len(rows) < 2 or (args.models and model not in args.models):
            continue
        predicted, ceiling, pairs = [], [], []
        for draw in rows:
            names = [n for n, (measured, _) in draw.items() if measured >= SMALL_S]
            others = [[d[n][0] for d in rows if d is not draw and n in d] for n in names]
            kept = [(n, o) for n, o in zip(names, others, strict=True) if o]
            predicted.append(rho([draw[n][0] for n in names], [draw[n][1] for n in names]))
            ceiling.append(rho([draw[n][0] for n, _ in kept], [statistics.median(o) for _, o in kept]))
        for a, b in itertools.permutations(rows, 2):
            names = [n for n, (measured, _) in a.items() if measured >= SMALL_S and n in b]
            pairs.append(rho([a[n][0] for n in names], [b[n][0] for n in names]))
        print(f"| {model} | {batch} | {len(rows)} | {' '.join(f'{r:.3f}' for r in predicted)} | "
              f"{' '.join(f'{r:.3f}' for r in ceiling)} | {statistics.mean(pairs):.3f}, {min(pairs):.3f} |")


if __name__ == "__main__":
    main()
