"""Measurements behind ``archstat claims``: small composable functions, each measuring one thing.

A ``Measure`` pairs what it measures in words (``params(vgg16) / params(alexnet)``) with a function
of a ``Session``; running it gives a ``Measured`` (``claims.readings``): the value, what it is, and
the tables it came from (``--explain`` shows them; ``render.claims`` writes all of it in words). No
number is stored here: every value comes from building the network (a zoo model, a document's own
network or one layer, see ``claims.nets``) and counting it with the engine of ``archstat table``
(``archstat.analyze``). The measures here read one report; ``claims.figures`` holds those of the
design calculators, the memory estimator and the meta device, ``claims.structure`` the structure checks.

Units: params are parameter elements; MACs are multiply-accumulates (one fused multiply-add = 1 MAC,
FLOPs = 2 x MACs); activations are fvcore's output elements of convolutions and matrix products;
depth is weight layers on the longest path; memory is bytes (fp32, batch 1).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import torch
from torch import nn

from ..analysis.counting import analyze
from ..analysis.memory import MemoryReport, estimate_memory
from ..analysis.report import Report
from ..design import calculators as design
from ..engines.imports import light_imports
from ..engines.registry import capabilities
from ..inputs import Shape, format_shape
from ..models import build_model, get_model_info
from .nets import NETS
from .readings import Amount, Each, Evidence, LayerCounts, Layers, Measured, Named, Output, Ratio, Share, Table

if TYPE_CHECKING:
    import pandas as pd
else:
    from .._lazy import pandas as pd

T = TypeVar("T")


@dataclass(frozen=True)
class Measure:
    """What is measured, in words, and how: ``run(session)`` builds, counts and returns a ``Measured``."""

    describe: str
    run: Callable[[Session], Measured]


class Session:
    """One run of the catalogue: each network analysed once (same model, input, classes, training
    set), whatever number of claims use it. Nothing is kept across runs."""

    def __init__(self, engine: str = "fvcore") -> None:
        self._cache: dict[Hashable, Any] = {}
        self.engine = engine  # of every report: "fvcore" or "meta" (``archstat.analyze``)

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]  # type: ignore[no-any-return]

    def report(self, model: str, input_size: Shape | None = None, num_classes: int | None = None,
               train: tuple[str, ...] = ()) -> Report:
        """``archstat.analyze`` of a zoo model or of a network of ``claims.nets.NETS``."""
        def compute() -> Report:
            if model in NETS:
                return analyze(self.net(model), input_size=input_size or NETS[model].input_size,
                               name=model, train=train, engine=self.engine)
            return analyze(model, input_size=input_size, num_classes=num_classes, train=train, engine=self.engine)

        return self.once(("report", model, input_size, num_classes, train), compute)

    def net(self, name: str) -> nn.Module:
        """A fresh network of ``NETS``, built without initialising weights (values never matter)."""
        spec = NETS[name]
        with torch.device("meta"):
            module = spec.build()
        if spec.meta_only:
            return module
        with light_imports():  # torch's empty_like of a meta tensor would import sympy (engines/imports.py)
            return module.to_empty(device="cpu").eval()

    def meta(self, model: str, num_classes: int | None = None) -> nn.Module:
        """A zoo model or ``NETS`` network on the meta device: shapes only, no memory."""
        def compute() -> nn.Module:
            if model in NETS:
                with torch.device("meta"):
                    return NETS[model].build().eval()
            return build_model(model, num_classes=num_classes, device="meta")

        return self.once(("meta", model, num_classes), compute)

    def input_size(self, model: str) -> Shape:
        """The input a network is measured at by default: its paper's (zoo) or the one ``NETS`` gives."""
        return NETS[model].input_size if model in NETS else get_model_info(model).input_size

    def memory(self, model: str) -> MemoryReport:
        return self.once(("memory", model), lambda: estimate_memory(model))

    def comparison(self, calculator: str, args: tuple[tuple[str, int], ...]) -> design.Comparison:
        calculators: dict[str, Callable[..., design.Comparison]] = {
            "bottleneck": design.bottleneck, "factorize": design.factorize, "cardinality": design.cardinality}
        # On the meta engine the blocks stay on the meta device too ("auto" would trace the small ones with fvcore)
        engine = "auto" if capabilities(self.engine).real_weights else self.engine
        return self.once(("design", calculator, args), lambda: calculators[calculator](**dict(args), engine=engine))


# ----------------------------------------------------------------------------- names of what is measured


def label(model: str, input_size: Shape | None = None, num_classes: int | None = None,
          train: tuple[str, ...] = ()) -> str:
    """'alexnet', 'vgg16 at 3x32x32, 17 classes', 'resnet50, 2 classes, training fc'."""
    extras = [f"{num_classes} classes"] if num_classes else []
    extras += [f"training {', '.join(train)}"] if train else []
    return ", ".join([model + (f" at {format_shape(input_size)}" if input_size else ""), *extras])


# ----------------------------------------------------------------------------- evidence


def layers_evidence(report: Report) -> LayerCounts:
    """The per-layer table of ``archstat table`` (``render.claims`` leaves weight-free rows out)."""
    shape = " + ".join(format_shape(s) for s in report.input_shape)
    return LayerCounts(f"{report.model} at {shape}: per-layer counts (layers with weights or MACs)", report)


def _merge(*groups: tuple[Table, ...]) -> tuple[Table, ...]:
    seen: dict[str, Table] = {}
    for group in groups:
        for item in group:
            seen.setdefault(item.title, item)
    return tuple(seen.values())


# ----------------------------------------------------------------------------- totals, ratios, shares


def total(metric: str, model: str, *, input_size: Shape | None = None, num_classes: int | None = None,
          train: tuple[str, ...] = ()) -> Measure:
    """A total of ``archstat table``: params, trainable_params, frozen_params, macs, flops, activations, depth."""
    def run(session: Session) -> Measured:
        report = session.report(model, input_size, num_classes, train)
        value = total_of(report, metric)
        return Measured(value, Amount(metric, value), (layers_evidence(report),))

    return Measure(f"{metric}({label(model, input_size, num_classes, train)})", run)


def total_of(report: Report, metric: str) -> int:
    """The report's total named ``metric`` (a catalogue names it), read from its typed ``Totals``: a
    count (params, trainable_params, frozen_params, macs, flops, activations) or the depth in weight layers."""
    if metric == "depth":
        if report.totals.fields is None or report.totals.fields.depth is None:
            raise ValueError(f"{report.model}: no depth was measured (the analysis counted no fields).")
        return report.totals.fields.depth
    value: int = getattr(report.totals, metric)
    return value


def ratio(top: Measure, bottom: Measure) -> Measure:
    """``top`` / ``bottom``, e.g. params(vgg16) / params(alexnet)."""
    def run(session: Session) -> Measured:
        a, b = top.run(session), bottom.run(session)
        over, under = float(a.value), float(b.value)  # type: ignore[arg-type]
        return Measured(over / under, Ratio(over, under), _merge(a.evidence, b.evidence))

    return Measure(f"{top.describe} / {bottom.describe}", run)


def _leaves(report: Report) -> pd.DataFrame:
    """Leaf modules that ran (a module defined but never called is not part of the network)."""
    layers = report.modules
    return layers[layers.is_leaf & layers.output_shape.notna()]


def kind_share(metric: str, model: str, kinds: tuple[str, ...], **target: Any) -> Measure:
    """Share of ``metric`` (params, macs) held by leaves of the given types (Conv2d, Linear)."""
    def run(session: Session) -> Measured:
        report = session.report(model, **target)
        leaves, whole = _leaves(report), total_of(report, metric)
        part = int(leaves[leaves.type.isin(kinds)][metric].sum())
        return Measured(part / whole, Share(part, whole), (layers_evidence(report),))

    return Measure(f"share of {metric}({label(model, **target)}) in {'/'.join(kinds)} layers", run)


def largest(metric: str, model: str, kind: str, share: bool = False) -> Measure:
    """The largest ``metric`` held by one layer of type ``kind`` (as a share of the total with
    ``share``), and which layer it is."""
    def run(session: Session) -> Measured:
        report = session.report(model)
        leaves, whole = _leaves(report), total_of(report, metric)
        layers = leaves[leaves.type == kind]
        top = layers.loc[layers[metric].idxmax()]
        if not share:
            return Measured(int(top[metric]), Named(top["name"], Amount(metric, top[metric])),
                            (layers_evidence(report),))
        column = f"% of all {metric}"
        table = pd.DataFrame({"layer": layers.name, metric: layers[metric],
                              column: [v / whole for v in layers[metric]]}).reset_index(drop=True)
        evidence = Evidence(f"{model}: {kind} layers' share of {metric}", table, {metric: "integer", column: "percent"})
        return Measured(top[metric] / whole, Named(top["name"], Share(top[metric], whole)), (evidence,))

    return Measure(f"largest {'share of ' if share else ''}{metric}({model}) held by one {kind}", run)


def layer_count(model: str, kind: str, **target: Any) -> Measure:
    """Leaf layers of type ``kind`` that run (auxiliary heads left out, as in ``archstat table``)."""
    def run(session: Session) -> Measured:
        report = session.report(model, **target)
        leaves = _leaves(report)
        names = tuple(leaves[leaves.type == kind].name)
        return Measured(len(names), Layers(names), (layers_evidence(report),))

    return Measure(f"number of {kind} layers in {model}", run)


def layer_value(model: str, module: str, column: str, **target: Any) -> Measure:
    """One module's row of ``archstat table`` ("" is the whole network): its ``output_shape`` (CxHxW),
    output ``channels``, output ``plane`` (H x W values per channel), or a count column (params, ...)."""
    def run(session: Session) -> Measured:
        report = session.report(model, **target)
        row = report.modules[report.modules.name == module].iloc[0]
        value = row[column if column in report.modules else "output_shape"]
        evidence = (layers_evidence(report),)
        if column == "output_shape":
            return Measured(format_shape(value[1:]), format_shape(value[1:]), evidence)
        if column in ("channels", "plane"):
            count = int(value[1]) if column == "channels" else int(value[-2] * value[-1])
            return Measured(count, Output(count, tuple(value[1:])), evidence)
        return Measured(int(value), Amount(column, value), evidence)

    where = label(model, target.get("input_size"))
    return Measure(f"{column} of {module or 'the output'} of {where}", run)


def each(metric: str, models: tuple[str, ...]) -> Measure:
    """A total of several models side by side, shown as context."""
    def run(session: Session) -> Measured:
        values = [(m, total_of(session.report(m), metric)) for m in models]
        return Measured(None, Each(tuple(values)))

    return Measure(f"{metric} of {', '.join(models)}", run)
