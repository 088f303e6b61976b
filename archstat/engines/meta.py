"""The meta engine: fvcore's counts from a pass that runs no arithmetic and holds no weights.

The network runs once on PyTorch's meta device: every tensor has a shape and a dtype but no data,
so a convolution costs the same at 64x64 and at 4096x4096 and the weights take no memory. A
``TorchFunctionMode`` sees every ATen operator the forward calls from Python, the calls fvcore's
TorchScript trace records, and counts them with fvcore's conventions (``_meta_ops``):

- MACs (one fused multiply-add = 1) by operator, with fvcore's formulas, and archstat's own where
  fvcore has none (attention, recurrent layers: ``extra_counters``);
- activations: output elements of convolutions and matrix products, as fvcore counts them;
- uncounted operators: every other operator except those fvcore drops silently, by fvcore's name.

Like fvcore, an operator counts for the innermost module running and for each ancestor of that
module by dotted name, and only if its result reaches the output: fvcore counts a trace graph
pruned of dead code, so a branch computed and thrown away counts for neither engine (a note says
how many MACs that left out). The output is searched for tensors inside any object (a dataclass,
a custom class's attributes); an output that holds no tensor at all prunes nothing: every operator
that ran counts, and a note says so.
``docs/engines.md`` lists where the two engines can still differ.
"""

from __future__ import annotations

import sys
import weakref
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode

from . import extra_counters as extra
from .backward import backward_macs, carries_gradient, has_no_rule
from .contract import Counts, Measurement, Want
from .field_arithmetic import tensors_in
from .fields import FieldTrace, following_fields
from .imports import light_imports
from .meta_device import fast_kernels, fast_meta_kernels, meta_inputs, on_meta
from .meta_ops import COUNTED, measure, traced_name
from .pass_patches import OPAQUE, no_value_checks, opaque_functions
from .recorder import ModuleRecorder, canonical_names, recording
from .shapes import ShapeRecorder
from .uncounted import STEP_OPERATORS, canonical

ENGINE_NAME = "meta"

# Modules whose Python functions (torch.nn.functional, torch.einsum, Tensor.__rsub__...) hand each
# call to the active mode before running; see ``_tracer_view``.
_GUARDED_MODULES = ("torch.nn.functional", "torch.functional", "torch._tensor")
_GUARDS = ("has_torch_function", "has_torch_function_unary", "has_torch_function_variadic")


@dataclass
class MetaPass:
    """One meta pass: fvcore-convention ``counts``, ``peak_activation_bytes``, the largest total of
    bytes the forward's operator outputs and inputs held at once (weights not included), and the
    receptive fields and depth (``archstat.fields``)."""

    counts: Counts
    peak_activation_bytes: int
    fields: FieldTrace
    notes: list[str] = field(default_factory=list)


@dataclass(eq=False)
class _Op:
    """One call: fvcore's name for it (None: never listed), the modules it counts for, its MACs by
    operator and activations, and the calls that wrote its tensor inputs; the MACs torch counts in
    its backward (``engines.backward``), and its name if its backward has products no rule counts."""

    name: str | None
    modules: list[str]
    macs: dict[str, int]
    activations: int
    sources: list[_Op]
    backward: int = 0
    no_backward_rule: str | None = None
    gradient_sources: list[_Op] = field(default_factory=list)  # calls the gradient flows back to


class _LiveBytes:
    """Bytes of operator outputs still referenced from Python, and the largest total seen."""

    def __init__(self, skip: set[int], start: int) -> None:
        self.skip = skip  # storages of weights and inputs
        self.refs: Counter[int] = Counter()
        self.nbytes: dict[int, int] = {}
        self.live = self.peak = start

    def add(self, tensors: list[Tensor]) -> None:
        for tensor in tensors:
            if (key := _storage(tensor)) in self.skip:
                continue
            if key not in self.refs:
                self.nbytes[key] = tensor.untyped_storage().nbytes()
                self.live += self.nbytes[key]
            self.refs[key] += 1
            weakref.finalize(tensor, self._release, key)  # runs when the last reference goes
        self.peak = max(self.peak, self.live)

    def _release(self, key: int) -> None:
        self.refs[key] -= 1
        if not self.refs[key]:
            del self.refs[key]
            self.live -= self.nbytes.pop(key)


def _storage(tensor: Tensor) -> int:
    return tensor.untyped_storage()._cdata  # views and in-place results share it; works on meta


class _Counting(TorchFunctionMode):
    """Records every operator call of the forward with the running module and its data flow."""

    def __init__(self, live: _LiveBytes, trainable: Sequence[Tensor], recorder: ModuleRecorder) -> None:
        super().__init__()
        self.recorder = recorder  # which module is running: each call counts for it and its ancestors
        self.ops: list[_Op] = []
        self.writers: dict[int, _Op] = {}  # storage -> the call that wrote it last
        self.live = live
        # Tensors that need a gradient, as autograd decides, by identity (``detach`` shares the
        # storage of a tensor that does): id -> (the tensor, weakly; the call that made it).
        self.gradient: dict[int, tuple[weakref.ref[Tensor], _Op | None]] = {
            id(p): (weakref.ref(p), None) for p in trainable}

    def needs_gradient(self, value: Any) -> bool:
        found = self.gradient.get(id(value)) if isinstance(value, Tensor) else None
        return found is not None and found[0]() is value  # a dead tensor's id can come back

    def __torch_function__(self, func: Any, types_: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if OPAQUE.depth:  # inside a custom autograd.Function: recorded as one call (`record_opaque`)
            return out
        # x[i] = v returns nothing and writes x. A call with no tensor result (x.size(), x.dim())
        # only feeds Python: the trace keeps none of those that fvcore would list.
        written = list(tensors_in(args[0] if out is None and args else out))
        if written:
            name = traced_name(func, args, kwargs)
            macs, activations = measure(func, name, args, kwargs, out) or ({}, 0)
            inputs = list(tensors_in((args, kwargs)))
            sources = [op for t in inputs if (op := self.writers.get(_storage(t))) is not None]
            op = _Op(name, _ancestors(self.recorder.current()), macs, activations, sources)
            self.ops.append(op)
            for tensor in written:
                self.writers[_storage(tensor)] = op
            self._follow_gradients(op, func, (args, kwargs, out), inputs, written)
            self.live.add(written)
        return out

    def record_opaque(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> None:
        """One call of a custom autograd.Function, as fvcore's trace lists it (``pass_patches``)."""
        inputs = list(tensors_in((args, kwargs)))
        sources = [op for t in inputs if (op := self.writers.get(_storage(t))) is not None]
        op = _Op(name, _ancestors(self.recorder.current()), {}, 0, sources)
        self.ops.append(op)
        written = list(tensors_in(out))
        for tensor in written:
            self.writers[_storage(tensor)] = op
        needed = [t for t in inputs if self.needs_gradient(t)]
        if needed:  # the gradient flows through it; no rule counts its own backward
            op.gradient_sources = [made for t in needed if (made := self.gradient[id(t)][1]) is not None]
            op.no_backward_rule = name
            for tensor in written:
                self.gradient[id(tensor)] = (weakref.ref(tensor), op)
        self.live.add(written)

    def _follow_gradients(self, op: _Op, func: Any, call: tuple[Any, Any, Any], inputs: list[Tensor],
                          written: list[Tensor]) -> None:
        """Mark the results that need a gradient, the calls the gradient flows back to, and the
        MACs torch counts in this call's backward (``engines.backward``)."""
        needed = [t for t in inputs if self.needs_gradient(t)]
        if not needed:
            return
        # Read before marking: an in-place call returns its input, whose maker is the source.
        sources = [made for t in needed if (made := self.gradient[id(t)][1]) is not None]
        for tensor in written:
            if carries_gradient(func, tensor):
                self.gradient[id(tensor)] = (weakref.ref(tensor), op)
                op.gradient_sources = sources
        op.backward = backward_macs(func, *call, self.needs_gradient)
        if has_no_rule(func, *call[:2]):
            op.no_backward_rule = getattr(func, "__name__", str(func))

    def differentiated(self, output: Any) -> list[_Op]:
        """The calls a backward pass from ``output`` runs through: gradients flow back only along
        inputs that need one (not through ``detach`` or ``zeros_like``)."""
        todo = [found[1] for t in tensors_in(output)
                if self.needs_gradient(t) and (found := self.gradient[id(t)])[1] is not None]
        seen: dict[int, _Op] = {}
        while todo:
            op = todo.pop()
            if id(op) not in seen:
                seen[id(op)] = op
                todo.extend(op.gradient_sources)
        return list(seen.values())

    def reaching(self, output: Any) -> list[_Op]:
        """The calls whose results reach ``output``, in call order. Data flow is followed per
        storage, so an in-place write through a view reaches whoever reads that storage later."""
        todo = [op for t in tensors_in(output) if (op := self.writers.get(_storage(t)))]
        seen: set[int] = set()
        while todo:
            op = todo.pop()
            if id(op) not in seen:
                seen.add(id(op))
                todo.extend(op.sources)
        return [op for op in self.ops if id(op) in seen]


def _ancestors(name: str) -> list[str]:
    """``name`` and every module above it by dotted name: "a.b" -> "", "a", "a.b"."""
    parts = name.split(".") if name else []
    return [".".join(parts[:k]) for k in range(len(parts) + 1)]


def _tally(ops: list[_Op], names: list[str], differentiated: list[_Op]) -> Counts:
    """Per module: MACs by operator, activations and uncounted operators of the calls that count,
    and the backward MACs of the calls a backward pass runs through (``differentiated``)."""
    macs: dict[str, Counter[str]] = {name: Counter() for name in names}
    activations = dict.fromkeys(names, 0)
    uncounted: dict[str, Counter[str]] = {name: Counter() for name in names}
    backward = dict.fromkeys(names, 0)
    no_rule: Counter[str] = Counter()
    for op in differentiated:
        for module in op.modules if op.backward else ():
            backward[module] += op.backward
        if op.no_backward_rule:
            no_rule[op.no_backward_rule] += 1
    for op in ops:
        counted = op.name in COUNTED
        listed = None if op.name is None or counted else canonical(op.name)
        steps = STEP_OPERATORS.get(op.name or "")  # a cell's element-wise operators, as the trace lists them
        for module in op.modules if counted or listed else ():
            if counted:
                macs[module] += Counter(op.macs)  # += keeps positive counts only, as fvcore's does
                activations[module] += op.activations
                if steps:
                    uncounted[module] += steps
            elif listed:
                uncounted[module][listed] += 1
    return Counts(macs=macs, activations=activations, uncounted=uncounted, backward_macs=backward,
                  backward_uncounted=no_rule)


def _macs_that_ran(ops: list[_Op]) -> int:
    """MACs of every counted call, its result reaching the output or not: the whole model's row of
    ``_tally`` over all calls, without the other modules' rows (a sweep pays this at every side)."""
    total: Counter[str] = Counter()
    for op in ops:
        if op.name in COUNTED:
            total += Counter(op.macs)  # as _tally sums, positive counts only
    return sum(total.values())


@contextmanager
def _tracer_view() -> Iterator[None]:
    """Let the mode see what the TorchScript tracer records: the ATen operators Python code calls.

    torch's own Python functions (``F.batch_norm``, ``F.max_pool2d``, ``torch.einsum``) start with
    a guard that hands the whole call to an active mode, which would then see
    ``F.local_response_norm`` as one call where the tracer records the ``mul``, ``pad``,
    ``avg_pool3d``, ``pow`` and ``div`` it is made of. For the pass those guards answer "no", so
    each function runs its own body and the mode sees the operators inside; restored on exit.
    """
    saved: list[tuple[dict[str, Any], str, Any]] = []
    for module_name in _GUARDED_MODULES:
        namespace = vars(sys.modules[module_name])
        for guard in _GUARDS:
            if namespace.get(guard) is getattr(torch._C, f"_{guard}"):
                saved.append((namespace, guard, namespace[guard]))
                namespace[guard] = _never
    try:
        yield
    finally:
        for namespace, guard, original in saved:
            namespace[guard] = original


def _never(*_args: Any) -> bool:
    return False


def run(module: nn.Module, inputs: tuple[Tensor, ...], graph: bool = False,
        recorder: ModuleRecorder | None = None) -> MetaPass:
    """Run ``module(*inputs)`` once on meta tensors, count as fvcore would (see the module doc) and
    follow receptive fields and depth in the same pass (``archstat.fields``), with the dataflow
    graph when ``graph``. ``recorder``: the caller's recorder of ``module``'s pass (else one of its own).

    ``module`` keeps its weights: they are swapped for meta twins during the pass only. Errors of
    the forward propagate unchanged (a forward that reads tensor values cannot run on meta).
    """
    names = canonical_names(module)
    with on_meta(module), recording(module, recorder) as running:
        args = meta_inputs(inputs)
        skip = {_storage(t) for t in (*module.parameters(), *module.buffers(), *args)}
        start = sum(t.untyped_storage().nbytes() for t in args)
        trainable = [p for p in module.parameters() if p.requires_grad]
        counting = _Counting(_LiveBytes(skip, start), trainable, running)
        # Modes see a call innermost first: the field tracer, counting, then the fast kernels. Each
        # mode's own tensor queries (shapes, storages) go to the modes outside it: none outside
        # counting follows fields, and the tracer's queries make no tensor, so counting lists none.
        # The fused attention path is off on meta tensors anyway; off explicitly, as for fvcore's trace.
        with torch.no_grad(), _tracer_view(), light_imports(), fast_kernels(), \
                extra.composite_attention(), no_value_checks(), \
                opaque_functions(counting.record_opaque):
            with fast_meta_kernels(), counting, following_fields(module, args, graph, running) as tracer:
                output = module(*args)
        # A write to the module's state (BatchNorm's batch counter in training mode) is an effect
        # of the forward: fvcore's trace keeps it, so it counts as reaching the output.
        state = list(module.buffers())
    modules = list(dict.fromkeys(names.values()))
    found = list(output_tensors(output))
    counted = counting.reaching((found, state)) if found else counting.ops
    counts = _tally(counted, modules, counting.differentiated(found))
    notes = _pruning_notes(sum(counts.macs[""].values()), _macs_that_ran(counting.ops), bool(found))
    return MetaPass(counts=counts, peak_activation_bytes=counting.live.peak, fields=tracer.finish(found),
                    notes=notes)


def output_tensors(obj: Any, depth: int = 0) -> Iterator[Tensor]:
    """Every tensor in a forward's output: in tensors, lists, tuples and dicts (``tensors_in``), and in
    the attributes of any other object (a dataclass, a namedtuple, a custom result class), four levels deep."""
    if isinstance(obj, (Tensor, list, tuple, dict)):
        for item in (obj,) if isinstance(obj, Tensor) else obj.values() if isinstance(obj, dict) else obj:
            yield from (tensors_in(item) if isinstance(item, Tensor) else output_tensors(item, depth + 1))
    elif depth < 4 and hasattr(obj, "__dict__") and not isinstance(obj, (type, nn.Module)):
        for item in vars(obj).values():
            yield from output_tensors(item, depth + 1)


def _pruning_notes(counted: int, ran: int, found: bool) -> list[str]:
    if not found and ran:
        return [f"the output holds no tensor, so every operator that ran is counted ({ran:,} MACs)."]
    if ran > counted:
        return [f"{ran - counted:,} MACs of operators whose results reach no output are not counted "
                "(as fvcore's trace drops dead code)."]
    return []


def count(module: nn.Module, inputs: tuple[Tensor, ...]) -> Counts:
    """MACs, activations and uncounted operators of ``module(*inputs)`` per module, as fvcore
    counts them."""
    return run(module, inputs).counts




class MetaEngine:
    """The ``meta`` engine (``engines.contract``): fvcore's counts, fields and shapes from one meta pass."""

    name = ENGINE_NAME

    def measure(self, module: nn.Module, inputs: tuple[Tensor, ...], want: Want,
                recorder: ShapeRecorder) -> Measurement:
        meta_pass = run(module, inputs, graph=Want.GRAPH in want, recorder=recorder)
        notes = extra.extension_notes(meta_pass.counts.macs.get("", ())) if Want.COUNTS in want else []
        return Measurement(
            engine=self.name, counts=meta_pass.counts, fields=meta_pass.fields,
            output_shapes=recorder.output_shapes, peak_activation_bytes=meta_pass.peak_activation_bytes,
            notes=[*meta_pass.notes, *notes],
        )
