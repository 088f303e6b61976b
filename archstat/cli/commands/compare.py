"""`archstat compare`: several networks side by side, each as a ratio of the first.

The measuring is ``archstat.analysis.compare`` (plain data); this module words and lays it out.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from ...options import Metric
from ...render.words import byte_text, human, integer, multiple
from ..checks import model_args
from ..engine_choice import meta_unless_asked
from ..errors import reports_errors
from ..options import DEFAULT_FORMAT, FormatOpt, ModelOptions, complete_model, model_options
from ..output import Result, emit, text_output
from ..progress import steps

if TYPE_CHECKING:
    import pandas as pd

    from ...analysis.compare import Entry
else:
    from ..._lazy import pandas as pd

# How each metric is named in a sentence, and its unit.
NAMES = {
    "params": "params", "macs": "MACs", "flops": "FLOPs", "activations": "activations", "depth": "depth",
    "receptive_field": "receptive field", "memory": "inference memory",
}
UNITS = {
    "params": "parameter elements (auxiliary heads excluded)",
    "macs": "multiply-accumulates, one fused multiply-add = 1 MAC",
    "flops": "floating-point operations = 2 x MACs",
    "activations": "output elements of convolutions and fully connected layers",
    "depth": "weight layers (convolutions, fully connected) on the longest path",
    "receptive_field": "input pixels; compared on the field's height (HxW shown)",
    "memory": "bytes for inference: weights + peak activations, fp32, at the given batch",
}


def sentence(entry: Entry, first: Entry, metric: str) -> str:
    """'googlenet has 0.051x the params of vgg16 (1/19.8).'"""
    ratio, name = entry.ratios[metric], NAMES[metric]
    if ratio is None:
        return f"{entry.label}: {name} not available, so no ratio to {first.label}."
    if ratio == 1:
        return f"{entry.label} has the same {name} as {first.label}."
    inverse = f" (1/{1 / ratio:.3g})" if ratio < 1 else ""
    return f"{entry.label} has {multiple(ratio)} the {name} of {first.label}{inverse}."


def value_text(entry: Entry, metric: str) -> str:
    value = entry.values[metric]
    if value is None:
        return "n/a"
    if metric == "memory":
        return byte_text(value)
    if metric == "receptive_field":
        return "x".join(map(str, entry.field_hw or [int(value)]))
    if metric == "depth":
        return str(int(value))
    return f"{integer(value)} ({human(value)})"


def _shapes_text(shapes: list[list[int]]) -> str:
    return "+".join("x".join(map(str, s)) for s in shapes)


def _ratio_suffix(ratio: float | None, first: bool) -> str:
    return "" if first or ratio is None else f" = {multiple(ratio)}"


def _mode_line(entries: list[Entry]) -> str:
    return f"Counted in {entries[0].mode} mode."


def one_metric(entries: list[Entry], metric: str) -> Result:
    """Each model's value of ``metric``, its ratio to the first's, and a sentence for each ratio."""
    first = entries[0]
    return Result(
        json=lambda: {"metric": metric, "unit": UNITS[metric], "mode": first.mode, "models": [
            {"model": e.label, "input": e.input, "value": e.values[metric], "ratio": e.ratios[metric],
             **({"receptive_field": e.field_hw} if metric == "receptive_field" else {})} for e in entries]},
        csv=lambda: pd.DataFrame({
            "model": [e.label for e in entries], "input": [_shapes_text(e.input) for e in entries],
            "value": [e.values[metric] for e in entries], "ratio": [e.ratios[metric] for e in entries],
        }),
        table=lambda: pd.DataFrame({
            "model": [e.label for e in entries],
            "input": [_shapes_text(e.input) for e in entries],
            NAMES[metric]: [value_text(e, metric) for e in entries],
            f"ratio to {first.label}": [multiple(e.ratios[metric]) for e in entries],
        }),
        title=f"{NAMES[metric]}: compared with {first.label}",
        notes=[*(sentence(e, first, metric) for e in entries[1:]), f"{NAMES[metric]}: {UNITS[metric]}.",
               _mode_line(entries)],
        right=(NAMES[metric], f"ratio to {first.label}"),
    )


def all_metrics(entries: list[Entry], metrics: list[str]) -> Result:
    """Every metric of every model, each with its ratio to the first model's."""

    def table() -> pd.DataFrame:
        frame = pd.DataFrame({"metric": [NAMES[m] for m in metrics]})
        for i, e in enumerate(entries):
            frame[e.label] = [value_text(e, m) + _ratio_suffix(e.ratios[m], first=i == 0) for m in metrics]
        return frame

    inputs = "; ".join(f"{e.label} {_shapes_text(e.input)}" for e in entries)
    return Result(
        json=lambda: {"metrics": metrics, "units": {m: UNITS[m] for m in metrics}, "mode": entries[0].mode,
                      "models": [
            {"model": e.label, "input": e.input, "values": e.values, "ratios": e.ratios,
             "receptive_field": e.field_hw} for e in entries]},
        csv=lambda: pd.DataFrame([{"model": e.label, "metric": m, "value": e.values[m], "ratio": e.ratios[m]}
                                  for e in entries for m in metrics]),
        table=table,
        title="archstat compare",
        notes=[f"Ratios are to {entries[0].label}. Inputs: {inputs}.", *(f"{NAMES[m]}: {UNITS[m]}." for m in metrics),
               _mode_line(entries)],
        right=[e.label for e in entries],
    )


MetricOpt = Annotated[
    Metric | None, typer.Option("--metric", "-m", help="Compare on one metric; default: all.")
]


@reports_errors
@text_output
@model_options(defaults={"engine": None})  # None: meta, with a note (engine_choice)
def compare(
    models: Annotated[list[str], typer.Argument(metavar="MODEL",
        help="Two or more models: zoo names or your own (file.py:Class); NAME@299 gives one its own input.",
        show_default=False, autocompletion=complete_model, callback=model_args)],
    metric: MetricOpt = None,
    format: FormatOpt = DEFAULT_FORMAT,
    *,
    options: ModelOptions,
) -> None:
    """Models side by side: each value and its ratio to the first model's.

    Example: archstat compare vgg16 googlenet --metric params
    """
    from ...analysis.compare import compare_models

    engine = meta_unless_asked(options.engine)
    with steps(len(models)) as start:
        entries = compare_models(models, metric=metric, request=replace(options, engine=engine).request(""),
                                 progress=start)
    emit(one_metric(entries, metric.value) if metric else all_metrics(entries, list(entries[0].values)), format)
