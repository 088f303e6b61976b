"""ptflops 0.7.5's rules, applied to a call log: ``get_model_complexity_info`` with its default
``backend='pytorch'`` (read from ``ptflops/pytorch_engine.py`` and ``pytorch_ops.py``).

Two counters add up:

- forward hooks on modules of exactly the types in ``MODULES_MAPPING``: a convolution's
  multiply-adds plus one per output element for its bias; a linear layer's plus one per output
  for its bias; batch/instance/group/layer norm 1 per input element, 2 with ``affine``; ReLU, PReLU,
  ELU, LeakyReLU, ReLU6, GELU 1 per output element; every max, average and adaptive pool 1 per
  input element; upsampling 1 per output element. A module's total is taken where the tree holds
  it (a module without a hook is entered, a hooked one is not);
- patched functions (``F.relu``, ``F.max_pool2d``, ``F.adaptive_avg_pool2d``, ``F.softmax``,
  ``F.interpolate``..., ``torch.matmul``, ``torch.add``, ``Tensor.add``, ``Tensor.mul``...),
  counted at every call, wherever it comes from. ``nn.ReLU``, ``nn.MaxPool2d``,
  ``nn.AdaptiveAvgPool2d``, ``nn.AvgPool2d``, ``nn.GELU``, ``nn.ELU``, ``nn.PReLU`` and
  ``nn.Upsample`` call these very functions from their ``forward``, so each of their calls is
  counted twice: once by the module hook and once by the patch. ``x + y`` and ``x += y`` call
  ``Tensor.__add__``/``__iadd__``, which are not patched, so residual sums count nothing.

Params: every parameter with ``requires_grad`` once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ...engines.call_log import CallLog, FunctionCall, ModuleCall, Patch, TensorShape
from .ledger import (
    ACTIVATION,
    CONV,
    CONV_BIAS,
    ELEMENTWISE,
    LINEAR,
    LINEAR_BIAS,
    OTHER,
    POOLING,
    SOFTMAX,
    TWICE,
    UPSAMPLE,
    NotModelled,
    Tally,
    module_item,
)

VERSION = "0.7.5"

_ACTIVATIONS = ("relu", "prelu", "elu", "relu6", "gelu", "silu")
_POOLS = tuple(f"{kind}{d}d" for kind in ("avg_pool", "max_pool", "adaptive_avg_pool", "adaptive_max_pool")
               for d in (1, 2, 3))
_PRODUCTS = ("matmul", "mm", "bmm")
# What ptflops patches (``patch_functional``, ``patch_tensor_ops``), with the name the log gives it.
PATCHES: tuple[Patch, ...] = (
    *((F, name, name) for name in (*_ACTIVATIONS, *_POOLS, "softmax", "upsample", "interpolate")),
    *((torch, name, name) for name in (*_PRODUCTS, "addmm", "baddbmm", "mul", "add")),
    *((torch.Tensor, name, name) for name in (*_PRODUCTS, "addmm", "mul", "add")),
)


def _conv(m: Any, call: ModuleCall) -> Counter[str]:
    x, y = call.inputs[0], call.output
    positions = x[0] * math.prod((x if isinstance(m, nn.modules.conv._ConvTransposeNd) else y)[2:])
    per_position = math.prod(m.kernel_size) * m.in_channels * (m.out_channels // m.groups)
    bias = x[0] * math.prod(y[1:]) if m.bias is not None else 0
    return Counter({CONV: per_position * positions, CONV_BIAS: bias})


def _linear(m: Any, call: ModuleCall) -> Counter[str]:
    x, y = call.inputs[0], call.output
    rows = math.prod(x[:-1])
    return Counter({LINEAR: x[-1] * y[-1] * rows, LINEAR_BIAS: (y[-1] if m.bias is not None else 0) * rows})


def _output(m: Any, call: ModuleCall) -> Counter[str]:
    return Counter({module_item(m): call.output.numel})


def _input(m: Any, call: ModuleCall) -> Counter[str]:
    return Counter({module_item(m): call.inputs[0].numel})


def _norm(m: Any, call: ModuleCall) -> Counter[str]:
    return Counter({module_item(m): call.inputs[0].numel * (2 if getattr(m, "affine", False) else 1)})


def _upsample(m: Any, call: ModuleCall) -> Counter[str]:
    return Counter({UPSAMPLE: math.prod(call.output[1:])})  # one sample's elements: ptflops reads output[0]


def _not_modelled(m: Any, call: ModuleCall) -> Counter[str]:
    raise NotModelled(f"archstat does not reproduce ptflops' rule for {type(m).__name__}")


HOOKS: dict[type, Callable[[Any, ModuleCall], Counter[str]]] = {
    **dict.fromkeys((nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d),
                    _conv),
    **dict.fromkeys((nn.ReLU, nn.PReLU, nn.ELU, nn.LeakyReLU, nn.ReLU6, nn.GELU), _output),
    **dict.fromkeys((nn.MaxPool1d, nn.AvgPool1d, nn.AvgPool2d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool3d,
                     nn.AdaptiveMaxPool1d, nn.AdaptiveAvgPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveAvgPool2d,
                     nn.AdaptiveMaxPool3d, nn.AdaptiveAvgPool3d), _input),
    **dict.fromkeys((nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.InstanceNorm1d, nn.InstanceNorm2d,
                     nn.InstanceNorm3d, nn.GroupNorm, nn.LayerNorm), _norm),
    nn.Linear: _linear, nn.Upsample: _upsample,
    **dict.fromkeys((nn.RNN, nn.GRU, nn.LSTM, nn.RNNCell, nn.LSTMCell, nn.GRUCell, nn.MultiheadAttention),
                    _not_modelled),
}


def ptflops_tally(log: CallLog, model: nn.Module) -> Tally:
    """MACs (ptflops' "MACs", its GMac) by line item and the trainable params, backend 'pytorch'."""
    own: dict[int, Counter[str]] = {}
    for call in log.modules:
        hook = HOOKS.get(type(call.module))
        if hook is not None:
            own.setdefault(id(call.module), Counter()).update(hook(call.module, call))
    ledger = _accumulate(model, own)
    by_name = {call.name: call.module for call in log.modules}
    for function in log.patched:
        ledger[_function_item(function, by_name)] += _function_macs(function)
    return Tally(ledger=ledger, params=sum(p.numel() for p in model.parameters() if p.requires_grad))


def _accumulate(module: nn.Module, own: dict[int, Counter[str]]) -> Counter[str]:
    """``accumulate_flops``: a hooked module's own total, else the sum over its children."""
    if type(module) in HOOKS:
        return Counter(own.get(id(module), Counter()))
    total: Counter[str] = Counter()
    for child in module.children():
        total.update(_accumulate(child, own))
    return total


def _function_item(call: FunctionCall, by_name: dict[str, nn.Module]) -> str:
    """A patched call inside a hooked module is that module's work counted again; elsewhere its kind."""
    inner = by_name.get(call.modules[-1]) if call.modules else None
    if inner is not None and type(inner) in HOOKS:
        return TWICE
    if inner is not None and module_item(inner) != OTHER:
        return module_item(inner)
    if call.name in _ACTIVATIONS:
        return ACTIVATION
    if call.name in _POOLS:
        return POOLING
    return {"softmax": SOFTMAX, "upsample": UPSAMPLE, "interpolate": UPSAMPLE, "mul": ELEMENTWISE,
            "add": ELEMENTWISE}.get(call.name, LINEAR)


def _function_macs(call: FunctionCall) -> int:
    """The patched function's handler (``FUNCTIONAL_MAPPING``, ``TENSOR_OPS_MAPPING``)."""
    args, kwargs = call.args, call.kwargs
    first: Any = args[0] if args else kwargs.get("input")
    if call.name in (*_ACTIVATIONS, *_POOLS, "softmax"):
        return first.numel
    if call.name in ("upsample", "interpolate"):
        return _interpolate(args, kwargs)
    if call.name in _PRODUCTS:
        other: Any = args[1] if len(args) > 1 else kwargs.get("other", kwargs.get("mat2"))
        return first.numel * other[-1]
    if call.name in ("addmm", "baddbmm"):
        mat1, mat2 = (args + (None, None, None))[1:3]
        beta = kwargs.get("beta", 1)
        return _numel(mat1) * mat2[-1] + (_numel(first) if beta != 0 else 0)
    return _elementwise(first, args[1] if len(args) > 1 else kwargs.get("other"))


def _numel(value: Any) -> int:
    return value.numel if isinstance(value, TensorShape) else 1


def _elementwise(a: Any, b: Any) -> int:
    """``_elementwise_tensor_flops_hook``: the larger size per axis, axes aligned from the left."""
    if not isinstance(a, TensorShape):
        return b.numel if isinstance(b, TensorShape) else 1
    if not isinstance(b, TensorShape):
        return a.numel
    width = max(len(a), len(b))
    sizes = [max(a[i] if i < len(a) else 1, b[i] if i < len(b) else 1) for i in range(width)]
    return math.prod(sizes)


def _interpolate(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """``_interpolate_functional_flops_hook``: the output size, from ``size`` or ``scale_factor``."""
    x: Any = kwargs.get("input", args[0] if args else None)
    size: Any = kwargs.get("size", args[1] if len(args) > 1 else None)
    if size is not None:
        spatial = math.prod(size) if isinstance(size, (tuple, list)) else int(size) ** (len(x) - 2)
        return int(spatial * math.prod(x[:2]))
    scale: Any = kwargs.get("scale_factor", args[2] if len(args) > 2 else None)
    if isinstance(scale, tuple) and len(scale) == len(x) - 2:
        return x.numel * int(math.prod(scale))
    return int(x.numel * scale ** (len(x) - 2))
