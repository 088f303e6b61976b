"""Lazy modules (``nn.LazyLinear``, ``nn.LazyConv2d``...): their weights take a shape at the first
forward. archstat never runs that forward on the caller's module, whose parameters would then stay
materialised: it materialises a copy and counts the copy."""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn.parameter import UninitializedBuffer, UninitializedParameter, is_lazy

from ..errors import AnalysisError
from ..options import Mode
from .feeding import Feed
from .resolve import Target


def has_lazy(module: nn.Module) -> bool:
    """Whether any parameter or buffer of ``module`` is still uninitialised."""
    return any(is_lazy(t) for t in (*module.parameters(), *module.buffers()))


def lazy_copy(module: nn.Module) -> nn.Module:
    """A deep copy of ``module``; an uninitialised parameter or buffer, which refuses ``deepcopy``,
    is copied as a new uninitialised one of the same dtype, device and ``requires_grad``."""
    memo: dict[int, object] = {}
    for tensor in (*module.parameters(), *module.buffers()):
        kind = UninitializedParameter if isinstance(tensor, UninitializedParameter) else \
            UninitializedBuffer if isinstance(tensor, UninitializedBuffer) else None
        if kind is not None:  # torch's stubs omit these constructors' arguments
            memo[id(tensor)] = kind(requires_grad=tensor.requires_grad,  # type: ignore[call-arg]
                                    device=tensor.device, dtype=tensor.dtype)
    return copy.deepcopy(module, memo)


def materialised(target: Target, feed: Feed, mode: Mode) -> tuple[Target, list[str]]:
    """``target`` itself when nothing in it is lazy; else a target holding a copy of its module whose
    lazy weights took their shapes in one forward on zero inputs on the CPU, and a note saying so."""
    if not has_lazy(target.module):
        return target, []
    twin = lazy_copy(target.module).train(mode is Mode.train)
    args = tuple(torch.zeros_like(t, device="cpu") for t in feed.args)
    try:
        with torch.no_grad(), feed.bound(twin):
            twin(*args)
    except Exception as error:  # the user's forward may raise anything
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise AnalysisError(f"{target.label}: the forward that gives the lazy layers their shapes failed: "
                            f"{type(error).__name__}: {first}") from error
    note = ("lazy layers took their shapes from one forward on a copy of the model at the given input; "
            "the model itself stays uninitialised.")
    return Target(twin, target.label, target.inputs, target.info, target.num_classes), [note]
