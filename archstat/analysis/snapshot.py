"""A caller's module leaves an analysis exactly as it came, whether the analysis succeeds or fails.

A counting pass changes a module in four ways unless it is undone: it sets the mode (a real
forward in training mode also moves BatchNorm's running statistics and its batch counter; a
user's forward may write a buffer in any mode), it registers hooks (shapes, fvcore's scopes), which
a failing forward can leave behind, and the meta pass swaps every parameter and buffer for a meta
twin. ``as_given`` runs the analysis in the mode asked for and puts back every submodule's mode,
every buffer's values, every hook table, every parameter and buffer object in its slot, every
plain tensor attribute and every ``requires_grad`` flag as they were. Parameters' values are never
written by a forward under ``no_grad``; ``--freeze`` / ``--train`` marks are also undone by
``trainable.mark_trainable``'s own undo; a lazy module is counted on a materialised copy
(``lazy.materialised``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from ..options import Mode

_HOOK_TABLES = ("_forward_hooks", "_forward_pre_hooks", "_forward_hooks_with_kwargs", "_forward_pre_hooks_with_kwargs",
                "_forward_hooks_always_called", "_backward_hooks", "_backward_pre_hooks")


def _stores(sub: nn.Module) -> list[dict[str, object]]:
    """The dicts that hold a module's parameters and buffers (a ScriptModule has none of them)."""
    return [store for store in (sub.__dict__.get("_parameters"), sub.__dict__.get("_buffers"))
            if isinstance(store, dict)]


@contextmanager
def as_given(module: nn.Module, mode: Mode) -> Iterator[None]:
    """Put ``module`` in ``mode`` for the body; afterwards restore its modes, buffers and hooks."""
    training = [(sub, sub.training) for sub in module.modules()]
    hooks = [(table, dict(table)) for sub in module.modules()
             for table in (getattr(sub, name, None) for name in _HOOK_TABLES) if isinstance(table, dict)]
    slots = [(store, dict(store)) for sub in module.modules() for store in _stores(sub)]
    # Plain tensor attributes too: torch.nn.utils.prune's pre-hook sets ``weight`` anew at every forward
    # (on the meta pass, a meta tensor).
    attributes = [(sub, key, value) for sub in module.modules() for key, value in vars(sub).items()
                  if isinstance(value, torch.Tensor)]
    flags = [(p, p.requires_grad) for p in module.parameters()]
    # Buffers are small next to the weights (BatchNorm's statistics, masks): every one is kept, since a
    # forward in training mode writes BatchNorm's, and a user's forward may write its own in any mode.
    saved = [(b, b.detach().clone()) for b in module.buffers() if not b.is_meta]
    module.train(mode is Mode.train)
    try:
        yield
    finally:
        for sub, was_training in training:
            sub.training = was_training
        for table, before in [*hooks, *slots]:
            table.clear()
            table.update(before)
        for param, flag in flags:
            param.requires_grad_(flag)
        for sub, key, value in attributes:
            sub.__dict__[key] = value
        with torch.no_grad():
            for buffer, value in saved:
                buffer.copy_(value)
