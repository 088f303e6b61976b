"""Counters that watch ATen operators, applied to a call log.

- ptflops 0.7.5 with ``backend='aten'`` (``ptflops/aten_engine.py``, ``aten_ops.py``): only
  ``mm``, ``matmul``, ``addmm``, ``bmm``, ``convolution`` and ``_convolution``, in MACs: a
  convolution's multiply-adds plus, with a bias, one per output element; ``addmm`` (a linear layer
  with a bias on a 2-D input) plus one per output element. Batch norm, pooling, activations and
  element-wise ops count nothing. Params: every parameter with ``requires_grad`` once.
- torch's ``torch.utils.flop_counter.FlopCounterMode`` (torch's ``flop_registry``): the same
  products, without biases, in FLOPs: 2 per multiply-add.

Both as they run on the CPU, where ``conventions --run`` runs them: attention that torch's CPU
dispatch runs as its flash kernel and a float32 LSTM run by oneDNN are one operator each that
neither counts, so the products the meta device decomposes them into are left out
(``FunctionCall.cpu_fused``).
"""

from __future__ import annotations

import math
from collections import Counter

from torch import nn

from ...engines.call_log import CallLog, FunctionCall
from .ledger import CONV, CONV_BIAS, LINEAR, LINEAR_BIAS, NotModelled, Tally

PTFLOPS_VERSION = "0.7.5"
_CONVOLUTIONS = ("convolution", "_convolution", "cudnn_convolution", "_slow_conv2d_forward",
                 "convolution_overrideable")


def ptflops_aten_tally(log: CallLog, model: nn.Module) -> Tally:
    """ptflops' aten backend: MACs by line item, and its params."""
    ledger: Counter[str] = Counter()
    for call, times in _on_cpu(log):
        for item, macs in _ptflops_aten_call(call).items():
            ledger[item] += times * macs
    return Tally(ledger=ledger, params=sum(p.numel() for p in model.parameters() if p.requires_grad))


def _ptflops_aten_call(call: FunctionCall) -> Counter[str]:
    if call.name in ("mm", "matmul"):
        return Counter({LINEAR: call.args[0].numel * call.args[1][-1]})
    if call.name == "addmm":
        (rows, inner), cols = call.args[1], call.args[2][1]
        return Counter({LINEAR: rows * inner * cols, LINEAR_BIAS: rows * cols if call.args[0] is not None else 0})
    if call.name == "bmm":
        n, c, t = call.args[0]
        return Counter({LINEAR: n * c * t * call.args[1][-1]})
    if call.name in ("convolution", "_convolution"):
        return _convolution(call, bias=True)
    return Counter()


def _on_cpu(log: CallLog) -> list[tuple[FunctionCall, int]]:
    """The ATen calls a CPU forward shows a dispatch mode (none from inside a fused kernel), each
    with how many times it repeats in a row: a recurrent layer's time steps are one record repeated
    (``call_log._cpu_fused``), counted once and multiplied."""
    runs: list[tuple[FunctionCall, int]] = []
    for call in log.aten:
        if call.cpu_fused:
            continue
        if runs and runs[-1][0] is call:
            runs[-1] = (call, runs[-1][1] + 1)
        else:
            runs.append((call, 1))
    return runs


def _convolution(call: FunctionCall, bias: bool) -> Counter[str]:
    x, w, b, *_ = call.args
    transposed = bool(call.args[6]) if len(call.args) > 6 else False
    y = call.output
    macs = x[0] * math.prod(w) * math.prod((x if transposed else y)[2:])
    bias_macs = x[0] * y[1] * math.prod(y[2:]) if bias and b is not None else 0
    return Counter({CONV: macs, CONV_BIAS: bias_macs})


def torch_flop_counter_tally(log: CallLog) -> Tally:
    """``FlopCounterMode``: its FLOPs as MACs by line item, ``per_mac`` 2."""
    from torch.utils.flop_counter import flop_registry  # which operators torch counts at all

    counted = {op.__name__ for op in flop_registry}
    ledger: Counter[str] = Counter()
    for call, times in _on_cpu(log):
        if call.name == "mm":
            ledger[LINEAR] += times * call.args[0].numel * call.args[1][-1]
        elif call.name in ("addmm", "baddbmm"):
            ledger[LINEAR] += times * call.args[1].numel * call.args[2][-1]
        elif call.name == "bmm":
            ledger[LINEAR] += times * call.args[0].numel * call.args[1][-1]
        elif call.name in _CONVOLUTIONS:
            for item, macs in _convolution(call, bias=False).items():
                ledger[item] += times * macs
        elif call.name in counted:
            raise NotModelled(f"archstat does not reproduce FlopCounterMode's count of aten.{call.name}")
    return Tally(ledger=ledger, per_mac=2)
