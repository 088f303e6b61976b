"""Measurements behind ``archstat claims`` that come from archstat's other engines, not one report.

* ``trace_free``: params (``analysis.params.param_counts``, as ``analyze``) and depth (``trace_fields``) of
  a zoo model on the meta device, for the 1000-layer nets whose fvcore trace takes a minute;
* ``form_value``, ``form_saving``, ``forms_agree``: the design calculators (``archstat.design``,
  the commands ``bottleneck``, ``factorize``, ``cardinality``);
* ``saved_activations``, ``saved_share``: the memory estimator (``archstat memory``);
* ``meta_params``: parameters of a layer too large to allocate, from its shapes on the meta device.

Each returns a ``Measure`` (see ``claims.measure``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from ..analysis.memory import MemoryReport
from ..analysis.params import has_aux, param_counts
from ..design import calculators as design
from ..engines.fields import trace_fields
from ..inputs import format_shape
from ..models import build_model, get_model_info
from .measure import Measure, Session
from .nets import NETS
from .readings import Agreement, Amount, Evidence, Exact, Measured, Saving, Share

if TYPE_CHECKING:
    import pandas as pd
else:
    from .._lazy import pandas as pd

# ----------------------------------------------------------------------------- very deep nets


def _trace_free_facts(model: str) -> tuple[int, int, pd.DataFrame]:
    """Params (``param_counts``, the counting of ``analyze``) and depth (``trace_fields``) on the meta device.

    For the 1000-layer CIFAR nets: fvcore's TorchScript trace of ResNet-1202 takes 40 to 80 s on two
    cores, and neither params nor depth needs it.
    """
    meta = build_model(model, device="meta")
    shape = get_model_info(model).input_size
    trace = trace_fields(meta, torch.empty((1, *shape), device="meta"))
    skip_aux = has_aux(meta)  # as ``analyze`` leaves the auxiliary heads out
    stages = pd.DataFrame([
        {"stage": name, "type": type(child).__name__, "params": param_counts(child, skip_aux, name)[0],
         "depth at its output": trace.depth_by_module.get(name, "")}
        for name, child in meta.named_children()
    ])
    return param_counts(meta, skip_aux, "")[0], trace.depth, stages


def trace_free(metric: str, model: str) -> Measure:
    """params or depth of a zoo model without the fvcore trace (see ``_trace_free_facts``)."""
    def run(session: Session) -> Measured:
        params, depth, stages = session.once(("trace-free", model), lambda: _trace_free_facts(model))
        value = params if metric == "params" else depth
        shape = format_shape(get_model_info(model).input_size)
        return Measured(value, Amount(metric, value),
                        (Evidence(f"{model} at {shape}: stages", stages, {"params": "integer"}),))

    return Measure(f"{metric}({model}), counted on the meta device", run)


# ----------------------------------------------------------------------------- calculators, memory, meta device


_FLAGS = {"cin": "--in", "mid": "--mid", "cout": "--out", "kernel": "--k", "hw": "--hw",
          "channels": "--channels", "width": "--width", "groups": "--groups", "group_width": "--group-width"}


def command(calculator: str, args: dict[str, int]) -> str:
    """The command that shows the same comparison: 'archstat bottleneck --in 56 --mid 28 ...'."""
    return f"archstat {calculator} " + " ".join(f"{_FLAGS[k]} {v}" for k, v in args.items())


def _design_evidence(comparison: design.Comparison) -> Evidence:
    table = pd.DataFrame([{
        "form": f.label, "layers": f.layers, "output shape": format_shape(f.output_shape),
        "params (weights)": f.params, "params (with biases)": f.params_with_bias, "MACs": f.macs,
        "field": f.receptive_field,
    } for f in comparison.forms.values()])
    columns = {"params (weights)": "integer", "params (with biases)": "integer", "MACs": "integer", "field": "pair"}
    return Evidence(f"{comparison.title}, input {format_shape(comparison.input_shape)}", table, columns)


def form_value(calculator: str, args: dict[str, int], form: str, attr: str) -> Measure:
    """One count of one form of a design calculator: params, params_with_bias, macs, receptive_field."""
    key = tuple(sorted(args.items()))

    def run(session: Session) -> Measured:
        comparison = session.comparison(calculator, key)
        value = getattr(comparison.forms[form], attr)
        judged = int(value[0]) if attr == "receptive_field" else int(value)  # a field is judged by its height
        return Measured(judged, Amount(attr, value), (_design_evidence(comparison),))

    return Measure(f"{attr} of the {form} form, {command(calculator, args)}", run)


def form_saving(calculator: str, args: dict[str, int], form: str, attr: str = "params") -> Measure:
    """Fraction of the baseline's weights (or MACs) a form saves."""
    key = tuple(sorted(args.items()))

    def run(session: Session) -> Measured:
        comparison = session.comparison(calculator, key)
        value = comparison.savings()[form][attr]
        base, mine = getattr(comparison.forms[comparison.baseline], attr), getattr(comparison.forms[form], attr)
        return Measured(value, Saving(value, mine, base), (_design_evidence(comparison),))

    return Measure(f"{attr} saved by the {form} form, {command(calculator, args)}", run)


def forms_agree(calculator: str, args: dict[str, int], forms: tuple[str, ...]) -> Measure:
    """True when the forms have the same weights, MACs and output shape."""
    key = tuple(sorted(args.items()))

    def run(session: Session) -> Measured:
        comparison = session.comparison(calculator, key)
        agree = design.forms_agree(comparison, forms)
        counts = {(f.params, f.macs) for k, f in comparison.forms.items() if k in forms}
        return Measured(agree, Agreement(agree, tuple(sorted(counts))), (_design_evidence(comparison),))

    return Measure(f"params, MACs and output shape of the forms {', '.join(forms)}, {command(calculator, args)}", run)


def meta_params(net: str) -> Measure:
    """Parameters of a ``NETS`` layer counted from its shapes on the meta device (no memory)."""
    def run(session: Session) -> Measured:
        value, _ = param_counts(session.meta(net), False, "")
        return Measured(value, Exact(value))

    return Measure(f"params of {NETS[net].describe}, from shapes on the meta device", run)


def saved_activations(model: str) -> Measure:
    """Bytes autograd saves for the backward pass (training, fp32, batch 1), from ``archstat memory``."""
    def run(session: Session) -> Measured:
        memory = session.memory(model)
        value = memory.totals.saved_activations
        return Measured(value, Amount("bytes", value), (_memory_evidence(memory),))

    return Measure(f"saved activations of {model} for training (fp32, batch 1)", run)


def saved_share(model: str, prefixes: tuple[str, ...]) -> Measure:
    """Share of the saved activations held by modules whose names start with one of ``prefixes``."""
    def run(session: Session) -> Measured:
        memory = session.memory(model)
        layers = memory.layers
        part = int(layers[layers.name.str.startswith(prefixes)].saved_activations.sum())
        whole = memory.totals.saved_activations
        return Measured(part / whole, Share(part, whole, "B"), (_memory_evidence(memory),))

    return Measure(f"share of {model}'s saved activations in {', '.join(p.rstrip('._') for p in prefixes)}", run)


def _memory_evidence(memory: MemoryReport) -> Evidence:
    layers = memory.layers[memory.layers.saved_activations > 0]
    whole = memory.totals.saved_activations
    table = pd.DataFrame({"layer": layers.name, "type": layers.type,
                          "saved activations (bytes)": layers.saved_activations,
                          "% of saved": [v / whole for v in layers.saved_activations]})
    return Evidence(f"{memory.model} at {format_shape(memory.input_shape[0])}: bytes saved for backward (fp32)",
                    table.reset_index(drop=True), {"saved activations (bytes)": "integer", "% of saved": "percent"})
