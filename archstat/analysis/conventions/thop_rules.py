"""thop's rules, applied to a call log: PyPI ``thop`` 0.1.1.post2209072238 and ``ultralytics-thop``
2.2.3, both ``profile(model, inputs)`` (read from their ``profile.py`` and ``vision/basic_hooks.py``).

Both count by forward hooks on module types, one multiply-add per weight use, and no bias:
a convolution ``output elements x input channels per group x kernel elements``, a linear layer
``in_features x output elements``; batch norm ``4 x input elements`` with an affine transform
(``2 x`` that, doubled for the affine), ReLU and max pooling nothing.

- thop 0.1.1: exact types only; it walks the module tree and takes a hooked module's total
  (every call) at each place the tree holds it; a module without a hook is entered, so its own
  parameters, and those of a leaf without a hook, are not counted, nor those of a module never
  called. Average pooling: 1 per output element; adaptive average pooling
  ``(input/output area + 1) x output elements``; nearest upsampling 1 per output element.
- ultralytics-thop 2.2.3: rules found through the class's MRO, every module's calls once, plus
  matrix products called outside any module with a rule (``torch.matmul``, ``@``, ``F.linear``);
  pooling counts each window's inputs plus one divide per output; nearest upsampling 0;
  params: every parameter tensor once (``model.parameters()``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import PackedSequence

from ...engines.call_log import CallLog, FunctionCall, TensorShape
from .ledger import CONV, LINEAR, NotModelled, Tally, module_item

THOP_VERSION = "0.1.1.post2209072238"
ULTRALYTICS_VERSION = "2.2.3"
Rule = Callable[[Any, tuple[Any, ...], Any], int]


def _x(inputs: tuple[Any, ...]) -> TensorShape:
    return inputs[0]


def _conv(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    return y.numel * (_x(inputs)[1] // m.groups) * math.prod(m.weight.shape[2:])


def _conv_transposed(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    kernel = list(m.weight.shape)
    return _x(inputs).numel * (y[-(len(kernel) - 1)] // m.groups) * math.prod(kernel[2:])


def _norm(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    affine = getattr(m, "affine", False) or getattr(m, "elementwise_affine", False)
    return 2 * _x(inputs).numel * (2 if affine else 1)


def _zero(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    return 0


def _prelu(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    return _x(inputs).numel  # profile() runs the model in eval mode


def _softmax_old(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    if m.dim is None:
        raise NotModelled("thop 0.1.1 fails on nn.Softmax without dim")
    n = _x(inputs)[m.dim]
    return (_x(inputs).numel // n) * (3 * n - 1)


def _avgpool_old(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    return y.numel


def _adaptive_old(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    ratio = math.prod(float(i) / float(o) for i, o in zip(_x(inputs)[2:], y[2:], strict=True))
    return int((ratio + 1) * y.numel)  # float64 arithmetic, as thop's DoubleTensors


def _upsample_old(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    per = {"nearest": 1, "linear": 5, "bilinear": 11, "bicubic": 259}
    return per.get(m.mode, 0) * y.numel


def _linear(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    return m.in_features * y.numel


def _not_modelled(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    raise NotModelled(f"archstat does not reproduce thop's rule for {type(m).__name__}")


def _cell_ops(m: Any, width: int) -> int:
    """thop 0.1.1's ``_count_rnn_cell`` / ``_count_gru_cell`` / ``_count_lstm_cell`` for an input of
    ``width``: per gate (RNN 1, GRU 3, LSTM 4) its products ``(width + hidden) x hidden``, one add per
    unit and, with biases, two per unit; then GRU 4 and LSTM 4 more per unit (gate products and sums)."""
    hidden = m.hidden_size
    gates, extra = (1, 0) if isinstance(m, (nn.RNN, nn.RNNCell)) else (3, 4) if isinstance(m, (nn.GRU, nn.GRUCell)) \
        else (4, 4)
    per_gate = (width + hidden) * hidden + hidden + (2 * hidden if m.bias else 0)
    return gates * per_gate + extra * hidden


def _recurrent(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    """``count_rnn`` / ``count_gru`` / ``count_lstm``: the first layer's cell on ``input_size``, later
    layers' on ``hidden`` (2 x hidden if bidirectional), each twice if bidirectional, times steps and
    batch (dims 0 and 1 as ``batch_first`` says; a packed sequence's steps, and its largest batch:
    the number of sequences; ``proj_size`` is not read)."""
    x = _x(inputs)
    if isinstance(x, PackedSequence) and isinstance(x.batch_sizes, TensorShape):
        # thop reads max(batch_sizes), the number of sequences: the final state's batch
        state = y[1] if isinstance(y[1], TensorShape) else y[1][0]  # an LSTM: (h, c)
        steps_by_batch = x.batch_sizes[0] * state[1]
    elif isinstance(x, TensorShape) and len(x) >= 2:
        steps_by_batch = x[0] * x[1]
    else:
        raise NotModelled(f"archstat does not reproduce thop's rule for {type(m).__name__} on this input")
    directions = 2 if m.bidirectional else 1
    layers = _cell_ops(m, m.input_size) + (m.num_layers - 1) * _cell_ops(m, m.hidden_size * directions)
    return directions * layers * steps_by_batch


def _recurrent_cell(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    """``count_rnn_cell`` and its kin: one step, times dimension 0 of the input."""
    return _cell_ops(m, m.input_size) * _x(inputs)[0]


_OLD_RULES: dict[type, Rule] = {
    **dict.fromkeys((nn.ZeroPad2d, nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d,
                     nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d, nn.Dropout,
                     nn.Sequential, nn.PixelShuffle), _zero),
    **dict.fromkeys((nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d,
                     nn.ConvTranspose3d), _conv),
    **dict.fromkeys((nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm, nn.InstanceNorm1d,
                     nn.InstanceNorm2d, nn.InstanceNorm3d, nn.SyncBatchNorm), _norm),
    nn.PReLU: _prelu, nn.Softmax: _softmax_old, nn.Linear: _linear,
    **dict.fromkeys((nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d), _avgpool_old),
    **dict.fromkeys((nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d), _adaptive_old),
    **dict.fromkeys((nn.Upsample, nn.UpsamplingBilinear2d, nn.UpsamplingNearest2d), _upsample_old),
    **dict.fromkeys((nn.RNNCell, nn.GRUCell, nn.LSTMCell), _recurrent_cell),
    **dict.fromkeys((nn.RNN, nn.GRU, nn.LSTM), _recurrent),
}


def _item(m: nn.Module) -> str:
    return CONV if isinstance(m, nn.modules.conv._ConvNd) else module_item(m)


def thop_tally(log: CallLog, model: nn.Module) -> Tally:
    """thop 0.1.1's ``profile``: ops and params, as its ``dfs_count`` sums them over the tree."""
    ops: dict[int, Counter[str]] = {}
    params: dict[int, int] = {}
    for call in log.modules:
        rule = _OLD_RULES.get(type(call.module))
        if rule is not None:
            counted = rule(call.module, call.inputs, call.output)
            ops.setdefault(id(call.module), Counter())[_item(call.module)] += counted
            params[id(call.module)] = sum(p.numel() for p in call.module.parameters())
    tally = Tally(ledger=Counter(ops.get(id(model), Counter())), params=0)
    _walk(model, ops, params, tally)
    return tally


def _walk(module: nn.Module, ops: dict[int, Counter[str]], params: dict[int, int], tally: Tally) -> None:
    for child in module.children():
        if type(child) in _OLD_RULES and not isinstance(child, (nn.Sequential, nn.ModuleList)):
            tally.ledger.update(ops.get(id(child), Counter()))
            tally.params = (tally.params or 0) + params.get(id(child), 0)
        else:
            _walk(child, ops, params, tally)


# ultralytics-thop 2.2.3 ------------------------------------------------------------------------


def _avgpool_windows(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    """Every window's inputs (padding counted if ``count_include_pad``) plus one divide per output."""
    x = _x(inputs)
    kernel = m.kernel_size
    if isinstance(kernel, int):
        kernel = (kernel,) * (3 if isinstance(m, nn.AvgPool3d) else 2)
    dims = len(kernel)
    stride = (m.stride,) * dims if isinstance(m.stride, int) else m.stride
    padding = (m.padding,) * dims if isinstance(m.padding, int) else m.padding
    windows = 1
    for size, out, k, s, p in zip(x[-dims:], y[-dims:], kernel, stride, padding, strict=False):
        low, high = (-p, size + p) if m.count_include_pad else (0, size)
        windows *= sum(max(min(i * s - p + k, high) - max(i * s - p, low), 0) for i in range(out))
    return int(math.prod(x[:-dims]) * windows + y.numel)


def _adaptive_windows(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    """The windows adaptive pooling slices, axis by axis, plus one divide per output."""
    sizes = [o if i == o else sum(-(-(j + 1) * i // o) - j * i // o for j in range(o))
             for i, o in zip(_x(inputs), y, strict=False)]
    return math.prod(sizes) + y.numel


def _softmax_new(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    x = _x(inputs)
    dim = -3 if isinstance(m, nn.Softmax2d) else m.dim
    if dim is None:
        dim = 0 if len(x) in (0, 1, 3) else 1
    n = x[dim] if len(x) else 1
    batch = x.numel // n if n else 0
    extra = x.numel if isinstance(m, nn.Softmin) else batch if isinstance(m, nn.LogSoftmax) else 0
    return batch * (n + max(n - 1, 0) + n) + extra


def _upsample_new(m: Any, inputs: tuple[Any, ...], y: Any) -> int:
    per = {"nearest": 0, "nearest-exact": 0, "linear": 5, "bilinear": 11, "bicubic": 259, "trilinear": 31}
    return per.get(m.mode, 0) * y.numel


_NEW_RULES: tuple[tuple[Any, Rule], ...] = (
    ((nn.modules.padding._ConstantPadNd, nn.modules.padding._ReflectionPadNd, nn.modules.padding._ReplicationPadNd,
      nn.modules.dropout._DropoutNd, nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.modules.pooling._MaxPoolNd,
      nn.modules.pooling._AdaptiveMaxPoolNd, nn.FractionalMaxPool2d, nn.FractionalMaxPool3d,
      nn.modules.pooling._MaxUnpoolNd, nn.Sequential, nn.ModuleList, nn.ModuleDict, nn.ParameterList,
      nn.ParameterDict, nn.Identity, nn.Flatten, nn.Unflatten, nn.Unfold, nn.PixelShuffle, nn.PixelUnshuffle,
      nn.ChannelShuffle, nn.Embedding), _zero),
    ((nn.Conv1d, nn.Conv2d, nn.Conv3d), _conv),
    ((nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d), _conv_transposed),
    ((nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm,
      *([nn.RMSNorm] if hasattr(nn, "RMSNorm") else [])), _norm),
    ((nn.PReLU,), _prelu), ((nn.Softmax, nn.LogSoftmax, nn.Softmin, nn.Softmax2d), _softmax_new),
    ((nn.modules.pooling._AvgPoolNd,), _avgpool_windows),
    ((nn.modules.pooling._AdaptiveAvgPoolNd,), _adaptive_windows),
    ((nn.Linear,), _linear), ((nn.Upsample,), _upsample_new),
    ((nn.Bilinear, nn.RNNBase, nn.RNNCell, nn.GRUCell, nn.LSTMCell, nn.MultiheadAttention), _not_modelled),
)
# Functions counted outside every module with a rule (ultralytics' ``functional_hooks``).
NEW_FUNCTIONS: dict[Any, str] = {
    torch.matmul: "matmul", torch.Tensor.matmul: "matmul",
    torch.Tensor.__matmul__: "matmul", torch.bmm: "matmul",
    torch.Tensor.bmm: "matmul", F.linear: "matmul", torch.einsum: "einsum",
    F.multi_head_attention_forward: "multi_head_attention",
    **({F.scaled_dot_product_attention: "scaled_dot_product_attention"}
       if hasattr(F, "scaled_dot_product_attention") else {}),
}


def _new_rule(module: nn.Module) -> Rule | None:
    """The first rule along the class's MRO, most derived first."""
    for kind in type(module).__mro__:
        for kinds, rule in _NEW_RULES:
            if kind in kinds:
                return rule
    return None


def ultralytics_tally(log: CallLog, model: nn.Module) -> Tally:
    """ultralytics-thop 2.2.3's ``profile``: every module call once, plus functional products."""
    ledger: Counter[str] = Counter()
    counting: set[str] = set()  # modules whose rule counts: their functional calls are theirs
    for call in log.modules:
        rule = _new_rule(call.module)
        if rule is not None and rule is not _zero:
            counting.add(call.name)
            ledger[_item(call.module)] += rule(call.module, call.inputs, call.output)
    for function in log.functions:
        if not counting.intersection(function.modules):
            ledger[LINEAR] += _functional(function)
    params = sum(p.numel() for p in model.parameters())
    return Tally(ledger=ledger, params=params)


def _functional(call: FunctionCall) -> int:
    if call.name != "matmul":
        raise NotModelled(f"archstat does not reproduce ultralytics-thop's count of {call.name}")
    first = call.args[0] if call.args else call.kwargs["input"]
    return call.output.numel * first[-1]
