"""Two reports matched layer by layer (by module name), deltas B - A. Plain data; nothing prints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from torch import nn

from ..engines.registry import require_per_module
from ..inputs import format_shape
from ..options import Engine, Mode
from ..tabular import UNIT_NOTE, Column, TableData, Tabular
from .counting import count
from .feeding import ForwardKwargs
from .report import Report
from .request import Request, request_of
from .resolve import InputSpec, ModelSpec

COUNTS = ("params", "macs", "activations")


@dataclass(frozen=True)
class Side:
    """One model's row: module type, its settings as text (kernel, stride, channels; see
    ``layer_config``), output shape [N, C, H, W] (None if it has none) and its counts."""

    type: str
    config: str
    output_shape: list[int] | None
    params: int
    macs: int
    activations: int


@dataclass(frozen=True)
class RowDiff:
    """A module name and its row in A and in B (None where that model has no such module)."""

    name: str
    a: Side | None
    b: Side | None

    @property
    def status(self) -> str:
        """"only_a", "only_b", "changed" (type, output shape or a count differs) or "same"."""
        if self.b is None:
            return "only_a"
        if self.a is None:
            return "only_b"
        return "same" if self.a == self.b else "changed"

    def delta(self, key: str) -> int:
        """B minus A for one count; a module missing on one side counts 0 there."""
        return (getattr(self.b, key) if self.b else 0) - (getattr(self.a, key) if self.a else 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "status": self.status,
            "a": asdict(self.a) if self.a else None, "b": asdict(self.b) if self.b else None,
            "delta": {key: self.delta(key) for key in COUNTS},
        }


@dataclass(frozen=True, repr=False)  # the repr is Tabular's: one line, the table in a notebook
class ReportDiff(Tabular):
    """Every row of A and B in network order, matched by name; ``changed``: the differing ones."""

    a: Report
    b: Report
    rows: list[RowDiff]

    @property
    def changed(self) -> list[RowDiff]:
        return [row for row in self.rows if row.status != "same"]

    def totals(self) -> dict[str, Any]:
        """Totals of A and B, B - A, and how many rows differ."""
        a = {key: getattr(self.a.totals, key) for key in COUNTS}
        b = {key: getattr(self.b.totals, key) for key in COUNTS}
        statuses = [row.status for row in self.rows]
        return {
            "a": a, "b": b, "delta": {key: b[key] - a[key] for key in COUNTS},
            "rows": len(statuses), "changed": statuses.count("changed"),
            "only_a": statuses.count("only_a"), "only_b": statuses.count("only_b"),
        }

    def largest(self, key: str, count: int) -> list[RowDiff]:
        """The ``count`` rows whose ``key`` changed most (by absolute B - A), largest first."""
        moved = [row for row in self.changed if row.delta(key)]
        return sorted(moved, key=lambda row: -abs(row.delta(key)))[:count]

    def table_data(self) -> TableData:
        """The diff as a table, the one description every output writes: the rows that differ (a
        missing side's cells empty), B - A per count, the totals of A, B and B - A, and the summary as
        notes; with no row differing, the notes alone."""
        a, b, t = self.a.model, self.b.model, self.totals()
        title, notes = f"{a} vs {b}: layers that differ", self.summary_lines()
        if not self.changed:
            return TableData(title, [], [], ["No layer differs.", *notes])
        columns = [Column("layer"), Column("type"), Column("settings"), Column(f"shape {a}", "shape"),
                   Column(f"shape {b}", "shape"), Column(f"params {a}", "count"), Column(f"params {b}", "count"),
                   Column("params B-A", "change"), Column(f"MACs {a}", "count", "MACs"),
                   Column(f"MACs {b}", "count", "MACs"), Column("MACs B-A", "change", "MACs")]
        rows = []
        for row in self.changed:
            sides = (row.a, row.b)
            types = dict.fromkeys(s.type for s in sides if s is not None)
            configs = dict.fromkeys(s.config for s in sides if s is not None)
            rows.append([row.name, " => ".join(types), " => ".join(configs),  # '->' means channels in -> out
                         *(s.output_shape if s else None for s in sides),
                         *(s.params if s else None for s in sides), row.delta("params"),
                         *(s.macs if s else None for s in sides), row.delta("macs")])
        total = ["total", "", "", "", "", t["a"]["params"], t["b"]["params"], t["delta"]["params"],
                 t["a"]["macs"], t["b"]["macs"], t["delta"]["macs"]]
        return TableData(title, columns, rows, notes, total=total)

    def summary_lines(self) -> list[str]:
        """Counts of differing rows, total deltas, the largest MAC changes, the inputs and the mode."""
        a, b, t = self.a.model, self.b.model, self.totals()
        lines = [f"A = {a}, B = {b}. {t['changed']} of {t['rows']} layers differ; "
                 f"{t['only_a']} only in {a}, {t['only_b']} only in {b}."]
        for key, label in (("params", "params"), ("macs", "MACs")):
            delta, base = t["delta"][key], t["a"][key]
            share = f" ({100 * delta / base:+.1f}%)" if base else ""
            lines.append(f"Total {label}: {base:,} -> {t['b'][key]:,}, B-A {_signed(delta)}{share}.")
        movers = self.largest("macs", 3)
        if movers and t["delta"]["macs"]:
            changes = ", ".join(f"{row.name} {_signed(row.delta('macs'))}" for row in movers)
            lines.append(f"Largest MAC changes: {changes}.")
        inputs = [format_shape(report.input_shape[0]) for report in (self.a, self.b)]
        if inputs[0] == inputs[1]:
            lines.append(f"Both counted on input {inputs[0]} (NxCxHxW).")
        else:
            lines.append(f"Each counted on its own default input: {a} {inputs[0]}, {b} {inputs[1]} "
                         "(NxCxHxW); give --input to count both at one size.")
        return [*lines, f"Both counted in {self.a.mode} mode.", UNIT_NOTE]

    def summary(self) -> str:
        t = self.totals()
        return (f"<ReportDiff {self.a.model} vs {self.b.model}: {t['changed'] + t['only_a'] + t['only_b']} of "
                f"{t['rows']} layers differ; params B-A {t['delta']['params']:+,}, MACs B-A {t['delta']['macs']:+,}>")

    def to_dict(self) -> dict[str, Any]:
        """json: ``a``, ``b`` (names), ``inputs``, ``mode``, ``units``, ``rows`` (differing), ``totals``."""
        return {
            "a": self.a.model, "b": self.b.model, "mode": self.a.mode,
            "inputs": {"a": list(self.a.input_shape[0]), "b": list(self.b.input_shape[0])},
            "units": {key: self.a.totals.units()[key] for key in COUNTS},
            "rows": [row.to_dict() for row in self.changed],
            "totals": self.totals(),
        }


def _signed(value: int) -> str:
    """A difference with its sign, as a ``change`` cell is written: 1234 -> '+1,234', 0 -> '0'."""
    return f"{value:+,}" if value else "0"


def _pair(value: int | tuple[int, ...]) -> str:
    return format_shape(value if isinstance(value, tuple) else (value, value))


def _stride(value: int | tuple[int, ...]) -> str:
    values = set(value) if isinstance(value, tuple) else {value}
    if values == {1}:
        return ""
    return f" stride {values.pop()}" if len(values) == 1 else f" stride {_pair(value)}"


def layer_config(module: nn.Module) -> str:
    """The settings that decide a layer's counts, as text: '3x3 128->128 stride 2', '4096->1000'."""
    if isinstance(module, nn.modules.conv._ConvNd):
        groups = f" groups {module.groups}" if module.groups != 1 else ""
        return (f"{_pair(module.kernel_size)} {module.in_channels}->{module.out_channels}"
                f"{_stride(module.stride)}{groups}")
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        return f"{_pair(module.kernel_size)}{_stride(module.stride)}"
    if isinstance(module, nn.Linear):
        return f"{module.in_features}->{module.out_features}"
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return str(module.num_features)
    return ""


def _sides(report: Report, configs: Mapping[str, str]) -> dict[str, Side]:
    frame = report.rows()
    return {
        row.name: Side(row.type, configs.get(row.name, ""),
                       None if row.output_shape is None else [int(d) for d in row.output_shape],
                       int(row.params), int(row.macs), int(row.activations))
        for row in frame.itertuples(index=False)
    }


def _merged_order(first: list[str], second: list[str]) -> list[str]:
    """``first`` in order, each name only in ``second`` placed after the name it follows there."""
    order, known = list(first), set(first)
    previous = None
    for name in second:
        if name not in known:
            order.insert(order.index(previous) + 1 if previous is not None else 0, name)
            known.add(name)
        previous = name
    return order


def diff_reports(a: Report, b: Report, configs_a: Mapping[str, str] | None = None,
                 configs_b: Mapping[str, str] | None = None) -> ReportDiff:
    """Match the leaf rows (``Report.rows()``) of two reports by module name.

    ``configs_*`` map module names to ``layer_config`` text (empty when not given); a row whose
    settings differ is shown even when its counts agree (a stride moved from one layer to another).
    """
    rows_a, rows_b = _sides(a, configs_a or {}), _sides(b, configs_b or {})
    names = _merged_order(list(rows_a), list(rows_b))
    return ReportDiff(a, b, [RowDiff(name, rows_a.get(name), rows_b.get(name)) for name in names])


def diff_models(a: ModelSpec | Request, b: ModelSpec | Request, *, input_size: InputSpec = None,
                engine: Engine | str = Engine.fvcore, mode: Mode | str = Mode.eval,
                forward_kwargs: ForwardKwargs = None, num_classes: int | None = None,
                kwargs: dict[str, Any] | str | None = None, aux: bool = False) -> ReportDiff:
    """Count two models (zoo names, users' specs or modules) and match them layer by layer.

    ``input_size`` applies to both (default: each zoo model's own). Both are resolved before
    either is counted, so a bad name for ``b`` fails before ``a`` is traced. ``mode`` and
    ``forward_kwargs``, ``num_classes``, ``kwargs`` and ``aux`` as for ``analyze``, the same for both;
    or give two ``Request``s, one per model.
    """
    options = {"input_size": input_size, "engine": engine, "mode": mode, "forward_kwargs": forward_kwargs,
               "num_classes": num_classes, "kwargs": kwargs, "aux": aux}
    requests = [request_of(spec, **options) for spec in (a, b)]
    for request in requests:
        require_per_module(request.engine, "diff matches the models layer by layer")
    targets = [request.resolve() for request in requests]
    reports = [count(t, request) for t, request in zip(targets, requests, strict=True)]
    configs = [{key: layer_config(sub) for key, sub in t.module.named_modules()} for t in targets]
    return diff_reports(reports[0], reports[1], configs[0], configs[1])
