"""Everything of a module an analysis could change, taken before and compared after (tests only)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.parameter import is_lazy

_HOOK_TABLES = ("_forward_hooks", "_forward_pre_hooks", "_forward_hooks_with_kwargs", "_forward_pre_hooks_with_kwargs",
                "_backward_hooks", "_backward_pre_hooks")


def snapshot(module: nn.Module) -> dict[str, Any]:
    """Modes, each parameter and buffer (the object, its values, dtype, device, requires_grad, lazy or
    not), plain tensor attributes (a pruned weight), the number of hooks in every hook table and the
    class of every submodule (a lazy module changes class when it materialises)."""
    tensors = {**dict(module.named_parameters(remove_duplicate=False)),
               **dict(module.named_buffers(remove_duplicate=False))}
    return {
        "training": [m.training for m in module.modules()],
        "objects": {name: id(t) for name, t in tensors.items()},
        "values": {name: None if is_lazy(t) or t.is_meta else t.detach().clone() for name, t in tensors.items()},
        "kinds": {name: (t.dtype, t.device, t.requires_grad, is_lazy(t), type(t)) for name, t in tensors.items()},
        "hooks": [tuple(len(getattr(m, table, None) or {}) for table in _HOOK_TABLES) for m in module.modules()
                  if not isinstance(m, torch.jit.ScriptModule)],
        "classes": [type(m) for m in module.modules()],
        "attributes": [(key, id(value), value.device) for m in module.modules() for key, value in vars(m).items()
                       if isinstance(value, torch.Tensor)],
    }


def assert_unchanged(before: dict[str, Any], module: nn.Module) -> None:
    after = snapshot(module)
    for key in ("training", "objects", "kinds", "hooks", "classes", "attributes"):
        assert after[key] == before[key], key
    for name, value in before["values"].items():
        if value is not None:
            assert torch.equal(after["values"][name], value), name
