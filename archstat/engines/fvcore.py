"""The one module that imports fvcore: TorchScript tracing is deprecated upstream, so keep one seam.

fvcore counts one fused multiply-add as one "flop"; archstat calls that one MAC. One trace serves
both fvcore analyses: every op handle of ``FlopCountAnalysis`` and ``ActivationCountAnalysis`` is
wrapped into a single handle whose counter keys carry a ``macs/`` or ``acts/`` prefix, so the numbers
are exactly fvcore's while the network is traced once instead of twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from numbers import Number
from typing import Any

import torch
from torch import nn

from .budget import memory_budget, trace_bytes
from .contract import Counts, Measurement, Want
from .fields import trace_fields
from .meta import MetaEngine
from .shapes import ShapeRecorder

_MACS, _ACTS = "macs/", "acts/"

ENGINE_NAME = "fvcore"


def _simple_name(op: str) -> str:
    return op.split("::", 1)[-1]


def _combined_handle(op: str, mac_handles: dict[str, Any], activation_handles: dict[str, Any]
                     ) -> Callable[[list[Any], list[Any]], Counter[str]]:
    handles = [(_MACS, mac_handles.get(op)), (_ACTS, activation_handles.get(op))]

    def handle(inputs: list[Any], outputs: list[Any]) -> Counter[str]:
        combined: Counter[str] = Counter()
        for prefix, counter in handles:
            if counter is None:
                continue
            result = counter(inputs, outputs)
            if isinstance(result, Number):
                result = Counter({_simple_name(op): result})
            for key, value in result.items():
                combined[prefix + key] += int(value)
        return combined

    return handle


def count(model: nn.Module, inputs: tuple[torch.Tensor, ...]) -> Counts:
    """Trace ``model(*inputs)`` once and return fvcore's MAC and activation counts per module."""
    # Imported here: the meta engine and everything but a real trace run without fvcore (0.1 s).
    from fvcore.nn.activation_count import _DEFAULT_SUPPORTED_OPS as activation_handles
    from fvcore.nn.flop_count import _DEFAULT_SUPPORTED_OPS as mac_handles
    from fvcore.nn.jit_analysis import JitModelAnalysis

    analysis = JitModelAnalysis(model, inputs)
    analysis.set_op_handle(**{op: _combined_handle(op, mac_handles, activation_handles)
                              for op in mac_handles.keys() | activation_handles.keys()})
    analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
    macs: dict[str, Counter[str]] = {}
    activations: dict[str, int] = {}
    for name, counter in analysis.by_module_and_operator().items():
        macs[name] = Counter({k[len(_MACS):]: v for k, v in counter.items() if k.startswith(_MACS)})
        activations[name] = sum(v for k, v in counter.items() if k.startswith(_ACTS))
    uncounted = {name: Counter({_simple_name(op): n for op, n in analysis.unsupported_ops(name).items()})
                 for name in macs}
    return Counts(macs=macs, activations=activations, uncounted=uncounted)


class FvcoreEngine:
    """The ``fvcore`` engine (``engines.contract``): fvcore's own counts of a real forward, traced.

    A meta pass comes first: it follows the fields and records the shapes, and estimates the real
    trace's memory (``budget.trace_bytes``). Over the budget its counts are kept, with one note
    saying so; otherwise the real trace runs without the shape hooks (reading shapes inside a
    TorchScript trace adds graph nodes: three times slower on ResNet-1202). Asked for fields alone,
    the meta pass is all that runs. A forward that cannot run on meta tensors is traced for real,
    hooks on, and its fields are followed in a real pass too.
    """

    name = ENGINE_NAME

    def __init__(self, budget: int | str | None = None) -> None:
        self.budget = budget

    def measure(self, module: nn.Module, inputs: tuple[torch.Tensor, ...], want: Want,
                recorder: ShapeRecorder) -> Measurement:
        limit, source = memory_budget(self.budget)
        try:
            meta = MetaEngine().measure(module, inputs, want, recorder)
        except Exception:  # noqa: BLE001 - any forward error shows again, with context, in the real trace
            recorder.running.clear()
            counts = count(module, inputs) if Want.COUNTS in want else None
            fields = trace_fields(module, inputs) if Want.FIELDS in want else None
            return Measurement(self.name, counts, fields, recorder.output_shapes)
        if Want.COUNTS not in want:  # fields and shapes are the same whichever engine is asked
            meta.engine = self.name
            return meta
        assert meta.peak_activation_bytes is not None
        need = trace_bytes(module, meta.peak_activation_bytes)
        if limit is not None and need > limit:
            meta.notes.append(
                f"fvcore's trace would need about {need / 2**30:.1f} GiB, over the memory budget of "
                f"{limit / 2**30:.1f} GiB ({source}); counted with the meta engine instead (same "
                "conventions). Give --memory-budget or --engine to choose.")
            return meta
        recorder.remove()
        counts = count(module, inputs)
        assert meta.counts is not None
        # fvcore counts no backward: the meta pass's figures stand, the same on both engines.
        counts.backward_macs, counts.backward_uncounted = meta.counts.backward_macs, meta.counts.backward_uncounted
        meta.engine, meta.counts = self.name, counts
        return meta
