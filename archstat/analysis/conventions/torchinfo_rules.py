"""torchinfo 1.8.0's rules, applied to a call log: ``summary(...).total_mult_adds`` and its params.

Read from ``torchinfo/layer_info.py`` (``calculate_macs``) and ``model_statistics.py``:

- only leaf modules count, once per call, from their own parameters and their output's shape;
- a parameter named ``weight`` or ``bias`` of a module whose class name contains "Conv" counts
  ``elements x batch x output positions`` (so a convolution's bias counts once per output value);
  of any other module ``elements x batch`` (a linear layer's bias once per sample, a batch norm's
  2C parameters once per sample, not per element); other names with "weight"/"bias" in them
  ``elements x batch x output dim 1``;
- ReLU, pooling, element-wise adds and anything without parameters count nothing.

Total params: each executed leaf's parameters on its first call, and for each container the
parameters its executed descendants do not account for, clamped at zero (a tensor shared by two
sibling leaves is then counted for both).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from ...engines.call_log import CallLog, ModuleCall, TensorShape
from .ledger import CONV, CONV_BIAS, LINEAR, LINEAR_BIAS, NotModelled, Tally, module_item

VERSION = "1.8.0"


def torchinfo_tally(log: CallLog) -> Tally:
    """``total_mult_adds`` by line item, and ``total_params``."""
    ledger: Counter[str] = Counter()
    for call in log.modules:
        if next(call.module.children(), None) is None:
            ledger.update(_layer_macs(call))
    return Tally(ledger=ledger, params=_total_params(log))


def _layer_macs(call: ModuleCall) -> Counter[str]:
    """One leaf call's mult-adds by line item (``LayerInfo.calculate_macs``)."""
    out = list(_size(call.output))
    conv = "Conv" in type(call.module).__name__
    item = module_item(call.module)
    macs: Counter[str] = Counter()
    for name, param in call.module.named_parameters():
        if name.endswith("_orig"):
            raise NotModelled(f"torchinfo counts pruned weights ({name}) by their mask's values")
        if name in ("weight", "bias"):
            positions = math.prod(out[:1] + out[2:]) if conv else out[0]
            key = {(True, "weight"): CONV, (True, "bias"): CONV_BIAS}.get((conv, name), item)
            if not conv and item == LINEAR:
                key = LINEAR if name == "weight" else LINEAR_BIAS
            macs[key] += param.numel() * positions
        elif "weight" in name or "bias" in name:
            macs[item] += math.prod(out[:2]) * param.numel()
    return macs


def _size(value: Any) -> TensorShape | list[int]:
    """The shape torchinfo reads from a module's output (``LayerInfo.calculate_size``)."""
    if isinstance(value, TensorShape):
        return value
    if isinstance(value, dict):
        return _size(list(value.values())[-1]) if value else []
    if isinstance(value, (list, tuple)) and value:
        return _size(value[0])
    return []


def _total_params(log: CallLog) -> int:
    """``ModelStatistics.total_params`` over the calls in the order they began."""
    calls = sorted(log.modules, key=lambda c: c.started)
    counts = [sum(p.numel() for p in c.module.parameters()) for c in calls]
    leaf = [next(c.module.children(), None) is None for c in calls]
    leftover: dict[int, int] = {}

    def left(i: int) -> int:
        if i not in leftover:
            inner = 0
            for j in _children(calls, i):
                if calls[j].first:
                    inner += counts[j] if leaf[j] else left(j)
            leftover[i] = counts[i] - inner
        return leftover[i]

    total = 0
    for i, call in enumerate(calls):
        if call.first:
            total += counts[i] if leaf[i] else max(left(i), 0)
    return total


def _children(calls: list[ModuleCall], i: int) -> range:
    """The entries after ``i`` that lie deeper than it (``get_children_layers``): all descendants."""
    end = i + 1
    while end < len(calls) and calls[end].depth > calls[i].depth:
        end += 1
    return range(i + 1, end)
