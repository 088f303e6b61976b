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
``Report.notes``. A named model is weighed before it is built: one whose weights alone exceed the
budget is built on the meta device only (``resolve.resolve_within_budget``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import partial
from typing import Any

import torch
from torch import nn

from ..engines.contract import Counts, LayerRecord, Measurement, Want
from ..engines.fields import FieldTrace
from ..engines.imports import light_imports
from ..engines.registry import build_device, capabilities, get_engine
from ..engines.shapes import ForwardFailure, ShapeRecorder, smallest_working_side
from ..engines.torch_flops import count_call
from ..errors import AnalysisError, ArchstatError, UsageError, ValueReadError
from ..models import build_model
from ..options import Engine, Mode
from .feeding import Feed, ForwardKwargs, InputData, make_feed
from .lazy import materialised
from .params import aux_mode, has_aux, left_out, param_counts
from .report import Report
from .request import Request, request_of
from .resolve import InputSpec, ModelSpec, Target, meta_copy
from .snapshot import as_given
from .totals import BackwardTotals, CountTotals, FieldTotals, Totals
from .trainable import mark_trainable
from .value_reads import refuse_scripted_parts, value_read, with_real_trace


def analyze(
    model: ModelSpec | Request,
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
    input_data: InputData | None = None,
    forward_kwargs: ForwardKwargs = None,
    backward: bool = False,
    layers: bool = True,
) -> Report:
    """Count params, MACs and activations of ``model`` per module, and follow its receptive fields.

    Args:
        model: a zoo name (see ``list_models``), a user's spec (``file.py:Class``, ``pkg.module:Class``)
            or an ``nn.Module``, which is left as it came; or a ``Request`` holding it and every
            other argument of the request (``analysis.request``), the keywords then left out.
        input_size: one shape without the batch dimension, e.g. ``(3, 224, 224)`` or ``"3x224x224"``,
            one side ``"224"`` or with a dtype ``"128:int64"`` (zeros: valid token ids), or a list of
            them for a model with several inputs. Default: the zoo model's input size.
        batch: the batch size N; MACs, activations and output shapes scale with it.
        num_classes: the classifier's width (a zoo model's, or a user constructor's ``num_classes``).
        kwargs: a user's constructor arguments, as a dict or JSON text.
        aux: count the auxiliary heads (GoogLeNet, Inception-v3) too.
        name: what the report calls the model (default: the zoo name or the class name).
        freeze, train: globs on module names that decide which parameters count as trainable
            (``archstat.analysis.trainable.mark_trainable``).
        engine: "fvcore" (a real trace, the reference) or "meta" (no weights, no arithmetic).
        memory_budget: bytes, or text such as "8G", that fvcore's real trace may take (default:
            ``ARCHSTAT_MEMORY_BUDGET``, else half the available RAM); above it the meta engine counts,
            and a named model whose weights alone exceed it is never allocated.
        want: ``Want.FIELDS`` for fields, shapes and params alone: never a real trace, and the report's
            MACs and activations are left at 0 and out of its totals. ``| Want.GRAPH`` also records
            the dataflow graph (``Report.dataflow``, at batch 1).
        mode: "eval" (the default, on the command line too) or "train" (BatchNorm on the batch's
            statistics, dropout on). The module's own mode, buffers and hooks are restored afterwards
            (``snapshot.as_given``), also when the analysis fails.
        input_data: the inputs themselves, as torchinfo takes them: a tensor, a list or tuple of
            tensors (positional), or a dict of keyword tensors; their first dimension is the batch
            (``batch`` stays 1). Instead of ``input_size``.
        forward_kwargs: keyword arguments of ``forward``, a dict or JSON text: a string such as
            ``"1x16:bool"`` is a zero tensor of that shape (batch dimension added), a tensor is
            used as it is, anything else is passed as it is (``analysis.feeding``).
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
    request = request_of(model, input_size=input_size, batch=batch, num_classes=num_classes, kwargs=kwargs,
                         aux=aux, name=name, freeze=freeze, train=train, engine=engine, memory_budget=memory_budget,
                         mode=mode, input_data=input_data, forward_kwargs=forward_kwargs)
    # Built without weights for the meta engine; for a real trace, only when the weights fit the budget.
    return count(request.resolve(), request, want=want, backward=backward, layers=layers)


def count(target: Target, request: Request, *, want: Want = Want.ALL, backward: bool = False,
          layers: bool = True) -> Report:
    """``analyze`` of a model already resolved (``Request.resolve``): what every library function that
    resolves a model itself (graph, sweep, diff, compare, conventions) counts with, so that no model is
    built twice. ``target`` gives the module and its inputs; every other setting comes from ``request``.
    A forward the meta engine cannot follow (it reads tensor values) is counted from a real trace
    instead, with a note (``value_reads``): a named model is built for it, a given one used as it is."""
    try:
        return _count(target, request, want, backward, layers)
    except ValueReadError as error:
        real = request.but(engine=Engine.fvcore)
        return with_real_trace(error, lambda: _count(_built_for_real(target, real), real, want, backward, layers))


def _built_for_real(target: Target, request: Request) -> Target:
    """``target`` when its tensors are real (or the caller gave the module), else the model built again
    for a real trace (within the memory budget)."""
    on_meta = any(t.is_meta for t in (*target.module.parameters(), *target.module.buffers()))
    return request.resolve() if on_meta and not isinstance(request.model, nn.Module) else target


def _count(target: Target, request: Request, want: Want, backward: bool, layers: bool) -> Report:
    """``count`` with the request's engine."""
    engine, mode, batch, input_data = request.engine, request.mode, request.batch, request.input_data
    if batch < 1 or (input_data is not None and batch != 1):
        raise UsageError(f"batch (--batch) must be at least 1, got {batch}. Give a batch size such as 1 or 32."
                         if batch < 1 else "input_data carries its own batch: leave batch at 1.")
    scripted = isinstance(target.module, torch.jit.ScriptModule)  # runs real tensors only
    device = "cpu" if scripted else build_device(engine)  # a 4096x4096 input is 200 MB on cpu
    feed = make_feed(target.inputs, request.forward_kwargs, device, input_data)
    target, lazy_notes = materialised(target, feed, mode)
    module, label, aux = target.module, target.label, request.aux
    excluded = left_out(module, aux, label)
    # undone below: a caller's module stays as given
    undo_marks = mark_trainable(module, freeze=request.freeze, train=request.train)
    try:
        with as_given(module, mode), aux_mode(module, aux), torch.no_grad(), light_imports():
            measured = _measure(target, feed, engine, request.memory_budget, want)
        scale = 1 if feed.own_batch else batch
        records = _layer_records(module, measured, excluded, scale, backward) if layers else []
        totals = _totals(module, measured, excluded, scale, backward)
    finally:
        undo_marks()
    notes = [*target.notes, *lazy_notes, *measured.notes, *_aux_note(module, excluded, totals.params),
             *(_backward_notes(measured.counts) if backward else [])]
    return Report(model=label, input_shape=feed.shapes(batch), engine=measured.engine, aux=aux, records=records,
                  totals=totals, notes=notes, mode=mode.value, input_dtypes=feed.dtypes(),
                  dataflow=measured.fields.dataflow if measured.fields else None)


def _aux_note(module: nn.Module, excluded: set[str], counted: int) -> list[str]:
    """Say how many parameters the auxiliary heads hold when they are left out: a user's model with
    an ``aux_logits`` attribute (torchvision's GoogLeNet) would otherwise lose them silently."""
    if not excluded:
        return []
    left_out = param_counts(module, False, "")[0] - counted
    heads = sorted(name for name in excluded if "." not in name)
    return [f"{left_out:,} parameters of the auxiliary heads ({', '.join(heads)}) are left out, as their "
            "papers count the network; --aux (aux=True) includes them."]


def _measure(target: Target, feed: Feed, engine_name: Engine, budget: int | str | None, want: Want) -> Measurement:
    """The engine's measurement; a failing forward becomes one ``AnalysisError`` that says where. A
    TorchScript module runs no Python hooks: it is counted whole (``engines.torch_flops.count_call``)."""
    module = target.module
    if isinstance(module, torch.jit.ScriptModule):
        return _measure_scripted(target, feed, want)
    refuse_scripted_parts(module, target.label)
    engine = get_engine(engine_name, budget)
    recorder = ShapeRecorder(module)
    try:
        with feed.bound(module):
            return engine.measure(module, feed.args, want, recorder)
    except Exception as error:  # the user's forward may raise anything; report where it did
        smallest = partial(_smallest_side, target)
        failure = ForwardFailure.from_error(error, recorder, target.label, target.shapes, smallest)
        raise _on_meta(failure, error, engine.name) from error
    finally:
        recorder.remove()


def _measure_scripted(target: Target, feed: Feed, want: Want) -> Measurement:
    """Totals of a ScriptModule: its Python forward is compiled away, so neither fvcore's scopes nor the
    meta pass's hooks can see its layers; torch's dispatcher still sees each operator it runs."""
    module = target.module
    note = ("a TorchScript module: counted whole by torch's FlopCounterMode (convolutions and matrix products; "
            "its FLOPs / 2 are MACs); per-layer MACs, activations and receptive fields need the Python module, "
            "so analyse the model before torch.jit.script.")
    if Want.COUNTS not in want:
        raise UsageError(f"{target.label} is a TorchScript module: receptive fields follow each layer through "
                         "Python hooks, which it does not run. Follow the model before torch.jit.script.")
    try:
        named = dict(zip(feed.keywords, feed.args[len(feed.positional):], strict=True))
        counts = count_call(lambda: module(*feed.positional, **feed.constants, **named))
    except Exception as error:  # the scripted forward may raise anything
        raise AnalysisError(f"{target.label}: the TorchScript forward failed: "
                            f"{str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__}"
                            ) from error
    return Measurement("torch", counts, None, notes=[note])


def _on_meta(error: ArchstatError, cause: BaseException, engine: str) -> ArchstatError:
    """A forward that reads tensor values cannot run on meta tensors: ``ValueReadError``, which
    ``analyze`` answers with a real trace where one can run."""
    on_meta = "meta" in str(cause) or isinstance(cause, NotImplementedError)
    if capabilities(engine).real_weights or not on_meta or not isinstance(error, AnalysisError):
        return error
    return value_read(error)


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


def _backward_totals(counts: Counts, forward: int, batch: int) -> BackwardTotals | None:
    """The backward pass's MACs and the training step's (forward + backward), at ``batch``."""
    if not counts.backward_macs:
        return None
    backward = batch * counts.backward_macs[""]
    return BackwardTotals(backward_macs=backward, training_step_macs=forward + backward,
                          backward_uncounted_ops=sorted(counts.backward_uncounted))


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
        "effective_stride": found.stride_values() if found else None,
        "field_start": list(found.start) if found else None,
        "depth": fields.depth_by_module.get(name) if fields else None,
    }


def _field_totals(fields: FieldTrace | None) -> FieldTotals | None:
    if fields is None:
        return None
    final = fields.final
    return FieldTotals(
        receptive_field=list(final.size) if final else None,
        effective_stride=final.stride_values() if final else None,
        field_start=list(final.start) if final else None,
        depth=fields.depth,
        field_applicable=fields.applicable,
        field_notes=[*fields.merges, *fields.warnings],
    )


def _totals(module: nn.Module, measured: Measurement, excluded: set[str], batch: int, backward: bool) -> Totals:
    """Params from the module itself (shared tensors once); MACs and activations scaled to ``batch``."""
    params, trainable = param_counts(module, bool(excluded), "")
    counts = measured.counts
    if counts is None:
        return Totals(params, trainable, params - trainable, fields=_field_totals(measured.fields))
    macs = batch * sum(counts.macs[""].values())
    forward = CountTotals(
        macs=macs, flops=2 * macs, activations=batch * counts.activations[""],
        by_operator={op: batch * n for op, n in sorted(counts.macs[""].items())},
        uncounted_ops=sorted(counts.uncounted[""]),
    )
    return Totals(params, trainable, params - trainable, counts=forward, fields=_field_totals(measured.fields),
                  backward=_backward_totals(counts, macs, batch) if backward else None)
