"""Receptive fields and depth, followed through the graph the forward actually executes.

Unit: input pixels. Each tensor the forward makes is tagged with its field (size, stride, start per
axis; the arithmetic and its conventions are in ``archstat.engines.field_arithmetic``):
convolutions and pooling move it, transposed convolutions, interpolation, pixel shuffle and fold
move it back up (``engines.field_rules``), merges (add, cat, mul) take the union, and a merge of
paths with different jumps or different centres is flagged. An operator no rule follows (one that
changes the spatial shape unknown ways, or reads positions chosen by data: ``grid_sample``) leaves
its result, and everything computed from it, without a field, with a note naming it: never a
smaller field. Depth counts weight layers (convolutions, fully connected, recurrent layers, and
attention's projections) on the longest path from the input. A model no spatial operator runs in
(a sequence or token model) has no field at all (``FieldTrace.applicable``). Tensor values are
never read: the trace runs on meta tensors.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode

from ..errors import AnalysisError
from . import field_rules as rules
from .dataflow import Dataflow, DataflowRecorder
from .field_arithmetic import (
    Field,
    TensorInfo,
    input_field,
    tensors_in,
    union,
    upstream,
)
from .field_moves import ADAPTIVE, CONVS, POOLS, PRODUCTS, FieldMoves
from .recorder import Frame, ModuleRecorder, recording

# Ops that deliberately drop the spatial layout (flatten, global reductions): no field, no warning.
_DROP_LAYOUT = {
    "view", "reshape", "flatten", "view_as", "reshape_as", "squeeze", "unflatten",
    "mean", "sum", "amax", "amin", "max", "min", "std", "var", "logsumexp", "norm", "prod",
}
@dataclass
class FieldTrace:
    """What ``trace_fields`` found.

    ``by_module``: dotted module name -> field of its output (``None``: no spatial field, e.g. after
    global pooling or flattening); modules that never ran are absent. ``depth_by_module``: weight
    layers on the longest path from the input to that module's output. ``final``: field of the last
    spatial feature map the output depends on. ``depth``: weight layers on the longest path from the
    input to the model's output. ``merges``: merges of misaligned paths (module name and reason).
    ``warnings``: ops the trace could not follow, approximations made. ``dataflow``: the graph the
    forward executed (``engines.dataflow``), when it was asked for (``Want.GRAPH``). ``applicable``:
    False for a model no spatial operator (convolution, pooling, resampling) ran in, a sequence or
    token model: it has no field, only a depth.
    """

    by_module: dict[str, Field | None] = field(default_factory=dict)
    depth_by_module: dict[str, int] = field(default_factory=dict)
    final: Field | None = None
    depth: int = 0
    merges: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dataflow: Dataflow | None = None
    applicable: bool = True


# Operators that make a model spatial (``FieldTrace.applicable``).
_SPATIAL = {*POOLS, *CONVS, *ADAPTIVE, *rules.TRANSPOSED, *rules.UPSAMPLING, "pixel_shuffle",
            "pixel_unshuffle", "im2col", "col2im", "grid_sample", "grid_sampler"}


class _Tracer(FieldMoves, TorchFunctionMode):
    """Sees every torch call of the forward and tags each result with its ``TensorInfo``.

    Inside ``__torch_function__`` the mode is switched off, so the calls a traced function makes
    internally (F.local_response_norm pads and average-pools across channels) are not seen twice.
    """

    def __init__(self, axes: int, recorder: ModuleRecorder) -> None:
        super().__init__()
        self.recorder = recorder  # which module is running: named in warnings
        self.axes = axes  # spatial axes of the input: 2 for images, 1 for sequences, 3 for volumes
        # id -> (the tensor, weakly: a tensor freed by the forward is not kept, and a new one that
        # takes its id is not mistaken for it; the meta engine measures the tensors alive at once)
        self.infos: dict[int, tuple[weakref.ref[Tensor], TensorInfo]] = {}
        self.trace = FieldTrace()
        self.merges: list[str] = []
        self.warnings: list[str] = []
        self.absent: list[str] = []  # operators after which no field is given
        self.spatial = False  # a spatial operator ran on the input's data
        self.graph: DataflowRecorder | None = None  # set when the dataflow graph is wanted too

    def finish(self, output: Any) -> FieldTrace:
        """The fields of the forward that returned ``output``."""
        out = next(tensors_in(output), None)
        info = self.info(out) if out is not None else None
        if info is not None:
            self.trace.final, self.trace.depth = info.field or info.last, info.depth
            if info.unknown is not None:
                self.trace.final = None
        self.trace.merges, self.trace.warnings = self.merges, self.warnings
        if not self.spatial:  # a sequence or token model: no field means nothing, depth still does
            self.trace.applicable, self.trace.final, self.trace.merges = False, None, []
            self.trace.by_module = dict.fromkeys(self.trace.by_module)
        else:
            self.trace.warnings = [*self.warnings, *self.absent]
        if self.graph is not None:
            self.trace.dataflow = self.graph.finish(output)
        return self.trace

    def info(self, tensor: Tensor) -> TensorInfo | None:
        entry = self.infos.get(id(tensor))
        return entry[1] if entry is not None and entry[0]() is tensor else None

    def tag(self, tensor: Tensor, info: TensorInfo) -> None:
        self.infos[id(tensor)] = (weakref.ref(tensor), info)

    def where(self) -> str:
        return self.recorder.current() or "(model)"

    def warn(self, message: str) -> None:
        message = f"{self.where()}: {message}"
        if message not in self.warnings:
            self.warnings.append(message)

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        known: dict[int, tuple[Tensor, TensorInfo]] = {}  # the inputs of this call: alive
        for tensor in tensors_in((args, kwargs)):
            info = self.info(tensor)
            if info is not None:
                known[id(tensor)] = (tensor, info)
        out = func(*args, **kwargs)
        if known:  # results of calls on untracked tensors alone (constants, weights) stay neutral
            name = rules.canonical(func, getattr(func, "__name__", str(func)))
            inputs = list(known.values())
            for tensor in tensors_in(out):
                self.tag(tensor, self.propagate(name, args, kwargs, inputs, tensor))
            if self.graph is not None:
                self.graph.record(name, (args, kwargs), out, self.field_of)
        return out

    def field_of(self, tensor: Tensor) -> Field | None:
        info = self.info(tensor)
        return info.field if info is not None else None

    def propagate(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                  inputs: list[tuple[Tensor, TensorInfo]], out: Tensor) -> TensorInfo:
        """The info of ``out``, the result of op ``name`` applied to ``inputs``."""
        depth = max(info.depth for _, info in inputs) + self.layers(name, args, inputs)
        self.spatial = self.spatial or name in _SPATIAL
        lost = next((info.unknown for _, info in inputs if info.unknown is not None), None)
        if lost is not None:  # downstream of an operator no rule follows: absent, never smaller
            return TensorInfo(None, depth, None, lost)
        src = args[0] if args and isinstance(args[0], Tensor) else kwargs.get("input")
        src_info = self.info(src) if isinstance(src, Tensor) else None
        if name in CONVS and CONVS[name] == self.axes:
            return self.spatial_info(self.conv(name, args, kwargs, src_info), depth, inputs)
        if src_info is not None and src_info.blocks is not None:
            return self.blocks(name, args, kwargs, src_info, out, depth, inputs)
        if name in PRODUCTS:
            return TensorInfo(None, depth, upstream(inputs))
        if src_info is not None and src_info.field is not None and isinstance(src, Tensor):
            moved = self.moved(name, args, kwargs, src, src_info.field, out)
            if isinstance(moved, str):
                return self.no_rule(moved, depth)
            if moved is None or isinstance(moved, Field):
                return self.spatial_info(moved, depth, inputs)
            if isinstance(moved, TensorInfo):
                return TensorInfo(moved.field, depth, moved.field, blocks=moved.blocks)
        return self.elementwise(name, inputs, out, depth)

    def layers(self, name: str, args: tuple[Any, ...], inputs: list[tuple[Tensor, TensorInfo]]) -> int:
        """Weight layers the call adds: convolutions, products with a weight (a product of two
        activations, attention's scores, adds none), recurrent layers, fused attention."""
        if name in CONVS or name in rules.TRANSPOSED:
            return 1
        if name in PRODUCTS:
            # An operand that does not depend on the input is a weight (a parameter, or one
            # transposed or reshaped).
            return int(name == "linear" or any(self.info(t) is None for t in tensors_in(args)))
        if name in rules.RECURRENT or name in rules.CELLS:
            return rules.recurrent_layers(name, args)
        return rules.FUSED_ATTENTION.get(name, 0)

    def no_rule(self, operator: str, depth: int) -> TensorInfo:
        """A result no rule gives a field for: it and everything downstream have none, with a note."""
        note = (f"{self.where()}: no receptive-field rule follows {operator}; the fields after it "
                "are not shown (never a smaller one)")
        if note not in self.absent:
            self.absent.append(note)
        return TensorInfo(None, depth, None, operator)

    def spatial_info(self, moved: Field | None, depth: int,
                     inputs: list[tuple[Tensor, TensorInfo]]) -> TensorInfo:
        """Info of a result whose field is ``moved`` (None: no spatial field)."""
        return TensorInfo(moved, depth, moved if moved is not None else upstream(inputs))

    def elementwise(self, name: str, inputs: list[tuple[Tensor, TensorInfo]], out: Tensor,
                    depth: int) -> TensorInfo:
        """Any other op: the union of the inputs' fields when it keeps the spatial shape."""
        last = upstream(inputs)
        spatial = [(t, i) for t, i in inputs if i.field is not None]
        if not spatial:
            return TensorInfo(None, depth, last)
        shape = tuple(out.shape[-self.axes:]) if out.ndim >= self.axes + 2 else None
        if shape is not None and any(tuple(t.shape[-self.axes:]) == shape for t, _ in spatial):
            fields = list(dict.fromkeys(i.field for _, i in spatial if i.field is not None))
            self.check_merge(name, fields, inputs)
            merged = union(fields)
            return TensorInfo(merged, depth, merged)
        if name not in _DROP_LAYOUT and shape is not None:
            src_shape = tuple(spatial[0][0].shape[-self.axes:])
            return self.no_rule(f"op {name} (spatial shape {src_shape} -> {shape})", depth)
        return TensorInfo(None, depth, last)

    def check_merge(self, name: str, fields: list[Field],
                    inputs: list[tuple[Tensor, TensorInfo]]) -> None:
        """Flag merges whose paths have different jumps or different centres, and global context."""
        where = self.where()
        if len({f.stride for f in fields}) > 1:
            strides = sorted({tuple(str(j) for j in f.stride) for f in fields})
            self.merges.append(f"{where}: {name} merges paths with different strides "
                               f"{strides}; the larger is shown")
        elif len({f.centre2() for f in fields}) > 1:
            offsets = sorted({tuple(x / 2 for x in c) for c in (f.centre2() for f in fields)})
            self.merges.append(f"{where}: {name} merges paths whose fields are not centred alike "
                               f"(unit-0 centres at {offsets} px); the union is shown")
        if any(i.field is None and t.ndim >= self.axes + 2 for t, i in inputs):
            self.merges.append(f"{where}: {name} combines a tensor without spatial field (global "
                               "context, e.g. squeeze-excitation); the field shown is the spatial "
                               "path's")


def _module_output(tracer: _Tracer) -> Callable[[Frame, Any], None]:
    """A listener that records each module's output field and depth as the module returns."""
    by_module, depth_by_module = tracer.trace.by_module, tracer.trace.depth_by_module

    def left(frame: Frame, output: Any) -> None:
        tensor = next(tensors_in(output), None)
        info = tracer.info(tensor) if tensor is not None else None
        if frame.name and info is not None:
            by_module[frame.name] = info.field if info.blocks is None else None
            depth_by_module[frame.name] = info.depth

    return left


@contextmanager
def following_fields(model: nn.Module, inputs: tuple[Tensor, ...], graph: bool = False,
                     recorder: ModuleRecorder | None = None) -> Iterator[_Tracer]:
    """Follow receptive fields and depth through whatever forward of ``model`` runs inside, on
    ``inputs``; ``finish(output)`` of the tracer this yields gives the result, with the dataflow
    graph (``engines.dataflow``) when ``graph``. ``recorder``: the caller's recorder of the pass
    (the meta engine counts in the same pass), else one of its own. Errors of the forward pass
    through unchanged."""
    axes = next((min(t.ndim - 2, 3) for t in inputs if t.ndim >= 3), 2)
    with recording(model, recorder) as running:
        tracer = _Tracer(axes, running)
        for tensor in inputs:
            tracer.tag(tensor, TensorInfo(input_field(axes) if tensor.ndim >= 3 else None, 0, None))
        if graph:
            tracer.graph = DataflowRecorder(running, inputs)
        with running.listening(leave=_module_output(tracer)), tracer:
            yield tracer


@contextmanager
def _shapes_only(inputs: tuple[Tensor, ...]) -> Iterator[None]:
    """``meta_device.shapes_only`` on meta inputs, entered outside the tracer so that it still sees every
    call first: ResNet-1202's trace took 2.6 s of CPU without it, 0.5 s with it, the same fields and
    depths. Real inputs run as they come."""
    if not inputs or not all(isinstance(t, Tensor) and t.is_meta for t in inputs):
        yield
        return
    from .meta_device import shapes_only

    with shapes_only():
        yield


def trace_fields(
    model: nn.Module, inputs: Tensor | tuple[Tensor, ...], call: Callable[..., Any] | None = None,
    graph: bool = False, recorder: ModuleRecorder | None = None,
) -> FieldTrace:
    """Run ``model`` once and follow receptive fields (input pixels) and depth through every op.

    ``inputs`` may be real or meta tensors shaped (N, C, H, W) (or (N, C, L) for signals, whose
    fields are reported on the width axis with height 1, or (N, C, D, H, W) for volumes). The
    model's train/eval mode is left as is. ``call(*inputs)`` runs the forward instead of
    ``model(*inputs)`` (e.g. with meta parameters swapped in). ``graph`` also records the dataflow
    graph (``FieldTrace.dataflow``). ``recorder``: the caller's recorder of ``model``'s pass, if any.
    """
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    with torch.no_grad(), _shapes_only(inputs), following_fields(model, inputs, graph, recorder) as tracer:
        try:
            return tracer.finish((call or model)(*inputs))
        except (RuntimeError, ValueError, TypeError, IndexError) as err:
            raise AnalysisError(f"tracing receptive fields failed in {tracer.where()}: {err}") from err
