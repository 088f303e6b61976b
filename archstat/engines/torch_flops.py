"""The ``torch`` engine (``engines.contract``): torch's own ``FlopCounterMode``, on meta tensors.

It counts a convolution and a matrix product by the same formulas as fvcore (output elements x
kernel elements x input channels per group), and a multiply and an add separately: its FLOPs / 2
are MACs. It splits nothing by module and counts no activations, so a ``Measurement`` from it
holds the whole model's MACs by operator (under "") and the output shapes the caller's hooks saw.
The design calculators use it for blocks too large to materialise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.flop_counter import FlopCounterMode

from .contract import Counts, Measurement, Want
from .fields import trace_fields
from .imports import light_imports
from .shapes import ShapeRecorder

ENGINE_NAME = "torch"


def count_call(call: Callable[[], Any]) -> Counts:
    """MACs by operator of whatever ``call()`` runs (FLOPs / 2), whole model only, no activations.
    ``FlopCounterMode`` works at torch's dispatcher, so it sees a TorchScript module's operators too."""
    # light_imports: torch wraps a dispatch mode's handler so that its first call imports torch._dynamo
    # (and sympy), about 1 s, only to mark it "not for torch.compile" (engines/imports.py).
    with torch.no_grad(), light_imports(), FlopCounterMode(display=False) as counter:
        call()
    by_operator: Counter[str] = Counter()
    for op, flops in counter.get_flop_counts().get("Global", {}).items():
        by_operator[str(op).split("::")[-1].removeprefix("aten.").split(".")[0]] += flops // 2  # "aten.addmm"
    return Counts(macs={"": by_operator}, activations={"": 0}, uncounted={"": Counter()})


class TorchFlopsEngine:
    """MACs as torch's ``FlopCounterMode`` counts them (FLOPs / 2), fields from a meta field trace."""

    name = ENGINE_NAME

    def measure(self, module: nn.Module, inputs: tuple[Tensor, ...], want: Want,
                recorder: ShapeRecorder) -> Measurement:
        counts = fields = None
        if Want.COUNTS in want:
            counts = count_call(lambda: module(*inputs))
        if Want.FIELDS in want:
            fields = trace_fields(module, inputs, graph=Want.GRAPH in want)
        return Measurement(self.name, counts, fields, recorder.output_shapes)
