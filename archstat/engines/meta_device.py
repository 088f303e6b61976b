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
from torch.utils._python_dispatch import TorchDispatchMode


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




class _FastNativeBatchNorm(TorchDispatchMode):
    """A shape-only stand-in for ATen's ``native_batch_norm`` on meta tensors, below autograd.

    Its meta kernel is the same fifty-operator decomposition as above (``_FastKernels``), and
    ``archstat memory`` runs it in training mode, where autograd must still record the call and
    save its results: a dispatch mode sits below autograd, so the graph and the saved tensors are
    torch's own. The results are a tensor like the input and the saved statistics, whose shapes
    and dtypes come from torch's kernel run once on a tiny input of the same channels, dtype and
    arguments (remembered in ``_STATISTICS``).
    """

    def __torch_dispatch__(self, func: Any, types_: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        x = args[0] if args else None
        if func is not torch.ops.aten.native_batch_norm.default or not isinstance(x, Tensor) or not x.is_meta \
                or x.dim() < 2 or kwargs:
            return func(*args, **kwargs)
        rest = args[1:]
        key = (x.dim(), x.shape[1], x.dtype, tuple(_spec(a) for a in rest))
        if key not in _STATISTICS:
            tiny = torch.empty((2, x.shape[1], *[1] * (x.dim() - 2)), dtype=x.dtype, device="meta")
            _STATISTICS[key] = [(list(t.shape), t.dtype) for t in func(tiny, *rest)[1:]]
        return (torch.empty_like(x), *(torch.empty(s, dtype=d, device="meta") for s, d in _STATISTICS[key]))


def _spec(value: Any) -> Any:
    return (tuple(value.shape), value.dtype, value.is_meta) if isinstance(value, Tensor) else value


_STATISTICS: dict[tuple[Any, ...], list[tuple[list[int], torch.dtype]]] = {}
fast_native_batch_norm = _FastNativeBatchNorm  # ``with fast_native_batch_norm(): ...`` in a meta pass
