"""The meta engine: fvcore's counts from a pass that runs no arithmetic and holds no weights.

The network runs once on PyTorch's meta device: every tensor has a shape and a dtype but no data,
so a convolution costs the same at 64x64 and at 4096x4096 and the weights take no memory. A
``TorchFunctionMode`` sees every ATen operator the forward calls from Python, the calls fvcore's
TorchScript trace records, and counts them with fvcore's conventions (``_meta_ops``):

- MACs (one fused multiply-add = 1) by operator, with fvcore's formulas;
- activations: output elements of convolutions and matrix products, as fvcore counts them;
- uncounted operators: every other operator except those fvcore drops silently, by fvcore's name.

Like fvcore, an operator counts for the innermost module running and for each ancestor of that
module by dotted name, and only if its result reaches the output: fvcore counts a trace graph
pruned of dead code, so a branch computed and thrown away counts for neither engine.
``docs/engines.md`` lists where the two engines can still differ.
"""

from __future__ import annotations

import importlib
import os
import sys
import types
import weakref
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode

from ._fvcore import Counts
from ._meta_ops import COUNTED, FVCORE_IGNORED, measure, traced_name
from .errors import UsageError
from .fields import FieldTrace, following_fields, tensors_in

ENGINE_NAME = "meta"

# Modules whose Python functions (torch.nn.functional, torch.einsum, Tensor.__rsub__...) hand each
# call to the active mode before running; see ``_tracer_view``.
_GUARDED_MODULES = ("torch.nn.functional", "torch.functional", "torch._tensor")
_GUARDS = ("has_torch_function", "has_torch_function_unary", "has_torch_function_variadic")


@dataclass
class MetaPass:
    """One meta pass: fvcore-convention ``counts``, ``peak_activation_bytes``, the largest total of
    bytes the forward's operator outputs and inputs held at once (weights not included), and the
    receptive fields and depth (``archstat.fields``)."""

    counts: Counts
    peak_activation_bytes: int
    fields: FieldTrace


@dataclass(eq=False)
class _Op:
    """One call: fvcore's name for it (None: never listed), the modules it counts for, its MACs by
    operator and activations, and the calls that wrote its tensor inputs."""

    name: str | None
    modules: list[str]
    macs: dict[str, int]
    activations: int
    sources: list[_Op]


class _LiveBytes:
    """Bytes of operator outputs still referenced from Python, and the largest total seen."""

    def __init__(self, skip: set[int], start: int) -> None:
        self.skip = skip  # storages of weights and inputs
        self.refs: Counter[int] = Counter()
        self.nbytes: dict[int, int] = {}
        self.live = self.peak = start

    def add(self, tensors: list[Tensor]) -> None:
        for tensor in tensors:
            if (key := _storage(tensor)) in self.skip:
                continue
            if key not in self.refs:
                self.nbytes[key] = tensor.untyped_storage().nbytes()
                self.live += self.nbytes[key]
            self.refs[key] += 1
            weakref.finalize(tensor, self._release, key)  # runs when the last reference goes
        self.peak = max(self.peak, self.live)

    def _release(self, key: int) -> None:
        self.refs[key] -= 1
        if not self.refs[key]:
            del self.refs[key]
            self.live -= self.nbytes.pop(key)


def _storage(tensor: Tensor) -> int:
    return tensor.untyped_storage()._cdata  # views and in-place results share it; works on meta


class _Counting(TorchFunctionMode):
    """Records every operator call of the forward with the running module and its data flow."""

    def __init__(self, live: _LiveBytes) -> None:
        super().__init__()
        self.stack: list[str] = [""]  # dotted names of the modules running, innermost last
        self.ops: list[_Op] = []
        self.writers: dict[int, _Op] = {}  # storage -> the call that wrote it last
        self.live = live

    def __torch_function__(self, func: Any, types_: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        # x[i] = v returns nothing and writes x. A call with no tensor result (x.size(), x.dim())
        # only feeds Python: the trace keeps none of those that fvcore would list.
        written = list(tensors_in(args[0] if out is None and args else out))
        if written:
            name = traced_name(func, args, kwargs)
            macs, activations = measure(func, name, args, kwargs, out) or ({}, 0)
            sources = [op for t in tensors_in((args, kwargs))
                       if (op := self.writers.get(_storage(t))) is not None]
            op = _Op(name, _ancestors(self.stack[-1]), macs, activations, sources)
            self.ops.append(op)
            for tensor in written:
                self.writers[_storage(tensor)] = op
            self.live.add(written)
        return out

    def reaching(self, output: Any) -> list[_Op]:
        """The calls whose results reach ``output``, in call order. Data flow is followed per
        storage, so an in-place write through a view reaches whoever reads that storage later."""
        todo = [op for t in tensors_in(output) if (op := self.writers.get(_storage(t)))]
        seen: set[int] = set()
        while todo:
            op = todo.pop()
            if id(op) not in seen:
                seen.add(id(op))
                todo.extend(op.sources)
        return [op for op in self.ops if id(op) in seen]


def _ancestors(name: str) -> list[str]:
    """``name`` and every module above it by dotted name: "a.b" -> "", "a", "a.b"."""
    parts = name.split(".") if name else []
    return [".".join(parts[:k]) for k in range(len(parts) + 1)]


def _tally(ops: list[_Op], names: list[str]) -> Counts:
    """Per module: MACs by operator, activations and uncounted operators of the calls that count."""
    macs: dict[str, Counter[str]] = {name: Counter() for name in names}
    activations = dict.fromkeys(names, 0)
    uncounted: dict[str, Counter[str]] = {name: Counter() for name in names}
    for op in ops:
        counted = op.name in COUNTED
        if op.name is None or (not counted and op.name in FVCORE_IGNORED):
            continue
        for module in op.modules:
            if counted:
                macs[module] += Counter(op.macs)  # += keeps positive counts only, as fvcore's does
                activations[module] += op.activations
            else:
                uncounted[module][op.name] += 1
    return Counts(macs=macs, activations=activations, uncounted=uncounted)


def canonical_names(module: nn.Module) -> dict[nn.Module, str]:
    """Each distinct submodule and its first dotted name: a shared module counts under that one."""
    names: dict[nn.Module, str] = {}
    for name, sub in module.named_modules(remove_duplicate=False):
        names.setdefault(sub, name)
    return names


@contextmanager
def _scopes(names: dict[nn.Module, str], counting: _Counting) -> Iterator[None]:
    """Forward hooks keeping the stack of running modules, as fvcore's scope hooks do."""
    handles = []
    for sub, name in names.items():
        def enter(_m: nn.Module, _i: Any, name: str = name) -> None:
            counting.stack.append(name)

        def leave(_m: nn.Module, _i: Any, _o: Any) -> None:
            counting.stack.pop()

        handles += [sub.register_forward_pre_hook(enter), sub.register_forward_hook(leave)]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def _tracer_view() -> Iterator[None]:
    """Let the mode see what the TorchScript tracer records: the ATen operators Python code calls.

    torch's own Python functions (``F.batch_norm``, ``F.max_pool2d``, ``torch.einsum``) start with
    a guard that hands the whole call to an active mode, which would then see
    ``F.local_response_norm`` as one call where the tracer records the ``mul``, ``pad``,
    ``avg_pool3d``, ``pow`` and ``div`` it is made of. For the pass those guards answer "no", so
    each function runs its own body and the mode sees the operators inside; restored on exit.
    """
    saved: list[tuple[dict[str, Any], str, Any]] = []
    for module_name in _GUARDED_MODULES:
        namespace = vars(sys.modules[module_name])
        for guard in _GUARDS:
            if namespace.get(guard) is getattr(torch._C, f"_{guard}"):
                saved.append((namespace, guard, namespace[guard]))
                namespace[guard] = _never
    try:
        yield
    finally:
        for namespace, guard, original in saved:
            namespace[guard] = original


def _never(*_args: Any) -> bool:
    return False


@contextmanager
def _stand_in(module_name: str, functions: dict[str, Any]) -> Iterator[None]:
    """Answer imports of ``module_name`` from ``functions`` until exit; any other attribute loads
    the real module, which from then on answers every import. Does nothing if it is loaded already."""
    if module_name in sys.modules:
        yield
        return
    def load(name: str) -> Any:
        if name.startswith("__"):  # the import system asks for __path__ and others: not the real module's
            raise AttributeError(name)
        return getattr(_real_module(module_name), name)

    stand_in = types.ModuleType(module_name)
    vars(stand_in).update(functions, __getattr__=load, __stand_in__=True)
    sys.modules[module_name] = stand_in
    try:
        yield
    finally:
        if sys.modules.get(module_name) is stand_in:
            del sys.modules[module_name]


def _real_module(module_name: str) -> types.ModuleType:
    if getattr(sys.modules.get(module_name), "__stand_in__", False):
        del sys.modules[module_name]
    return importlib.import_module(module_name)


@contextmanager
def light_imports() -> Iterator[None]:
    """Keep a meta pass from importing torch._dynamo and sympy: together about 1 s, more than the pass.

    Many of torch's meta kernels are Python functions wrapped by ``torch._compile._disable_dynamo``,
    whose first call imports ``torch._dynamo`` only to mark the kernel "not for torch.compile".
    Nothing is compiled during the pass, so a stand-in answers ``disable(fn) -> fn``; the marks it
    left are removed on exit, so later calls take torch's own path.

    Their shape checks (``torch._check``) import ``torch.fx.experimental.symbolic_shapes``, and with
    it sympy, for helpers such as ``expect_true`` and ``sym_eq`` that on plain Python bools and ints
    (all a pass with concrete shapes gives them) return the value or compare it. The stand-ins do
    exactly that and hand anything else (a symbolic size) to the real helper. Type promotion imports
    sympy only to ask whether an argument is a ``sympy.Basic``: while sympy is not loaded, none is.
    """
    marked: list[Any] = []

    def disable(fn: Any, recursive: bool = True, wrapping: bool = True) -> Any:
        marked.append(fn)
        return fn

    with _stand_in("torch._dynamo", {"disable": disable}), \
            _stand_in(_SYMBOLIC_SHAPES, _plain_symbolic_helpers()), \
            _stand_in("sympy", {"Basic": type("Basic", (), {})}):
        try:
            yield
        finally:
            for fn in marked:
                if getattr(fn, "__dynamo_disable", None) is fn:
                    delattr(fn, "__dynamo_disable")


_SYMBOLIC_SHAPES = "torch.fx.experimental.symbolic_shapes"


def _plain_symbolic_helpers() -> dict[str, Any]:
    """``torch.fx.experimental.symbolic_shapes``' helpers the meta kernels call, as they behave on
    plain values: ``bool`` where the helper takes a condition, ``int``/``bool`` or a list or tuple
    of them where it takes a size. Any other argument goes to the real helper."""
    def is_bool(value: Any) -> bool:
        return type(value) is bool

    def is_size(value: Any) -> bool:
        items = value if isinstance(value, (list, tuple)) else [value]
        return all(type(item) in (bool, int) for item in items)

    def sym_eq(x: Any, y: Any) -> bool:
        sequences = isinstance(x, (list, tuple)), isinstance(y, (list, tuple))
        if sequences[0] != sequences[1]:
            raise AssertionError(f"unexpected sym_eq between {type(x)} {type(y)}")
        return tuple(x) == tuple(y) if sequences[0] else x == y

    answers: dict[str, tuple[Any, Any]] = {
        **{name: (is_bool, lambda a: a) for name in (
            "expect_true", "guard_or_false", "guard_or_true", "guard_size_oblivious", "statically_known_true")},
        "sym_and": (is_bool, lambda *conditions: all(conditions)),
        "sym_or": (is_bool, lambda *conditions: any(conditions)),
        "sym_eq": (is_size, sym_eq),
        "is_nested_int": (is_size, lambda value: False),
        "has_guarding_hint": (is_size, lambda value: True),
        "guarding_hint_or_throw": (is_size, lambda value: value),
    }

    def helper(name: str, plain: Any, answer: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if not kwargs and all(map(plain, args)):
                return answer(*args)
            return getattr(_real_module(_SYMBOLIC_SHAPES), name)(*args, **kwargs)
        return call

    return {name: helper(name, plain, answer) for name, (plain, answer) in answers.items()}


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


def run(module: nn.Module, inputs: tuple[Tensor, ...]) -> MetaPass:
    """Run ``module(*inputs)`` once on meta tensors, count as fvcore would (see the module doc) and
    follow receptive fields and depth in the same pass (``archstat.fields``).

    ``module`` keeps its weights: they are swapped for meta twins during the pass only. Errors of
    the forward propagate unchanged (a forward that reads tensor values cannot run on meta).
    """
    names = canonical_names(module)
    with on_meta(module):
        args = meta_inputs(inputs)
        skip = {_storage(t) for t in (*module.parameters(), *module.buffers(), *args)}
        start = sum(t.untyped_storage().nbytes() for t in args)
        counting = _Counting(_LiveBytes(skip, start))
        # Modes see a call innermost first: the field tracer, counting, then the fast kernels. Each
        # mode's own tensor queries (shapes, storages) go to the modes outside it: none outside
        # counting follows fields, and the tracer's queries make no tensor, so counting lists none.
        with torch.no_grad(), _scopes(names, counting), _tracer_view(), light_imports(), fast_kernels():
            with counting, following_fields(module, args) as tracer:
                output = module(*args)
    counts = _tally(counting.reaching(output), list(dict.fromkeys(names.values())))
    return MetaPass(counts=counts, peak_activation_bytes=counting.live.peak, fields=tracer.finish(output))


def count(module: nn.Module, inputs: tuple[Tensor, ...]) -> Counts:
    """MACs, activations and uncounted operators of ``module(*inputs)`` per module, as fvcore
    counts them."""
    return run(module, inputs).counts


# The memory a real trace needs, and how much it may take.

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
BUDGET_ENV = "ARCHSTAT_MEMORY_BUDGET"


def weight_bytes(module: nn.Module) -> int:
    """Bytes of the parameters and buffers of ``module``, each shared tensor once."""
    tensors = {id(t): t for t in (*module.parameters(), *module.buffers())}
    return sum(t.numel() * t.element_size() for t in tensors.values())


def trace_bytes(module: nn.Module, peak_activation_bytes: int) -> int:
    """Estimated memory of fvcore's real trace beyond the interpreter and libraries: the weights
    plus twice the largest total of activations alive at once in the meta pass.

    Twice, because the real pass holds more than the live tensors: the tracer keeps some values,
    kernels take workspaces and the allocator keeps freed blocks. Measured increases of resident
    memory run from 0.2x to 4x of the live peak (DenseNet's growing concatenations are the worst
    case); docs/engines.md has the table.
    """
    return weight_bytes(module) + 2 * peak_activation_bytes


def parse_size(text: str, source: str = "--memory-budget") -> int:
    """``8G``, ``512M``, ``1.5GiB``, ``2000000`` -> bytes (K, M, G, T are powers of 1024)."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1:] if value[-1:] in _UNITS else ""
    number = value[: len(value) - len(unit)].strip()
    try:
        size = float(number) * _UNITS[unit]
    except ValueError:
        size = -1
    if not size > 0 or size != size or size == float("inf"):
        raise UsageError(f"{source} {text!r} is not a size. Give one such as 8G, 512M or 1.5G.")
    return int(size)


def available_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (Linux), else free physical pages; None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_budget(value: int | str | None = None) -> tuple[int | None, str]:
    """Bytes a real trace may take and where that figure comes from: ``value`` (bytes or text such
    as ``8G``), else the ``ARCHSTAT_MEMORY_BUDGET`` environment variable, else half the available
    RAM. ``(None, ...)`` when none of these is known: no limit."""
    if value is not None:
        return parse_size(str(value)), "--memory-budget"
    if os.environ.get(BUDGET_ENV):
        return parse_size(os.environ[BUDGET_ENV], BUDGET_ENV), BUDGET_ENV
    available = available_bytes()
    return (available // 2 if available else None), "half the available RAM"
