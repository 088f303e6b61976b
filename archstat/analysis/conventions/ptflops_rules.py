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


def _gate_arithmetic(m: Any) -> int:
    """``rnn_flops``' element-wise work per token: the gates' sums and products (RNN 1, GRU 7, LSTM
    10 per hidden unit)."""
    per_unit = 1 if isinstance(m, (nn.RNN, nn.RNNCell)) else 7 if isinstance(m, (nn.GRU, nn.GRUCell)) else 10
    return per_unit * m.hidden_size


def _rnn(m: Any, call: ModuleCall) -> Counter[str]:
    """``rnn_flops_counter_hook``: per layer, the first direction's input and hidden weights' sizes,
    the gate arithmetic and both biases, times input dims 0 and 1 (batch and sequence, whichever
    comes first), times 2 if bidirectional."""
    x = call.inputs[0] if call.inputs else None
    if not isinstance(x, TensorShape) or len(x) < 2:
        raise NotModelled(f"archstat does not reproduce ptflops' rule for {type(m).__name__} on this input")
    scale = x[0] * x[1] * (2 if m.bidirectional else 1)
    ledger: Counter[str] = Counter()
    for layer in range(m.num_layers):
        w_ih, w_hh = getattr(m, f"weight_ih_l{layer}").shape, getattr(m, f"weight_hh_l{layer}").shape
        ledger[LINEAR] += scale * (w_ih[0] * w_ih[1] + w_hh[0] * w_hh[1])
        ledger[ELEMENTWISE] += scale * _gate_arithmetic(m)
        if m.bias:
            ledger[LINEAR_BIAS] += scale * 2 * w_ih[0]
    return ledger


def _rnn_cell(m: Any, call: ModuleCall) -> Counter[str]:
    """``rnn_cell_flops_counter_hook``: the same for one step, times the batch."""
    x = call.inputs[0]
    batch = x[0]  # ptflops reads dimension 0 as the batch, an unbatched cell's features too
    return Counter({LINEAR: batch * (m.weight_ih.numel() + m.weight_hh.numel()),
                    ELEMENTWISE: batch * _gate_arithmetic(m),
                    LINEAR_BIAS: batch * 2 * m.weight_ih.shape[0] if m.bias else 0})


def _multihead_attention(m: Any, call: ModuleCall) -> Counter[str]:
    """``multihead_attention_counter_hook``: queries scaled (1 per query element), the three
    projections as square products of each input's width, their biases, per head Q·Kᵀ, softmax
    (1 per score) and weights·V, and the output projection with its bias, times the batch."""
    if len(call.inputs) != 3 or not all(isinstance(t, TensorShape) and len(t) == 3 for t in call.inputs):
        raise NotModelled("archstat does not reproduce ptflops' rule for MultiheadAttention called without "
                          "three positional batched inputs")
    q, k, v = call.inputs
    first = bool(getattr(m, "batch_first", False))
    batch, at = (q[0], 1) if first else (q[1], 0)
    (lq, dq), (lk, dk), (lv, dv) = ((t[at], t[2]) for t in (q, k, v))
    heads = m.num_heads
    return Counter({
        ELEMENTWISE: batch * lq * dq,
        LINEAR: batch * (lq * dq * dq + lk * dk * dk + lv * dv * dv
                         + heads * lq * lk * (dq // heads + dv // heads) + lq * dv * dv),
        LINEAR_BIAS: batch * ((lq + lk + lv) * dq if m.in_proj_bias is not None else 0) + batch * lq * dv,
        SOFTMAX: batch * heads * lq * lk,
    })


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
    **dict.fromkeys((nn.RNN, nn.GRU, nn.LSTM), _rnn), **dict.fromkeys((nn.RNNCell, nn.LSTMCell, nn.GRUCell), _rnn_cell),
    nn.MultiheadAttention: _multihead_attention,
}


def _timm_attention(m: Any, call: ModuleCall) -> Counter[str]:
    """``timm_attention_counter_hook``, which ptflops maps to timm's ``vision_transformer.Attention``
    when timm imports: queries scaled (1 per element), per head Q·Kᵀ, softmax (1 per score) and
    weights·V, times the batch. The module's total is that alone: its qkv and proj Linear layers,
    inside a hooked module, are not counted."""
    batch, tokens = call.inputs[0][0], call.inputs[0][1]
    heads, width = m.num_heads, m.head_dim
    return Counter({ELEMENTWISE: batch * tokens * heads * width, LINEAR: batch * heads * 2 * tokens * tokens * width,
                    SOFTMAX: batch * heads * tokens * tokens})


def _hook(module: nn.Module) -> Callable[[Any, ModuleCall], Counter[str]] | None:
    """The module's hook in ``MODULES_MAPPING``: by exact type, and timm's ViT attention by its class."""
    kind = type(module)
    if kind.__module__.startswith("timm.") and kind.__name__ == "Attention":  # timm is imported: the model is its
        from timm.models.vision_transformer import Attention

        if kind is Attention:
            return _timm_attention
    return HOOKS.get(kind)


def ptflops_tally(log: CallLog, model: nn.Module) -> Tally:
    """MACs (ptflops' "MACs", its GMac) by line item and the trainable params, backend 'pytorch'."""
    own: dict[int, Counter[str]] = {}
    for call in log.modules:
        hook = _hook(call.module)
        if hook is not None:
            own.setdefault(id(call.module), Counter()).update(hook(call.module, call))
    ledger = _accumulate(model, own)
    by_name = {call.name: call.module for call in log.modules}
    for function in log.patched:
        ledger[_function_item(function, by_name)] += _function_macs(function)
    return Tally(ledger=ledger, params=sum(p.numel() for p in model.parameters() if p.requires_grad))


def _accumulate(module: nn.Module, own: dict[int, Counter[str]]) -> Counter[str]:
    """``accumulate_flops``: a hooked module's own total, else the sum over its children."""
    if _hook(module) is not None:
        return Counter(own.get(id(module), Counter()))
    total: Counter[str] = Counter()
    for child in module.children():
        total.update(_accumulate(child, own))
    return total


def _function_item(call: FunctionCall, by_name: dict[str, nn.Module]) -> str:
    """A patched call inside a hooked module is that module's work counted again; elsewhere its kind."""
    inner = by_name.get(call.modules[-1]) if call.modules else None
    if inner is not None and _hook(inner) is not None:
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
