"""`archstat compare`: several networks side by side, each as a ratio of the first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ...analysis.counting import analyze
from ...analysis.memory import estimate_memory
from ...errors import UsageError
from ...options import Metric
from ...render.tables import OutputFormat, csv_text, json_text, markdown_table, rich_table
from ...render.words import byte_text, human, integer
from ..app import (
    BatchOpt,
    ClassesOpt,
    Engine,
    EngineOpt,
    FormatOpt,
    InputOpt,
    KwargsOpt,
    app,
    emit,
    model_target,
    reports_errors,
    stdout,
    text_output,
)

if TYPE_CHECKING:
    import pandas as pd
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
_AT = re.compile(r"^(?P<spec>.+)@(?P<input>\d+(?:x\d+)*)$")


@dataclass
class Entry:
    """One model's measured values (None where the engine gives none) and its receptive field [h, w]."""

    label: str
    input: list[list[int]]
    values: dict[str, float | None]
    field_hw: list[int] | None = None
    ratios: dict[str, float | None] = dataclass_field(default_factory=dict)


def split_input(text: str) -> tuple[str, str | None]:
    """``inception_v3@299`` -> (``inception_v3``, ``299``): a model with its own input size."""
    match = _AT.match(text.strip())
    return (match["spec"], match["input"]) if match else (text.strip(), None)


def measure(text: str, inputs: list[str] | None, num_classes: int | None, kwargs: str | None,
            batch: int, metrics: list[str], engine: str = "fvcore") -> Entry:
    """Analyse one model for ``metrics``; the memory estimate runs only when asked for."""
    spec, own_input = split_input(text)
    target, label, shapes = model_target(spec, [own_input] if own_input else inputs, num_classes, kwargs)
    label = f"{label}@{own_input}" if own_input else label
    values: dict[str, float | None] = {}
    rf = None
    if set(metrics) - {"memory"}:
        report = analyze(target, input_size=shapes, batch=batch, num_classes=num_classes, name=label, engine=engine)
        t = report.totals
        rf = t.get("receptive_field")
        values.update(params=t["params"], macs=t["macs"], flops=t["flops"], activations=t["activations"],
                      depth=t.get("depth"), receptive_field=rf[0] if rf else None)
        shown = [list(s) for s in report.input_shape]
    if "memory" in metrics:
        memory = estimate_memory(target, input_size=shapes, batch=batch, num_classes=num_classes, name=label)
        values["memory"] = memory.totals["inference"]
        shown = [list(s) for s in memory.input_shape]
    return Entry(label=label, input=shown, values={m: values.get(m) for m in metrics},
                 field_hw=list(rf) if rf else None)


def add_ratios(entries: list[Entry]) -> None:
    """Each value divided by the first model's (None where either is missing or the first is 0)."""
    first = entries[0].values
    for entry in entries:
        entry.ratios = {m: _ratio(v, first[m]) for m, v in entry.values.items()}


def _ratio(value: float | None, reference: float | None) -> float | None:
    return value / reference if value is not None and reference else None


def ratio_text(ratio: float | None) -> str:
    if ratio is None:
        return "n/a"
    return f"{ratio:.2g}x" if ratio < 1 else f"{ratio:.3g}x"


def sentence(entry: Entry, first: Entry, metric: str) -> str:
    """'googlenet has 0.051x the params of vgg16 (1/19.8).'"""
    ratio, name = entry.ratios[metric], NAMES[metric]
    if ratio is None:
        return f"{entry.label}: {name} not available, so no ratio to {first.label}."
    if ratio == 1:
        return f"{entry.label} has the same {name} as {first.label}."
    inverse = f" (1/{1 / ratio:.3g})" if ratio < 1 else ""
    return f"{entry.label} has {ratio_text(ratio)} the {name} of {first.label}{inverse}."


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
    return "" if first or ratio is None else f" = {ratio_text(ratio)}"


def one_metric(entries: list[Entry], metric: str, fmt: OutputFormat) -> str | None:
    first = entries[0]
    if fmt is OutputFormat.json:
        return json_text({"metric": metric, "unit": UNITS[metric], "models": [
            {"model": e.label, "input": e.input, "value": e.values[metric], "ratio": e.ratios[metric],
             **({"receptive_field": e.field_hw} if metric == "receptive_field" else {})} for e in entries]})
    frame = pd.DataFrame({
        "model": [e.label for e in entries],
        "input": [_shapes_text(e.input) for e in entries],
        NAMES[metric]: [value_text(e, metric) for e in entries],
        f"ratio to {first.label}": [ratio_text(e.ratios[metric]) for e in entries],
    })
    sentences = [sentence(e, first, metric) for e in entries[1:]]
    if fmt is OutputFormat.csv:
        return csv_text(pd.DataFrame({"model": frame.model, "input": frame.input,
                                      "value": [e.values[metric] for e in entries],
                                      "ratio": [e.ratios[metric] for e in entries]}))
    notes = [*sentences, f"{NAMES[metric]}: {UNITS[metric]}."]
    if fmt is OutputFormat.markdown:
        return markdown_table(frame) + "\n" + "\n".join(f"- {line}" for line in notes) + "\n"
    stdout.print(rich_table(frame, f"{NAMES[metric]}: compared with {first.label}", notes,
                            right=(NAMES[metric], f"ratio to {first.label}")))
    return None


def all_metrics(entries: list[Entry], fmt: OutputFormat, metrics: list[str]) -> str | None:
    if fmt is OutputFormat.json:
        return json_text({"metrics": metrics, "units": {m: UNITS[m] for m in metrics}, "models": [
            {"model": e.label, "input": e.input, "values": e.values, "ratios": e.ratios,
             "receptive_field": e.field_hw} for e in entries]})
    if fmt is OutputFormat.csv:
        return csv_text(pd.DataFrame([
            {"model": e.label, "metric": m, "value": e.values[m], "ratio": e.ratios[m]}
            for e in entries for m in metrics]))
    frame = pd.DataFrame({"metric": [NAMES[m] for m in metrics]})
    for i, e in enumerate(entries):
        frame[e.label] = [value_text(e, m) + _ratio_suffix(e.ratios[m], first=i == 0) for m in metrics]
    inputs = "; ".join(f"{e.label} {_shapes_text(e.input)}" for e in entries)
    notes = [f"Ratios are to {entries[0].label}. Inputs: {inputs}."]
    notes += [f"{NAMES[m]}: {UNITS[m]}." for m in metrics]
    if fmt is OutputFormat.markdown:
        return markdown_table(frame) + "\n" + "\n".join(f"- {line}" for line in notes) + "\n"
    stdout.print(rich_table(frame, "archstat compare", notes, right=[e.label for e in entries]))
    return None


MetricOpt = Annotated[
    Metric | None, typer.Option("--metric", "-m", help="Compare on one metric; default: all.")
]


@app.command()
@reports_errors
@text_output
def compare(
    models: Annotated[list[str], typer.Argument(metavar="MODEL...",
        help="Two or more models: zoo names or your own (file.py:Class); NAME@299 gives one its own input.",
        show_default=False)],
    metric: MetricOpt = None,
    input: InputOpt = None,
    batch: BatchOpt = 1,
    num_classes: ClassesOpt = None,
    kwargs: KwargsOpt = None,
    engine: EngineOpt = Engine.fvcore,
    format: FormatOpt = OutputFormat.table,
) -> None:
    """Models side by side: each value and its ratio to the first model's.

    Example: archstat compare vgg16 googlenet --metric params
    """
    if len(models) < 2:
        raise UsageError(f"compare needs at least two models, got {len(models)}: add another, e.g. "
                         f"archstat compare {models[0] if models else 'vgg16'} alexnet.")
    metrics = [metric.value] if metric else [m.value for m in Metric]
    entries = [measure(text, input, num_classes, kwargs, batch, metrics, engine.value) for text in models]
    add_ratios(entries)
    text: Any = one_metric(entries, metrics[0], format) if metric else all_metrics(entries, format, metrics)
    emit(text)
