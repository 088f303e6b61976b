"""Measurements behind ``archstat claims`` that come from archstat's other engines, not one report.

* ``trace_free``: params (the counting rule of ``analyze``) and depth (``fields.trace_fields``) of
  a zoo model on the meta device, for the 1000-layer nets whose fvcore trace takes a minute;
* ``form_value``, ``form_saving``, ``forms_agree``: the design calculators (``archstat.design``,
  the commands ``bottleneck``, ``factorize``, ``cardinality``);
* ``saved_activations``, ``saved_share``: the memory estimator (``archstat memory``);
* ``meta_params``: parameters of a layer too large to allocate, from its shapes on the meta device.

Each returns a ``Measure`` (see ``claims_measure``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from ..analysis.memory import MemoryReport
from ..analysis.params import AUX_PREFIX
from ..design import calculators as design
from ..engines.fields import trace_fields
from ..inputs import format_shape
from ..models import build_model, get_model_info
from ..render.tables import integer
from .measure import Evidence, Measure, Measured, Session, number, percent, short
from .nets import NETS

if TYPE_CHECKING:
    import pandas as pd
else:
    from .._lazy import pandas as pd

# ----------------------------------------------------------------------------- very deep nets


def _trace_free_facts(model: str) -> tuple[int, int, pd.DataFrame]:
    """Params (the counting rule of ``analyze``) and depth (``trace_fields``) on the meta device.

    For the 1000-layer CIFAR nets: fvcore's TorchScript trace of ResNet-1202 takes 40 to 80 s on two
    cores, and neither params nor depth needs it.
    """
    meta = build_model(model, device="meta")
    shape = get_model_info(model).input_size
    trace = trace_fields(meta, torch.empty((1, *shape), device="meta"))
    skip_aux = hasattr(meta, "aux_logits")

    def params(module: nn.Module, prefix: str) -> int:
        return sum(p.numel() for n, p in module.named_parameters(prefix=prefix)
                   if not (skip_aux and n.startswith(AUX_PREFIX)))

    stages = pd.DataFrame([
        {"stage": name, "type": type(child).__name__, "params": integer(params(child, name)),
         "depth at its output": trace.depth_by_module.get(name, "")}
        for name, child in meta.named_children()
    ])
    return params(meta, ""), trace.depth, stages


def trace_free(metric: str, model: str) -> Measure:
    """params or depth of a zoo model without the fvcore trace (see ``_trace_free_facts``)."""
    def run(session: Session) -> Measured:
        params, depth, stages = session.once(("trace-free", model), lambda: _trace_free_facts(model))
        value = params if metric == "params" else depth
        shape = format_shape(get_model_info(model).input_size)
        return Measured(value, number(metric, value), (Evidence(f"{model} at {shape}: stages", stages),))

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
        "params (weights)": integer(f.params), "params (with biases)": integer(f.params_with_bias),
        "MACs": integer(f.macs), "field": f"{f.receptive_field[0]}x{f.receptive_field[1]}",
    } for f in comparison.forms.values()])
    return Evidence(f"{comparison.title}, input {format_shape(comparison.input_shape)}", table)


def form_value(calculator: str, args: dict[str, int], form: str, attr: str) -> Measure:
    """One count of one form of a design calculator: params, params_with_bias, macs, receptive_field."""
    key = tuple(sorted(args.items()))

    def run(session: Session) -> Measured:
        comparison = session.comparison(calculator, key)
        value = getattr(comparison.forms[form], attr)
        if attr == "receptive_field":
            return Measured(int(value[0]), f"{value[0]}x{value[1]} px", (_design_evidence(comparison),))
        return Measured(int(value), number(attr, value), (_design_evidence(comparison),))

    return Measure(f"{attr} of the {form} form, {command(calculator, args)}", run)


def form_saving(calculator: str, args: dict[str, int], form: str, attr: str = "params") -> Measure:
    """Fraction of the baseline's weights (or MACs) a form saves."""
    key = tuple(sorted(args.items()))

    def run(session: Session) -> Measured:
        comparison = session.comparison(calculator, key)
        value = comparison.savings()[form][attr]
        base, mine = getattr(comparison.forms[comparison.baseline], attr), getattr(comparison.forms[form], attr)
        return Measured(value, f"saves {percent(value)} ({integer(mine)} instead of {integer(base)})",
                        (_design_evidence(comparison),))

    return Measure(f"{attr} saved by the {form} form, {command(calculator, args)}", run)


def forms_agree(calculator: str, args: dict[str, int], forms: tuple[str, ...]) -> Measure:
    """True when the forms have the same weights, MACs and output shape."""
    key = tuple(sorted(args.items()))

    def run(session: Session) -> Measured:
        comparison = session.comparison(calculator, key)
        agree = design.forms_agree(comparison, forms)
        counts = {(f.params, f.macs) for k, f in comparison.forms.items() if k in forms}
        text = ("identical: " if agree else "different: ") + "; ".join(
            f"{integer(p)} params, {integer(m)} MACs" for p, m in sorted(counts))
        return Measured(agree, text, (_design_evidence(comparison),))

    return Measure(f"params, MACs and output shape of the forms {', '.join(forms)}, {command(calculator, args)}", run)


def meta_params(net: str) -> Measure:
    """Parameters of a ``NETS`` layer counted from its shapes on the meta device (no memory)."""
    def run(session: Session) -> Measured:
        module = session.meta(net)
        value = sum(p.numel() for p in module.parameters())
        power = len(str(value)) - 1
        exact = value == 10**power
        return Measured(value, f"{integer(value)}" + (f" (10^{power})" if exact and power > 3 else ""))

    return Measure(f"params of {NETS[net].describe}, from shapes on the meta device", run)


def saved_activations(model: str) -> Measure:
    """Bytes autograd saves for the backward pass (training, fp32, batch 1), from ``archstat memory``."""
    def run(session: Session) -> Measured:
        memory = session.memory(model)
        value = memory.totals["saved_activations"]
        return Measured(value, f"{integer(value)} bytes ({short(value)}B)", (_memory_evidence(memory),))

    return Measure(f"saved activations of {model} for training (fp32, batch 1)", run)


def saved_share(model: str, prefixes: tuple[str, ...]) -> Measure:
    """Share of the saved activations held by modules whose names start with one of ``prefixes``."""
    def run(session: Session) -> Measured:
        memory = session.memory(model)
        layers = memory.layers
        part = int(layers[layers.name.str.startswith(prefixes)].saved_activations.sum())
        whole = memory.totals["saved_activations"]
        text = f"{percent(part / whole)} ({short(part)}B of {short(whole)}B)"
        return Measured(part / whole, text, (_memory_evidence(memory),))

    return Measure(f"share of {model}'s saved activations in {', '.join(p.rstrip('._') for p in prefixes)}", run)


def _memory_evidence(memory: MemoryReport) -> Evidence:
    layers = memory.layers[memory.layers.saved_activations > 0]
    whole = memory.totals["saved_activations"]
    table = pd.DataFrame({"layer": layers.name, "type": layers.type,
                          "saved activations (bytes)": layers.saved_activations.map(integer),
                          "% of saved": [percent(v / whole) for v in layers.saved_activations]})
    return Evidence(f"{memory.model} at {format_shape(memory.input_shape[0])}: bytes saved for backward (fp32)",
                    table.reset_index(drop=True))
