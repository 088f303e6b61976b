"""How single operators move a receptive field: windows, resampling, padding, slicing, F.unfold's
blocks. A mixin of the field tracer (``engines.fields``), which keeps the bookkeeping (which tensor
has which field, the module stack, merges); the arithmetic is in ``engines.field_arithmetic``, each
upsampling operator's argument reading in ``engines.field_rules``.
"""

from __future__ import annotations

import math
from typing import Any

from torch import Tensor

from . import field_rules as rules
from .field_arithmetic import (
    Blocks,
    Field,
    TensorInfo,
    after_window,
    moved_by,
    refold_taps,
    transposed_taps,
    union,
    window_taps,
)
from .field_rules import arg, spread

# Window ops: name -> (spatial axes, position of kernel_size, takes padding, takes dilation).
# stride, padding and dilation follow kernel_size in every one of these signatures.
POOLS: dict[str, tuple[int, int, bool, bool]] = {
    **{f"max_pool{n}d": (n, 1, True, True) for n in (1, 2, 3)},
    **{f"max_pool{n}d_with_indices": (n, 1, True, True) for n in (1, 2, 3)},
    **{f"avg_pool{n}d": (n, 1, True, False) for n in (1, 2, 3)},
    "lp_pool1d": (1, 2, False, False), "lp_pool2d": (2, 2, False, False), "lp_pool3d": (3, 2, False, False),
}
CONVS = {"conv1d": 1, "conv2d": 2, "conv3d": 3}
ADAPTIVE = {f"adaptive_{kind}_pool{n}d{suffix}" for kind in ("avg", "max") for n in (1, 2, 3)
             for suffix in ("", "_with_indices")}
# Matrix products: a weight layer when an operand is independent of the input (F.linear always).
PRODUCTS = {
    "linear", "bilinear", "matmul", "mm", "addmm", "bmm", "baddbmm", "__matmul__", "einsum",
}
UNHANDLED = object()


def _shift(pad: int) -> Any:
    """Taps of leading padding ``pad``: unit o reads input unit o - pad."""
    return window_taps(1, 1, pad, 1)


def _slice_taps(first: int, step: int) -> Any:
    """Taps of the slice ``first::step``: unit o reads input unit first + o * step."""
    return window_taps(1, step, -first, 1)


class FieldMoves:
    """The per-operator rules of ``engines.fields._Tracer`` (which provides ``axes``, ``spatial``,
    ``warn``, ``no_rule`` and ``spatial_info``)."""

    axes: int
    spatial: bool

    def warn(self, message: str) -> None:
        raise NotImplementedError

    def no_rule(self, operator: str, depth: int) -> TensorInfo:
        raise NotImplementedError

    def spatial_info(self, moved: Field | None, depth: int,
                     inputs: list[tuple[Tensor, TensorInfo]]) -> TensorInfo:
        raise NotImplementedError

    def conv(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
             src_info: TensorInfo | None) -> Field | None:
        """F.conv1d/2d/3d: kernel from the weight; padding int, tuple, 'same' or 'valid'."""
        if src_info is None or src_info.field is None:
            return None  # e.g. a 1x1 convolution on globally pooled features (squeeze-excitation)
        axes = CONVS[name]
        weight = arg(args, kwargs, 1, "weight", None)
        kernel = spread(tuple(weight.shape[2:]), axes, 1)
        dilation = spread(arg(args, kwargs, 5, "dilation", 1), axes, 1)
        padding = arg(args, kwargs, 4, "padding", 0)
        if padding == "same":  # PyTorch puts the odd pixel of an even total on the far side
            pad = tuple(d * (k - 1) // 2 for d, k in zip(dilation, kernel, strict=True))
        else:
            pad = spread(0 if padding == "valid" else padding, axes, 0)
        stride = spread(arg(args, kwargs, 3, "stride", 1), axes, 1)
        return after_window(src_info.field, kernel, stride, pad, dilation)

    def moved(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], src: Tensor,
              f: Field, out: Tensor) -> Field | TensorInfo | str | None | object:
        """Ops that move or grow the field of their first argument: the new field, a ``TensorInfo``
        (blocks flattened by F.unfold), the name of an operator no rule follows, or ``UNHANDLED``."""
        if name in rules.NO_RULE or name.startswith("fft_") or (
                name in rules.ALONG_DIM and rules.along_spatial_dim(args, kwargs, src.ndim, self.axes)):
            return name
        if name in POOLS and POOLS[name][0] == self.axes:
            return self.pool(name, args, kwargs, f)
        if name in ADAPTIVE and src.ndim - 2 == self.axes:
            return self.adaptive(name, f, tuple(src.shape[-self.axes:]), tuple(out.shape[-self.axes:]))
        if name in rules.TRANSPOSED or name in rules.UPSAMPLING or name.startswith("pixel_"):
            if src.ndim - 2 != self.axes:
                return name
            if name in rules.TRANSPOSED:
                return moved_by(f, rules.transposed(name, args, kwargs, self.axes)) or f"{name} (period too long)"
            if name.startswith("pixel_"):
                return moved_by(f, rules.pixel_shuffle(name, args, kwargs, self.axes)) or name
            taps = rules.upsampling(name, args, kwargs, src, out, self.axes)
            if taps == "area":
                return self.adaptive(name, f, tuple(src.shape[-self.axes:]), tuple(out.shape[-self.axes:]))
            return taps if isinstance(taps, str) else moved_by(f, taps) or f"{name} (period too long)"
        if name == "im2col":
            if self.axes != 2:
                return name
            window = rules.block_window(name, args, kwargs)
            blocks = moved_by(f, [window_taps(*w) for w in window])
            grid = tuple((n + 2 * p - d * (k - 1) - 1) // t + 1 for n, (k, t, p, d) in zip(src.shape[-2:], window,
                                                                                       strict=True))
            return TensorInfo(blocks, 0, blocks, blocks=Blocks(grid, window, f)) if blocks else name
        if name in ("pad", "constant_pad_nd"):
            pad = list(arg(args, kwargs, 1, "pad", ())) + [0] * 6
            # pad lists (left, right) pairs from the last axis backwards
            lead = [pad[2 * k] for k in range(self.axes)][::-1]
            lead = [0] * (len(f.size) - self.axes) + lead
            return moved_by(f, [None if p == 0 else _shift(p) for p in lead])
        if name == "__getitem__":
            return self.index(src, arg(args, kwargs, 1, "idx", None), f)
        return UNHANDLED

    def blocks(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], src_info: TensorInfo,
               out: Tensor, depth: int, inputs: list[tuple[Tensor, TensorInfo]]) -> TensorInfo:
        """Blocks flattened by F.unfold, (N, C*k*k, L) (``Blocks``): kept through element-wise ops
        and products across the channels (which mix them), put back on the grid by F.fold or a
        reshape to the grid; anything else has no rule."""
        f, blocks = src_info.field, src_info.blocks
        assert f is not None and blocks is not None
        if name == "col2im":
            window = rules.block_window(name, args, kwargs)
            if blocks.source is None:
                return self.spatial_info(moved_by(f, [transposed_taps(*w) for w in window]), depth, inputs)
            if [w[0] for w in window] != [w[0] for w in blocks.window]:
                return self.no_rule("F.fold with another kernel than its F.unfold's", depth)
            taps = [refold_taps(u, w) for u, w in zip(blocks.window, window, strict=True)]
            return self.spatial_info(moved_by(blocks.source, taps), depth, inputs)
        if name in ("view", "reshape") and tuple(out.shape[-2:]) == blocks.grid:
            return TensorInfo(f, depth, f)
        joined = [i.blocks for _, i in inputs if i.field is not None]
        if out.ndim >= 2 and out.shape[-1] == math.prod(blocks.grid) and all(
                b is not None and (b.grid, b.window) == (blocks.grid, blocks.window) for b in joined):
            merged = union([i.field for _, i in inputs if i.field is not None])
            mixed = name in PRODUCTS or len({b.source for b in joined if b is not None}) > 1
            return TensorInfo(merged, depth, merged, blocks=Blocks(blocks.grid, blocks.window,
                                                                    None if mixed else blocks.source))
        return self.no_rule(f"{name} on F.unfold's blocks", depth)

    def pool(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], f: Field) -> Field:
        """Max, average and power-average pooling; ``ceil_mode`` leaves unit 0 unchanged."""
        axes, pos, padded, dilated = POOLS[name]
        kernel = spread(arg(args, kwargs, pos, "kernel_size", 1), axes, 1)
        stride_arg = arg(args, kwargs, pos + 1, "stride", None)
        stride = kernel if stride_arg is None or stride_arg == [] else spread(stride_arg, axes, 1)
        zeros, ones = (0,) * len(kernel), (1,) * len(kernel)
        pad = spread(arg(args, kwargs, pos + 2, "padding", 0), axes, 0) if padded else zeros
        dilation = spread(arg(args, kwargs, pos + 3, "dilation", 1), axes, 1) if dilated else ones
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
        zeros, ones = (0,) * len(f.size), (1,) * len(f.size)
        return after_window(f, spread(kernel, self.axes, 1), spread(stride, self.axes, 1), zeros, ones)

    def index(self, src: Tensor, index: Any, f: Field) -> Field | None | object:
        """Basic slicing: a:b:t on a spatial axis moves the start by a*j and the jump times t."""
        items = index if isinstance(index, tuple) else (index,)
        if not all(isinstance(i, (slice, int)) or i is Ellipsis for i in items):
            return UNHANDLED  # advanced indexing: the shape check in `elementwise` decides
        explicit = [i for i in items if i is not Ellipsis]
        if len(explicit) < len(items):
            at = next(k for k, i in enumerate(items) if i is Ellipsis)
            fill = (slice(None),) * (src.ndim - len(explicit))
            items = tuple(items[:at]) + fill + tuple(items[at + 1:])
        items = tuple(items) + (slice(None),) * (src.ndim - len(items))
        spatial = items[src.ndim - self.axes:]
        if any(not isinstance(i, slice) for i in spatial):
            return UNHANDLED
        taps: list[Any] = [None] * (len(f.size) - self.axes)
        for axis, item in zip(range(src.ndim - self.axes, src.ndim), spatial, strict=True):
            first, _, step = item.indices(src.shape[axis])
            taps.append(None if (first, step) == (0, 1) else _slice_taps(first, step))
        self.spatial = self.spatial or any(t is not None for t in taps)  # a strided subsampling
        return moved_by(f, taps)
