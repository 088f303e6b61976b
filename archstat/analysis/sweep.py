"""``sweep_model``: one network recounted exactly at every input side (and batch) asked for.

Nothing is scaled from a probe input: each side is a fresh pass (the meta engine by default, whose
counts are fvcore's), each (side, batch) a fresh memory estimate (``analysis.memory``). The network
is built once: the meta module and its memory copy serve every point. MACs, backward MACs and
activations at a batch are the batch-1 counts times the batch, as ``analyze`` reports them (every
counted operator is linear in the batch); memory is measured at the batch itself. A side the
network cannot take (a classifier sized for one input, a feature map shrunk to nothing) becomes a
point with the reason, not an error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..errors import ArchstatError, UsageError
from ..inputs import Shape, TensorSpec, check_shape, format_shape
from ..options import Dtype, Engine, Mode, Optimizer
from ..tabular import MAC_DEFINITION, UNIT_NOTE, Column, TableData, Tabular
from .collector import old_objects_frozen
from .counting import count
from .feeding import ForwardKwargs
from .memory import measure_memory, prepare_meta
from .request import Request, request_of
from .resolve import ModelSpec
from .totals import MemoryTotals, Totals

_HELP = {  # what each option's values are, in its own words
    "--sizes": "Give sides such as 128,224,448 or a range start:stop:step such as 64:1024:32 (inclusive).",
    "--batch": "Give batch sizes of at least 1 such as 1,8,32, or a range start:stop:step such as 1:64:8 (inclusive).",
}
_MAX_POINTS = 2048

UNITS = {
    "macs": f"forward MACs (fvcore's count; {MAC_DEFINITION})",
    "backward_macs": "backward MACs (torch's FlopCounterMode convention, docs/conventions.md)",
    "training_step_macs": "forward + backward MACs",
    "activations": "output elements of convolutions and matrix products",
    "training_bytes": "weights + gradients + optimizer state + activations saved for backward, bytes",
    "inference_bytes": "weights + peak activations of one inference pass, bytes",
    "field_over_input": "receptive field height of the last spatial feature map / input height",
    "macs_growth": "MACs / the first point's MACs",
    "memory_growth": "training bytes / the first point's training bytes",
}


@dataclass
class SweepPoint:
    """One (side, batch): counts at that batch, or ``error``, why the network cannot take it."""

    side: int
    batch: int
    input_shape: list[int]  # N, C, H, W
    params: int | None = None
    macs: int | None = None
    backward_macs: int | None = None
    training_step_macs: int | None = None
    activations: int | None = None
    training_bytes: int | None = None
    inference_bytes: int | None = None
    receptive_field: list[int] | None = None
    field_over_input: float | None = None
    macs_growth: float | None = None
    memory_growth: float | None = None
    error: str | None = None


_SWEEP_COLUMNS = {  # column shown -> the SweepPoint's field
    Column("input", "shape"): "input_shape", Column("batch", "count"): "batch", Column("params", "count"): "params",
    Column("MACs", "count", "MACs"): "macs", Column("backward MACs", "count", "MACs"): "backward_macs",
    Column("activations", "count"): "activations", Column("training memory", "bytes", "bytes"): "training_bytes",
    Column("inference memory", "bytes", "bytes"): "inference_bytes",
    Column("field", "field", "pixels"): "receptive_field", Column("field / input", "ratio"): "field_over_input",
    Column("MACs growth", "ratio"): "macs_growth", Column("memory growth", "ratio"): "memory_growth",
}


@dataclass(repr=False)  # the repr is Tabular's: one line, and the whole table in a notebook
class SweepReport(Tabular):
    """Every point of a sweep, in the order asked for (sides, then batches within a side)."""

    model: str
    engine: str
    dtype: str
    optimizer: str
    points: list[SweepPoint]
    notes: list[str] = field(default_factory=list)
    mode: str = "eval"  # the mode every point was counted in (``Mode``)

    def table_data(self) -> TableData:
        """The sweep as a table, the one description every format writes (the terminal, markdown, LaTeX,
        HTML, a notebook): one row per (side, batch); a point the network cannot take keeps its input
        and batch, the rest of its cells empty, and its reason in the notes."""
        rows = []
        for point in self.points:
            cells = [getattr(point, key) for key in _SWEEP_COLUMNS.values()]
            rows.append(cells[:2] + [None] * (len(cells) - 2) if point.error else cells)
        failed = [f"Cannot take {p.side}x{p.side} at batch {p.batch}: {p.error}" for p in self.points if p.error]
        notes = [
            f"Engine: {self.engine}; one exact count per input side (NxCxHxW), nothing scaled from a probe input. "
            "backward MACs as torch's FlopCounterMode counts a backward pass.", UNIT_NOTE,
            f"Memory, {self.dtype}, {self.optimizer} (bytes; in the terminal 1 MiB = 2^20 bytes): "
            "training = weights + gradients + optimizer state + "
            "activations saved for backward; inference = weights + peak activations.",
            "field: receptive field (HxW, input pixels); field / input: its height over the input side; growth: "
            "over the first point that ran.", *failed, *self.notes,
        ]
        return TableData(f"{self.model}: cost against input side ({self.mode} mode)", list(_SWEEP_COLUMNS), rows,
                         notes)

    def summary(self) -> str:
        sides = dict.fromkeys(p.side for p in self.points)
        batches = ", ".join(str(b) for b in dict.fromkeys(p.batch for p in self.points))
        failed = sum(1 for p in self.points if p.error)
        return (f"<SweepReport {self.model}: {len(self.points)} points, sides {', '.join(map(str, sides))}, "
                f"batches {batches}, {failed} failed, engine {self.engine}>")

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "engine": self.engine, "mode": self.mode, "dtype": self.dtype,
                "optimizer": self.optimizer,
                "units": UNITS, "notes": self.notes, "points": [asdict(p) for p in self.points]}

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per point (the input shape as text), for csv."""
        return [{**asdict(p), "input_shape": format_shape(p.input_shape),
                 "receptive_field": format_shape(p.receptive_field) if p.receptive_field else None}
                for p in self.points]


def parse_sides(text: str | Sequence[int], option: str = "--sizes") -> list[int]:
    """``128,224,448``, ``64:1024:32`` (start:stop:step, both ends included) or a mix, in order;
    a list of ints is checked as it is."""
    if not isinstance(text, str):
        items = list(text)
        if not items or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in items):
            raise UsageError(f"{option} {items!r}: every value must be a positive integer. {_HELP[option]}")
        return items
    values: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        values += _one_part(part, text, option)
    if not values:
        what = "batch size" if option == "--batch" else "side"
        raise UsageError(f"{option} {text!r} names no {what}. {_HELP[option]}")
    if len(values) > _MAX_POINTS:
        raise UsageError(f"{option} {text!r} makes {len(values):,} points, over {_MAX_POINTS}. Give a larger step.")
    return values


def _one_part(part: str, text: str, option: str) -> list[int]:
    pieces = part.split(":")
    if not all(p.strip().isdigit() for p in pieces) or len(pieces) not in (1, 3):
        raise UsageError(f"{option} {text!r}: {part!r} is neither a number nor start:stop:step. {_HELP[option]}")
    numbers = [int(p) for p in pieces]
    if len(numbers) == 1:
        numbers = [numbers[0], numbers[0], 1]
    start, stop, step = numbers
    if start < 1 or step < 1 or stop < start:
        raise UsageError(f"{option} {text!r}: {part!r} needs 1 <= start <= stop and a step of at least 1. "
                         f"{_HELP[option]}")
    return list(range(start, stop + 1, step))


def sweep_model(
    model: ModelSpec | Request,
    *,
    sizes: str | Sequence[int],
    batches: str | Sequence[int] = (1,),
    engine: Engine | str = Engine.meta,
    channels: int | None = None,
    dtype: Dtype | str = Dtype.fp32,
    optimizer: Optimizer | str = Optimizer.sgd,
    num_classes: int | None = None,
    kwargs: dict[str, Any] | str | None = None,
    aux: bool = False,
    name: str | None = None,
    freeze: Sequence[str] = (),
    train: Sequence[str] = (),
    memory_budget: int | str | None = None,
    mode: Mode | str = Mode.eval,
    forward_kwargs: ForwardKwargs = None,
) -> SweepReport:
    """Params, MACs (forward, backward, training step), activations, training and inference memory
    and the receptive field of ``model`` at each square input side in ``sizes`` and each batch.

    Args:
        sizes: input sides (height = width): ``"128,224,448"``, ``"64:1024:32"`` or a list of ints.
        batches: ``"1,8,32"`` or a list of ints; MACs and memory at each.
        engine: "meta" (the default: one pass per side, no weights in memory) or "fvcore".
        channels: input channels (default: the zoo model's, or a user model's first convolution's).
        dtype, optimizer: of the memory estimate (``estimate_memory``).
        num_classes, kwargs, aux, name, freeze, train, memory_budget, mode, forward_kwargs: as for
            ``analyze`` (``forward_kwargs`` reach the memory estimate too).

    Returns:
        A ``SweepReport``; units in ``sweep.UNITS``. A point the network cannot take carries the
        reason in ``error`` and no counts.
    """
    sides, batch_list = parse_sides(sizes), parse_sides(batches, "--batch")
    dtype, optimizer = Dtype.parse(dtype, "--dtype"), Optimizer.parse(optimizer, "--optimizer")
    first = f"{channels}x{sides[0]}x{sides[0]}" if channels else str(sides[0])
    request = request_of(model, num_classes=num_classes, kwargs=kwargs, aux=aux, name=name, freeze=freeze,
                         train=train, engine=engine, memory_budget=memory_budget, mode=mode,
                         forward_kwargs=forward_kwargs)
    engine, mode, aux, forward_kwargs = request.engine, request.mode, request.aux, request.forward_kwargs
    target = request.but(input_size=first).resolve(request.device)
    if len(target.shapes) != 1 or len(target.shapes[0]) != 3:
        raise UsageError(f"{target.label} takes {len(target.shapes)} input(s) of shape "
                         f"{format_shape(target.shapes[0])}; sweep varies one CxHxW image input.")
    meta, skipped = prepare_meta(target, aux, request.freeze, request.train, dtype)
    points: list[SweepPoint] = []
    notes: list[str] = []
    engines: list[str] = []  # the engines that counted (fvcore hands over to meta above the budget)
    memory_settings: dict[str, Any] = {"dtype": dtype, "optimizer": optimizer, "aux": aux, "skipped": skipped,
                                       "forward_kwargs": forward_kwargs}
    with old_objects_frozen():  # the loop allocates enough for several full collections
        for side in sides:
            shape = check_shape((target.shapes[0][0], side, side))
            try:
                at_side = replace(target, inputs=[TensorSpec(shape)])
                report = count(at_side, request.but(input_size=shape), backward=True, layers=False)
            except ArchstatError as error:
                points += [_failed(side, batch, shape, error) for batch in batch_list]
                continue
            notes += [n for n in report.notes if n not in notes]
            engines += [report.engine] if report.engine not in engines else []
            points += [_at_batch(side, batch, shape, report.totals, meta, target.label, memory_settings)
                       for batch in batch_list]
    _add_growth(points)
    return SweepReport(model=target.label, engine=", ".join(engines) or engine.value, dtype=dtype.value,
                       optimizer=optimizer.value, points=points, notes=[f"counted in {mode.value} mode", *notes],
                       mode=mode.value)


def _at_batch(side: int, batch: int, shape: Shape, totals: Totals, meta: Any, label: str,
              memory_settings: dict[str, Any]) -> SweepPoint:
    """The point at one batch: the side's counts, the memory estimate at that batch."""
    try:
        memory = measure_memory(meta, label, [TensorSpec(shape)], batch, count_macs=False, frame=False,
                                **memory_settings)
    except ArchstatError as error:
        return _failed(side, batch, shape, error)
    return _point(side, batch, shape, totals, memory)


def _point(side: int, batch: int, shape: Shape, totals: Totals, memory: MemoryTotals) -> SweepPoint:
    field_size = totals.fields.receptive_field if totals.fields else None
    backward = totals.backward
    return SweepPoint(
        side=side, batch=batch, input_shape=[batch, *shape], params=totals.params,
        macs=batch * totals.macs, backward_macs=batch * backward.backward_macs if backward else None,
        training_step_macs=batch * backward.training_step_macs if backward else None,
        activations=batch * totals.activations,
        training_bytes=memory.training, inference_bytes=memory.inference,
        receptive_field=field_size, field_over_input=round(field_size[0] / side, 3) if field_size else None,
    )


def _failed(side: int, batch: int, shape: Shape, error: ArchstatError) -> SweepPoint:
    """The point with the reason in one line, without where in archstat the forward was called."""
    reason = " ".join(line.strip() for line in str(error).splitlines())
    reason = re.sub(r" at \S+ in \w+: .*?(?=Run with --debug|$)", " ", reason)
    reason = reason.replace("Run with --debug for the full traceback.", "").strip()
    return SweepPoint(side=side, batch=batch, input_shape=[batch, *shape], error=reason)


def _add_growth(points: list[SweepPoint]) -> None:
    """MACs and training memory of each point over the first point that worked."""
    base = next((p for p in points if p.error is None), None)
    if base is None:
        return
    for point in points:
        if point.error is None and base.macs and base.training_bytes:
            assert point.macs is not None and point.training_bytes is not None
            point.macs_growth = round(point.macs / base.macs, 3)
            point.memory_growth = round(point.training_bytes / base.training_bytes, 3)
