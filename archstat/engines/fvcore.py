"""The one module that imports fvcore: TorchScript tracing is deprecated upstream, so keep one seam.

fvcore counts one fused multiply-add as one "flop"; archstat calls that one MAC. One trace serves
both fvcore analyses: every op handle of ``FlopCountAnalysis`` and ``ActivationCountAnalysis`` is
wrapped into a single handle whose counter keys carry a ``macs/`` or ``acts/`` prefix, so the numbers
are exactly fvcore's while the network is traced once instead of twice. Handles for what fvcore
cannot count (attention, ``baddbmm``, recurrent layers) are added from ``extra_counters``, whose
formulas the meta engine uses too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Number
from typing import Any

import torch
from torch import nn

from . import extra_counters as extra
from .budget import memory_budget, trace_bytes, weight_bytes, weights_on_meta
from .contract import Counts, Measurement, Want
from .fields import trace_fields
from .meta import MetaEngine
from .shapes import ShapeRecorder
from .uncounted import canonical_counter

_MACS, _ACTS, _LISTED = "macs/", "acts/", "listed/"
# Arithmetic the tracer also records on sizes (``embed_dim // num_heads``, a recomputed
# interpolation size, ``x.numel()`` in a product): listed as uncounted only where it acts on data,
# as the meta engine, which sees sizes as Python numbers, lists it (``engines.uncounted``).
_ARITHMETIC = ("mul", "div", "add", "sub", "rsub", "true_divide", "floordiv", "neg", "ceil", "numel")
# Nodes whose values are sizes, or constants: arithmetic on them alone is size arithmetic.
_SIZE_SOURCES = frozenset({"aten::size", "aten::numel", "prim::NumToTensor", "prim::Constant", "aten::Int",
                           "aten::ScalarImplicit", "aten::Float", "prim::ListConstruct", "prim::TupleConstruct"})
_SIZE_STEPS = frozenset({*(f"aten::{op}" for op in _ARITHMETIC), "aten::to", "aten::detach", "aten::floor",
                         "aten::floor_divide", "aten::remainder", "aten::Int", "aten::Float"})

ENGINE_NAME = "fvcore"
# Set by ``deep_nets_on_meta``: above this many weight layers the meta pass's counts stand in for the trace.
_LAYER_LIMIT: ContextVar[int | None] = ContextVar("archstat_trace_layer_limit", default=None)


@contextmanager
def deep_nets_on_meta(limit: int) -> Iterator[None]:
    """While inside, a network of more than ``limit`` weight layers is counted by the meta pass that runs
    first anyway, with a note, instead of fvcore's trace: the trace's time grows with depth (ResNet-1202:
    33 s against 3.6 s on a busy 2-core machine) and the meta engine's numbers equal fvcore's on every zoo
    model (tests/test_engines.py). The command line sets it when ``--engine`` is not given."""
    token = _LAYER_LIMIT.set(limit)
    try:
        yield
    finally:
        _LAYER_LIMIT.reset(token)


def weight_layers(module: nn.Module) -> int:
    """Modules holding a weight matrix or kernel of their own (convolutions, linear layers, embeddings)."""
    return sum(1 for m in module.modules() if any(p.dim() >= 2 for p in m.parameters(recurse=False)))


def _simple_name(op: str) -> str:
    return op.split("::", 1)[-1]


def _combined_handle(op: str, mac_handles: dict[str, Any], activation_handles: dict[str, Any]
                     ) -> Callable[[list[Any], list[Any]], Counter[str]]:
    handles = [(_MACS, mac_handles.get(op)), (_ACTS, activation_handles.get(op))]

    def handle(inputs: list[Any], outputs: list[Any]) -> Counter[str]:
        combined: Counter[str] = Counter()
        for prefix, counter in handles:
            if counter is None:
                continue
            result = counter(inputs, outputs)
            if isinstance(result, Number):
                result = Counter({_simple_name(op): result})
            for key, value in result.items():
                combined[prefix + key] += int(value)
        return combined

    return handle


JitHandle = Callable[[list[Any], list[Any]], Any]


def _extension_handles(get_shape: Callable[[Any], list[int]]) -> tuple[dict[str, JitHandle], dict[str, JitHandle]]:
    """MAC and activation handles for the operators archstat counts by its own rules
    (``extra_counters.RULES``): the fvcore engine's one adapter, reading each rule's arguments off
    the traced node's inputs."""
    macs = {f"aten::{op}": _part(op, rule, 0, get_shape) for op, rule in extra.RULES.items()}
    activations = {f"aten::{op}": _part(op, rule, 1, get_shape) for op, rule in extra.RULES.items()}
    return macs, activations


def _part(op: str, rule: extra.Rule, index: int, get_shape: Callable[[Any], list[int]]) -> JitHandle:
    """One of a rule's (MACs by operator, activations), as fvcore's handles return them."""
    def handle(inputs: list[Any], _outputs: list[Any]) -> Any:
        def read(argument: extra.Argument) -> Any:
            if argument.kind == "weights":  # the last list of tensors (an LSTM's hidden state is a list before it)
                weights = [value for value in inputs if value.node().kind() == "prim::ListConstruct"][-1]
                return [get_shape(w) for w in weights.node().inputs()]
            value = inputs[argument.position]
            return value.toIValue() if argument.kind == "int" else get_shape(value)
        result = extra.apply(op, rule, read)[index]
        return Counter(result) if isinstance(result, dict) else result
    return handle


def _on_sizes(value: Any) -> bool:
    """Whether a traced value is computed from sizes and constants alone."""
    node = value.node()
    if node.kind() in _SIZE_SOURCES:
        return True
    return node.kind() in _SIZE_STEPS and all(_on_sizes(v) for v in node.inputs())


def _listed_on_data(op: str) -> JitHandle:
    """A handle that counts nothing and lists ``op`` as uncounted unless it is size arithmetic."""
    def handle(inputs: list[Any], _outputs: list[Any]) -> Counter[str]:
        if op == "numel" or all(_on_sizes(v) for v in inputs):
            return Counter()
        return Counter({_LISTED + op: 1})
    return handle


def count(model: nn.Module, inputs: tuple[torch.Tensor, ...]) -> Counts:
    """Trace ``model(*inputs)`` once and return fvcore's MAC and activation counts per module, with
    archstat's rules (``extra_counters``) for the operators fvcore has no counter for."""
    # Imported here: the meta engine and everything but a real trace run without fvcore (0.1 s).
    from fvcore.nn.activation_count import _DEFAULT_SUPPORTED_OPS as fvcore_activations
    from fvcore.nn.flop_count import _DEFAULT_SUPPORTED_OPS as fvcore_macs
    from fvcore.nn.jit_analysis import JitModelAnalysis
    from fvcore.nn.jit_handles import get_shape

    extra_macs, extra_activations = _extension_handles(get_shape)
    mac_handles, activation_handles = {**fvcore_macs, **extra_macs}, {**fvcore_activations, **extra_activations}
    analysis = JitModelAnalysis(model, inputs)
    analysis.set_op_handle(**{op: _combined_handle(op, mac_handles, activation_handles)
                              for op in mac_handles.keys() | activation_handles.keys()})
    analysis.set_op_handle(**{f"aten::{op}": _listed_on_data(op) for op in _ARITHMETIC})
    analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
    with extra.composite_attention():
        by_module = analysis.by_module_and_operator()
    macs: dict[str, Counter[str]] = {}
    activations: dict[str, int] = {}
    for name, counter in by_module.items():
        macs[name] = Counter({k[len(_MACS):]: v for k, v in counter.items() if k.startswith(_MACS)})
        activations[name] = sum(v for k, v in counter.items() if k.startswith(_ACTS))
    uncounted = {name: canonical_counter(
        Counter({_simple_name(op): n for op, n in analysis.unsupported_ops(name).items()})
        + Counter({k[len(_LISTED):]: v for k, v in by_module[name].items() if k.startswith(_LISTED)}))
        for name in macs}
    return Counts(macs=macs, activations=activations, uncounted=uncounted)


def fvcore_total(model: nn.Module, inputs: tuple[torch.Tensor, ...]) -> int:
    """What fvcore itself returns: ``FlopCountAnalysis(model, inputs).total()``, fvcore's own handles
    only (no archstat rule added), its warnings off. One fused multiply-add is one "flop" (a MAC).
    ``archstat conventions --run`` shows it beside the fvcore row, which leaves out archstat's own rules."""
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(model, inputs)
    analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
    return int(analysis.total())


class FvcoreEngine:
    """The ``fvcore`` engine (``engines.contract``): fvcore's own counts of a real forward, traced.

    A meta pass comes first: it follows the fields and records the shapes, and estimates the real
    trace's memory (``budget.trace_bytes``). Over the budget its counts are kept, with one note
    saying so; otherwise the real trace runs without the shape hooks (reading shapes inside a
    TorchScript trace adds graph nodes: three times slower on ResNet-1202). Asked for fields alone,
    the meta pass is all that runs. A forward that cannot run on meta tensors is traced for real,
    hooks on, and its fields are followed in a real pass too.
    """

    name = ENGINE_NAME

    def __init__(self, budget: int | str | None = None) -> None:
        self.budget = budget

    def measure(self, module: nn.Module, inputs: tuple[torch.Tensor, ...], want: Want,
                recorder: ShapeRecorder) -> Measurement:
        limit, source = memory_budget(self.budget)
        try:
            meta = MetaEngine().measure(module, inputs, want, recorder)
        except Exception as error:  # noqa: BLE001 - any forward error shows again, with context, in the real trace
            if weights_on_meta(module):  # no real trace to show it in: weights without data
                raise
            recorder.stack.clear()
            counts = count(module, inputs) if Want.COUNTS in want else None
            fields = trace_fields(module, inputs, graph=Want.GRAPH in want, recorder=recorder) \
                if Want.FIELDS in want else None
            notes = extra.extension_notes(counts.macs.get("", ())) if counts else []
            return Measurement(self.name, counts, fields, recorder.output_shapes, notes=[*_value_note(error), *notes])
        if Want.COUNTS not in want:  # fields and shapes are the same whichever engine is asked
            meta.engine = self.name
            return meta
        assert meta.peak_activation_bytes is not None
        need = trace_bytes(module, meta.peak_activation_bytes)
        if (limit is not None and need > limit) or weights_on_meta(module):
            meta.notes.append(_meta_instead(module, need, limit, source))
            return meta
        deep, layers = _LAYER_LIMIT.get(), weight_layers(module)
        if deep is not None and layers > deep:
            meta.notes.append(f"{layers:,} modules with weights, over {deep}: fvcore's trace of a network this deep "
                              "takes long, so the meta engine counted it, whose numbers equal fvcore's on every zoo "
                              "model (tests/test_engines.py). --engine fvcore runs the trace.")
            return meta
        recorder.remove()
        try:
            traced = count(module, inputs)
        except Exception as error:  # noqa: BLE001 - the meta pass ran this forward: the tracer is what failed
            first = (str(error).strip().splitlines() or [""])[0].split(". ")[0][:120]
            meta.notes.append(f"fvcore's tracer cannot follow this model ({type(error).__name__}: {first}); "
                              "counted with the meta engine instead (same conventions).")
            return meta
        assert meta.counts is not None
        # fvcore counts no backward: the meta pass's figures stand, the same on both engines.
        traced.backward_macs, traced.backward_uncounted = meta.counts.backward_macs, meta.counts.backward_uncounted
        meta.engine, meta.counts = self.name, traced
        return meta


def _value_note(error: BaseException) -> list[str]:
    """Say that the counts follow the values this forward read, when the meta pass failed on reading one."""
    if not ("meta" in str(error) or isinstance(error, NotImplementedError)):
        return []
    return [f"This forward reads tensor values ({(str(error).strip().splitlines() or [''])[0][:100]}): the counts "
            "follow the branch these weights and inputs take (a model built from a spec has its weights seeded, "
            "so the command line and the library count the same)."]


def _meta_instead(module: nn.Module, need: int, limit: int | None, source: str) -> str:
    """The note for counts made on the meta device: the trace would not fit, or there are no weights
    to trace (a model built on the meta device because its weights alone exceed the budget)."""
    budget = f"the memory budget of {(limit or 0) / 2**30:.1f} GiB ({source})"  # shown only when there is one
    if not weights_on_meta(module):
        why = f"fvcore's trace would need about {need / 2**30:.1f} GiB, over {budget}"
    elif limit is not None and weight_bytes(module) > limit:
        why = (f"The model's weights alone take {weight_bytes(module) / 2**30:.1f} GiB, over {budget}, so it was "
               "built on the meta device (no weight allocated)")
    else:
        why = "The model's weights are on the meta device (no data to trace)"
    return (f"{why}; counted with the meta engine instead (same conventions). "
            "Give memory_budget or engine (--memory-budget, --engine) to choose.")
