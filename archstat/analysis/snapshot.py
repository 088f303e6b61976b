"""A caller's module leaves an analysis exactly as it came, whether the analysis succeeds or fails.

A counting pass changes a module in three ways unless it is undone: it sets the mode (a real
forward in training mode also moves BatchNorm's running statistics and its batch counter), and it
registers hooks (shapes, fvcore's scopes), which a failing forward can leave behind. ``as_given``
runs the analysis in the mode asked for and puts back every submodule's mode, every buffer's
values and every hook table as they were. Parameters are never written by a forward under
``no_grad``; ``--freeze`` / ``--train`` marks are undone by ``trainable.mark_trainable``'s own undo.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from ..options import Mode

_HOOK_TABLES = ("_forward_hooks", "_forward_pre_hooks", "_forward_hooks_with_kwargs", "_forward_pre_hooks_with_kwargs",
                "_forward_hooks_always_called", "_backward_hooks", "_backward_pre_hooks")


@contextmanager
def as_given(module: nn.Module, mode: Mode) -> Iterator[None]:
    """Put ``module`` in ``mode`` for the body; afterwards restore its modes, buffers and hooks."""
    training = [(sub, sub.training) for sub in module.modules()]
    hooks = [(table, dict(table)) for sub in module.modules()
             for table in (getattr(sub, name, None) for name in _HOOK_TABLES) if isinstance(table, dict)]
    # A forward in eval mode reads the buffers; only training mode writes them (BatchNorm's statistics).
    saved = [(b, b.detach().clone()) for b in module.buffers() if not b.is_meta] if mode is Mode.train else []
    module.train(mode is Mode.train)
    try:
        yield
    finally:
        for sub, was_training in training:
            sub.training = was_training
        for table, before in hooks:
            table.clear()
            table.update(before)
        with torch.no_grad():
            for buffer, value in saved:
                buffer.copy_(value)
