"""The meta engine: fvcore's counts from a pass that runs no arithmetic and holds no weights.

The network runs once on PyTorch's meta device: every tensor has a shape and a dtype but no data,
so a convolution costs the same at 64x64 and at 4096x4096, and a model's weights take no memory.
A ``TorchFunctionMode`` sees each ATen operator the forward calls from Python, which is what the
TorchScript tracer under fvcore records, and counts it with fvcore's own conventions:

- MACs (one fused multiply-add = 1), per operator, with fvcore's formulas: convolutions
  ``batch * prod(weight shape) * prod(output spatial)`` (input spatial when transposed), linear
  and matrix products ``prod(x) * out``, batch norm at inference ``numel * (2 if affine else 1)``
  (``numel * (5 if affine else 4)`` when it normalises with batch statistics, like group, layer
  and instance norm), adaptive average pooling ``input numel``, nearest upsampling ``output
  numel``, bilinear upsampling and grid sampling ``4 * output numel``;
- activations: the output elements of convolutions, ``linear``, ``addmm``, ``bmm``, ``matmul``
  and ``einsum`` (not ``mm``: fvcore has no activation handle for it);
- uncounted operators: every other operator, except those fvcore drops silently (shape
  manipulation, copies, ``relu``, ``dropout``, ...: ``FVCORE_IGNORED``), listed by fvcore's name.

An operator counts for the innermost module running and for every ancestor of that module by
dotted name, as fvcore's "owner" mode does. ``docs/engines.md`` explains the level the operators
are seen at and where the names can differ from fvcore's.
"""

from __future__ import annotations

import math
import sys
import types
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode

from ._fvcore import Counts  # the dataclass only: importing it does not import fvcore itself

ENGINE_NAME = "meta"

# fvcore.nn.jit_analysis._IGNORED_OPS without "aten::": operators fvcore neither counts nor lists.
FVCORE_IGNORED = frozenset({
    "Int", "ScalarImplicit", "__and__", "arange", "bitwise_not", "cat", "chunk", "clamp", "clamp_",
    "constant_pad_nd", "contiguous", "copy_", "detach", "dropout", "empty", "eq", "expand", "flatten",
    "floor", "floor_divide", "full", "full_like", "gather", "ge", "gt", "index", "index_put_",
    "masked_fill", "max", "narrow", "new_empty", "new_full", "new_zeros", "nonzero", "ones", "permute",
    "relu", "relu_", "remainder", "reshape", "roll", "select", "size", "slice", "split",
    "split_with_sizes", "squeeze", "stack", "t", "to", "transpose", "type_as", "unbind", "unsqueeze",
    "unsqueeze_", "view", "zeros", "zeros_like",
})
# Calls that return Python values or read attributes: the tracer records nothing for them, or
# only operators in FVCORE_IGNORED (``x.shape`` -> aten::size).
_NOT_RECORDED = frozenset({
    "__set__", "dim", "ndimension", "is_contiguous", "is_floating_point", "is_complex", "element_size",
    "data_ptr", "get_device", "__len__", "__bool__", "__format__", "__repr__", "__hash__", "__index__",
    "__int__", "__float__", "storage_offset", "stride", "untyped_storage", "has_names", "is_nonzero",
    "tensor", "as_tensor", "new_tensor",  # constants to the tracer
    # Python-side checks such as F.local_response_norm's `input.numel() == 0`; the tracer drops
    # the unused aten::numel (it lists one only when the count feeds a tensor operation).
    "numel", "nelement",
    # Indexing records slice, select, unsqueeze, index and to, all in FVCORE_IGNORED.
    "__getitem__",
    # Python-side size arithmetic. Under tracing F.interpolate computes a recomputed size with
    # tensors instead, and fvcore lists one `mul` per spatial axis (docs/engines.md).
    "sym_int", "sym_float", "sym_max", "sym_min", "sym_not", "sym_ite", "sym_sum",
})
# Tensor methods the tracer records under another name.
_DUNDERS = {"__eq__": "eq", "__ne__": "ne", "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge"}
_CONVERSIONS = frozenset({"float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte",
                          "bool", "cfloat", "cdouble"})  # x.float() is aten::to to the tracer
_PROPERTIES = {"T": "numpy_T", "mT": "mT", "H": "matrix_H", "mH": "mH", "real": "real", "imag": "imag"}  # x.T is an operator, x.shape is not
# The tracer records each convolution call as aten::_convolution.
_CONVOLUTIONS = {
    "conv1d": False, "conv2d": False, "conv3d": False,
    "conv_transpose1d": True, "conv_transpose2d": True, "conv_transpose3d": True,
    "convolution": None, "_convolution": None,  # None: the transposed flag is argument 6
}
# Modules whose Python functions (torch.nn.functional, torch.einsum, Tensor.__rsub__...) first
# offer each call to the active mode; see ``_tracer_view``.
_GUARDED_MODULES = ("torch.nn.functional", "torch.functional", "torch._tensor")
_GUARDS = ("has_torch_function", "has_torch_function_unary", "has_torch_function_variadic")

Shape = list[int]
Handle = Callable[[tuple[Any, ...], dict[str, Any], Any], tuple[dict[str, int], int]]


@dataclass
class MetaPass:
    """One meta pass: fvcore-convention ``counts``, and the largest total of bytes that the forward's
    operator outputs (the inputs included, weights not) kept alive at once, at the inputs' batch."""

    counts: Counts
    peak_activation_bytes: int


def _shape(value: Any) -> Shape:
    return [int(d) for d in value.shape]


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], pos: int, name: str) -> Any:
    return kwargs[name] if name in kwargs else (args[pos] if len(args) > pos else None)


def _first(out: Any) -> Tensor:
    return out if isinstance(out, Tensor) else out[0]


# Handles: (args, kwargs, output) of the call -> (MACs by fvcore's operator name, activations).

def _conv(transposed: bool | None) -> Handle:
    def handle(args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> tuple[dict[str, int], int]:
        flag = bool(_arg(args, kwargs, 6, "transposed")) if transposed is None else transposed
        x, w, y = _shape(args[0]), _shape(_arg(args, kwargs, 1, "weight")), _shape(out)
        if len(x) < len(w):  # an unbatched input is convolved as a batch of one
            x, y = [1, *x], [1, *y]
        return {"conv": x[0] * math.prod(w) * math.prod((x if flag else y)[2:])}, math.prod(y)
    return handle


def _linear(args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> tuple[dict[str, int], int]:
    x, w = _shape(args[0]), _shape(_arg(args, kwargs, 1, "weight"))
    return {"linear": math.prod(x) * w[0]}, out.numel()


def _addmm(args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> tuple[dict[str, int], int]:
    (rows, inner), cols = _shape(_arg(args, kwargs, 1, "mat1")), _shape(_arg(args, kwargs, 2, "mat2"))[1]
    return {"addmm": rows * inner * cols}, out.numel()


def _bmm(args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> tuple[dict[str, int], int]:
    (n, c, t), d = _shape(args[0]), _shape(_arg(args, kwargs, 1, "mat2"))[-1]
    return {"bmm": n * c * t * d}, out.numel()


def _product(op: str, activations: bool) -> Handle:
    """matmul and mm: ``prod(a.shape) * b.shape[-1]``, fvcore's formula also for broadcast operands."""
    def handle(args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> tuple[dict[str, int], int]:
        a, b = _shape(args[0]), _shape(args[1] if len(args) > 1 else next(iter(kwargs.values())))
        cols = b[-1] if len(b) >= 2 else 1  # fvcore fails on a 1-D second operand; 1 column is its meaning
        return {op: math.prod(a) * cols}, out.numel() if activations else 0
    return handle


def _einsum(args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> tuple[dict[str, int], int]:
    equation = str(_arg(args, kwargs, 0, "equation")).replace(" ", "")
    shapes = [_shape(t) for t in _arg(args, kwargs, 1, "tensors")]
    return {"einsum": einsum_macs(equation, shapes)}, out.numel()


def einsum_macs(equation: str, shapes: list[Shape]) -> int:
    """fvcore's einsum count: two batched-product forms by formula, otherwise numpy's optimal
    contraction path's flop estimate halved (rounded down)."""
    import numpy as np  # numpy comes with torch and pandas; only einsum needs it here

    letters = OrderedDict((k, 0) for k in equation if k.isalpha()).keys()
    equation = equation.translate({ord(x): 97 + i for i, x in enumerate(letters)})
    if equation == "abc,abd->acd":
        return math.prod(shapes[0]) * shapes[-1][-1]
    if equation == "abc,adc->adb":
        n, t, g = shapes[0]
        return n * t * g * shapes[-1][1]
    # Zero-stride views: the path search reads shapes only, so no operand is allocated.
    arrays = [np.lib.stride_tricks.as_strided(np.zeros(1), shape=s, strides=[0] * len(s)) for s in shapes]
    report = np.einsum_path(equation, *arrays, optimize="optimal")[1]
    line = next(x for x in report.split("\n") if "optimized flop" in x.lower())
    return int(np.floor(float(line.split(":")[-1]) / 2))


def _batch_norm(args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> tuple[dict[str, int], int]:
    affine = _arg(args, kwargs, 1, "weight") is not None
    if _arg(args, kwargs, 5, "training"):  # batch statistics: fvcore's rough norm estimate
        return {"batch_norm": args[0].numel() * (5 if affine else 4)}, 0
    return {"batch_norm": args[0].numel() * (2 if affine else 1)}, 0


def _norm(op: str, weight_pos: int) -> Handle:
    def handle(args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> tuple[dict[str, int], int]:
        affine = _arg(args, kwargs, weight_pos, "weight") is not None
        return {op: args[0].numel() * (5 if affine else 4)}, 0
    return handle


def _elementwise(op: str, input_scale: int, output_scale: int) -> Handle:
    def handle(args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> tuple[dict[str, int], int]:
        return {op: input_scale * args[0].numel() + output_scale * _first(out).numel()}, 0
    return handle


_HANDLES: dict[str, Handle] = {
    **{name: _conv(transposed) for name, transposed in _CONVOLUTIONS.items()},
    "linear": _linear, "addmm": _addmm, "bmm": _bmm, "einsum": _einsum,
    "matmul": _product("matmul", activations=True), "mm": _product("mm", activations=False),
    "batch_norm": _batch_norm,
    "group_norm": _norm("group_norm", 2), "layer_norm": _norm("layer_norm", 2),
    "instance_norm": _norm("instance_norm", 1),
    "upsample_nearest2d": _elementwise("upsample_nearest2d", 0, 1),
    "upsample_bilinear2d": _elementwise("upsample_bilinear2d", 0, 4),
    "adaptive_avg_pool2d": _elementwise("adaptive_avg_pool2d", 1, 0),
    "grid_sampler": _elementwise("grid_sampler", 0, 4),
}
# fvcore's names of the operators it counts (every convolution is its aten::_convolution).
_TRACED_HANDLES = frozenset(name for name in _HANDLES if name not in _CONVOLUTIONS) | {"_convolution"}


def traced_name(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """The name fvcore lists for a call (the tracer's ATen operator), None for calls it never sees."""
    name = getattr(func, "__name__", None) or type(func).__name__
    if name in _CONVOLUTIONS:  # a padding given as text ("same") goes through another operator
        padding = _arg(args, kwargs, 4, "padding")
        return "_convolution_mode" if isinstance(padding, str) else "_convolution"
    if name == "__get__":  # attribute reads: x.shape records nothing that fvcore lists, x.T does
        return _PROPERTIES.get(getattr(getattr(func, "__self__", None), "__name__", ""))
    if name == "__setitem__":
        return _setitem_name(args[1], args[2])
    if name in _CONVERSIONS:
        return "to"
    return None if name in _NOT_RECORDED else _DUNDERS.get(name, name)


def _setitem_name(index: Any, value: Any) -> str:
    """x[i] = v: index_put_ for tensor or list indices, otherwise fill_ (a number) or copy_ (a tensor)."""
    items = index if isinstance(index, tuple) else (index,)
    if any(isinstance(i, (Tensor, list, bool)) for i in items):
        return "index_put_"
    return "copy_" if isinstance(value, Tensor) else "fill_"


class _LiveBytes:
    """Bytes of operator outputs still referenced from Python, and the largest total seen."""

    def __init__(self, skip: set[int], start: int) -> None:
        self.skip = skip  # storages of weights and inputs
        self.refs: Counter[int] = Counter()
        self.nbytes: dict[int, int] = {}
        self.live = self.peak = start

    def add(self, out: Any) -> None:
        for tensor in out if isinstance(out, (tuple, list)) else (out,):
            if not isinstance(tensor, Tensor) or (key := _storage(tensor)) in self.skip:
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


@dataclass(eq=False)
class _Op:
    """One recorded operator call: fvcore's name, the modules it counts for, its counts, and the
    calls that produced its tensor inputs."""

    name: str | None
    modules: list[str]
    macs: dict[str, int]
    activations: int
    sources: list[_Op]


class _Counting(TorchFunctionMode):
    """Records every operator the forward calls, with the running module and the data flow."""

    def __init__(self, live: _LiveBytes) -> None:
        super().__init__()
        self.stack: list[str] = [""]
        self.ops: list[_Op] = []
        self.writers: dict[int, _Op] = {}  # storage -> the call that last wrote it
        self.live = live

    def __torch_function__(self, func: Any, types_: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        # x[i] = v returns nothing and writes x; a call with no tensor result (x.size(), x.dim())
        # only feeds Python, and the tracer keeps none of those that fvcore would list.
        written = list(_tensors(args[0] if out is None and args else out))
        if written:
            self.record(traced_name(func, args, kwargs), _HANDLES.get(getattr(func, "__name__", "")),
                        args, kwargs, out, written)
            self.live.add(out)
        return out

    def record(self, name: str | None, handle: Handle | None, args: tuple[Any, ...], kwargs: dict[str, Any],
               out: Any, written: list[Tensor]) -> None:
        """Note one call: ``name`` is fvcore's name for it (None: a call fvcore never lists, kept
        for the data flow only); ``handle`` measures it when fvcore counts it."""
        counted = handle is not None and name in _TRACED_HANDLES
        macs, activations = handle(args, kwargs, out) if counted else ({}, 0)  # type: ignore[misc]
        sources = [op for t in _tensors((args, kwargs)) if (op := self.writers.get(_storage(t)))]
        op = _Op(name, _ancestors(self.stack[-1]), macs, activations, sources)
        self.ops.append(op)
        for tensor in written:
            self.writers[_storage(tensor)] = op

    def reaching(self, output: Any) -> list[_Op]:
        """The calls whose results reach ``output``, in call order.

        The TorchScript graph fvcore counts is pruned of dead code, so a call whose result is never
        used (a branch computed and dropped) counts for neither engine. Data flow is followed per
        storage, so an in-place write through a view reaches whoever reads the storage later.
        """
        todo = [op for t in _tensors(output) if (op := self.writers.get(_storage(t)))]
        seen: set[int] = set()
        while todo:
            op = todo.pop()
            if id(op) not in seen:
                seen.add(id(op))
                todo.extend(op.sources)
        return [op for op in self.ops if id(op) in seen]


def _tensors(value: Any) -> Iterator[Tensor]:
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def _tally(ops: list[_Op], names: list[str]) -> Counts:
    """Per module: MACs by operator, activations and uncounted operators, from the calls that count."""
    macs: dict[str, Counter[str]] = {name: Counter() for name in names}
    activations = dict.fromkeys(names, 0)
    uncounted: dict[str, Counter[str]] = {name: Counter() for name in names}
    for op in ops:
        counted = op.name in _TRACED_HANDLES
        if op.name is None or (not counted and op.name in FVCORE_IGNORED):
            continue
        for module in op.modules:
            if counted:
                macs[module] += Counter(op.macs)  # += keeps positive counts only, as fvcore's does
                activations[module] += op.activations
            else:
                uncounted[module][op.name] += 1
    return Counts(macs=macs, activations=activations, uncounted=uncounted)


def _ancestors(name: str) -> list[str]:
    parts = name.split(".") if name else []
    return [".".join(parts[:k]) for k in range(len(parts) + 1)]


def canonical_names(module: nn.Module) -> dict[nn.Module, str]:
    """Each distinct submodule and its first dotted name (a shared module counts under that one)."""
    names: dict[nn.Module, str] = {}
    for name, sub in module.named_modules(remove_duplicate=False):
        names.setdefault(sub, name)
    return names


@contextmanager
def _scopes(module: nn.Module, counting: _Counting) -> Iterator[None]:
    """Forward hooks that keep the stack of running modules, as fvcore's scope hooks do."""
    handles = []
    for sub, name in canonical_names(module).items():
        def enter(_m: nn.Module, _i: Any, name: str = name) -> None:
            counting.stack.append(name)

        def leave(_m: nn.Module, _i: Any, _o: Any) -> None:
            counting.stack.pop()

        handles += [sub.register_forward_pre_hook(enter), sub.register_forward_hook(leave)]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def _tracer_view() -> Iterator[None]:
    """Let the mode see what the TorchScript tracer records: the ATen operators Python code calls.

    torch's own Python functions (``F.batch_norm``, ``F.max_pool2d``, ``torch.einsum``) begin with
    a guard that hands the whole call to an active mode, which would then see ``F.local_response_norm``
    as one call where the tracer records the ``mul``, ``pad``, ``avg_pool3d``, ``pow`` and ``div`` it
    is made of. For the pass those guards answer "no", so each function runs its own body and the
    mode sees the operators inside; they are restored afterwards.
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


@contextmanager
def on_meta(module: nn.Module) -> Iterator[nn.Module]:
    """Swap every parameter and buffer of ``module`` for a meta twin (same shape, dtype and flags,
    no data) and put the originals back on exit. No weight is copied; a tensor shared by several
    modules gets one twin, so tied weights stay tied."""
    twins: dict[int, Tensor] = {}
    swapped: list[tuple[dict[str, Any], str, Tensor]] = []
    try:
        for sub in module.modules():
            for store in (sub._parameters, sub._buffers):
                for key, tensor in store.items():
                    if tensor is None or tensor.is_meta:
                        continue
                    if id(tensor) not in twins:
                        twin = torch.empty_like(tensor, device="meta")
                        if isinstance(tensor, nn.Parameter):
                            twin = nn.Parameter(twin, requires_grad=tensor.requires_grad)
                        twins[id(tensor)] = twin
                    swapped.append((store, key, tensor))
                    store[key] = twins[id(tensor)]
        yield module
    finally:
        for store, key, tensor in reversed(swapped):
            store[key] = tensor


def meta_inputs(inputs: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """Meta tensors shaped like ``inputs`` (same dtype)."""
    return tuple(t if t.is_meta else torch.empty_like(t, device="meta") for t in inputs)


def run(module: nn.Module, inputs: tuple[Tensor, ...]) -> MetaPass:
    """Run ``module(*inputs)`` once on meta tensors and count as fvcore would; see the module doc.

    ``module`` keeps its weights: they are swapped for meta twins during the pass only.
    """
    names = canonical_names(module)
    with on_meta(module):
        args = meta_inputs(inputs)
        weights = {_storage(t) for t in (*module.parameters(), *module.buffers())}
        start = sum(t.untyped_storage().nbytes() for t in args)
        counting = _Counting(_LiveBytes(weights | {_storage(t) for t in args}, start))
        with torch.no_grad(), _scopes(module, counting), _tracer_view(), counting:
            output = module(*args)
    counts = _tally(counting.reaching(output), list(dict.fromkeys(names.values())))
    return MetaPass(counts=counts, peak_activation_bytes=counting.live.peak)


def count(module: nn.Module, inputs: tuple[Tensor, ...]) -> Counts:
    """MACs, activations and uncounted operators of ``module(*inputs)`` per module, as fvcore counts them."""
    return run(module, inputs).counts
