"""The one module that imports fvcore: TorchScript tracing is deprecated upstream, so keep one seam.

fvcore counts one fused multiply-add as one "flop"; archstat calls that one MAC. One trace serves
both fvcore analyses: every op handle of ``FlopCountAnalysis`` and ``ActivationCountAnalysis`` is
wrapped into a single handle whose counter keys carry a ``macs/`` or ``acts/`` prefix, so the numbers
are exactly fvcore's while the network is traced once instead of twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Number
from typing import Any

import torch
from torch import nn

_MACS, _ACTS = "macs/", "acts/"

ENGINE_NAME = "fvcore"


@dataclass
class Counts:
    """What fvcore found, per dotted module name ("" is the whole model); each module includes its children."""

    macs: dict[str, Counter[str]]  # module -> operator -> MACs
    activations: dict[str, int]  # module -> output elements of its convolutions and matrix products
    uncounted: dict[str, Counter[str]]  # module -> operator fvcore has no handle for -> calls


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
