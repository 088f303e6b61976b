"""Several networks measured for ``archstat compare``: each one's values and their ratios to the
first's. Plain data; the command words and renders it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from ..errors import UsageError
from ..inputs import format_shape
from ..names import split_input
from ..options import Engine, Metric, Mode
from ..tabular import UNIT_NOTE, TableData, Tabular
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
    table (one row per metric, each model's value and its ratio to the first's)."""

    def table_data(self) -> TableData:
        """The comparison as a table, the one description: one row per metric, each model's value, each
        later model's ratio to the first's."""
        first = self[0]
        columns = ["metric", first.label]
        for entry in self[1:]:
            columns += [entry.label, f"{entry.label} / {first.label}"]
        rows = []
        for metric in first.values:
            row: list[Any] = [METRIC_LABELS[metric], _value(first, metric)]
            for entry in self[1:]:
                row += [_value(entry, metric), entry.ratios.get(metric)]
            rows.append(row)
        inputs = "; ".join(f"{e.label} {'+'.join(format_shape(s) for s in e.input)}" for e in self)
        notes = [f"Ratios are to {first.label}. Inputs (NxCxHxW): {inputs}.", UNIT_NOTE]
        return TableData(f"compared with {first.label}", columns, rows, notes, columns[1:])

    def summary(self) -> str:
        metrics = ", ".join(self[0].values) if self else "nothing"
        return f"<Comparison of {', '.join(e.label for e in self)} on {metrics}>"


METRIC_LABELS = {
    "params": "params", "macs": "MACs", "flops": "FLOPs (2 x MACs)", "activations": "activations",
    "depth": "depth (weight layers)", "receptive_field": "receptive field (pixels, HxW)",
    "memory": "inference memory (bytes)",
}


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
    return Comparison(entries)
