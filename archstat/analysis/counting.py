"""``analyze``: build or take a network, trace it once, and return a ``Report`` of plain data.

Counting conventions (stated wherever a number is shown):
- params: elements of every parameter tensor, shared tensors once, auxiliary heads only with ``aux``;
- MACs: fvcore's count, one fused multiply-add = 1 MAC; FLOPs = 2 x MACs;
- activations: fvcore's count, the output elements of convolutions and matrix products.
The network is traced at batch 1 and MACs, activations and output shapes are scaled to ``batch``:
every operator fvcore counts is linear in the batch dimension.

Engines (``archstat.engines.contract``, ``docs/engines.md``): "fvcore" (the default and the
reference) traces a real forward pass; "meta" runs it on meta tensors (no weights in memory, no
arithmetic) and counts with fvcore's conventions. Before a real trace the default engine estimates
its memory from a meta pass; over the memory budget it keeps the meta pass's counts and says so in
``Report.notes``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import partial
from typing import Any

import torch
from torch import nn

from ..engines.contract import Counts, LayerRecord, Measurement, Want
from ..engines.field_arithmetic import FieldTrace
from ..engines.imports import light_imports
from ..engines.registry import get_engine
from ..engines.shapes import ForwardFailure, ShapeRecorder, smallest_working_side
from ..errors import AnalysisError, ArchstatError, UsageError
from ..models import build_model
from ..options import Engine, Mode
from .params import aux_mode, has_aux, left_out, param_counts
from .report import Report
from .resolve import InputSpec, ModelSpec, Target, meta_copy, resolve
from .snapshot import as_given
from .trainable import mark_trainable


def analyze(
    model: ModelSpec,
    *,
    input_size: InputSpec = None,
    batch: int = 1,
    num_classes: int | None = None,
    kwargs: dict[str, Any] | str | None = None,
    aux: bool = False,
    name: str | None = None,
    freeze: Sequence[str] = (),
    train: Sequence[str] = (),
    engine: Engine | str = Engine.fvcore,
    memory_budget: int | str | None = None,
    want: Want = Want.ALL,
    mode: Mode | str = Mode.eval,
    backward: bool = False,
    layers: bool = True,
) -> Report:
    """Count params, MACs and activations of ``model`` per module, and follow its receptive fields.

    Args:
        model: a zoo name (see ``list_models``), a user's spec (``file.py:Class``, ``pkg.module:Class``)
            or an ``nn.Module``, which is left as it came.
        input_size: one shape without the batch dimension, e.g. ``(3, 224, 224)`` or ``"3x224x224"``
            or one side ``"224"``, or a list of them for a model with several inputs. Default: the zoo
            model's input size.
        batch: the batch size N; MACs, activations and output shapes scale with it.
        num_classes: the classifier's width (a zoo model's, or a user constructor's ``num_classes``).
        kwargs: a user's constructor arguments, as a dict or JSON text.
        aux: count the auxiliary heads (GoogLeNet, Inception-v3) too.
        name: what the report calls the model (default: the zoo name or the class name).
        freeze, train: globs on module names that decide which parameters count as trainable
            (``archstat.analysis.trainable.mark_trainable``).
        engine: "fvcore" (a real trace, the reference) or "meta" (no weights, no arithmetic).
        memory_budget: bytes, or text such as "8G", that fvcore's real trace may take (default:
            ``ARCHSTAT_MEMORY_BUDGET``, else half the available RAM); above it the meta engine counts.
        want: ``Want.FIELDS`` for fields, shapes and params alone: never a real trace, and the report's
            MACs and activations are left at 0 and out of its totals.
        mode: "eval" (the default, as the command line counts) or "train" (BatchNorm on the batch's
            statistics). The module's own mode, buffers and hooks are restored afterwards
            (``snapshot.as_given``), also when the analysis fails.
        backward: add each module's backward MACs (``LayerRecord.backward_macs``) and the totals
            ``backward_macs`` and ``training_step_macs`` (forward + backward): torch's
            ``FlopCounterMode`` convention for ``loss = output.sum(); loss.backward()``, the input
            needing no gradient and frozen parameters none either (``engines/backward.py``). The
            meta pass counts them whichever engine is asked, so asking costs nothing more.
        layers: ``False`` for the totals alone (``Report.records`` empty): what ``sweep`` needs at
            each of its points.

    Returns:
        A ``Report``: per-module records and totals; params in elements, MACs (one fused multiply-add
        = 1 MAC; FLOPs = 2 x MACs) and activations (output elements) at ``batch``.
    """
    engine, mode = Engine.parse(engine, "--engine"), Mode.parse(mode, "--mode")
    target = resolve(model, input_size=input_size, num_classes=num_classes, kwargs=kwargs, name=name,
                     device="meta" if engine is Engine.meta else "cpu")
    if batch < 1:
        raise UsageError(f"--batch must be at least 1, got {batch}. Give a batch size such as 1 or 32.")
    module, label, shapes = target.module, target.label, target.shapes
    excluded = left_out(module, aux, label)
    undo_marks = mark_trainable(module, freeze=freeze, train=train)  # undone below: a caller's module stays as given
    try:
        device = "meta" if engine is Engine.meta else "cpu"  # a 4096x4096 input is 200 MB on cpu
        inputs = tuple(torch.zeros((1, *shape), device=device) for shape in shapes)
        with as_given(module, mode), aux_mode(module, aux), torch.no_grad(), light_imports():
            measured = _measure(target, inputs, get_engine(engine, memory_budget), want)
        records = _layer_records(module, measured, excluded, batch, backward) if layers else []
        totals = {**_totals(module, measured.counts, excluded, batch), **_field_totals(measured.fields)}
        if backward and measured.counts is not None:
            totals.update(_backward_totals(measured.counts, totals["macs"], batch))
    finally:
        undo_marks()
    notes = [*measured.notes, *_aux_note(module, excluded, totals["params"]),
             *(_backward_notes(measured.counts) if backward else [])]
    return Report(model=label, input_shape=[(batch, *shape) for shape in shapes], engine=measured.engine,
                  aux=aux, records=records, totals=totals, notes=notes)


def _aux_note(module: nn.Module, excluded: set[str], counted: int) -> list[str]:
    """Say how many parameters the auxiliary heads hold when they are left out: a user's model with
    an ``aux_logits`` attribute (torchvision's GoogLeNet) would otherwise lose them silently."""
    if not excluded:
        return []
    left_out = param_counts(module, False, "")[0] - counted
    heads = sorted(name for name in excluded if "." not in name)
    return [f"{left_out:,} parameters of the auxiliary heads ({', '.join(heads)}) are left out, as their "
            "papers count the network; --aux (aux=True) includes them."]


def _measure(target: Target, inputs: tuple[torch.Tensor, ...], engine: Any, want: Want) -> Measurement:
    """The engine's measurement; a failing forward becomes one ``AnalysisError`` that says where."""
    recorder = ShapeRecorder(target.module)
    try:
        return engine.measure(target.module, inputs, want, recorder)
    except Exception as error:  # the user's forward may raise anything; report where it did
        smallest = partial(_smallest_side, target)
        failure = ForwardFailure.from_error(error, recorder, target.label, target.shapes, smallest)
        raise _on_meta(failure, error, engine.name) from error
    finally:
        recorder.remove()


def _on_meta(error: ArchstatError, cause: BaseException, engine: str) -> ArchstatError:
    """A forward that reads tensor values cannot run on meta tensors: point to the fvcore engine."""
    on_meta = "meta" in str(cause) or isinstance(cause, NotImplementedError)
    if engine != Engine.meta or not on_meta or not isinstance(error, AnalysisError):
        return error
    return AnalysisError(f"{error}\n  The meta engine runs the network without data; "
                         "a forward that reads tensor values needs --engine fvcore.")


def _smallest_side(target: Target) -> int | None:
    shapes, module = target.shapes, target.module
    if len(shapes) != 1 or len(shapes[0]) < 3:
        return None
    meta = build_model(target.info.name, num_classes=target.num_classes, device="meta") if target.info \
        else meta_copy(module)
    if has_aux(module):  # the heads on or off as in the failed pass (``aux_mode``)
        setattr(meta, "aux_logits", module.aux_logits)  # noqa: B010
    return smallest_working_side(meta, shapes[0], failing=max(shapes[0][-2:]))


def _layer_records(module: nn.Module, measured: Measurement, excluded: set[str], batch: int,
                   backward: bool = False) -> list[LayerRecord]:
    counts = measured.counts or _NO_COUNTS
    backward = backward and bool(counts.backward_macs)
    rows = []
    for name, sub in module.named_modules():
        if name in excluded:
            continue
        params, trainable = param_counts(sub, bool(excluded), name)
        shape = measured.output_shapes.get(name)
        rows.append(LayerRecord(
            name=name, type=type(sub).__name__, level=name.count(".") + 1 if name else 0,
            is_leaf=next(sub.children(), None) is None,
            output_shape=[shape[0] * batch, *shape[1:]] if shape else None,
            params=params, trainable_params=trainable,
            macs=batch * sum(counts.macs.get(name, Counter()).values()),
            activations=batch * counts.activations.get(name, 0),
            **_field_of(measured.fields, name),
            backward_macs=batch * counts.backward_macs.get(name, 0) if backward else None,
        ))
    return rows


def _backward_totals(counts: Counts, forward: int, batch: int) -> dict[str, Any]:
    """The backward pass's MACs and the training step's (forward + backward), at ``batch``."""
    if not counts.backward_macs:
        return {}
    backward = batch * counts.backward_macs[""]
    return {"backward_macs": backward, "training_step_macs": forward + backward,
            "backward_uncounted_ops": sorted(counts.backward_uncounted)}


def _backward_notes(counts: Counts | None) -> list[str]:
    if counts is not None and not counts.backward_macs:
        return ["Backward MACs come from a meta pass, and this network cannot run on meta tensors: "
                "they are left out."]
    if counts is not None and counts.backward_uncounted:
        return ["Backward MACs leave out the gradient products of " + ", ".join(sorted(counts.backward_uncounted))
                + " (no rule follows them; docs/conventions.md)."]
    return []


_NO_COUNTS = Counts(macs={}, activations={}, uncounted={})


def _field_of(fields: FieldTrace | None, name: str) -> dict[str, Any]:
    found = fields.by_module.get(name) if fields else None
    return {
        "receptive_field": list(found.size) if found else None,
        "effective_stride": list(found.stride) if found else None,
        "field_start": list(found.start) if found else None,
        "depth": fields.depth_by_module.get(name) if fields else None,
    }


def _field_totals(fields: FieldTrace | None) -> dict[str, Any]:
    if fields is None:
        return {}
    final = fields.final
    return {
        "receptive_field": list(final.size) if final else None,
        "effective_stride": list(final.stride) if final else None,
        "field_start": list(final.start) if final else None,
        "depth": fields.depth,
        "field_notes": [*fields.merges, *fields.warnings],
    }


def _totals(module: nn.Module, counts: Counts | None, excluded: set[str], batch: int) -> dict[str, Any]:
    params, trainable = param_counts(module, bool(excluded), "")
    totals: dict[str, Any] = {"params": params, "trainable_params": trainable, "frozen_params": params - trainable}
    if counts is None:
        return totals
    macs = batch * sum(counts.macs[""].values())
    return {
        **totals,
        "macs": macs,
        "flops": 2 * macs,
        "activations": batch * counts.activations[""],
        "by_operator": {op: batch * n for op, n in sorted(counts.macs[""].items())},
        "uncounted_ops": sorted(counts.uncounted[""]),
    }
