"""What a pass on the meta device needs: meta twins of a module's weights and of its inputs, and
shape-only stand-ins for the meta kernels that cost far more than they tell."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode


class _FastKernels(TorchFunctionMode):
    """Shape-only stand-ins for meta kernels that cost far more than they tell.

    torch's meta kernel for batch norm is a Python decomposition of some fifty operators (about
    0.7 ms a call, 80% of a meta pass over ResNet-1202); its result is a tensor shaped like the
    input. The stand-in checks what the kernel checks about shapes and returns that tensor.
    Real tensors and F.batch_norm in training mode (which first checks the batch size) go to
    torch's own code. A mode that sees the call before this one still sees it.
    """

    def __torch_function__(self, func: Any, types_: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        if func in _BATCH_NORMS and args and isinstance(args[0], Tensor) and args[0].is_meta:
            named = dict(zip(_BATCH_NORMS[func], args, strict=False)) | kwargs
            if func is torch.batch_norm or not named.get("training"):
                stats = ("weight", "bias", "running_mean", "running_var")
                return _batch_norm_like(args[0], tuple(named.get(k) for k in stats))
        return func(*args, **kwargs)


def _batch_norm_like(x: Tensor, stats: tuple[Any, ...]) -> Tensor:
    """The result of batch norm on meta input ``x``; ``stats``: weight, bias, mean, variance."""
    channels = x.shape[1] if x.dim() > 1 else -1
    for name, tensor in zip(("weight", "bias", "running_mean", "running_var"), stats, strict=False):
        if isinstance(tensor, Tensor) and tensor.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {tensor.numel()}")
    return torch.empty_like(x)


fast_kernels = _FastKernels  # ``with fast_kernels(): ...`` around any meta pass
_BATCH_NORMS = {  # positional parameters of each form
    torch.batch_norm: ("input", "weight", "bias", "running_mean", "running_var", "training"),
    F.batch_norm: ("input", "running_mean", "running_var", "weight", "bias", "training"),
}


@contextmanager
def on_meta(module: nn.Module) -> Iterator[nn.Module]:
    """Swap every parameter and buffer of ``module`` for a meta twin (same shape, dtype and flags,
    no data) and put the originals back on exit. No weight is copied; a tensor shared by several
    modules gets one twin, so tied weights stay tied."""
    twins: dict[int, Tensor] = {}
    swapped: list[tuple[dict[str, Any], str, Tensor]] = []
    try:
        for sub in module.modules():
            stores: tuple[dict[str, Any], ...] = (sub._parameters, sub._buffers)
            for store in stores:
                for key, tensor in store.items():
                    if tensor is None or tensor.is_meta:
                        continue
                    if id(tensor) not in twins:
                        twin = torch.empty_like(tensor, device="meta")
                        if isinstance(tensor, nn.Parameter):
                            twin = nn.Parameter(twin, requires_grad=tensor.requires_grad)
                        twins[id(tensor)] = twin
                    swapped.append((store, key, tensor))
                    store[key] = twins[id(tensor)]
        yield module
    finally:
        for store, key, tensor in reversed(swapped):
            store[key] = tensor


def meta_inputs(inputs: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """Meta tensors of the shapes and dtypes of ``inputs``."""
    return tuple(t if t.is_meta else torch.empty_like(t, device="meta") for t in inputs)


