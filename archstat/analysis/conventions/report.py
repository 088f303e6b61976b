"""``conventions``: why fvcore, torchinfo, ptflops, thop, torch, torchvision and the paper disagree.

archstat counts the network once with its own engine (fvcore's conventions), then records one
call log of the same forward on meta tensors (``engines.call_log``: module calls, the functions
ptflops patches, ATen operators, the function calls a ``TorchFunctionMode`` sees) and applies each
tool's rules to it. No tool needs to be installed. With ``run`` the installed tools also count the
same module themselves (``peers``), so the computed and the actual number stand side by side.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ...engines.call_log import CallLog, record_calls
from ...errors import AnalysisError, UsageError
from ...inputs import TensorSpec, format_shape
from ...options import Engine, Mode
from ...tabular import MAC_SHORT, UNIT_NOTE, Column, TableData, Tabular
from ...words import human
from ..counting import count as count_report
from ..feeding import ForwardKwargs, make_feed, make_tensor
from ..params import aux_mode, param_counts
from ..request import Request, request_of
from ..resolve import InputSpec, ModelSpec, Target
from ..snapshot import as_given
from ..totals import Totals
from ..trainable import mark_trainable
from . import catalogue as cat
from . import peers
from .dispatch_rules import ptflops_aten_tally, torch_flop_counter_tally
from .ledger import NotModelled, Tally, fvcore_ledger
from .ptflops_rules import PATCHES, ptflops_tally
from .published import TORCHVISION
from .rows import Convention, ConventionRow, fvcore_row, printed_row, tally_row
from .thop_rules import NEW_FUNCTIONS, thop_tally, ultralytics_tally
from .torchinfo_rules import torchinfo_tally


def items_text(items: list[tuple[str, int]]) -> str:
    """Line items as '+1,000 linear biases; -22,227,968 batch norm' (a zero unsigned, as a change cell)."""
    return "; ".join(f"{n:+,} {label}" if n else f"0 {label}" for label, n in items)


def _actual(value: Any, computed: int | None) -> Any:
    """The tool's own number, marked where it differs from the one computed by its rules."""
    return f"{value:,}  (differs)" if isinstance(value, int) and value != computed else value


@dataclass(repr=False)  # the repr is Tabular's: one line, and the whole table in a notebook
class ConventionsReport(Tabular):
    """archstat's MACs and params of one network and one row per convention (``rows.ConventionRow``).
    ``by_item`` is archstat's MACs as line items (``ledger``); counts are at batch 1."""

    model: str
    input_shape: list[tuple[int, ...]]
    macs: int
    params: int
    by_item: dict[str, int]
    rows: list[ConventionRow]
    ran: bool = False
    notes: list[str] = field(default_factory=list)
    mode: str = Mode.eval.value  # the only mode the peer tools count in

    def row(self, key: str) -> ConventionRow:
        return next(r for r in self.rows if r.convention.key == key)

    def table_data(self) -> TableData:
        """What a notebook shows, and ``to_latex()`` writes: one row per convention, counts in full."""
        """The report as a table, the one description LaTeX, HTML and a notebook write: one row per
        convention, the number in the tool's own unit (its status where there is none), the difference
        from archstat's MACs and its line items; the same for params."""
        columns = [Column("convention"), Column("version"), Column("call"), Column("its word and unit"),
                   Column("number", "count"), *([Column("actual", "count")] if self.ran else []),
                   Column("- archstat MACs", "change", "MACs"), Column("line items"), Column("params", "count"),
                   Column("- archstat params", "change"), Column("params line items"),
                   *([Column("actual params", "count")] if self.ran else [])]
        rows = []
        for row in self.rows:
            c = row.convention
            rows.append([c.key, c.version, c.tool, c.word, row.value if row.value is not None else row.status,
                         *([_actual(row.actual, row.value)] if self.ran else []), row.difference,
                         items_text(row.items), row.params, row.params_difference, items_text(row.params_items),
                         *([_actual(row.actual_params, row.params)] if self.ran else [])])
        return TableData(f"{self.model}: one network, every tool's convention", columns, rows, self.total_lines())

    def total_lines(self) -> list[str]:
        """archstat's totals, the unit, and one sentence per tool that says why it differs."""
        shape = format_shape(self.input_shape[0])
        lines = [f"archstat: {self.macs:,} MACs ({human(self.macs, 'MACs')}), {self.params:,} params, "
                 f"input {shape}; every tool's number is computed from archstat's own trace by that tool's rules.",
                 UNIT_NOTE, "Prefixes: every tool prints G = 10^9 (1000-based), none 2^30."]
        lines += [f"{row.convention.key}: {row.convention.why}" for row in self.rows]
        lines += [f"{row.convention.key}: {row.status}" for row in self.rows if row.value is None and row.status
                  and row.convention.key != "keras"]
        return [*lines, *self.notes]

    def _inputs(self) -> str:
        return " + ".join(format_shape(s) for s in self.input_shape)

    def summary(self) -> str:
        return (f"<ConventionsReport {self.model}: input {self._inputs()}, {self.macs:,} MACs "
                f"({MAC_SHORT}), {self.params:,} params, {len(self.rows)} conventions>")

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "mode": self.mode, "input_shape": [list(s) for s in self.input_shape],
                "macs": self.macs, "params": self.params, "by_item": self.by_item, "ran": self.ran,
                "rows": [r.to_dict() for r in self.rows], "notes": self.notes}


def conventions(model: ModelSpec | Request, *, input_size: InputSpec = None, num_classes: int | None = None,
                kwargs: dict[str, Any] | str | None = None, engine: Engine | str = Engine.fvcore,
                run: bool = False, mode: Mode | str = Mode.eval, forward_kwargs: ForwardKwargs = None,
                aux: bool = False, freeze: Sequence[str] = (), train: Sequence[str] = ()) -> ConventionsReport:
    """Every tool's count of ``model`` (a zoo name, ``file.py:Class`` or a module), from archstat's
    own trace, with each difference from archstat's MACs (one fused multiply-add = 1) as line items.

    ``engine`` counts archstat's own MACs ("fvcore" or "meta"); ``run`` also runs each installed tool
    on the module (a real forward each) and keeps its number as ``ConventionRow.actual``. Inputs
    are zeros of each spec's dtype (``"128:int64"``: token ids). ``mode`` must be eval: the tools run
    the network in eval mode, and their rules here are theirs in that mode. ``forward_kwargs`` reach
    archstat's count and the call log the rules read, not ``run``'s tools (they take inputs only).
    ``aux`` counts the auxiliary heads in archstat's numbers (the tools run in eval mode, where the heads
    do not run: their parameters stay a line item). ``freeze`` and ``train`` (as for ``analyze``) set
    ``requires_grad`` for the count and the tools alike: ptflops counts trainable parameters only.
    """
    request = request_of(model, input_size=input_size, num_classes=num_classes, kwargs=kwargs, engine=engine,
                         mode=mode, forward_kwargs=forward_kwargs, aux=aux, freeze=freeze, train=train)
    engine = request.engine
    if request.mode is not Mode.eval:
        raise UsageError("--mode train: conventions counts in eval mode only, as every peer tool runs the network; "
                         "use 'archstat table MODEL --mode train' for train-mode counts.")
    if run and request.forward_kwargs:
        raise UsageError("--run: the peer tools call forward with the input alone; drop --forward-kwargs or --run.")
    target = request.resolve("cpu" if run else request.device)
    if len(target.shapes) != 1:
        raise UsageError(f"{target.label} takes {len(target.shapes)} inputs; the peer tools compare one-input models.")
    report = count_report(target, request)
    module, spec = target.module, target.inputs[0]
    by_operator = report.totals.counts.by_operator if report.totals.counts else {}
    undo_marks = mark_trainable(module, freeze=request.freeze, train=request.train)
    try:
        with as_given(module, Mode.eval), aux_mode(module, request.aux):  # the network archstat counted
            log = _record(module, spec, target.label, request.forward_kwargs)
            rows = _rows(target, log, report.totals, fvcore_ledger(by_operator), request.aux)
            if run:
                _run_tools(module, spec, rows)
    finally:
        undo_marks()
    notes = ["counted in eval mode (every peer tool runs the network in eval mode)", *report.notes]
    return ConventionsReport(target.label, [(1, *spec.shape)], report.totals.macs, report.totals.params,
                             dict(fvcore_ledger(by_operator)), rows, run, notes)


def _record(module: nn.Module, spec: TensorSpec, label: str, forward_kwargs: ForwardKwargs = None) -> CallLog:
    try:
        if forward_kwargs:
            feed = make_feed([spec], forward_kwargs, "meta")
            with torch.no_grad(), feed.bound(module):
                return record_calls(module, feed.args, PATCHES, NEW_FUNCTIONS)
        with torch.no_grad():
            return record_calls(module, (make_tensor(spec, "meta"),), PATCHES, NEW_FUNCTIONS)
    except Exception as error:  # the user's forward may raise anything on meta tensors
        raise AnalysisError(f"{label}: the call log's meta pass failed: {type(error).__name__}: {error}") from error


def _rows(target: Target, log: CallLog, totals: Totals, reference: Counter[str], heads: bool) -> list[ConventionRow]:
    module, params = target.module, totals.params
    everything, trainable = param_counts(module, False, "")
    aux, frozen = everything - params, everything - trainable
    rules: list[tuple[Convention, Any, list[tuple[str, int]], str]] = [
        (cat.TORCHINFO, lambda: torchinfo_tally(log), [("auxiliary heads", aux)],
         "shared tensors counted once per module holding them"),
        (cat.PTFLOPS, lambda: ptflops_tally(log, module),
         [("auxiliary heads", aux), ("frozen (requires_grad=False)", -frozen)], "other"),
        (cat.PTFLOPS_ATEN, lambda: ptflops_aten_tally(log, module),
         [("auxiliary heads", aux), ("frozen (requires_grad=False)", -frozen)], "other"),
        (cat.THOP, lambda: thop_tally(log, module), [],
         "modules without a thop rule or never run (left out), modules held twice (counted twice)"),
        (cat.ULTRALYTICS, lambda: ultralytics_tally(log, module), [("auxiliary heads", aux)], "other"),
        (cat.TORCH, lambda: torch_flop_counter_tally(log), [], "other"),
    ]
    rows = [fvcore_row(cat.FVCORE, totals.macs, totals.counts.by_operator if totals.counts else {}, params)]
    for convention, count, params_items, remainder in rules:
        rows.append(_tool_row(convention, count, reference, params, params_items, remainder))
    rows += _printed_rows(target, reference, params, aux, heads)
    rows.append(_keras_row(module, params, target, heads))
    return rows


def _tool_row(convention: Convention, count: Any, reference: Counter[str], params: int,
              params_items: list[tuple[str, int]], remainder: str) -> ConventionRow:
    if convention.key == "torch":
        convention = Convention(convention.key, convention.tool, torch.__version__.split("+")[0], convention.word,
                                convention.why)
    try:
        tally: Tally = count()
    except NotModelled as why:
        return ConventionRow(convention, None, status=str(why))
    return tally_row(convention, tally, reference, params, params_items, remainder)


def _printed_rows(target: Target, reference: Counter[str], params: int, aux: int,
                  heads: bool) -> list[ConventionRow]:
    """torchvision's documented figure (same layout, default classes and input only) and the paper's; with
    the auxiliary heads counted (``heads``), only a figure that counts them too."""
    info, rows = target.info, list[ConventionRow]()
    if info is None:
        return rows
    default = target.num_classes in (None, info.num_classes) and tuple(target.shapes[0]) == tuple(info.input_size)
    documented = TORCHVISION.get(info.name)
    if documented and default and (documented.with_aux or not heads):
        convention = Convention(cat.TORCHVISION.key, f"torchvision.models.{documented.builder}: {cat.TORCHVISION.tool}",
                                cat.TORCHVISION.version, cat.TORCHVISION.word, cat.TORCHVISION.why)
        rows.append(printed_row(convention, round(documented.gflops * 1e9), reference,
                                "rounding to 3 decimals of 10^9", documented.params, params,
                                [("auxiliary heads", aux if documented.with_aux else 0)]))
    if info.paper_macs and default and not heads:  # the papers' figures leave the training-time heads out
        rows.append(printed_row(cat.paper(info.paper, info.year, info.paper_source), int(info.paper_macs), reference,
                                "the paper's rounding (and its layout: see 'archstat zoo')",
                                int(info.paper_params) if info.paper_params else None, params))
    return rows


def _keras_row(module: nn.Module, params: int, target: Target, heads: bool) -> ConventionRow:
    """Parameters only: batch norm's running mean and variance added, as Keras counts them (the
    auxiliary heads' only when they are counted, ``heads``)."""
    skip = "aux" if target.module is module and hasattr(module, "aux_logits") and not heads else None
    running = 0
    for name, sub in module.named_modules():
        stats = [getattr(sub, "running_mean", None), getattr(sub, "running_var", None)]
        if isinstance(sub, nn.modules.batchnorm._BatchNorm) and not (skip and name.startswith(skip)):
            running += sum(t.numel() for t in stats if isinstance(t, torch.Tensor))
    items = [("batch norm moving mean and variance", running)] if running else []
    return ConventionRow(cat.KERAS, None, status="parameters only", params=params + running,
                         params_difference=running, params_items=items)


_RUNNERS = {
    "torchinfo": peers.run_torchinfo,
    "ptflops": lambda m, s: peers.run_ptflops(m, s, "pytorch"),
    "ptflops-aten": lambda m, s: peers.run_ptflops(m, s, "aten"),
    "torch": peers.run_flop_counter,
    "fvcore": peers.run_fvcore,
}


def _run_tools(module: nn.Module, spec: TensorSpec, rows: list[ConventionRow]) -> None:
    """Each installed tool's own count beside archstat's computed one (``ConventionRow.actual``),
    fvcore's too: its ``FlopCountAnalysis`` traces the module for real, whichever engine counted."""
    thop_flavour = "ultralytics-thop" if peers.installed("ultralytics-thop") else "thop"
    for row in rows:
        key = row.convention.key
        if key in ("thop", "ultralytics-thop"):
            row.actual = peers.run_thop(module, [spec]) if key == thop_flavour and peers.installed(key) \
                else peers.NOT_INSTALLED
        elif key in _RUNNERS:
            row.actual = _RUNNERS[key](module, [spec])
        else:
            continue
        if isinstance(row.actual, tuple):
            number, counted = row.actual
            row.actual, row.actual_params = int(number), None if counted is None else int(counted)
