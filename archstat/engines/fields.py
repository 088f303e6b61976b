"""Receptive fields and depth, followed through the graph the forward actually executes.

Unit: input pixels. Each tensor the forward makes is tagged with its field (size, stride, start per
axis; the arithmetic and its conventions are in ``archstat.engines.field_arithmetic``): convolutions
and pooling move it, merges (add, cat, mul) take the union, and a merge of paths with different
jumps or different centres is flagged. Depth counts weight layers (convolutions, fully connected
layers) on the longest path from the input. Tensor values are never read: the trace runs on meta
tensors.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode

from ..errors import AnalysisError
from .dataflow import DataflowRecorder
from .field_arithmetic import (
    INPUT_FIELD,
    Field,
    FieldTrace,
    Pair,
    TensorInfo,
    after_window,
    tensors_in,
    union,
    upstream,
)

# Window ops: name -> (spatial axes, position of kernel_size, takes padding, takes dilation).
# stride, padding and dilation follow kernel_size in every one of these signatures.
_POOLS: dict[str, tuple[int, int, bool, bool]] = {
    "max_pool1d": (1, 1, True, True), "max_pool1d_with_indices": (1, 1, True, True),
    "max_pool2d": (2, 1, True, True), "max_pool2d_with_indices": (2, 1, True, True),
    "avg_pool1d": (1, 1, True, False), "avg_pool2d": (2, 1, True, False),
    "lp_pool1d": (1, 2, False, False), "lp_pool2d": (2, 2, False, False),
}
_CONVS = {"conv1d": 1, "conv2d": 2}
_ADAPTIVE = {
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
}
# Matrix products: a weight layer when an operand is independent of the input (F.linear always).
_PRODUCTS = {
    "linear", "bilinear", "matmul", "mm", "addmm", "bmm", "baddbmm", "__matmul__", "einsum",
}
# Ops that deliberately drop the spatial layout (flatten, global reductions): no field, no warning.
_DROP_LAYOUT = {
    "view", "reshape", "flatten", "view_as", "reshape_as", "squeeze", "unflatten",
    "mean", "sum", "amax", "amin", "max", "min", "std", "var", "logsumexp", "norm", "prod",
}


def _pair(value: Any, axes: int, neutral: int) -> Pair:
    """An int / sequence argument as (height, width); 1-D ops act on the width only."""
    values = [int(value)] * axes if isinstance(value, int) else [int(v) for v in value]
    if len(values) == 1:
        values = values * axes
    return (neutral, values[0]) if axes == 1 else (values[0], values[1])


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], pos: int, name: str, default: Any) -> Any:
    if name in kwargs:
        return kwargs[name]
    return args[pos] if len(args) > pos else default


class _Tracer(TorchFunctionMode):
    """Sees every torch call of the forward and tags each result with its ``TensorInfo``.

    Inside ``__torch_function__`` the mode is switched off, so the calls a traced function makes
    internally (F.local_response_norm pads and average-pools across channels) are not seen twice.
    """

    def __init__(self, axes: int) -> None:
        super().__init__()
        self.axes = axes  # spatial axes of the input: 2 for images, 1 for sequences
        # id -> (the tensor, weakly: a tensor freed by the forward is not kept, and a new one that
        # takes its id is not mistaken for it; the meta engine measures the tensors alive at once)
        self.infos: dict[int, tuple[weakref.ref[Tensor], TensorInfo]] = {}
        self.stack: list[str] = []
        self.trace = FieldTrace()
        self.merges: list[str] = []
        self.warnings: list[str] = []
        self.graph: DataflowRecorder | None = None  # set when the dataflow graph is wanted too

    def finish(self, output: Any) -> FieldTrace:
        """The fields of the forward that returned ``output``."""
        out = next(tensors_in(output), None)
        info = self.info(out) if out is not None else None
        if info is not None:
            self.trace.final, self.trace.depth = info.field or info.last, info.depth
        self.trace.merges, self.trace.warnings = self.merges, self.warnings
        if self.graph is not None:
            self.trace.dataflow = self.graph.finish(output)
        return self.trace

    def info(self, tensor: Tensor) -> TensorInfo | None:
        entry = self.infos.get(id(tensor))
        return entry[1] if entry is not None and entry[0]() is tensor else None

    def tag(self, tensor: Tensor, info: TensorInfo) -> None:
        self.infos[id(tensor)] = (weakref.ref(tensor), info)

    def where(self) -> str:
        return self.stack[-1] if self.stack and self.stack[-1] else "(model)"

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
            name = getattr(func, "__name__", str(func))
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
        depth = max(info.depth for _, info in inputs)
        src = args[0] if args and isinstance(args[0], Tensor) else kwargs.get("input")
        src_info = self.info(src) if isinstance(src, Tensor) else None
        if name in _CONVS:
            return self.spatial(self.conv(name, args, kwargs, src_info), depth + 1, inputs)
        if name in _PRODUCTS:
            # An operand that does not depend on the input is a weight (a parameter, or one
            # transposed or reshaped); a product of two activations (attention) adds no layer.
            weighted = name == "linear" or any(self.info(t) is None for t in tensors_in(args))
            return TensorInfo(None, depth + int(weighted), upstream(inputs))
        if src_info is not None and src_info.field is not None and isinstance(src, Tensor):
            moved = self.moved(name, args, kwargs, src, src_info.field, out)
            if moved is None or isinstance(moved, Field):
                return self.spatial(moved, depth, inputs)
        return self.elementwise(name, inputs, out, depth)

    def spatial(self, moved: Field | None, depth: int,
                inputs: list[tuple[Tensor, TensorInfo]]) -> TensorInfo:
        """Info of a result whose field is ``moved`` (None: no spatial field)."""
        return TensorInfo(moved, depth, moved if moved is not None else upstream(inputs))

    def conv(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
             src_info: TensorInfo | None) -> Field | None:
        """F.conv1d / F.conv2d: kernel from the weight; padding int, tuple, 'same' or 'valid'."""
        if src_info is None or src_info.field is None:
            return None  # e.g. a 1x1 convolution on globally pooled features (squeeze-excitation)
        axes = _CONVS[name]
        weight = _arg(args, kwargs, 1, "weight", None)
        kernel = _pair(tuple(weight.shape[2:]), axes, 1)
        dilation = _pair(_arg(args, kwargs, 5, "dilation", 1), axes, 1)
        padding = _arg(args, kwargs, 4, "padding", 0)
        if padding == "same":  # PyTorch puts the odd pixel of an even total on the far side
            pad = (dilation[0] * (kernel[0] - 1) // 2, dilation[1] * (kernel[1] - 1) // 2)
        else:
            pad = _pair(0 if padding == "valid" else padding, axes, 0)
        stride = _pair(_arg(args, kwargs, 3, "stride", 1), axes, 1)
        return after_window(src_info.field, kernel, stride, pad, dilation)

    def moved(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], src: Tensor,
              f: Field, out: Tensor) -> Field | None | object:
        """Ops that move or grow the field of their first argument; ``_UNHANDLED`` for the rest."""
        if name in _POOLS:
            return self.pool(name, args, kwargs, f)
        if name in _ADAPTIVE:
            size_in, size_out = tuple(src.shape[-self.axes:]), tuple(out.shape[-self.axes:])
            return self.adaptive(name, f, size_in, size_out)
        if name in ("pad", "constant_pad_nd"):
            pad = list(_arg(args, kwargs, 1, "pad", ())) + [0, 0, 0, 0]
            # pad lists (left, right) pairs from the last axis backwards: width first, then height
            top = pad[2] if self.axes == 2 else 0
            start = (f.start[0] - top * f.stride[0], f.start[1] - pad[0] * f.stride[1])
            return Field(f.size, f.stride, start)
        if name == "__getitem__":
            return self.index(src, _arg(args, kwargs, 1, "idx", None), f)
        return _UNHANDLED

    def pool(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], f: Field) -> Field:
        """Max, average and power-average pooling; ``ceil_mode`` leaves unit 0 unchanged."""
        axes, pos, padded, dilated = _POOLS[name]
        kernel = _pair(_arg(args, kwargs, pos, "kernel_size", 1), axes, 1)
        stride_arg = _arg(args, kwargs, pos + 1, "stride", None)
        stride = kernel if stride_arg is None or stride_arg == [] else _pair(stride_arg, axes, 1)
        pad = _pair(_arg(args, kwargs, pos + 2, "padding", 0), axes, 0) if padded else (0, 0)
        dilation = _pair(_arg(args, kwargs, pos + 3, "dilation", 1), axes, 1) if dilated else (1, 1)
        return after_window(f, kernel, stride, pad, dilation)

    def adaptive(self, name: str, f: Field, size_in: tuple[int, ...],
                 size_out: tuple[int, ...]) -> Field | None:
        """Adaptive pooling: 1x1 output is global (no field); otherwise its equivalent window.

        Bin i spans input units floor(i*n/m) to ceil((i+1)*n/m) - 1. When m divides n the bins are a
        plain window (kernel = stride = n/m); otherwise they vary, and the largest bin with stride
        floor(n/m) is reported as an approximation.
        """
        if all(m == 1 for m in size_out):
            return None
        kernel, stride, exact = [], [], True
        for n, m in zip(size_in, size_out, strict=True):
            if n % m == 0:
                kernel.append(n // m)
                stride.append(n // m)
                continue
            exact = False
            kernel.append(max(math.ceil((i + 1) * n / m) - (i * n) // m for i in range(m)))
            stride.append(max(1, n // m))
        if not exact:
            self.warn(f"{name} {size_in} -> {size_out}: uneven bins, field approximated with "
                      f"kernel {tuple(kernel)} and stride {tuple(stride)}")
        return after_window(f, _pair(kernel, self.axes, 1), _pair(stride, self.axes, 1), (0, 0), (1, 1))

    def index(self, src: Tensor, index: Any, f: Field) -> Field | object:
        """Basic slicing: a:b:t on a spatial axis moves the start by a*j and the jump times t."""
        items = index if isinstance(index, tuple) else (index,)
        if not all(isinstance(i, (slice, int)) or i is Ellipsis for i in items):
            return _UNHANDLED  # advanced indexing: the shape check in `elementwise` decides
        explicit = [i for i in items if i is not Ellipsis]
        if len(explicit) < len(items):
            at = next(k for k, i in enumerate(items) if i is Ellipsis)
            fill = (slice(None),) * (src.ndim - len(explicit))
            items = tuple(items[:at]) + fill + tuple(items[at + 1:])
        items = tuple(items) + (slice(None),) * (src.ndim - len(items))
        spatial = items[src.ndim - self.axes:]
        if any(not isinstance(i, slice) for i in spatial):
            return _UNHANDLED
        offset, step = [0, 0], [1, 1]
        for axis, item in zip((0, 1)[2 - self.axes:], spatial, strict=True):
            first, _, stride = item.indices(src.shape[axis - 2])
            offset[axis], step[axis] = first, stride
        return Field(f.size, (f.stride[0] * step[0], f.stride[1] * step[1]),
                     (f.start[0] + offset[0] * f.stride[0], f.start[1] + offset[1] * f.stride[1]))

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
            self.warn(f"cannot follow op {name} (spatial shape {src_shape} -> {shape}); "
                      "no field recorded after it")
        return TensorInfo(None, depth, last)

    def check_merge(self, name: str, fields: list[Field],
                    inputs: list[tuple[Tensor, TensorInfo]]) -> None:
        """Flag merges whose paths have different jumps or different centres, and global context."""
        where = self.where()
        if len({f.stride for f in fields}) > 1:
            self.merges.append(f"{where}: {name} merges paths with different strides "
                               f"{sorted({f.stride for f in fields})}; the larger is shown")
        elif len({f.centre2() for f in fields}) > 1:
            offsets = sorted({(c[0] / 2, c[1] / 2) for c in (f.centre2() for f in fields)})
            self.merges.append(f"{where}: {name} merges paths whose fields are not centred alike "
                               f"(unit-0 centres at {offsets} px); the union is shown")
        if any(i.field is None and t.ndim >= self.axes + 2 for t, i in inputs):
            self.merges.append(f"{where}: {name} combines a tensor without spatial field (global "
                               "context, e.g. squeeze-excitation); the field shown is the spatial "
                               "path's")


_UNHANDLED = object()


def _hook(tracer: _Tracer, model: nn.Module) -> list[Any]:
    """Forward hooks that keep the module stack and record each module's output."""
    handles = []
    for name, module in model.named_modules():
        def before(_m: nn.Module, _i: Any, name: str = name) -> None:
            tracer.stack.append(name)

        def after(_m: nn.Module, _i: Any, output: Any, name: str = name) -> None:
            tracer.stack.pop()
            tensor = next(tensors_in(output), None)
            info = tracer.info(tensor) if tensor is not None else None
            if name and info is not None:
                tracer.trace.by_module[name] = info.field
                tracer.trace.depth_by_module[name] = info.depth

        handles += [module.register_forward_pre_hook(before), module.register_forward_hook(after)]
    return handles


@contextmanager
def following_fields(model: nn.Module, inputs: tuple[Tensor, ...], graph: bool = False) -> Iterator[_Tracer]:
    """Follow receptive fields and depth through whatever forward of ``model`` runs inside, on
    ``inputs``; ``finish(output)`` of the tracer this yields gives the result, with the dataflow
    graph (``engines.dataflow``) when ``graph``. Errors of the forward pass through unchanged (the
    meta engine counts in the same pass)."""
    axes = next((min(t.ndim - 2, 2) for t in inputs if t.ndim >= 3), 2)
    tracer = _Tracer(axes)
    for tensor in inputs:
        tracer.tag(tensor, TensorInfo(INPUT_FIELD if tensor.ndim >= 3 else None, 0, None))
    handles = _hook(tracer, model)
    if graph:
        tracer.graph = DataflowRecorder(model, inputs)
    try:
        with tracer:
            yield tracer
    finally:
        for handle in handles:
            handle.remove()
        if tracer.graph is not None:
            tracer.graph.remove()


def trace_fields(
    model: nn.Module, inputs: Tensor | tuple[Tensor, ...], call: Callable[..., Any] | None = None,
    graph: bool = False,
) -> FieldTrace:
    """Run ``model`` once and follow receptive fields (input pixels) and depth through every op.

    ``inputs`` may be real or meta tensors shaped (N, C, H, W) (or (N, C, L) for sequences, whose
    fields are reported on the width axis with height 1). The model's train/eval mode is left as is.
    ``call(*inputs)`` runs the forward instead of ``model(*inputs)`` (e.g. with meta parameters swapped in).
    ``graph`` also records the dataflow graph (``FieldTrace.dataflow``).
    """
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    with torch.no_grad(), following_fields(model, inputs, graph) as tracer:
        try:
            return tracer.finish((call or model)(*inputs))
        except (RuntimeError, ValueError, TypeError, IndexError) as err:
            raise AnalysisError(f"tracing receptive fields failed in {tracer.where()}: {err}") from err
