"""``speed``: how long each layer of a network takes on a device, predicted by the roofline and, with
``measure``, timed for real beside it, with the error.

The prediction: every ATen operator of one forward on meta tensors (``engines.call_log``: no
weights in memory, so a model larger than RAM works) priced by ``cost.op_cost`` and
``cost.roofline`` against the device's ``Roofs``; operators are grouped into rows by the module
running them: a leaf module's own row, or the "between" row of the container that runs them outside
its children (a residual addition, a concatenation). MACs per row come from ``analyze`` (meta
engine). Units: seconds, bytes at the dtype, FLOPs = 2 x MACs.

The measurement (``timing``): random weights (PyTorch's default initialisation, no download),
threads fixed, denormals flushed, warm-up, median of repeated runs, CUDA synchronised at every hook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from ..options import Dtype, Engine, Mode
from .calibrate import calibrated_roofs, formula_roofs, load_calibration, read_processor
from .cost import BYTES, KINDS, Roofs, call_costs, price, roofline
from .devices import get_device
from .feeding import feed_at_batch
from .request import Request, request_of
from .speed_report import SpeedReport, SpeedRow
from .timing import between_name

SMALL_S = 50e-6  # layers measured under this are left out of the error summary (timer noise dominates)


@dataclass
class _Row:
    name: str
    type: str
    ops: list[Any] = field(default_factory=list)
    gaps: int = 0  # a "between" row: the stretches between its container's children's calls (children + 1)


def device_roofs(device: str, dtype: str, threads: int) -> tuple[Roofs, Roofs]:
    """(the roofs that predict, the datasheet or formula roofs no layer may beat) for ``device``."""
    if device == "cpu":
        processor = read_processor()
        ceiling = formula_roofs(processor, threads, dtype)
        data = load_calibration(processor, threads)
        calibrated = calibrated_roofs(data, dtype) if data else None
        if calibrated is not None:
            return calibrated, ceiling
        assumed = Roofs(ceiling.name, ceiling.peaks, ceiling.bandwidth, 5e-6, "formula",
                        (*ceiling.notes, "not calibrated: formula values (upper bounds), so predicted times are "
                         "lower bounds; run 'archstat speed --calibrate' for this processor's measured ceilings"))
        return assumed, ceiling
    if device == "cuda":
        device = _present_cuda_name()
    spec = get_device(device)
    vector = spec.peak(dtype if dtype in spec.peaks else "fp32", tensor_cores=False)
    peaks = {"conv": spec.peak(dtype if dtype in spec.peaks else "fp32", tensor_cores=True),
             "matmul": spec.peak(dtype if dtype in spec.peaks else "fp32", tensor_cores=dtype != "fp32"),
             "depthwise": vector, "vector": vector}
    notes = (f"datasheet figures of the {spec.title}; fixed cost per operator {spec.launch_s * 1e6:g} us "
             "(an assumption: eager PyTorch's launch cost)", *spec.notes)
    roofs = Roofs(spec.title, peaks, ((1.0, spec.bandwidth.value),), spec.launch_s, "datasheet", notes)
    return roofs, Roofs(spec.title, peaks, roofs.bandwidth, 0.0, "datasheet")


def _present_cuda_name() -> str:
    """The table's name of the CUDA device present, or a ``UsageError``."""
    import torch

    if not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device is present here; name one from the table for a "
                         "prediction (e.g. --device h100-sxm), or use --device cpu.")
    title = torch.cuda.get_device_name().lower()
    for key, name in (("h200", "h200"), ("h100 pcie", "h100-pcie"), ("h100", "h100-sxm"), ("a100", "a100-80gb"),
                      ("l4", "l4"), ("4090", "rtx4090"), ("3090", "rtx3090"), ("t4", "t4"), ("v100", "v100")):
        if key in title:
            return name
    raise UsageError(f"--device cuda: {torch.cuda.get_device_name()} is not in the device table; name the "
                     "nearest one with --device.")


def predict_rows(request: Request, *, dtype: str, roofs: Roofs, ceiling: Roofs,
                 train: bool = False) -> tuple[list[SpeedRow], str, list[int]]:
    """Predicted rows of the ``request``'s model (see the module docstring), its label and input shape (with
    batch). The model is resolved once, on the meta device; the request's classes, constructor and forward
    keywords, auxiliary heads and trainable parts apply (the last to a training step's backward and SGD step)."""
    rows, records, label, shape = row_costs(request, dtype=dtype, train=train)
    priced = [_price(row, records, roofs, ceiling, train) for row in rows.values() if row.ops]
    return priced, label, shape


def row_costs(request: Request, *, dtype: str, train: bool = False
              ) -> tuple[dict[str, _Row], dict[str, Any], str, list[int]]:
    """Each row's operator costs (``cost.op_cost``), the layer records, the model's label and input shape."""
    from ..engines.call_log import record_calls
    from .counting import count
    from .params import aux_mode
    from .snapshot import as_given

    request = request.but(engine=Engine.meta)
    target = request.resolve("meta")
    report = count(target, request, backward=train)
    records = {r.name: r for r in report.records}
    feed = feed_at_batch(target.inputs, request.forward_kwargs, "meta", request.batch)
    with as_given(target.module, Mode.eval), aux_mode(target.module, request.aux), feed.bound(target.module):
        log = record_calls(target.module, feed.args, (), {}, recurrent_steps=True)
    shape = [request.batch, *target.shapes[0]]
    rows: dict[str, _Row] = {}
    for call, cost in call_costs(log.aten, BYTES[dtype]):
        inner = call.modules[-1] if call.modules else ""
        leaf = records.get(inner)
        name = inner if leaf is not None and leaf.is_leaf and inner else between_name(inner)
        rows.setdefault(name, _Row(name, leaf.type if leaf is not None and leaf.is_leaf else "")).ops.append(cost)
    children: dict[str, int] = {}
    for module_call in log.modules:
        if module_call.name:
            parent = module_call.name.rpartition(".")[0]
            children[parent] = children.get(parent, 0) + 1
    for container, calls in children.items():
        if between_name(container) in rows:
            rows[between_name(container)].gaps = calls + 1
    return rows, records, report.model, shape


def _price(row: _Row, records: dict[str, Any], roofs: Roofs, ceiling: Roofs, train: bool) -> SpeedRow:
    """One row: its operators' costs summed, timed each on the roofline and added up."""
    times: dict[str, float] = {"compute": 0.0, "memory": 0.0, "overhead": 0.0}
    predicted = floor = 0.0
    for op in row.ops:
        priced = price(op, roofs)
        predicted += priced.seconds
        times[priced.bound] += priced.seconds
        best = roofline(op.flops, op.bytes, op.kind, ceiling, op.roof)
        floor += best.seconds
    record = records.get(row.name)
    kind = min((op.kind for op in row.ops), key=KINDS.index)
    flops = sum(op.flops for op in row.ops)
    moved = [sum(getattr(op, part) for op in row.ops) for part in ("weight_bytes", "input_bytes", "output_bytes")]
    if train:  # backward: twice the forward's traffic and its own FLOPs; an SGD step reads 2x and writes 1x weights
        backward_flops = 2 * (record.backward_macs or 0) if record is not None else flops
        # frozen weights (--freeze) take no SGD step: only the trainable share of the weights is updated
        share = record.trainable_params / record.params if record is not None and record.params else 1.0
        extra = roofline(backward_flops, 2 * sum(moved), kind, roofs).seconds + roofline(
            0, 3 * moved[0] * share, "elementwise", roofs).seconds
        predicted += extra
        floor += roofline(backward_flops, 2 * sum(moved), kind, ceiling).seconds
    bound = max(times, key=lambda b: times[b])
    call_s, hook_leaf_s, hook_gap_s = roofs.calls
    leaf = bool(row.type)
    predicted += call_s if leaf else 0.0  # the module call's own Python, in a plain forward too
    hooks = max(0.0, hook_leaf_s - call_s) if leaf else row.gaps * hook_gap_s
    return SpeedRow(row.name, row.type or "(between)", kind, record.macs if record is not None and record.is_leaf
                    else 0, flops, moved[0], moved[1], moved[2], bound, predicted, floor, hooks_s=hooks)


def speed(model: Any | Request, *, device: str = "cpu", dtype: Dtype | str = Dtype.fp32, batch: int = 1,
          input_size: Any = None, measure: bool = False, train: bool = False, threads: int | None = None,
          warmup: int = 3, runs: int = 10, clock: Callable[[], float] | None = None) -> SpeedReport:
    """Predict (and with ``measure`` time) ``model`` layer by layer on ``device``.

    Args:
        model: a zoo name, a user's spec or an ``nn.Module`` (as ``analyze`` takes them), or a ``Request``
            with the other model options (classes, constructor and forward keywords, auxiliary heads,
            ``freeze``/``train``: what a training step updates); its engine and mode are not read (the
            prediction counts on the meta engine, a forward in eval mode, a training step in train mode).
        device: "cpu" (this processor: calibrated ceilings if stored, else formula values), "cuda" (the
            GPU present) or a name from ``devices.DEVICES`` (prediction only).
        dtype: fp32, fp16 or bf16: the width of every tensor and the peak used.
        batch: the batch size N. ``input_size``: as ``analyze`` takes it (default: the zoo's).
        measure: also run it for real on the device (which must be present) and time each layer.
        train: a training step (forward, backward, SGD step) instead of a forward pass; measured whole.
        threads: CPU threads for the prediction's calibration and the measurement (default: torch's).
        warmup, runs: untimed and timed runs of the measurement (the median is kept).
    """
    import torch

    dtype = Dtype.parse(dtype, "--dtype").value
    request = request_of(model, input_size=input_size, batch=batch)
    if request.batch < 1:
        raise UsageError(f"--batch must be at least 1, got {request.batch}.")
    threads = threads or torch.get_num_threads()
    where = device.lower()
    if measure and where not in ("cpu", "cuda"):
        raise UsageError(f"--measure runs on a device that is present: --device cpu or cuda, not {device!r} "
                         "(the table's devices are predicted only).")
    if measure and where == "cuda" and not torch.cuda.is_available():
        raise UsageError("--measure --device cuda: no CUDA device is present here; measure with --device cpu, "
                         "or leave out --measure for a prediction.")
    roofs, ceiling = device_roofs(where, dtype, threads)
    rows, label, shape = predict_rows(request, dtype=dtype, roofs=roofs, ceiling=ceiling, train=train)
    if not rows:
        raise UsageError(f"{label} runs no operator in its forward (views at most), so there is nothing to time; "
                         "give archstat speed a model that computes something.")
    report = SpeedReport(label, roofs.name, where, dtype, shape, train, roofs.origin, rows, list(roofs.notes),
                         roofs=roofs, ceiling=ceiling, threads=threads if where == "cpu" else None)
    if measure:
        from .speed_measure import measure_into

        measure_into(report, request, warmup=warmup, runs=runs, clock=clock)
    return report
