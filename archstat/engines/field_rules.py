"""The receptive-field rules of the operators that upsample, and of those no rule can follow.

Each rule reads one operator's arguments and gives the taps per spatial axis
(``field_arithmetic.window_taps`` and friends) that move its input's field. Both passes are
covered: the field pass alone sees ``interpolate``, ``unfold`` and ``fold`` as torch's Python
functions; the meta engine's pass sees the ATen operators inside them (``upsample_bilinear2d``,
``im2col``, ``col2im``), by the same argument order.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import torch.nn.functional as F
from torch import Tensor

from .field_arithmetic import Taps, interpolation_taps, transposed_taps, window_taps

TapList = list[tuple[Taps, int, int] | None]

TRANSPOSED = {"conv_transpose1d": 1, "conv_transpose2d": 2, "conv_transpose3d": 3}
# Upsampling ATen operators -> (mode, whether align_corners is their third argument)
_UPSAMPLE_ATEN: dict[str, tuple[str, bool]] = {
    **{f"upsample_nearest{n}d": ("nearest", False) for n in (1, 2, 3)},
    **{f"_upsample_nearest_exact{n}d": ("nearest-exact", False) for n in (1, 2, 3)},
    "upsample_linear1d": ("linear", True), "upsample_bilinear2d": ("linear", True),
    "upsample_trilinear3d": ("linear", True), "upsample_bicubic2d": ("cubic", True),
    "_upsample_bilinear2d_aa": ("linear-aa", True), "_upsample_bicubic2d_aa": ("cubic-aa", True),
}
_MODES = {"nearest": "nearest", "nearest-exact": "nearest-exact", "linear": "linear", "bilinear": "linear",
          "trilinear": "linear", "bicubic": "cubic"}
UPSAMPLING = {"interpolate", "upsample", *_UPSAMPLE_ATEN}
# Operators whose output units read input positions chosen by data or far apart (a sampling grid,
# a shift, a transform over a whole axis): no rule gives a field through them.
NO_RULE = {"grid_sample", "roll", "flip", "fliplr", "flipud", "rot90", "affine_grid_generator",
           "grid_sampler", "grid_sampler_2d", "grid_sampler_3d"}
# Operators whose `dim` argument (position 1) makes each unit depend on a whole axis when it is spatial.
ALONG_DIM = {"softmax", "log_softmax", "_softmax", "_log_softmax", "cumsum", "cumprod", "cummax", "cummin",
             "logcumsumexp", "sort", "argsort"}
# Weight layers a recurrent or fused attention operator adds to the longest path (`None`: num_layers).
RECURRENT = {"lstm", "gru", "rnn_tanh", "rnn_relu"}
CELLS = {"lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"}
FUSED_ATTENTION = {"multi_head_attention_forward": 2, "_native_multi_head_attention": 2,
                   "_transformer_encoder_layer_fwd": 4}


def canonical(func: Any, name: str) -> str:
    """torch's F.unfold / F.fold by their ATen names (``Tensor.unfold`` is another operator)."""
    if func is F.unfold:
        return "im2col"
    if func is F.fold:
        return "col2im"
    return name


def spread(value: Any, axes: int, neutral: int) -> tuple[int, ...]:
    """An int / sequence argument, one entry per field axis: (h, w), (d, h, w); 1-d on the width."""
    values = [int(value)] * axes if isinstance(value, int) else [int(v) for v in value]
    if len(values) == 1:
        values = values * axes
    return (neutral, *values) if axes == 1 else tuple(values)


def arg(args: tuple[Any, ...], kwargs: dict[str, Any], pos: int, name: str, default: Any) -> Any:
    if name in kwargs:
        return kwargs[name]
    return args[pos] if len(args) > pos else default


def _per_axis(taps: list[tuple[Taps, int, int]], axes: int) -> TapList:
    return [None, *taps] if axes == 1 else list(taps)


def transposed(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], axes: int) -> TapList:
    """F.conv_transpose{1,2,3}d(input, weight, bias, stride, padding, output_padding, groups,
    dilation); output padding only adds units at the far end, groups mix no positions."""
    weight = arg(args, kwargs, 1, "weight", None)
    n = TRANSPOSED[name]
    kernel = [int(k) for k in weight.shape[2:]]
    stride = _values(arg(args, kwargs, 3, "stride", 1), n)
    pad = _values(arg(args, kwargs, 4, "padding", 0), n)
    dilation = _values(arg(args, kwargs, 7, "dilation", 1), n)
    return _per_axis([transposed_taps(*w) for w in zip(kernel, stride, pad, dilation, strict=True)], axes)


def _values(value: Any, n: int) -> list[int]:
    values = [int(value)] * n if isinstance(value, int) else [int(v) for v in value]
    return values * n if len(values) == 1 else values


def pixel_shuffle(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], axes: int) -> TapList:
    """pixel_shuffle(r): output row h holds input row h // r (nearest, 1/r); unshuffle: an r-window."""
    factor = int(args[1] if len(args) > 1 else next(iter(kwargs.values())))
    taps = (interpolation_taps("nearest", Fraction(1, factor), False) if name == "pixel_shuffle"
            else window_taps(factor, factor, 0, 1))
    return _per_axis([taps] * 2, axes)


def block_window(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[int, int, int, int], ...]:
    """im2col / col2im (F.unfold / F.fold): (kernel, stride, padding, dilation) per axis (2 axes)."""
    offset = 1 if name == "im2col" else 2  # col2im's output_size comes first
    kernel, dilation, padding, stride = (_values(arg(args, kwargs, offset + k, key, default), 2) for k, key, default
                                         in ((0, "kernel_size", 1), (1, "dilation", 1), (2, "padding", 0),
                                             (3, "stride", 1)))
    return tuple(zip(kernel, stride, padding, dilation, strict=True))


def upsampling(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], src: Tensor, out: Tensor,
               axes: int) -> TapList | str:
    """F.interpolate (nn.Upsample) and the ATen upsampling operators; a string says why not."""
    if name in _UPSAMPLE_ATEN:
        mode, aligned = _UPSAMPLE_ATEN[name]
        align = bool(arg(args, kwargs, 2, "align_corners", False)) if aligned else False
        scales = arg(args, kwargs, 3 if aligned else 2, "scale_factors", None)
    else:
        given = arg(args, kwargs, 3, "mode", "nearest")
        if given == "area":
            return "area"  # adaptive average pooling: the caller's rule
        mode = _MODES.get(given, given)
        align = bool(arg(args, kwargs, 4, "align_corners", False))
        scales = None if arg(args, kwargs, 5, "recompute_scale_factor", None) else arg(
            args, kwargs, 2, "scale_factor", None)
        if arg(args, kwargs, 6, "antialias", False) and mode in ("linear", "cubic"):
            mode += "-aa"
    n = src.ndim - 2
    sizes = list(zip(src.shape[2:], out.shape[2:], strict=True))
    factors = [None] * n if scales is None else _values_f(scales, n)
    taps = []
    for (size_in, size_out), factor in zip(sizes, factors, strict=True):
        if mode.endswith("-aa"):
            if size_out < size_in:
                return f"{name} with antialias (downsampling)"
            mode = mode[:-3]  # upsampling: antialiasing changes nothing
        if mode not in ("nearest", "nearest-exact", "linear", "cubic"):
            return f"{name} mode {mode!r}"
        taps.append(interpolation_taps(mode, _scale(size_in, size_out, factor, align and mode in ("linear", "cubic")),
                                       align))
    return _per_axis(taps, axes)


def _values_f(value: Any, n: int) -> list[float]:
    values = [float(value)] * n if isinstance(value, (int, float)) else [float(v) for v in value]
    return values * n if len(values) == 1 else values


def _scale(size_in: int, size_out: int, factor: float | None, align_corners: bool) -> Fraction:
    """Input units per output unit, as torch computes it: (in - 1) / (out - 1) with align_corners,
    else 1 / scale_factor where one is given, else in / out."""
    if align_corners:
        return Fraction(size_in - 1, size_out - 1) if size_out > 1 else Fraction(0)
    if factor:
        return 1 / Fraction(factor).limit_denominator(1 << 20)
    return Fraction(size_in, size_out)


def along_spatial_dim(args: tuple[Any, ...], kwargs: dict[str, Any], ndim: int, axes: int) -> bool:
    """Whether an ``ALONG_DIM`` operator works along one of the last ``axes`` dimensions."""
    dim = arg(args, kwargs, 1, "dim", -1)
    if not isinstance(dim, int):
        return False
    return (dim % ndim) >= ndim - axes if ndim else False


def recurrent_layers(name: str, args: tuple[Any, ...]) -> int:
    """Weight layers of a recurrent operator on the longest path: its ``num_layers`` (the int after
    ``has_biases``, the first bool argument); one for a cell; a bidirectional pair runs in parallel."""
    if name in CELLS:
        return 1
    found = next((k for k, a in enumerate(args) if isinstance(a, bool)), None)
    return int(args[found + 1]) if found is not None and len(args) > found + 1 else 1
