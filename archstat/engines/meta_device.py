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

from .imports import light_imports
from .recurrent import RECURRENT_FUNCTIONS, recurrent_results


class _FastKernels(TorchFunctionMode):
    """Shape-only stand-ins for meta kernels that cost far more than they tell.

    torch's meta kernel for batch norm is a Python decomposition of some fifty operators (about
    0.7 ms a call, 80% of a meta pass over ResNet-1202); its result is a tensor shaped like the
    input. The stand-in checks what the kernel checks about shapes and returns that tensor.
    Real tensors and F.batch_norm in training mode (which first checks the batch size) go to
    torch's own code. Whole recurrent layers are answered from shapes alone too
    (``recurrent.recurrent_results``). A mode that sees the call before this one still sees it.
    """

    def __init__(self, graph: bool = True) -> None:
        super().__init__()
        self.graph = graph  # False: a pass that never runs backward (``recurrent_results``)

    def __torch_function__(self, func: Any, types_: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        if func in _BATCH_NORMS and args and isinstance(args[0], Tensor) and args[0].is_meta:
            named = dict(zip(_BATCH_NORMS[func], args, strict=False)) | kwargs
            if func is torch.batch_norm or not named.get("training"):
                stats = ("weight", "bias", "running_mean", "running_var")
                return _batch_norm_like(args[0], tuple(named.get(k) for k in stats))
        recurrent = RECURRENT_FUNCTIONS.get(func) if not kwargs else None
        if recurrent is not None and (results := recurrent_results(recurrent, args, self.graph)) is not None:
            return results
        return func(*args, **kwargs)


def _batch_norm_like(x: Tensor, stats: tuple[Any, ...]) -> Tensor:
    """The result of batch norm on meta input ``x``; ``stats``: weight, bias, mean, variance."""
    channels = x.shape[1] if x.dim() > 1 else -1
    for name, tensor in zip(("weight", "bias", "running_mean", "running_var"), stats, strict=False):
        if isinstance(tensor, Tensor) and tensor.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {tensor.numel()}")
    return x.new_empty(x.shape) if x.is_contiguous() else torch.empty_like(x)  # new_empty: 5x cheaper


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




class _FastMetaKernels(TorchDispatchMode):
    """Shape-only stand-ins for ATen meta kernels, below autograd: ``native_batch_norm``,
    ``convolution`` and the element-wise ReLU, sum, difference and product of same-shaped operands.

    The first is the same fifty-operator decomposition as above (``_FastKernels``), and ``archstat
    memory`` runs it in training mode, where autograd must still record the call and save its
    results; the second takes half a millisecond a call to compute one output shape. A dispatch
    mode sits below autograd, so the graph and the saved tensors stay torch's own. Batch norm's
    results are a tensor like the input and the saved statistics, whose shapes and dtypes come
    from torch's kernel run once on a tiny input of the same channels, dtype and arguments
    (``_STATISTICS``). A convolution's output shape is its formula; any call the formula does not
    cover exactly (a non-contiguous operand, mismatched channels, an empty output) goes to torch's
    kernel, which raises torch's own error. Real tensors always go to torch.
    """

    def __torch_dispatch__(self, func: Any, types_: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        x = args[0] if args else None
        if kwargs or not isinstance(x, Tensor) or not x.is_meta:
            return func(*args, **kwargs)
        if func is torch.ops.aten.native_batch_norm.default and x.dim() >= 2:
            return _batch_norm_results(func, x, args[1:])
        if func is torch.ops.aten.convolution.default and (shape := _convolution_shape(*args)) is not None:
            return x.new_empty(shape)
        if func in _ELEMENTWISE and x.is_contiguous() and all(_alike(x, a) for a in args[1:]):
            return x if _ELEMENTWISE[func] else x.new_empty(x.shape)  # in place: the input itself
        return func(*args, **kwargs)


def _alike(x: Tensor, other: Any) -> bool:
    """An operand that changes neither the result's shape nor its dtype nor its layout."""
    return isinstance(other, Tensor) and other.is_meta and other.shape == x.shape and other.dtype == x.dtype \
        and other.is_contiguous()


def _batch_norm_results(func: Any, x: Tensor, rest: tuple[Any, ...]) -> tuple[Tensor, ...]:
    key = (x.dim(), x.shape[1], x.dtype, tuple(_spec(a) for a in rest))
    if key not in _STATISTICS:
        tiny = torch.empty((2, x.shape[1], *[1] * (x.dim() - 2)), dtype=x.dtype, device="meta")
        _STATISTICS[key] = [(list(t.shape), t.dtype) for t in func(tiny, *rest)[1:]]
    result = x.new_empty(x.shape) if x.is_contiguous() else torch.empty_like(x)
    return (result, *(torch.empty(s, dtype=d, device="meta") for s, d in _STATISTICS[key]))


def _convolution_shape(x: Tensor, weight: Any, bias: Any, stride: list[int], padding: list[int],
                       dilation: list[int], transposed: bool, output_padding: list[int],
                       groups: int) -> list[int] | None:
    """The output shape of ``aten.convolution`` (its input is always batched), or None where
    torch's kernel must decide: a layout other than contiguous, channels that do not match."""
    if not isinstance(weight, Tensor) or x.dim() != weight.dim() or x.dim() < 3 or groups < 1 \
            or not (x.is_contiguous() and weight.is_contiguous()):
        return None
    spatial = x.dim() - 2
    if not all(len(v) == spatial for v in (stride, padding, dilation, output_padding)):
        return None
    kernel = list(weight.shape[2:])
    if transposed:
        channels_in, channels_out = weight.shape[0], weight.shape[1] * groups
        sides = [(n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in
                 zip(x.shape[2:], stride, padding, dilation, kernel, output_padding, strict=True)]
    else:
        channels_in, channels_out = weight.shape[1] * groups, weight.shape[0]
        sides = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, s, p, d, k in
                 zip(x.shape[2:], stride, padding, dilation, kernel, strict=True)]
    bias_ok = bias is None or (isinstance(bias, Tensor) and bias.numel() == channels_out)
    if x.shape[1] != channels_in or channels_out % groups or not bias_ok or min(sides) < 1 \
            or min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        return None
    return [x.shape[0], channels_out, *sides]


def _spec(value: Any) -> Any:
    return (tuple(value.shape), value.dtype, value.is_meta) if isinstance(value, Tensor) else value


_STATISTICS: dict[tuple[Any, ...], list[tuple[list[int], torch.dtype]]] = {}
# Element-wise operators of every CNN (ReLU, residual sums), each a decomposition of tens of
# operators on meta: True where the call works in place and returns its input.
_aten = torch.ops.aten
_ELEMENTWISE = {
    _aten.relu.default: False, _aten.relu_.default: True,
    **{getattr(_aten, op).Tensor: False for op in ("add", "sub", "mul")},
    **{getattr(_aten, op).Tensor: True for op in ("add_", "sub_", "mul_")},
}
fast_meta_kernels = _FastMetaKernels  # ``with fast_meta_kernels(): ...`` around a meta pass


@contextmanager
def shapes_only() -> Iterator[None]:
    """The meta engine's shape-only kernels (``fast_kernels``, ``fast_meta_kernels``) and ``light_imports``,
    for any pass on meta tensors outside the meta engine (a field trace, a forward that only asks for an
    output's shape). Batch norm's meta decomposition was 80% of a pass over ResNet-1202, and the first
    dispatch mode's call imports torch._dynamo and sympy, about 1 s. Modes entered inside this one still
    see every call first; real tensors go to torch's own kernels."""
    with light_imports(), fast_kernels(), fast_meta_kernels():
        yield
