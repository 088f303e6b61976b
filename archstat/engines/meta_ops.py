"""fvcore's conventions as data, for the meta engine: which name fvcore gives an operator call,
which operators it counts and with which formula, and which it drops without a word.

fvcore counts operators of a TorchScript trace (``aten::_convolution``, ``aten::linear``,
``aten::batch_norm``...). The meta engine sees the same calls one level up, as the Python-visible
ATen functions the forward calls (``torch.conv2d``, ``F.linear``, ``torch.batch_norm``), so each
formula below takes the arguments of that call and returns what fvcore's handle returns for the
traced node: MACs (one fused multiply-add = 1) keyed by fvcore's operator name, and activations
(output elements; fvcore counts them for convolutions and matrix products only). Each handle names
the fvcore handle it mirrors (``fvcore/nn/jit_handles.py``). Where fvcore has no counter
(attention, ``baddbmm``, recurrent layers and cells), the handles call archstat's own formulas in
``extra_counters``, which the fvcore engine's added handles call too.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from torch import Tensor

from . import extra_counters as extra

Shape = list[int]
Args = tuple[Any, ...]
Kwargs = dict[str, Any]
Measure = tuple[dict[str, int], int]  # MACs by fvcore's operator name, activations
Handle = Callable[[Args, Kwargs, Any], Measure]

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
# Calls fvcore never lists: they return Python values, read attributes, or trace to operators in
# FVCORE_IGNORED. They still carry data flow (x[:, idx] feeds the next layer).
_NOT_LISTED = frozenset({
    "__set__", "dim", "ndimension", "is_contiguous", "is_floating_point", "is_complex", "element_size",
    "data_ptr", "get_device", "__len__", "__bool__", "__format__", "__repr__", "__hash__", "__index__",
    "__int__", "__float__", "storage_offset", "stride", "untyped_storage", "has_names", "is_nonzero",
    "tensor", "as_tensor", "new_tensor",  # constants to the tracer
    # Python-side checks such as F.local_response_norm's `input.numel() == 0`: the tracer prunes the
    # unused aten::numel (it lists one only when the count feeds a tensor operation).
    "numel", "nelement",
    "__getitem__",  # traces to slice, select, unsqueeze, index and to, all ignored
    # Size arithmetic in Python. Under tracing F.interpolate computes a recomputed size with
    # tensors instead, and fvcore lists one `mul` per spatial axis (docs/engines.md).
    "sym_int", "sym_float", "sym_max", "sym_min", "sym_not", "sym_ite", "sym_sum",
})
# Tensor methods that trace under another name.
_RENAMED = {"__eq__": "eq", "__ne__": "ne", "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
            **dict.fromkeys(("float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte",
                             "bool", "cfloat", "cdouble"), "to")}
# Attributes that are operators to the tracer (x.T is aten::numpy_T; x.shape is no operator).
_PROPERTIES = {"T": "numpy_T", "mT": "mT", "H": "matrix_H", "mH": "mH", "real": "real", "imag": "imag"}
# Every convolution call traces as aten::_convolution; True/False: transposed, None: argument 6 says.
_CONVOLUTIONS = {
    "conv1d": False, "conv2d": False, "conv3d": False,
    "conv_transpose1d": True, "conv_transpose2d": True, "conv_transpose3d": True,
    "convolution": None, "_convolution": None,
}


def traced_name(func: Any, args: Args, kwargs: Kwargs) -> str | None:
    """fvcore's name for a call (its traced ATen operator), None for a call it never lists."""
    name = getattr(func, "__name__", None) or type(func).__name__
    if name in _CONVOLUTIONS:  # padding given as text ("same") traces to another operator
        return "_convolution_mode" if isinstance(_arg(args, kwargs, 4, "padding"), str) else "_convolution"
    if name == "__get__":
        return _PROPERTIES.get(getattr(getattr(func, "__self__", None), "__name__", ""))
    if name == "__setitem__":
        return _setitem_name(args[1], args[2])
    return None if name in _NOT_LISTED else _RENAMED.get(name, name)


def _setitem_name(index: Any, value: Any) -> str:
    """x[i] = v: index_put_ for tensor or list indices, otherwise fill_ (a number) or copy_ (a tensor)."""
    items = index if isinstance(index, tuple) else (index,)
    if any(isinstance(i, (Tensor, list, bool)) for i in items):
        return "index_put_"
    return "copy_" if isinstance(value, Tensor) else "fill_"


def measure(func: Any, name: str | None, args: Args, kwargs: Kwargs, out: Any) -> Measure | None:
    """MACs and activations of a call fvcore counts; None for any other call."""
    handle = _HANDLES.get(getattr(func, "__name__", ""))
    if handle is None or name not in COUNTED:  # e.g. conv2d with padding="same": not counted
        return None
    return handle(args, kwargs, out)


def _shape(value: Any) -> Shape:
    return [int(d) for d in value.shape]


def _arg(args: Args, kwargs: Kwargs, pos: int, name: str) -> Any:
    return kwargs[name] if name in kwargs else (args[pos] if len(args) > pos else None)


def _conv(transposed: bool | None) -> Handle:
    """conv_flop_jit: batch * prod(weight shape) * prod(output spatial), input spatial if transposed."""
    def handle(args: Args, kwargs: Kwargs, out: Any) -> Measure:
        flag = bool(_arg(args, kwargs, 6, "transposed")) if transposed is None else transposed
        x, w, y = _shape(args[0]), _shape(_arg(args, kwargs, 1, "weight")), _shape(out)
        if len(x) < len(w):  # an unbatched input is convolved as a batch of one
            x, y = [1, *x], [1, *y]
        return {"conv": x[0] * math.prod(w) * math.prod((x if flag else y)[2:])}, math.prod(y)
    return handle


def _linear(args: Args, kwargs: Kwargs, out: Any) -> Measure:
    """linear_flop_jit: prod(input shape) * output features."""
    x, w = _shape(args[0]), _shape(_arg(args, kwargs, 1, "weight"))
    return {"linear": math.prod(x) * w[0]}, out.numel()


def _addmm(args: Args, kwargs: Kwargs, out: Any) -> Measure:
    """addmm_flop_jit: rows * inner * columns of mat1 @ mat2."""
    (rows, inner), cols = _shape(_arg(args, kwargs, 1, "mat1")), _shape(_arg(args, kwargs, 2, "mat2"))[1]
    return {"addmm": rows * inner * cols}, out.numel()


def _bmm(args: Args, kwargs: Kwargs, out: Any) -> Measure:
    """bmm_flop_jit: n * c * t * d for (n, c, t) @ (n, t, d)."""
    (n, c, t), d = _shape(args[0]), _shape(_arg(args, kwargs, 1, "mat2"))[-1]
    return {"bmm": n * c * t * d}, out.numel()


def _product(op: str, activations: bool) -> Handle:
    """matmul_flop_jit (also fvcore's mm handle): prod(a.shape) * b.shape[-1], broadcast or not.
    fvcore has no activation handle for mm."""
    def handle(args: Args, kwargs: Kwargs, out: Any) -> Measure:
        a, b = _shape(args[0]), _shape(args[1] if len(args) > 1 else next(iter(kwargs.values())))
        cols = b[-1] if len(b) >= 2 else 1  # fvcore fails on a 1-D second operand; it has one column
        return {op: math.prod(a) * cols}, out.numel() if activations else 0
    return handle


def _einsum(args: Args, kwargs: Kwargs, out: Any) -> Measure:
    equation = str(_arg(args, kwargs, 0, "equation")).replace(" ", "")
    shapes = [_shape(t) for t in _arg(args, kwargs, 1, "tensors")]
    return {"einsum": einsum_macs(equation, shapes)}, out.numel()


def einsum_macs(equation: str, shapes: list[Shape]) -> int:
    """einsum_flop_jit: two batched-product forms by formula, otherwise numpy's optimal contraction
    path's flop estimate, halved and rounded down."""
    import numpy as np  # comes with torch and pandas; only einsum needs it here

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


def _batch_norm(args: Args, kwargs: Kwargs, out: Any) -> Measure:
    """batchnorm_flop_jit: numel * (2 if affine else 1) with running statistics; with batch
    statistics (training, or no running statistics) fvcore's norm estimate numel * (5 or 4)."""
    affine = _arg(args, kwargs, 1, "weight") is not None
    per_element = (5 if affine else 4) if _arg(args, kwargs, 5, "training") else (2 if affine else 1)
    return {"batch_norm": args[0].numel() * per_element}, 0


def _norm(op: str, weight_pos: int) -> Handle:
    """norm_flop_counter: numel * (5 if affine else 4), affine when a weight is given."""
    def handle(args: Args, kwargs: Kwargs, out: Any) -> Measure:
        affine = _arg(args, kwargs, weight_pos, "weight") is not None
        return {op: args[0].numel() * (5 if affine else 4)}, 0
    return handle


def _elementwise(op: str, input_scale: int, output_scale: int) -> Handle:
    """elementwise_flop_counter: input numel * input_scale + output numel * output_scale."""
    def handle(args: Args, kwargs: Kwargs, out: Any) -> Measure:
        result = out if isinstance(out, Tensor) else out[0]
        return {op: input_scale * args[0].numel() + output_scale * result.numel()}, 0
    return handle


def _rule(op: str, rule: extra.Rule) -> Handle:
    """archstat's own rule for ``op`` (``extra_counters.RULES``), its arguments read off the call: the
    meta engine's one adapter for every rule."""
    def handle(args: Args, kwargs: Kwargs, out: Any) -> Measure:
        def read(argument: extra.Argument) -> Any:
            if argument.kind == "weights":  # the call's last list of tensors
                weights = next(a for a in reversed(args) if isinstance(a, (list, tuple)) and a
                               and all(isinstance(t, Tensor) for t in a))
                return [_shape(w) for w in weights]
            value = _arg(args, kwargs, argument.position, argument.name)
            return int(value) if argument.kind == "int" else _shape(value)
        return extra.apply(op, rule, read)
    return handle


def _cell(args: Args, kwargs: Kwargs, out: Any) -> Measure:
    """A cell's step, under fvcore's `linear`: its trace is the input and hidden linear calls."""
    macs, activations = extra.cell_counts(_shape(args[0]), _shape(args[2]), _shape(args[3]))
    return {"linear": macs}, activations


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
    # archstat's own rules (extra_counters), where fvcore has no counter.
    **{op: _rule(op, rule) for op, rule in extra.RULES.items()},
    **dict.fromkeys(extra.CELL_OPS, _cell),
}
# fvcore's names of the operators it counts (fvcore/nn/flop_count.py, _DEFAULT_SUPPORTED_OPS), and
# those archstat counts by its own rules (extra_counters).
COUNTED = frozenset(name for name in _HANDLES if name not in _CONVOLUTIONS) | {"_convolution"}
