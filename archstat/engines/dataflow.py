"""The dataflow graph a forward executes, recorded op by op in the field pass (``engines.fields``).

Each torch call whose inputs depend on the model's inputs becomes one ``FlowOp``: the operator's
name, the module calls running when it ran (outermost first, each with its call number, so a module
run twice is two calls), the ops that made its tensor inputs and the shapes those tensors had, the
shape of its first result and that result's receptive field. Nothing is folded here: which ops make
one node of a drawing (a module at some depth, a merge) is ``analysis.graph``'s business, so one pass
serves every ``--depth``. Ops whose result reaches no model output (an auxiliary head switched off,
a branch thrown away) are dropped, as the counts drop them.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from torch import Tensor

from .field_arithmetic import Field, tensors_in
from .recorder import ModuleRecorder

Scope = tuple[tuple[str, int], ...]  # (dotted module name, call number from 1), outermost first


@dataclass(frozen=True)
class FlowInput:
    """One tensor an op read: the op that made it (its index in ``Dataflow.ops``) and its shape."""

    source: int
    shape: tuple[int, ...]


@dataclass
class FlowOp:
    """One call of the forward. ``op`` is the torch function's name ("input" for a model input);
    ``shape`` is its first tensor result's, batch included; ``field`` that result's receptive field
    (input pixels; ``None`` where none reaches it)."""

    op: str
    scope: Scope
    inputs: list[FlowInput]
    shape: tuple[int, ...]
    field: Field | None = None


@dataclass
class Dataflow:
    """The ops of one forward in call order, the first ``len(input shapes)`` being the inputs, and
    the model's output tensors (``FlowInput``: the op that made each and its shape)."""

    ops: list[FlowOp] = field(default_factory=list)
    outputs: list[FlowInput] = field(default_factory=list)


class DataflowRecorder:
    """Told of every traced call by the field tracer; keeps which op made each live tensor.

    Tensors are known by id, held weakly (a tensor freed by the forward is forgotten, and a new one
    that takes its id is not mistaken for it), as the field tracer holds them.
    """

    def __init__(self, recorder: ModuleRecorder, inputs: tuple[Tensor, ...]) -> None:
        self.flow = Dataflow()
        self.makers: dict[int, tuple[weakref.ref[Tensor], int]] = {}
        self.recorder = recorder  # the module calls running: each op's scope
        for tensor in inputs:
            self._made(tensor, FlowOp("input", (), [], tuple(tensor.shape)))

    def scope(self) -> Scope:
        """The module calls running, outermost first, the model itself left out."""
        return tuple((frame.name, frame.call) for frame in self.recorder.stack if frame.name)

    def maker(self, tensor: Tensor) -> int | None:
        entry = self.makers.get(id(tensor))
        return entry[1] if entry is not None and entry[0]() is tensor else None

    def _made(self, tensor: Tensor, op: FlowOp) -> None:
        self.flow.ops.append(op)
        self.makers[id(tensor)] = (weakref.ref(tensor), len(self.flow.ops) - 1)

    def record(self, name: str, args: Any, out: Any, field_of: Callable[[Tensor], Field | None]) -> None:
        """One call ``name`` that read the tensors in ``args`` and returned ``out``."""
        inputs = [FlowInput(index, tuple(t.shape)) for t in tensors_in(args)
                  if (index := self.maker(t)) is not None]
        results = list(tensors_in(out))
        if not inputs or not results:
            return
        op = FlowOp(name, self.scope(), list(dict.fromkeys(inputs)), tuple(results[0].shape),
                    field_of(results[0]))
        self.flow.ops.append(op)
        for tensor in results:  # every result of the call (chunk, split) is made by this op
            self.makers[id(tensor)] = (weakref.ref(tensor), len(self.flow.ops) - 1)

    def finish(self, output: Any) -> Dataflow:
        """The recorded graph, pruned to the ops that reach ``output``."""
        self.flow.outputs = [FlowInput(index, tuple(t.shape)) for t in tensors_in(output)
                             if (index := self.maker(t)) is not None]
        return _pruned(self.flow)


def _pruned(flow: Dataflow) -> Dataflow:
    """Only the ops some output depends on (inputs always kept), indices renumbered."""
    keep = {i for i, op in enumerate(flow.ops) if op.op == "input"}
    todo = [out.source for out in flow.outputs]
    while todo:
        index = todo.pop()
        if index not in keep:
            keep.add(index)
            todo.extend(i.source for i in flow.ops[index].inputs)
    order = sorted(keep)
    new = {old: k for k, old in enumerate(order)}

    def moved(item: FlowInput) -> FlowInput:
        return FlowInput(new[item.source], item.shape)

    ops = [FlowOp(op.op, op.scope, [moved(i) for i in op.inputs], op.shape, op.field)
           for op in (flow.ops[i] for i in order)]
    return Dataflow(ops, [moved(out) for out in flow.outputs])
