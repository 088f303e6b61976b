"""``graph_of``: a network's dataflow graph at a depth, each node with its counts. Plain data.

The structure is the dataflow the forward executed (``engines.dataflow``, recorded in the meta
field pass whichever engine counts), folded to a depth by ``graph_fold``; the numbers on the
nodes are the chosen engine's, from the same ``Report`` ``archstat table`` shows: params (elements),
MACs (one fused multiply-add = 1 MAC; FLOPs = 2 x MACs) and the receptive field (input pixels).
Merge nodes (a container's own ``cat`` or ``add``) hold no parameters and no MACs: fvcore's
conventions count neither.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from ..engines.contract import LayerRecord, Want
from ..engines.dataflow import Dataflow
from ..engines.registry import require_per_module
from ..errors import UsageError
from ..options import Engine, GraphColor, Mode
from .counting import count
from .feeding import ForwardKwargs
from .graph_fold import Folded, NodeKey, fold, max_depth
from .graph_settings import settings
from .report import Report
from .request import Request, request_of
from .resolve import InputSpec, ModelSpec
from .totals import Totals

MAX_NODES = 150  # above this many nodes the default depth folds further: a bigger drawing is unreadable
BYTES_PER_ELEMENT = 4  # fp32 feature maps for --color memory


@dataclass
class GraphNode:
    """One node. ``kind``: "input", "module", "merge" (a container's own cat / add...), "output" or
    "outside" (a node beyond ``focus`` that feeds it or is fed by it). Counts include folded
    children; ``params`` and ``macs`` are ``None`` on a merge, input or output, and on a module's
    second and later calls (its counts are all on the first). ``share``: the chosen metric's share
    of the whole, 0..1."""

    id: str
    name: str
    kind: str
    type: str
    settings: str = ""
    output_shape: list[int] | None = None
    params: int | None = None
    macs: int | None = None
    activations: int | None = None
    receptive_field: list[int] | None = None
    effective_stride: list[int | str] | None = None
    memory_bytes: int | None = None
    share: float = 0.0


@dataclass
class GraphEdge:
    """A tensor flowing from ``source`` to ``target`` (node ids); ``shape`` without the batch, and
    ``label``: whether the drawing writes it (where the shape changes)."""

    source: str
    target: str
    shape: list[int]
    label: bool


@dataclass
class Graph:
    """The drawing's data: nodes in the order the forward first ran them, edges, and notes."""

    model: str
    input_shape: list[tuple[int, ...]]
    engine: str
    depth: int
    color: GraphColor
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    totals: Totals  # the report's
    notes: list[str] = field(default_factory=list)
    mode: str = "eval"  # the mode the network was counted in (``Mode``)
    feature_map_bytes: int = 0  # every drawn node's output feature map, fp32, at the report's batch

    def node(self, name: str) -> GraphNode:
        return next(n for n in self.nodes if n.name == name)


def graph_of(
    model: ModelSpec | Request, *, depth: int | None = None, color: GraphColor | str = GraphColor.macs,
    focus: str | None = None, input_size: InputSpec = None, batch: int = 1, num_classes: int | None = None,
    kwargs: dict[str, Any] | str | None = None, aux: bool = False, engine: Engine | str = Engine.fvcore,
    memory_budget: int | str | None = None, mode: Mode | str = Mode.eval, forward_kwargs: ForwardKwargs = None,
) -> Graph:
    """The dataflow graph of ``model`` at ``depth`` (default: the deepest with at most ``MAX_NODES``
    nodes, and a note when that folds), shaded by ``color``; ``focus`` keeps one module's inside
    (e.g. "layer1", "inception3a") with the nodes next to it. Other arguments as ``analyze``'s (a
    ``Request`` in their place too)."""
    color = GraphColor.parse(color, "--color")
    request = request_of(model, input_size=input_size, batch=batch, num_classes=num_classes, kwargs=kwargs,
                         aux=aux, engine=engine, memory_budget=memory_budget, mode=mode, forward_kwargs=forward_kwargs)
    if color == GraphColor.macs:
        require_per_module(request.engine, "the graph shades each node by its MACs (--color macs)")
    target = request.resolve(request.device)
    modules = dict(target.module.named_modules())
    if focus is not None and focus not in modules:
        raise UsageError(f"focus (--focus) {focus!r} is not a module of {target.label}; "
                         "'archstat table MODEL' lists the module names.")
    report = count(target, request, want=Want.ALL | Want.GRAPH)
    assert report.dataflow is not None
    leaves = {r.name for r in report.records if r.is_leaf}
    chosen, folded, notes = _choose_depth(report.dataflow, depth, leaves, focus)
    graph = _build(report, folded, modules, focus)
    graph.depth, graph.color = chosen, color
    graph.mode = report.mode
    graph.notes = [f"counted in {report.mode} mode", *report.notes, *notes]
    _shade(graph, color)
    return graph


def _choose_depth(flow: Dataflow, depth: int | None, leaves: set[str],
                  focus: str | None) -> tuple[int, Folded, list[str]]:
    """``depth`` as given, or the deepest whose drawing has at most ``MAX_NODES`` nodes."""
    if depth is not None:
        return depth, fold(flow, depth, leaves), []
    deepest = max_depth(flow)
    full = fold(flow, deepest, leaves)
    chosen, folded = deepest, full
    while chosen > 1 and _count(folded, focus) > MAX_NODES:
        chosen -= 1
        folded = fold(flow, chosen, leaves)
    if chosen == deepest:
        return chosen, folded, []
    return chosen, folded, [
        f"folded to --depth {chosen} ({_count(folded, focus)} nodes): every layer would be "
        f"{_count(full, focus)} nodes, over {MAX_NODES}; give --depth (or --focus a module) to choose."]


def _count(folded: Folded, focus: str | None) -> int:
    return sum(_inside(key, focus) for key in folded.nodes)


def _inside(key: NodeKey, focus: str | None) -> bool:
    """Whether node ``key`` is drawn under ``focus``: the module itself or anything below it."""
    kind, name = key[0], key[1]
    if focus is None:
        return True
    return kind in ("module", "merge") and (name == focus or name.startswith(focus + "."))


def _build(report: Report, folded: Folded, modules: dict[str, nn.Module], focus: str | None) -> Graph:
    """Nodes with their numbers, and the edges between those drawn."""
    records = {r.name: r for r in report.records}
    ids = {key: f"n{i}" for i, key in enumerate(folded.nodes)}
    inside = {key for key in folded.nodes if _inside(key, focus)}
    drawn = set(inside)
    for source, target in folded.edges:  # the neighbours of a focused module, drawn as "outside"
        if (source in inside) != (target in inside):
            drawn |= {source, target}
    nodes = [_node(ids[key], folded, key, records, modules, report.input_shape[0][0], focus)
             for key in folded.nodes if key in drawn]
    inputs_of: dict[NodeKey, list[tuple[int, ...]]] = {}
    for (source, target), shape in folded.edges.items():
        inputs_of.setdefault(source, [])
        inputs_of.setdefault(target, []).append(shape)
    edges = [GraphEdge(ids[s], ids[t], list(shape[1:]), _changes(shape, inputs_of.get(s, [])))
             for (s, t), shape in folded.edges.items() if s in drawn and t in drawn]
    maps = sum(math.prod((n.first if key[0] == "merge" else n.op).shape)
               for key, n in folded.nodes.items() if key[0] in ("module", "merge"))
    return Graph(report.model, report.input_shape, report.engine, 0, GraphColor.macs, nodes, edges, report.totals,
                 feature_map_bytes=BYTES_PER_ELEMENT * report.input_shape[0][0] * maps)


def _changes(shape: tuple[int, ...], into_source: Sequence[tuple[int, ...]]) -> bool:
    """An edge is labelled where its tensor's shape differs from what flowed into its source."""
    return not into_source or any(tuple(s) != tuple(shape) for s in into_source)


def _node(node_id: str, folded: Folded, key: NodeKey, records: dict[str, LayerRecord],
          modules: dict[str, nn.Module], batch: int, focus: str | None) -> GraphNode:
    kind, name, call, _ = key
    held = folded.nodes[key]
    op, number = (held.first if kind == "merge" else held.op), held.number  # a merge: the combining op
    shape = [batch * op.shape[0], *op.shape[1:]] if op.shape else None
    field_ = op.field
    node = GraphNode(node_id, name, kind, op.op, output_shape=shape,
                     receptive_field=list(field_.size) if field_ else None,
                     effective_stride=field_.stride_values() if field_ else None)
    if kind == "merge":
        label = name or "(model)"
        node.name = f"{label}: {op.op}" + (f" {number}" if number > 1 else "")
        node.name += f" (call {call})" if call > 1 else ""
        node.settings = f"{len(op.inputs)} inputs"
    elif kind == "module":
        once = ("module", name, 2, 0) not in folded.nodes
        _module_numbers(node, records[name], modules[name], call, once)
    if focus is not None and not _inside(key, focus):
        node.kind = "outside"
    node.memory_bytes = BYTES_PER_ELEMENT * math.prod(shape) if shape and kind in ("module", "merge") else None
    return node


def _module_numbers(node: GraphNode, record: LayerRecord, module: nn.Module, call: int, once: bool) -> None:
    """A module node's type, settings and counts (the report's row; all of them on the first call)."""
    node.type, node.settings = record.type, settings(module)
    if call > 1:
        node.name += f" (call {call})"
        return
    node.params, node.macs, node.activations = record.params, record.macs, record.activations
    if not once:  # the report's shape and field are the last call's; this node's come from its own ops
        return
    node.output_shape = record.output_shape or node.output_shape
    node.receptive_field, node.effective_stride = record.receptive_field, record.effective_stride


def _shade(graph: Graph, color: GraphColor) -> None:
    """Each node's share of the whole for ``color``: MACs and params of the model's totals, memory
    of every node's output at this depth (``--focus`` or not), field of the input's side (height)."""
    totals = graph.totals
    if color is GraphColor.memory:
        whole = graph.feature_map_bytes
    elif color is GraphColor.field:
        whole = graph.input_shape[0][-2] if len(graph.input_shape[0]) >= 3 else graph.input_shape[0][-1]
    elif color is GraphColor.params:
        whole = totals.params
    else:
        whole = totals.macs if totals.counts is not None else 0
    for node in graph.nodes:
        value = {GraphColor.macs: node.macs, GraphColor.params: node.params, GraphColor.memory: node.memory_bytes,
                 GraphColor.field: node.receptive_field[0] if node.receptive_field else None}[color]
        node.share = min(1.0, value / whole) if value and whole else 0.0
