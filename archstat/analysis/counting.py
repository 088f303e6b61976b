"""``analyze``: build or take a network, trace it once, and return a ``Report`` of plain data.

Counting conventions (stated wherever a number is shown):
- params: elements of every parameter tensor, shared tensors once, auxiliary heads only with ``aux``;
- MACs: fvcore's count, one fused multiply-add = 1 MAC; FLOPs = 2 x MACs;
- activations: fvcore's count, the output elements of convolutions and matrix products.
The network is traced at batch 1 and MACs, activations and output shapes are scaled to ``batch``:
every operator fvcore counts is linear in the batch dimension.

Engines (``docs/engines.md``): "fvcore" (the default and the reference) traces a real forward pass;
"meta" runs it on meta tensors (no weights in memory, no arithmetic) and counts with fvcore's
conventions. Before a real trace the default engine estimates its memory from a meta pass; over
the memory budget it keeps the meta pass's counts and says so in ``Report.notes``.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Sequence
from functools import partial
from typing import Any

import torch
from torch import nn

from ..engines import fvcore as _fvcore
from ..engines import meta as _meta
from ..engines.budget import memory_budget, trace_bytes
from ..engines.field_arithmetic import FieldTrace
from ..engines.fields import trace_fields
from ..engines.imports import light_imports
from ..engines.shapes import ForwardFailure, ShapeRecorder, smallest_working_side
from ..errors import AnalysisError, ArchstatError, UsageError
from ..inputs import Shape, check_shape
from ..models import build_model, get_model_info
from .params import aux_mode, aux_modules, param_counts
from .report import Report
from .resolve import mark_trainable

ENGINES = {_fvcore.ENGINE_NAME: _fvcore, _meta.ENGINE_NAME: _meta}


def analyze(
    model: str | nn.Module,
    *,
    input_size: Shape | Sequence[Shape] | None = None,
    batch: int = 1,
    num_classes: int | None = None,
    aux: bool = False,
    name: str | None = None,
    freeze: Sequence[str] = (),
    train: Sequence[str] = (),
    engine: str = "fvcore",
    memory_budget: int | str | None = None,
) -> Report:
    """Count params, MACs and activations of ``model`` per module.

    ``model`` is a zoo name (see ``list_models``) or an ``nn.Module``; ``input_size`` is one shape
    without the batch dimension, e.g. ``(3, 224, 224)``, or a list of shapes for a model with several
    inputs (defaults to the zoo model's input size). ``freeze`` / ``train`` are globs on module names
    (see ``archstat.loading.mark_trainable``) that decide which parameters count as trainable.
    ``engine`` is "fvcore" or "meta"; ``memory_budget`` (bytes, or text such as "8G") caps the
    memory of fvcore's real trace (default: ``ARCHSTAT_MEMORY_BUDGET``, else half the available RAM).
    """
    if batch < 1:
        raise UsageError(f"--batch must be at least 1, got {batch}. Give a batch size such as 1 or 32.")
    if engine not in ENGINES:
        raise UsageError(f"--engine {engine!r} is not one of {', '.join(ENGINES)}.")
    module, label, shapes = _resolve(model, input_size, num_classes, name, meta=engine == _meta.ENGINE_NAME)
    has_aux = hasattr(module, "aux_logits")
    if aux and not has_aux:
        raise UsageError(f"{label} has no auxiliary heads; drop --aux.")
    undo_marks = mark_trainable(module, freeze=freeze, train=train)  # undone below: a caller's module stays as given
    device = "meta" if engine == _meta.ENGINE_NAME else "cpu"  # a 4096x4096 input is 200 MB on cpu
    inputs = tuple(torch.zeros((1, *shape), device=device) for shape in shapes)
    excluded = aux_modules(module) if has_aux and not aux else set()
    with aux_mode(module, aux), torch.no_grad(), light_imports():
        recorder = ShapeRecorder(module)
        try:
            engine, notes, counts, fields = _count(module, inputs, engine, memory_budget, recorder)
        except Exception as error:  # the user's forward may raise anything; report where it did
            undo_marks()
            smallest = partial(_smallest_side, model, module, shapes, num_classes)
            failure = ForwardFailure.from_error(error, recorder, label, shapes, smallest)
            raise _on_meta(failure, error, engine) from error
        finally:
            recorder.remove()
    records = _with_fields(_layer_records(module, counts, recorder.output_shapes, excluded, batch), fields)
    totals = {**_totals(module, counts, excluded, batch), **_field_totals(fields)}
    undo_marks()
    return Report(
        model=label,
        input_shape=[(batch, *shape) for shape in shapes],
        engine=engine,
        aux=aux,
        records=records,
        totals=totals,
        notes=notes,
    )


def _count(
    module: nn.Module, inputs: tuple[torch.Tensor, ...], engine: str, budget: int | str | None,
    recorder: ShapeRecorder,
) -> tuple[str, list[str], _fvcore.Counts, FieldTrace]:
    """The engine that counted, notes for the report, the counts, and the receptive fields and
    depth; output shapes go to ``recorder``.

    A meta pass comes first and follows the fields. For the meta engine it also counts. For
    fvcore it estimates the real trace's memory (``budget.trace_bytes``) and records the shapes:
    over the budget its counts are kept, with one note saying so; otherwise the real trace runs
    without the shape hooks (reading shapes inside a TorchScript trace adds graph nodes: three
    times slower on ResNet-1202). A forward that cannot run on meta tensors is traced for real,
    hooks on, and its fields are followed in a real pass too.
    """
    if engine == _meta.ENGINE_NAME:
        meta_pass = _meta.run(module, inputs)
        return engine, [], meta_pass.counts, meta_pass.fields
    limit, source = memory_budget(budget)
    try:
        meta_pass = _meta.run(module, inputs)
    except Exception:  # noqa: BLE001 - any forward error shows again, with context, in the real trace
        recorder.running.clear()
        counts = _fvcore.count(module, inputs)
        return engine, [], counts, trace_fields(module, inputs)
    fields = meta_pass.fields
    need = trace_bytes(module, meta_pass.peak_activation_bytes)
    if limit is not None and need > limit:
        note = (f"fvcore's trace would need about {need / 2**30:.1f} GiB, over the memory budget of "
                f"{limit / 2**30:.1f} GiB ({source}); counted with the meta engine instead (same "
                "conventions). Give --memory-budget or --engine to choose.")
        return _meta.ENGINE_NAME, [note], meta_pass.counts, fields
    recorder.remove()
    return engine, [], _fvcore.count(module, inputs), fields


def _on_meta(error: ArchstatError, cause: BaseException, engine: str) -> ArchstatError:
    """A forward that reads tensor values cannot run on meta tensors: point to the fvcore engine."""
    on_meta = "meta" in str(cause) or isinstance(cause, NotImplementedError)
    if engine != _meta.ENGINE_NAME or not on_meta or not isinstance(error, AnalysisError):
        return error
    return AnalysisError(f"{error}\n  The meta engine runs the network without data; "
                         "a forward that reads tensor values needs --engine fvcore.")


def _resolve(
    model: str | nn.Module, input_size: Shape | Sequence[Shape] | None, num_classes: int | None, name: str | None,
    meta: bool = False,
) -> tuple[nn.Module, str, list[Shape]]:
    if isinstance(model, str):
        info = get_model_info(model)
        module, label = build_model(model, num_classes=num_classes, device="meta" if meta else "cpu"), model
        input_size = input_size or info.input_size
    elif isinstance(model, nn.Module):
        module, label = model, name or type(model).__name__
        if input_size is None:
            raise UsageError(f"{label} is not a zoo model, so it needs an input size: give --input CxHxW.")
    else:
        raise UsageError(f"Expected a model name or a torch.nn.Module, got {type(model).__name__}.")
    many = isinstance(input_size[0], (tuple, list))  # type: ignore[index]
    given: list[Sequence[int]] = list(input_size) if many else [input_size]  # type: ignore[arg-type,list-item]
    shapes = [check_shape(s) for s in given]
    return module, label, shapes


def _smallest_side(
    model: str | nn.Module, module: nn.Module, shapes: list[Shape], num_classes: int | None
) -> int | None:
    if len(shapes) != 1 or len(shapes[0]) < 3:
        return None
    meta = build_model(model, num_classes=num_classes, device="meta") if isinstance(model, str) \
        else copy.deepcopy(module).to("meta")
    if hasattr(module, "aux_logits"):  # the heads on or off as in the failed pass (``aux_mode``)
        setattr(meta, "aux_logits", module.aux_logits)  # noqa: B010
    return smallest_working_side(meta, shapes[0], failing=max(shapes[0][-2:]))


def _with_fields(records: list[dict[str, Any]], fields: FieldTrace) -> list[dict[str, Any]]:
    for row in records:
        found = fields.by_module.get(row["name"])
        for key, part in (("receptive_field", "size"), ("effective_stride", "stride"), ("field_start", "start")):
            row[key] = list(getattr(found, part)) if found is not None else None
        row["depth"] = fields.depth_by_module.get(row["name"])
    return records


def _field_totals(fields: FieldTrace) -> dict[str, Any]:
    final = fields.final
    return {
        "receptive_field": list(final.size) if final else None,
        "effective_stride": list(final.stride) if final else None,
        "field_start": list(final.start) if final else None,
        "depth": fields.depth,
        "field_notes": [*fields.merges, *fields.warnings],
    }











def _layer_records(
    module: nn.Module, counts: _fvcore.Counts, shapes: dict[str, list[int]], excluded: set[str], batch: int
) -> list[dict[str, Any]]:
    rows = []
    for name, sub in module.named_modules():
        if name in excluded:
            continue
        params, trainable = param_counts(sub, bool(excluded), name)
        shape = shapes.get(name)
        rows.append({
            "name": name,
            "type": type(sub).__name__,
            "level": name.count(".") + 1 if name else 0,
            "is_leaf": next(sub.children(), None) is None,
            "output_shape": [shape[0] * batch, *shape[1:]] if shape else None,
            "params": params,
            "trainable_params": trainable,
            "macs": batch * sum(counts.macs.get(name, Counter()).values()),
            "activations": batch * counts.activations.get(name, 0),
        })
    return rows


def _totals(module: nn.Module, counts: _fvcore.Counts, excluded: set[str], batch: int) -> dict[str, Any]:
    params, trainable = param_counts(module, bool(excluded), "")
    macs = batch * sum(counts.macs[""].values())
    return {
        "params": params,
        "trainable_params": trainable,
        "frozen_params": params - trainable,
        "macs": macs,
        "flops": 2 * macs,
        "activations": batch * counts.activations[""],
        "by_operator": {op: batch * n for op, n in sorted(counts.macs[""].items())},
        "uncounted_ops": sorted(counts.uncounted[""]),
    }
