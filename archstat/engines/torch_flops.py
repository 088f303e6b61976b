"""The ``torch`` engine (``engines.contract``): torch's own ``FlopCounterMode``, on meta tensors.

It counts a convolution and a matrix product by the same formulas as fvcore (output elements x
kernel elements x input channels per group), and a multiply and an add separately: its FLOPs / 2
are MACs. It splits nothing by module and counts no activations, so a ``Measurement`` from it
holds the whole model's MACs by operator (under "") and the output shapes the caller's hooks saw.
A TorchScript module, whose layers run no Python hooks, is counted whole by it (``count_call``).
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
from .meta_device import meta_inputs, on_meta
from .shapes import ShapeRecorder

ENGINE_NAME = "torch"
WHOLE_MODEL_NOTE = ("the torch engine counts the whole model's MACs only (torch's FlopCounterMode, its FLOPs / 2): "
                    "per-layer MACs and activations are not measured (they read 0), nor backward MACs; --engine meta "
                    "counts them all, with fvcore's conventions.")


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
        notes = []
        with on_meta(module):  # a module with real weights too: swapped for meta twins during the passes
            args = meta_inputs(inputs)
            if Want.COUNTS in want:
                counts = count_call(lambda: module(*args))
                notes.append(WHOLE_MODEL_NOTE)
            if Want.FIELDS in want:
                fields = trace_fields(module, args, graph=Want.GRAPH in want, recorder=recorder)
        return Measurement(self.name, counts, fields, recorder.output_shapes, notes=notes)
