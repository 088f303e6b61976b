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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ..engines.imports import light_imports
from ..engines.meta import count as count_meta
from ..errors import UsageError
from ..inputs import TensorSpec, format_shape
from ..options import Dtype, Mode, Optimizer
from ..tabular import MAC_DEFINITION, MAC_SHORT, Column, TableData, Tabular
from ..words import byte_text
from .feeding import Feed, ForwardKwargs, make_feed
from .lazy import has_lazy, materialised
from .memory_passes import INPUT_ROW, inference_peak, saved_for_backward
from .params import aux_mode, left_out
from .request import Request, request_of
from .resolve import InputSpec, ModelSpec, Target, meta_copy
from .totals import MemoryTotals
from .trainable import mark_trainable
from .value_reads import refuse_scripted_parts

if TYPE_CHECKING:
    import pandas as pd
else:
    from .._lazy import pandas as pd

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
# Tensors of state per trainable parameter: SGD none, SGD with momentum one buffer, Adam two moments.
OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "adam": 2}
BYTE_COLUMNS = ["weights", "gradients", "optimizer_state", "saved_activations", "inference_peak"]


_MEMORY_COLUMNS = {  # column shown -> the report's column; all in bytes
    "weights": "weights", "gradients": "gradients", "optimizer state": "optimizer_state",
    "saved for backward": "saved_activations",
}
BYTES_NOTE = ("1 MiB = 2^20 bytes. Measured by running the network on PyTorch's meta device; "
              "not counted: framework overhead, workspaces, allocator fragmentation (see docs/memory.md).")


@dataclass(repr=False)  # the repr is Tabular's: one line, and the whole table in a notebook
class MemoryReport(Tabular):
    """Bytes per module (``layers``, each module's own share, children apart) and totals, in bytes.

    ``layers.inference_peak`` is the largest number of activation bytes alive while that module
    was the innermost one running; the other columns add up to the totals.
    """

    model: str
    input_shape: list[tuple[int, ...]]
    dtype: str
    optimizer: str
    layers: pd.DataFrame
    totals: MemoryTotals  # typed; ``to_dict()`` gives the json keys
    peak_layer: str  # the module running when inference activations peaked
    types: dict[str, str]  # every module's class name, by dotted name (for folded rows)
    # MACs at the report's batch: "forward" (fvcore's), "backward" (torch's FlopCounterMode
    # convention, engines/backward.py) and "training_step", their sum; empty when not counted
    macs: dict[str, int] = field(default_factory=dict)
    mode: str = Mode.train.value  # the mode the training step ran in (inference: always eval)

    def rows(self, depth: int | None = None) -> pd.DataFrame:
        """Rows with modules deeper than ``depth`` folded into their ancestor at that depth."""
        if depth is None:
            return self.layers
        frame = self.layers.assign(name=[_fold(n, depth) for n in self.layers.name])
        sums = {c: "sum" for c in ("params", "trainable_params", *BYTE_COLUMNS)}
        folded = frame.groupby("name", sort=False).agg({"type": "first", **sums, "inference_peak": "max"})
        folded = folded.reset_index()
        return folded.assign(type=[self.types.get(n, t) for n, t in zip(folded.name, folded.type, strict=True)])

    def table_data(self, depth: int | None = None) -> TableData:
        """The report as a table, the one description every output writes: ``rows(depth)`` in bytes
        (the terminal writes them in binary prefixes), each row's share of the bytes saved for
        backward, the total row (inference peak: the whole pass's) and the totals in words as notes."""
        t = self.totals
        frozen = t.trainable_params != t.params
        columns = [Column("layer"), Column("type"), Column("params", "count"),
                   *([Column("trainable", "count")] if frozen else []),
                   *(Column(name, "bytes", "bytes") for name in _MEMORY_COLUMNS),
                   Column("% saved", "share", "%"), Column("inference peak", "bytes", "bytes")]
        saved = t.saved_activations
        rows = [[r["name"], r["type"], int(r["params"]), *([int(r["trainable_params"])] if frozen else []),
                 *(int(r[key]) for key in _MEMORY_COLUMNS.values()),
                 100 * r["saved_activations"] / saved if saved else None, int(r["inference_peak"]) or None]
                for r in self.rows(depth).to_dict("records")]
        total = ["total", "", t.params, *([t.trainable_params] if frozen else []), t.weights,
                 t.gradients, t.optimizer_state, t.saved_activations, 100.0 if saved else None,
                 t.inference_activations]
        title = f"{self.model}: memory at batch {self.input_shape[0][0]}, {self.dtype}, {self.optimizer}"
        return TableData(title, columns, rows, self.total_lines(), total=total)

    def total_lines(self) -> list[str]:
        """Training and inference memory in words, what each is made of, the input, the MACs per step."""
        t = self.totals
        lines = [
            f"Training: {byte_text(t.training)} = weights {byte_text(t.weights)} + gradients "
            f"{byte_text(t.gradients)} ({t.trainable_params:,} trainable params) + {self.optimizer} "
            f"state {byte_text(t.optimizer_state)} + activations saved for backward "
            f"{byte_text(t.saved_activations)}.",
            f"Inference: {byte_text(t.inference)} = weights {byte_text(t.weights)} + peak activations "
            f"{byte_text(t.inference_activations)} (the most alive at once, at {self.peak_layer}).",
            f"Input {self._inputs()} (NxCxHxW), {self.dtype}. {BYTES_NOTE}",
        ]
        if self.mode != Mode.train.value:
            lines.append(f"The training step ran in {self.mode} mode (--mode {self.mode}): BatchNorm on its running "
                         "statistics, dropout off.")
        if self.macs:
            lines.append(f"Compute per step: forward {self.macs['forward']:,} MACs + backward "
                         f"{self.macs['backward']:,} MACs = {self.macs['training_step']:,} MACs ({MAC_SHORT}; "
                         "backward as torch's FlopCounterMode counts it: gradient products of "
                         "convolutions and matrix products).")
        return lines

    def _inputs(self) -> str:
        return " + ".join(format_shape(s) for s in self.input_shape)

    def summary(self) -> str:
        t = self.totals
        return (f"<MemoryReport {self.model}: input {self._inputs()} {self.dtype}, training "
                f"{t.training:,} bytes ({self.optimizer}), inference {t.inference:,} bytes, "
                f"{t.params:,} params>")

    def to_dict(self, depth: int | None = None) -> dict[str, Any]:
        rows = self.rows(depth)
        return {
            "model": self.model,
            "input": [list(s) for s in self.input_shape],
            "dtype": self.dtype,
            "optimizer": self.optimizer,
            "mode": self.mode,
            "units": "bytes",
            "peak_layer": self.peak_layer,
            "totals": self.totals.to_dict(),
            **({"macs": {**self.macs, "units": _MAC_UNITS}} if self.macs else {}),
            "layers": [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                       for row in rows.to_dict("records")],
        }


_MAC_UNITS = (f"{MAC_DEFINITION}; forward: fvcore's count; backward: torch's FlopCounterMode "
              "convention (gradient products of convolutions and matrix products)")


def _fold(name: str, depth: int) -> str:
    if name == INPUT_ROW:
        return name
    bare = name.removesuffix(" (own)")
    parts = bare.split(".") if bare != "(model)" else []
    return ".".join(parts[:depth]) if len(parts) > depth else name


def estimate_memory(
    model: ModelSpec | Request,
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
    forward_kwargs: ForwardKwargs = None,
    count_macs: bool = True,
    mode: Mode | str = Mode.train,
) -> MemoryReport:
    """Training and inference memory of ``model``, in bytes, per layer and in total.

    Args:
        model, input_size, batch, num_classes, kwargs, aux, name, freeze, train, forward_kwargs: as for
            ``analyze`` (a ``Request`` in their place too).
        dtype: the number format of weights and activations: "fp32", "fp16" or "bf16".
        optimizer: whose state the training total adds: "sgd" (none), "momentum" (one tensor per
            weight) or "adam" (two).
        count_macs: also count the step's MACs (``MemoryReport.macs``: forward, backward and the
            training step), from one more meta pass.
        mode: the mode the training step runs in: "train" (the default: BatchNorm on the batch's
            statistics, dropout on, each saving its tensors) or "eval" (fine-tuning with BatchNorm's
            running statistics, dropout off). The inference pass always runs in eval mode. This is
            memory's own argument: a ``Request``'s ``mode`` (``analyze``'s, default eval) is not read.

    Returns:
        A ``MemoryReport``; the method is in the module docstring. The network runs on the meta
        device only: a zoo model is built there, a given module is copied there without its data.
    """
    request = request_of(model, input_size=input_size, batch=batch, num_classes=num_classes, kwargs=kwargs, aux=aux,
                         name=name, freeze=freeze, train=train, forward_kwargs=forward_kwargs)
    return memory_of(request.resolve("meta"), request, dtype=dtype, optimizer=optimizer, count_macs=count_macs,
                     mode=mode)


def memory_of(target: Target, request: Request, *, dtype: Dtype | str = Dtype.fp32,
              optimizer: Optimizer | str = Optimizer.sgd, count_macs: bool = True,
              mode: Mode | str = Mode.train) -> MemoryReport:
    """``estimate_memory`` of a model already resolved (``Request.resolve``): ``compare`` counts and
    weighs one build. A module built for a real trace is copied to the meta device, data left behind."""
    dtype, optimizer = Dtype.parse(dtype, "--dtype"), Optimizer.parse(optimizer, "--optimizer")
    mode, batch, aux = Mode.parse(mode, "--mode"), request.batch, request.aux
    if batch < 1:
        raise UsageError(f"batch (--batch) must be at least 1, got {batch}. Give a batch size such as 1 or 32.")
    if isinstance(target.module, torch.jit.ScriptModule):
        raise UsageError(f"{target.label} is a TorchScript module: memory follows each layer's tensors through "
                         "Python hooks, which it does not run. Estimate the model before torch.jit.script.")
    refuse_scripted_parts(target.module, target.label)
    if has_lazy(target.module):  # shapes from one forward on a copy; the caller's module stays lazy
        target = materialised(target, make_feed(target.inputs, None, "cpu"), Mode.eval)[0]
    meta, skipped = prepare_meta(target, aux, request.freeze, request.train, dtype)
    return measure_memory(meta, target.label, target.inputs, batch, dtype=dtype, optimizer=optimizer,
                          aux=aux, skipped=skipped, count_macs=count_macs, forward_kwargs=request.forward_kwargs,
                          mode=mode)


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


def measure_memory(meta: nn.Module, label: str, specs: list[TensorSpec], batch: int, *, dtype: Dtype,
                   optimizer: Optimizer, aux: bool, skipped: set[str], count_macs: bool,
                   forward_kwargs: ForwardKwargs = None, frame: bool = True, mode: Mode = Mode.train) -> Any:
    """``estimate_memory`` on a module ``prepare_meta`` made, at the inputs ``specs`` and ``batch``: a
    ``MemoryReport``, or with ``frame=False`` only its ``totals``. ``mode``: the training step's."""
    feed = _meta_feed(specs, forward_kwargs, batch, DTYPES[dtype.value])
    inputs, shapes = list(feed.args), [spec.shape for spec in specs]
    # light_imports: torch wraps every dispatch mode's handler so that its first call imports
    # torch._dynamo (about 1 s), only to mark it "not for torch.compile"; nothing is compiled here.
    with aux_mode(meta, aux), feed.bound(meta), light_imports():
        saved = saved_for_backward(meta, inputs, label, shapes, attribute=frame, training=mode is Mode.train)
        peak, peaks = inference_peak(meta, inputs, label, shapes, attribute=frame)
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
        macs=macs, mode=mode.value,
    )


def _meta_feed(specs: Sequence[TensorSpec], forward_kwargs: ForwardKwargs, batch: int, dtype: torch.dtype) -> Feed:
    """Meta inputs at ``batch``: float ones in the weights' number format; integer inputs (token ids)
    and masks keep theirs. Keyword inputs as for ``analyze`` (``feeding.make_feed``)."""
    made = make_feed(specs, forward_kwargs, "meta")
    args = tuple(torch.empty((batch, *t.shape[1:]), device="meta", dtype=dtype if t.is_floating_point() else t.dtype)
                 for t in made.args)
    return Feed(args, made.keywords, made.constants)


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


def _totals(rows: list[dict[str, Any]], peak: int) -> MemoryTotals:
    sums = {c: sum(int(row[c]) for row in rows) for c in ("params", "trainable_params", "weights", "gradients",
                                               "optimizer_state", "saved_activations")}
    return MemoryTotals(
        **sums,
        training=sums["weights"] + sums["gradients"] + sums["optimizer_state"] + sums["saved_activations"],
        inference_activations=peak,
        inference=sums["weights"] + peak,
    )
