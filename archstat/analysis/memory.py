"""Memory for training and inference, per layer: weights, gradients, optimizer state and activations.

Nothing is guessed from output sizes. The network is copied to PyTorch's meta device (shapes and
dtypes, no storage, no arithmetic) and run twice at the real batch size and dtype:

- training (train mode, autograd on): every tensor autograd saves for the backward pass is caught
  with ``torch.autograd.graph.saved_tensors_hooks`` and counted once per storage (an in-place
  ReLU's output and the next convolution's input are one tensor). Parameters and buffers are left
  out (they are the weights). A saved tensor is charged to the module whose output it is (the
  input image to ``(input)``), or, for a tensor no module returned (``F.relu`` inside a
  ``forward``), to the module that was running when it was saved;
- inference (eval mode, no autograd): every tensor an operator creates is tracked until it is
  freed; the largest total alive at once, plus the input, is the peak activation memory.

Bytes are those of the chosen dtype (``fp32`` 4, ``fp16``/``bf16`` 2); integer tensors such as
max-pooling indices (int64, 8 bytes) keep their own size. Not counted: the framework's own
overhead (CUDA context, kernels' workspaces), allocator rounding and fragmentation, the
transient gradient buffers of the backward pass, and mixed-precision master copies.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from ..engines.meta import count as count_meta
from ..engines.meta_device import fast_meta_kernels
from ..engines.shapes import ForwardFailure, ShapeRecorder
from ..errors import AnalysisError, ArchstatError, UsageError
from ..inputs import Shape
from ..options import Dtype, Optimizer
from .params import aux_mode, left_out
from .resolve import InputSpec, ModelSpec, Target, meta_copy, resolve
from .trainable import mark_trainable

if TYPE_CHECKING:
    import pandas as pd
else:
    from .._lazy import pandas as pd

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
# Tensors of state per trainable parameter: SGD none, SGD with momentum one buffer, Adam two moments.
OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "adam": 2}
INPUT_ROW = "(input)"
BYTE_COLUMNS = ["weights", "gradients", "optimizer_state", "saved_activations", "inference_peak"]


@dataclass
class MemoryReport:
    """Bytes per module (``layers``, each module's own share, children apart) and totals, in bytes.

    ``layers.inference_peak`` is the largest number of activation bytes alive while that module
    was the innermost one running; the other columns add up to the totals.
    """

    model: str
    input_shape: list[tuple[int, ...]]
    dtype: str
    optimizer: str
    layers: pd.DataFrame
    totals: dict[str, int]
    peak_layer: str  # the module running when inference activations peaked
    types: dict[str, str]  # every module's class name, by dotted name (for folded rows)
    # MACs at the report's batch: "forward" (fvcore's), "backward" (torch's FlopCounterMode
    # convention, engines/backward.py) and "training_step", their sum; empty when not counted
    macs: dict[str, int] = field(default_factory=dict)

    def rows(self, depth: int | None = None) -> pd.DataFrame:
        """Rows with modules deeper than ``depth`` folded into their ancestor at that depth."""
        if depth is None:
            return self.layers
        frame = self.layers.assign(name=[_fold(n, depth) for n in self.layers.name])
        sums = {c: "sum" for c in ("params", "trainable_params", *BYTE_COLUMNS)}
        folded = frame.groupby("name", sort=False).agg({"type": "first", **sums, "inference_peak": "max"})
        folded = folded.reset_index()
        return folded.assign(type=[self.types.get(n, t) for n, t in zip(folded.name, folded.type, strict=True)])

    def to_dict(self, depth: int | None = None) -> dict[str, Any]:
        rows = self.rows(depth)
        return {
            "model": self.model,
            "input": [list(s) for s in self.input_shape],
            "dtype": self.dtype,
            "optimizer": self.optimizer,
            "units": "bytes",
            "peak_layer": self.peak_layer,
            "totals": self.totals,
            **({"macs": {**self.macs, "units": _MAC_UNITS}} if self.macs else {}),
            "layers": [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                       for row in rows.to_dict("records")],
        }


_MAC_UNITS = ("one fused multiply-add = 1 MAC; forward: fvcore's count; backward: torch's FlopCounterMode "
              "convention (gradient products of convolutions and matrix products)")


def _fold(name: str, depth: int) -> str:
    if name == INPUT_ROW:
        return name
    bare = name.removesuffix(" (own)")
    parts = bare.split(".") if bare != "(model)" else []
    return ".".join(parts[:depth]) if len(parts) > depth else name


def estimate_memory(
    model: ModelSpec,
    *,
    input_size: InputSpec = None,
    batch: int = 1,
    dtype: Dtype | str = Dtype.fp32,
    optimizer: Optimizer | str = Optimizer.sgd,
    num_classes: int | None = None,
    kwargs: dict[str, Any] | str | None = None,
    aux: bool = False,
    name: str | None = None,
    freeze: Sequence[str] = (),
    train: Sequence[str] = (),
    count_macs: bool = True,
) -> MemoryReport:
    """Training and inference memory of ``model``, in bytes, per layer and in total.

    Args:
        model, input_size, batch, num_classes, kwargs, aux, name, freeze, train: as for ``analyze``.
        dtype: the number format of weights and activations: "fp32", "fp16" or "bf16".
        optimizer: whose state the training total adds: "sgd" (none), "momentum" (one tensor per
            weight) or "adam" (two).
        count_macs: also count the step's MACs (``MemoryReport.macs``: forward, backward and the
            training step), from one more meta pass.

    Returns:
        A ``MemoryReport``; the method is in the module docstring. The network runs on the meta
        device only: a zoo model is built there, a given module is copied there without its data.
    """
    dtype, optimizer = Dtype.parse(dtype, "--dtype"), Optimizer.parse(optimizer, "--optimizer")
    target = resolve(model, input_size=input_size, num_classes=num_classes, kwargs=kwargs, name=name, device="meta")
    if batch < 1:
        raise UsageError(f"--batch must be at least 1, got {batch}. Give a batch size such as 1 or 32.")
    meta, skipped = prepare_meta(target, aux, freeze, train, dtype)
    return measure_memory(meta, target.label, target.shapes, batch, dtype=dtype, optimizer=optimizer,
                          aux=aux, skipped=skipped, count_macs=count_macs)


def prepare_meta(target: Target, aux: bool, freeze: Sequence[str], train: Sequence[str],
                 dtype: Dtype) -> tuple[nn.Module, set[str]]:
    """The meta module ``measure_memory`` runs: ``target``'s, or a copy of a module the caller
    gave (left as it came), trainable parameters marked, in ``dtype``; and the auxiliary heads left
    out. ``sweep`` prepares it once for all its points."""
    meta = target.module if target.info is not None else meta_copy(target.module)
    if any(not t.is_meta for t in meta.parameters()):
        meta = meta_copy(meta)  # a zoo model built for a real trace
    skipped = left_out(meta, aux, target.label)
    mark_trainable(meta, freeze=freeze, train=train)
    meta.to(DTYPES[dtype.value])
    return meta, skipped


def measure_memory(meta: nn.Module, label: str, shapes: list[Shape], batch: int, *, dtype: Dtype,
                   optimizer: Optimizer, aux: bool, skipped: set[str], count_macs: bool,
                   frame: bool = True) -> Any:
    """``estimate_memory`` on a module ``prepare_meta`` made, at ``shapes`` and ``batch``: a
    ``MemoryReport``, or with ``frame=False`` only its ``totals``."""
    inputs = [torch.empty((batch, *s), device="meta", dtype=DTYPES[dtype.value]) for s in shapes]
    with aux_mode(meta, aux):
        saved = _saved_for_backward(meta, inputs, label, shapes, attribute=frame)
        peak, peaks = _inference_peak(meta, inputs, label, shapes, attribute=frame)
        macs = _step_macs(meta, inputs) if count_macs else {}
    rows = _layer_rows(meta, saved, peaks, skipped, OPTIMIZER_STATES[optimizer.value])
    if not frame:  # the totals alone: a sweep's points need no per-layer table (pandas costs 20 ms)
        return _totals(rows, peak)
    layers = pd.DataFrame(rows, columns=["name", "type", "params", "trainable_params", *BYTE_COLUMNS])
    return MemoryReport(
        model=label, input_shape=[tuple(i.shape) for i in inputs], dtype=dtype.value, optimizer=optimizer.value,
        layers=layers, totals=_totals(rows, peak),
        peak_layer=(max(peaks, key=peaks.__getitem__) or "(model)") if peaks else INPUT_ROW,
        types={n: type(m).__name__ for n, m in meta.named_modules()},
        macs=macs,
    )


def _step_macs(model: nn.Module, inputs: list[torch.Tensor]) -> dict[str, int]:
    """Forward, backward and training-step MACs of one step at the inputs' batch (eval mode, as
    ``analyze`` counts; the products are the same in either mode)."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            counts = count_meta(model, tuple(inputs))
    finally:
        model.train(was_training)
    forward, backward = sum(counts.macs[""].values()), counts.backward_macs[""]
    return {"forward": forward, "backward": backward, "training_step": forward + backward}


def _storage_key(tensor: torch.Tensor) -> int:
    """Identity of the memory a tensor lives in: views and in-place results share it (works on meta)."""
    return tensor.untyped_storage()._cdata


def _weight_keys(model: nn.Module) -> set[int]:
    return {_storage_key(t) for t in (*model.parameters(), *model.buffers())}


class _OutputOwners:
    """Forward hooks noting which module first returned each storage (children return first)."""

    def __init__(self, model: nn.Module) -> None:
        self.owner: dict[int, str] = {}
        # Outputs are kept alive until the pass ends, so no storage address is reused for a new tensor
        # (on meta this costs no memory).
        self._outputs: list[torch.Tensor] = []
        self._handles = [m.register_forward_hook(self._hook(n)) for n, m in model.named_modules()]

    def _hook(self, name: str) -> Any:
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            for tensor in tree_flatten(output)[0]:
                if isinstance(tensor, torch.Tensor):
                    self.owner.setdefault(_storage_key(tensor), name)
                    self._outputs.append(tensor)
        return hook

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()


def _saved_for_backward(
    model: nn.Module, inputs: list[torch.Tensor], label: str, shapes: list[Shape], attribute: bool = True
) -> dict[str, int]:
    """Bytes autograd keeps for the backward pass, charged per module (training mode, one forward);
    ``attribute=False`` charges all to the model: the same total without a hook on every module."""
    weights = _weight_keys(model)
    # storage -> (bytes, module running, the tensor itself: kept alive so no address is reused)
    held: dict[int, tuple[int, str, torch.Tensor]] = {}
    recorder, owners = (ShapeRecorder(model), _OutputOwners(model)) if attribute else (_NO_MODULES, _NO_OWNERS)

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        key = _storage_key(tensor)
        if key not in weights and key not in held:
            running = recorder.running[-1][0] if recorder.running else ""
            held[key] = (tensor.untyped_storage().nbytes(), running, tensor)
        return tensor

    was_training = model.training
    model.train()
    try:
        with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), \
                fast_meta_kernels():
            output = model(*inputs)
    except Exception as error:
        if not attribute:  # run again with the hooks that say where it failed
            _saved_for_backward(model, inputs, label, shapes, attribute=True)
        raise _on_meta(ForwardFailure.from_error(error, recorder, label, shapes)) from error
    finally:
        recorder.remove()
        owners.remove()
        model.train(was_training)
    del output
    starts = {_storage_key(i): INPUT_ROW for i in inputs}
    charged: dict[str, int] = defaultdict(int)
    for key, (nbytes, running, _) in held.items():
        charged[starts.get(key) or owners.owner.get(key, running)] += nbytes
    return dict(charged)


class _NoModules:
    """Stands in for a ``ShapeRecorder`` or ``_OutputOwners`` when nothing is charged per module."""

    running: list[Any] = []
    owner: dict[int, str] = {}

    def remove(self) -> None:
        pass


_NO_MODULES: Any = _NoModules()
_NO_OWNERS: Any = _NO_MODULES


def _on_meta(error: ArchstatError) -> ArchstatError:
    """A forward that makes tensors on a fixed device cannot run on meta: say how to fix it."""
    if "meta" in str(error) and isinstance(error, AnalysisError):
        return AnalysisError(f"{error}\n  archstat memory runs the network on PyTorch's meta device "
                             "(no data): create new tensors in forward with device=x.device.")
    return error


class _LiveBytes(TorchDispatchMode):
    """Bytes of the tensors operators created that are still alive; the peak, overall and per module."""

    def __init__(self, skip: set[int], recorder: ShapeRecorder) -> None:
        super().__init__()
        self.skip, self.recorder = skip, recorder
        self.refs: dict[int, int] = {}
        self.nbytes: dict[int, int] = {}
        self.live = self.peak = 0
        self.peaks: dict[str, int] = defaultdict(int)

    def _release(self, key: int) -> None:
        self.refs[key] -= 1
        if not self.refs[key]:
            self.live -= self.nbytes.pop(key)
            del self.refs[key]

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        output = func(*args, **(kwargs or {}))
        for tensor in tree_flatten(output)[0]:
            if not isinstance(tensor, torch.Tensor) or (key := _storage_key(tensor)) in self.skip:
                continue
            if key not in self.refs:
                self.refs[key], self.nbytes[key] = 0, tensor.untyped_storage().nbytes()
                self.live += self.nbytes[key]
            self.refs[key] += 1
            weakref.finalize(tensor, self._release, key)  # freed when the last Python reference goes
        running = self.recorder.running[-1][0] if self.recorder.running else ""
        self.peaks[running] = max(self.peaks[running], self.live)
        self.peak = max(self.peak, self.live)
        return output


def _inference_peak(
    model: nn.Module, inputs: list[torch.Tensor], label: str, shapes: list[Shape], attribute: bool = True
) -> tuple[int, dict[str, int]]:
    """Peak activation bytes of one inference pass (eval mode, no autograd), the input included;
    per module unless ``attribute=False``."""
    start = sum(i.untyped_storage().nbytes() for i in inputs)
    recorder: Any = ShapeRecorder(model) if attribute else _NO_MODULES
    mode = _LiveBytes(_weight_keys(model), recorder)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), fast_meta_kernels(), mode:  # the stand-in below the counting mode
            model(*inputs)
    except Exception as error:
        if not attribute:
            _inference_peak(model, inputs, label, shapes, attribute=True)
        raise _on_meta(ForwardFailure.from_error(error, recorder, label, shapes)) from error
    finally:
        recorder.remove()
        model.train(was_training)
    return start + mode.peak, {name: start + peak for name, peak in mode.peaks.items()}


def _layer_rows(
    model: nn.Module, saved: dict[str, int], peaks: dict[str, int], skipped: set[str], states: int
) -> list[dict[str, Any]]:
    """One row per module holding something: its own parameters and buffers, children apart."""
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    if INPUT_ROW in saved:
        rows.append({"name": INPUT_ROW, "type": "input", "params": 0, "trainable_params": 0, "weights": 0,
                     "gradients": 0, "optimizer_state": 0, "saved_activations": saved[INPUT_ROW],
                     "inference_peak": 0})
    for name, module in model.named_modules():
        if name in skipped:
            continue
        params = [p for p in module.parameters(recurse=False) if id(p) not in seen]  # shared ones once
        seen.update(id(p) for p in params)
        trainable = [p for p in params if p.requires_grad]
        grad_bytes = sum(p.numel() * p.element_size() for p in trainable)
        row = {
            "name": _row_name(name, module),
            "type": type(module).__name__,
            "params": sum(p.numel() for p in params),
            "trainable_params": sum(p.numel() for p in trainable),
            "weights": sum(t.numel() * t.element_size() for t in (*params, *module.buffers(recurse=False))),
            "gradients": grad_bytes,
            "optimizer_state": states * grad_bytes,
            "saved_activations": saved.get(name, 0),
            "inference_peak": peaks.get(name, 0),
        }
        if row["weights"] or row["saved_activations"] or name in peaks:
            rows.append(row)
    return rows


def _row_name(name: str, module: nn.Module) -> str:
    if next(module.children(), None) is None:
        return name or "(model)"
    return f"{name} (own)" if name else "(model) (own)"


def _totals(rows: list[dict[str, Any]], peak: int) -> dict[str, int]:
    sums = {c: sum(int(row[c]) for row in rows) for c in ("params", "trainable_params", "weights", "gradients",
                                               "optimizer_state", "saved_activations")}
    return {
        **sums,
        "training": sums["weights"] + sums["gradients"] + sums["optimizer_state"] + sums["saved_activations"],
        "inference_activations": peak,
        "inference": sums["weights"] + peak,
    }
