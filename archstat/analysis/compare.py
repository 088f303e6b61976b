"""Several networks measured for ``archstat compare``: each one's values and their ratios to the
first's, described once as a table (``Comparison.table_data``); the command only emits it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from ..errors import UsageError
from ..inputs import format_shape
from ..names import split_input
from ..options import Engine, Metric, Mode
from ..tabular import MAC_DEFINITION, Column, TableData, Tabular, ratio_text
from .counting import count
from .feeding import ForwardKwargs
from .memory import memory_of
from .request import Request


@dataclass
class Entry:
    """One model's measured values (None where the engine gives none) and its receptive field [h, w]."""

    label: str
    input: list[list[int]]
    values: dict[str, float | None]
    mode: str = "eval"
    field_hw: list[int] | None = None
    ratios: dict[str, float | None] = dataclass_field(default_factory=dict)


class Comparison(Tabular, list[Entry]):
    """``compare_models``' answer: a list of ``Entry``, the first the reference, that shows itself as a
    table, one row per model: each metric's value and its ratio to the first model's. ``metric`` names
    the one metric asked for (None: every metric the entries carry); it picks the title and the notes
    (a sentence per ratio for one metric) and the shape of ``to_dict`` and ``csv_rows``."""

    metric: str | None = None

    @property
    def metrics(self) -> list[str]:
        return list(self[0].values) if self else []

    def table_data(self) -> TableData:
        """The comparison as a table, the one description: one row per model, a column per metric (a
        count, bytes or a field, by the metric) and one for its ratio to the first model's."""
        first, metrics = self[0], self.metrics
        columns = [Column("model"), Column("input", "shape")]
        for metric in metrics:
            kind, unit = METRIC_KINDS.get(metric, ("count", ""))
            ratio = f"ratio to {first.label}" if self.metric else f"{NAMES[metric]} ratio"
            columns += [Column(NAMES[metric], kind, unit), Column(ratio, "ratio")]
        rows = [[entry.label, shapes_text(entry.input),
                 *(cell for metric in metrics for cell in (_value(entry, metric), entry.ratios.get(metric)))]
                for entry in self]
        units = [f"{NAMES[m]}: {UNITS[m]}." for m in metrics]
        mode = f"Counted in {first.mode} mode."
        if self.metric:
            notes = [*(sentence(e, first, self.metric) for e in self[1:]), *units, mode]
            title = f"{NAMES[self.metric]}: compared with {first.label}"
        else:
            inputs = "; ".join(f"{e.label} {shapes_text(e.input)}" for e in self)
            notes = [f"Ratios are to {first.label}. Inputs: {inputs}.", *units, mode]
            title = f"compared with {first.label}"
        return TableData(title, columns, rows, notes)

    def to_dict(self) -> dict[str, Any]:
        """The json: for one metric each model's value and ratio, else every metric's (keys kept)."""
        first, metric = self[0], self.metric
        if metric:
            return {"metric": metric, "unit": UNITS[metric], "mode": first.mode, "models": [
                {"model": e.label, "input": e.input, "value": e.values[metric], "ratio": e.ratios[metric],
                 **({"receptive_field": e.field_hw} if metric == "receptive_field" else {})} for e in self]}
        return {"metrics": self.metrics, "units": {m: UNITS[m] for m in self.metrics}, "mode": first.mode,
                "models": [{"model": e.label, "input": e.input, "values": e.values, "ratios": e.ratios,
                            "receptive_field": e.field_hw} for e in self]}

    def csv_rows(self) -> list[dict[str, Any]]:
        """The csv's rows: one per model for one metric, else one per model and metric."""
        if self.metric:
            return [{"model": e.label, "input": shapes_text(e.input), "value": e.values[self.metric],
                     "ratio": e.ratios[self.metric]} for e in self]
        return [{"model": e.label, "metric": m, "value": e.values[m], "ratio": e.ratios[m]}
                for e in self for m in self.metrics]

    def summary(self) -> str:
        metrics = ", ".join(self[0].values) if self else "nothing"
        return f"<Comparison of {', '.join(e.label for e in self)} on {metrics}>"


# How each metric is named (a column, a sentence), its unit, and its column's kind and unit.
NAMES = {
    "params": "params", "macs": "MACs", "flops": "FLOPs", "activations": "activations", "depth": "depth",
    "receptive_field": "receptive field", "memory": "inference memory",
}
UNITS = {
    "params": "parameter elements (auxiliary heads excluded)",
    "macs": f"multiply-accumulates, {MAC_DEFINITION}",
    "flops": "floating-point operations = 2 x MACs",
    "activations": "output elements of convolutions and fully connected layers",
    "depth": "weight layers (convolutions, fully connected) on the longest path",
    "receptive_field": "input pixels; compared on the field's height (HxW shown)",
    "memory": "bytes for inference: weights + peak activations, fp32, at the given batch",
}
METRIC_KINDS = {"macs": ("count", "MACs"), "flops": ("count", "FLOPs"), "receptive_field": ("field", "pixels"),
                "memory": ("bytes", "bytes")}


def sentence(entry: Entry, first: Entry, metric: str) -> str:
    """'googlenet has 0.051x the params of vgg16 (1/19.8).'"""
    ratio, name = entry.ratios[metric], NAMES[metric]
    if ratio is None:
        return f"{entry.label}: {name} not available, so no ratio to {first.label}."
    if ratio == 1:
        return f"{entry.label} has the same {name} as {first.label}."
    inverse = f" (1/{1 / ratio:.3g})" if ratio < 1 else ""
    return f"{entry.label} has {ratio_text(ratio)} the {name} of {first.label}{inverse}."


def shapes_text(shapes: list[list[int]]) -> str:
    """A model's inputs, '1x3x224x224', several joined by '+'."""
    return "+".join(format_shape(s) for s in shapes)


def _value(entry: Entry, metric: str) -> Any:
    if metric == "receptive_field" and entry.field_hw:
        return entry.field_hw
    return entry.values[metric]


def measure(text: str, request: Request, metrics: list[str]) -> Entry:
    """Analyse one model (``text``: a model, or ``model@SIZE`` with its own input) for ``metrics``,
    with ``request``'s settings (its ``model`` is replaced by ``text``'s). The model is built once;
    the memory estimate runs only when asked for, on that build (copied to the meta device)."""
    spec, own_input = split_input(text)
    request = request.but(model=spec, input_size=[own_input] if own_input else request.input_size)
    counted = bool(set(metrics) - {"memory"})
    target = request.resolve() if counted else request.resolve("meta")
    values: dict[str, float | None] = {}
    rf = None
    label, shown = spec, []
    if counted:
        report = count(target, request)
        t, fields = report.totals, report.totals.fields
        rf = fields.receptive_field if fields else None
        values.update(params=t.params, macs=t.macs, flops=t.flops, activations=t.activations,
                      depth=fields.depth if fields else None, receptive_field=rf[0] if rf else None)
        label, shown = report.model, [list(s) for s in report.input_shape]
    if "memory" in metrics:
        memory = memory_of(target, request)
        values["memory"] = memory.totals.inference
        label, shown = memory.model, [list(s) for s in memory.input_shape]
    return Entry(label=f"{label}@{own_input}" if own_input else label, input=shown,
                 values={m: values.get(m) for m in metrics}, mode=request.mode.value,
                 field_hw=list(rf) if rf else None)


def add_ratios(entries: list[Entry]) -> None:
    """Each value divided by the first model's (None where either is missing or the first is 0)."""
    first = entries[0].values
    for entry in entries:
        entry.ratios = {m: _ratio(v, first[m]) for m, v in entry.values.items()}


def _ratio(value: float | None, reference: float | None) -> float | None:
    return value / reference if value is not None and reference else None


def compare_models(
    models: Sequence[str], *, metric: Metric | str | None = None, input_size: list[str] | None = None,
    batch: int = 1, num_classes: int | None = None, kwargs: str | dict[str, Any] | None = None,
    engine: Engine | str = Engine.fvcore, mode: Mode | str = Mode.eval, forward_kwargs: ForwardKwargs = None,
    aux: bool = False, freeze: Sequence[str] = (), train: Sequence[str] = (), memory_budget: int | str | None = None,
    request: Request | None = None, progress: Callable[[str], None] | None = None,
) -> Comparison:
    """Measure two or more ``models`` on ``metric`` (default: every ``Metric``), each with its ratios
    to the first model's values: a ``Comparison``, a list of ``Entry`` that displays as a table.
    The other arguments as for ``analyze``, the same for every model (the memory estimate measures
    inference, in eval mode, whatever ``mode`` says); or ``request``, whose settings stand for them
    (its own ``model`` is not read). ``progress`` is called with each model before it is measured."""
    if len(models) < 2:
        raise UsageError(f"compare needs at least two models, got {len(models)}: add another, e.g. "
                         f"archstat compare {models[0] if models else 'vgg16'} alexnet.")
    metrics = [Metric.parse(metric, "--metric").value] if metric else [m.value for m in Metric]
    request = request or Request("", input_size=input_size or None, batch=batch, num_classes=num_classes, kwargs=kwargs,
                      engine=engine, mode=mode, forward_kwargs=forward_kwargs, aux=aux, freeze=freeze, train=train,
                      memory_budget=memory_budget)
    entries = []
    for text in models:
        if progress:
            progress(text)
        entries.append(measure(text, request, metrics))
    add_ratios(entries)
    comparison = Comparison(entries)
    comparison.metric = metrics[0] if metric else None
    return comparison
