"""A log of every call a counting tool could see, from two passes on meta tensors.

Peer tools (torchinfo, ptflops, thop, torch's ``FlopCounterMode``) count from different vantage
points: forward hooks on modules, Python functions they patch, a ``TorchFunctionMode`` on the
functions a forward calls, or a ``TorchDispatchMode`` on ATen operators. ``record_calls`` records
all of them for one forward, so that each tool's rules (``archstat.analysis.conventions``) can be
applied to the log without the tool installed:

- ``modules``: each module call in order, with the module, its dotted name, its input and output;
- ``patched``: each call of the Python functions the caller names (replaced by a recording wrapper
  for the first pass, as ptflops replaces them), with the running module;
- ``aten``: each ATen operator the dispatcher runs (no grad mode changes, as a plain forward);
- ``functions``: each call of the functions the caller names as a ``TorchFunctionMode`` sees them
  (second pass; a function mode and patched functions would see each other's calls).

Tensors in recorded arguments and outputs are kept as their shapes (``TensorShape``); nothing holds
data, and the module keeps its weights (they are swapped for meta twins during the passes only).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

from .imports import light_imports
from .meta_device import fast_kernels, meta_inputs, on_meta
from .recorder import Frame, ModuleRecorder
from .recurrent import cpu_products, mkldnn_fused, mkldnn_half_support, parse, recurrent_results


class TensorShape(tuple[int, ...]):
    """A tensor argument or result, recorded as its shape."""

    @property
    def numel(self) -> int:
        total = 1
        for size in self:
            total *= size
        return total


@dataclass
class ModuleCall:
    """One call of a module: its canonical dotted name, the module, its depth in the module tree
    (0 the model), whether it was its first call, its positional inputs and output as shapes, and
    ``started``, the call's place in the order calls began (the log is in the order they end)."""

    name: str
    module: nn.Module
    depth: int
    first: bool
    inputs: tuple[Any, ...]
    output: Any
    started: int


@dataclass
class FunctionCall:
    """One call of a watched function or ATen operator: its name, the dotted names of the modules
    running (outermost first, "" the model), and its arguments and result as shapes."""

    name: str
    modules: tuple[str, ...]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    output: Any
    cpu_fused: str = ""  # an ATen call a CPU forward does not show (``_cpu_fused``): the call that hides it


@dataclass
class CallLog:
    """What ``record_calls`` saw; see the module docstring."""

    modules: list[ModuleCall] = field(default_factory=list)
    patched: list[FunctionCall] = field(default_factory=list)
    aten: list[FunctionCall] = field(default_factory=list)
    functions: list[FunctionCall] = field(default_factory=list)


Patch = tuple[Any, str, str]  # owner (module or class), attribute, the name the log gives its calls


def as_shapes(value: Any) -> Any:
    """``value`` with every tensor replaced by its ``TensorShape`` (lists and tuples followed)."""
    if isinstance(value, Tensor):
        return TensorShape(int(d) for d in value.shape)
    if isinstance(value, (list, tuple)):
        if hasattr(value, "_fields"):  # a named tuple (a PackedSequence): built as is, without its checks
            named: Any = type(value)
            return named._make(as_shapes(v) for v in value)
        return type(value)(as_shapes(v) for v in value)
    if isinstance(value, dict):
        return {k: as_shapes(v) for k, v in value.items()}
    return value


def record_calls(module: nn.Module, inputs: tuple[Tensor, ...], patches: Sequence[Patch],
                 functions: Mapping[Callable[..., Any], str], recurrent_steps: bool = False) -> CallLog:
    """Run ``module(*inputs)`` twice on meta tensors and log what each kind of counter sees.

    ``patches`` are the Python functions to replace by recording wrappers in the first pass;
    ``functions`` (function -> the name the log gives it) those a ``TorchFunctionMode`` records in
    the second. Recurrent layers are logged by their products from shapes (``_cpu_fused``) unless
    ``recurrent_steps``: then torch's decomposition runs on meta and every step's operators are in
    the log, gates and all (``speed`` prices them; a long sequence takes seconds). The module's
    modes, hooks and weights are as they were afterwards; errors of the forward propagate unchanged.
    """
    log = CallLog()
    # light_imports: the first call of a dispatch mode's handler would import torch._dynamo and sympy (1 s).
    with on_meta(module), light_imports(), ModuleRecorder(module) as recorder:
        args = meta_inputs(inputs)
        with ExitStack() as scope:
            scope.enter_context(recorder.listening(leave=_module_calls(log.modules)))
            scope.enter_context(_patched(patches, recorder, log.patched))
            fused: list[str] = []
            scope.enter_context(_cpu_fused(fused, recorder, log.aten, not recurrent_steps))
            scope.enter_context(_AtenLog(recorder, log.aten, fused))
            # No TorchFunctionMode here: with one active, 'x + y' reaches the patched Tensor.add.
            module(*args)
        recorder.stack.clear()
        with _FunctionLog(dict(functions), recorder, log.functions), fast_kernels(graph=recurrent_steps):
            module(*args)
    return log


def _module_calls(calls: list[ModuleCall]) -> Callable[[Frame, Any], None]:
    """A listener that logs each module call as it ends; ``first`` until a call of that module has ended."""
    ended: set[int] = set()

    def left(frame: Frame, output: Any) -> None:
        module = frame.module
        calls.append(ModuleCall(frame.name, module, frame.depth, id(module) not in ended, as_shapes(frame.args),
                                as_shapes(output), frame.started))
        ended.add(id(module))

    return left


# Python files of torch's meta kernels: their calls happen only on the meta device (a real device
# runs C++ kernels), so a counter on a real forward never sees them.
_META_KERNELS = ("/torch/_decomp/", "/torch/_refs/", "/torch/_prims/", "/torch/_prims_common/",
                 "/torch/_meta_registrations.py")


def _from_meta_kernel() -> bool:
    frame: Any = sys._getframe(2)
    while frame is not None:
        if any(part in frame.f_code.co_filename.replace("\\", "/") for part in _META_KERNELS):
            return True
        frame = frame.f_back
    return False


@contextmanager
def _patched(patches: Sequence[Patch], recorder: ModuleRecorder, calls: list[FunctionCall]) -> Iterator[None]:
    """Replace each patched function by a wrapper that logs the call and then runs the original.

    A function with a ``__torch_function__`` guard hands the call to an active mode, which calls the
    patched name again with the same arguments: that inner call is the same call and is not logged
    twice. Calls from torch's meta kernels are not logged (``_META_KERNELS``).
    """
    running: list[str] = []

    def logged(original: Any, name: str) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            again = bool(running) and running[-1] == name
            running.append(name)
            try:
                out = original(*args, **kwargs)
            finally:
                running.pop()
            if not again and not _from_meta_kernel():
                calls.append(FunctionCall(name, recorder.running(), as_shapes(args), as_shapes(kwargs), as_shapes(out)))
            return out

        return wrapper

    with _wrapping(patches, logged):
        yield


@contextmanager
def _wrapping(targets: Sequence[tuple[Any, str, Any]], wrap: Callable[[Any, Any], Any]) -> Iterator[None]:
    """Replace each ``owner.attribute`` present by ``wrap(original, extra)``; put every original back on exit."""
    saved = [(owner, attribute, getattr(owner, attribute)) for owner, attribute, _ in targets
             if getattr(owner, attribute, None) is not None]
    extras = {(id(owner), attribute): extra for owner, attribute, extra in targets}
    for owner, attribute, original in saved:
        setattr(owner, attribute, wrap(original, extras[(id(owner), attribute)]))
    try:
        yield
    finally:
        for owner, attribute, original in reversed(saved):
            setattr(owner, attribute, original)


_NATIVE_BATCH_NORM = torch.ops.aten.native_batch_norm.default


def _meta_batch_norm(args: tuple[Any, ...]) -> tuple[Tensor, Tensor, Tensor] | None:
    """Batch norm's result on meta input in eval mode, from shapes alone: its meta kernel is a Python
    decomposition of some fifty operators (most of a call log's time), and no counter looks inside
    it. None where the kernel must run (real tensors, training mode, which updates statistics)."""
    x, training = args[0], args[5] if len(args) > 5 else True
    if not (isinstance(x, Tensor) and x.is_meta) or training:
        return None
    channels = x.shape[1] if x.dim() > 1 else 0
    return torch.empty_like(x), x.new_empty((channels,)), x.new_empty((channels,))


class _AtenLog(TorchDispatchMode):
    """Logs every ATen operator by its packet name ("convolution", "addmm")."""

    def __init__(self, recorder: ModuleRecorder, calls: list[FunctionCall], fused: list[str]) -> None:
        super().__init__()
        self.recorder, self.calls, self.fused = recorder, calls, fused

    def __torch_dispatch__(self, func: Any, types_: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        out = _meta_batch_norm(args) if func is _NATIVE_BATCH_NORM else None
        out = func(*args, **kwargs) if out is None else out
        name = func._overloadpacket.__name__
        self.calls.append(FunctionCall(name, self.recorder.running(), as_shapes(args), as_shapes(kwargs),
                                       as_shapes(out), self.fused[-1] if self.fused else ""))
        return out


@contextmanager
def _cpu_fused(fused: list[str], recorder: ModuleRecorder, calls: list[FunctionCall],
               recurrent_shapes: bool = True) -> Iterator[None]:
    """Log the ATen calls of the calls a real CPU forward runs otherwise than the meta device does.

    - ``scaled_dot_product_attention`` where torch's CPU dispatch picks its flash kernel
      (``_scaled_dot_product_flash_attention_for_cpu``; asked of torch with empty CPU tensors of the
      same shapes), and an LSTM that oneDNN runs (``recurrent.mkldnn_fused``): one kernel that no
      counter of products counts, where the meta device runs a decomposition into products. The ATen
      calls inside are marked with the fused call's name (``fused`` holds it while it runs,
      innermost last; "" for none), and counters skip them.
    - Every other recurrent layer (``lstm``, ``gru``, ``rnn_tanh``, ``rnn_relu``): the CPU runs the
      input projection of a whole sequence at once and one product per time step, where the meta
      device runs the steps' Python meta kernels, thousands of calls. Its products come from shapes
      (``recurrent.cpu_products``), logged as the CPU shows them (the steps of one batch as one
      record, repeated: thousands of records would cost Python's garbage collector more than the
      rest of the log), and the layer's results are shaped without running it, with no gradient
      graph even where one would be recorded (nothing runs backward from the log); where torch must
      run it after all, its own calls are marked and skipped. The gates' element-wise work is not in
      the log (no counter reads it).

    Without ``recurrent_shapes`` recurrent layers are left to torch: its decomposition runs on meta
    and is logged as it comes.
    """
    import torch.nn.functional as F

    def sdpa_fused(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        names = ("query", "key", "value", "attn_mask", "dropout_p", "is_causal")
        named = dict(zip(names, args, strict=False)) | kwargs
        cpu = {k: torch.empty(v.shape, dtype=v.dtype) if isinstance(v, Tensor) else v for k, v in named.items()}
        try:
            return int(torch._fused_sdp_choice(**cpu)) == 1  # SDPBackend.FLASH_ATTENTION
        except (RuntimeError, TypeError):
            return False

    def attention(original: Any, name: str) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            fused.append(name if sdpa_fused(args, kwargs) else "")
            try:
                return original(*args, **kwargs)
            finally:
                fused.pop()

        return wrapper

    def recurrent(original: Any, name: str) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            call = None if kwargs else parse(name, args)
            one_kernel = call is not None and mkldnn_fused(call)
            products = None if call is None or one_kernel else cpu_products(call)
            if not one_kernel and products is None:
                return original(*args, **kwargs)  # torch's own calls, logged as they come
            fused.append(name)
            try:
                shaped = recurrent_results(name, args, graph=False)  # nothing runs backward from the log
                out = shaped if shaped is not None else original(*args, **kwargs)
            finally:
                fused.pop()
            running, made = recorder.running(), dict[int, FunctionCall]()
            for product in products or ():
                if id(product) not in made:  # a time step's product: one record, repeated
                    op, operands, result = product
                    made[id(product)] = FunctionCall(op, running, tuple(TensorShape(s) for s in operands), {},
                                                     TensorShape(result))
                calls.append(made[id(product)])
            return out

        return wrapper

    mkldnn_half_support()  # asked before the dispatch mode starts, which would log the question
    recurrent_layers = ("lstm", "gru", "rnn_tanh", "rnn_relu") if recurrent_shapes else ()
    with _wrapping([(F, "scaled_dot_product_attention", "scaled_dot_product_attention")], attention), \
            _wrapping([(torch._VF, name, name) for name in recurrent_layers], recurrent):
        yield


class _FunctionLog(TorchFunctionMode):
    """Logs the calls of ``watched`` functions a ``TorchFunctionMode`` sees, by the names given."""

    def __init__(self, watched: dict[Callable[..., Any], str], recorder: ModuleRecorder,
                 calls: list[FunctionCall]) -> None:
        super().__init__()
        self.watched, self.recorder, self.calls = watched, recorder, calls

    def __torch_function__(self, func: Any, types_: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        name = self.watched.get(func)
        if name is not None and not _from_meta_kernel():
            self.calls.append(FunctionCall(name, self.recorder.running(), as_shapes(args), as_shapes(kwargs),
                                           as_shapes(out)))
        return out
