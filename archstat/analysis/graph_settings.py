"""A module's key settings in a few characters, as the papers' tables write them: ``7x7/2, 3->64``
(kernel / stride, channels in -> out), ``1024->1000`` for a fully connected layer, ``3x3/2`` for a
pooling window. A folded container with one weight layer shows that layer's; another says how many
layers it holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import nn

from ..inputs import format_shape


def _pair(value: Any) -> str:
    values = list(value) if isinstance(value, Sequence) else [value]
    return format_shape(values) if len(set(values)) > 1 else str(values[0])


def _window(kernel: Any, stride: Any) -> str:
    """``3x3/2``: the kernel as a square, and the stride after a slash unless it is 1."""
    k = list(kernel) if isinstance(kernel, Sequence) else [kernel, kernel]
    shown = format_shape(k) if len(k) > 1 else f"{k[0]}"
    stride_text = _pair(stride if stride is not None else kernel)
    return shown if stride_text == "1" else f"{shown}/{stride_text}"


def settings(module: nn.Module) -> str:
    """Kernel, stride and channels of a convolution, widths of a linear layer, a pool's window."""
    if isinstance(module, nn.modules.conv._ConvNd):
        text = f"{_window(module.kernel_size, module.stride)}, {module.in_channels}->{module.out_channels}"
        return text + (f", groups {module.groups}" if module.groups > 1 else "")
    if isinstance(module, nn.Linear):
        return f"{module.in_features}->{module.out_features}"
    if isinstance(module, (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd)):
        return _window(module.kernel_size, module.stride)
    if isinstance(module, (nn.modules.pooling._AdaptiveAvgPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd)):
        return f"to {_pair(module.output_size)}"
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return f"{module.num_features} ch"
    if isinstance(module, nn.LocalResponseNorm):
        return f"size {module.size}"
    if isinstance(module, nn.modules.dropout._DropoutNd):
        return f"p={module.p:g}"
    return _container(module)


def _container(module: nn.Module) -> str:
    """A folded container: its one weight layer's settings (a conv-BN-ReLU block), else its size."""
    inside = [m for m in module.modules() if m is not module and next(m.children(), None) is None]
    weighted = [m for m in inside if isinstance(m, (nn.modules.conv._ConvNd, nn.Linear))]
    if len(weighted) == 1:
        others = [_short(type(m).__name__) for m in inside if m is not weighted[0]]
        return " + ".join([settings(weighted[0]), *others])
    return f"{len(inside)} layers" if inside else ""


def _short(kind: str) -> str:
    return "BN" if kind.startswith("BatchNorm") else kind
