"""Folding the recorded dataflow (``engines.dataflow``) into the nodes and edges of a drawing.

At depth D, an op belongs to the first module call of its scope that is at level D or deeper, or
that is a leaf (level: 1 for the model's children, as in ``table --depth``): deeper modules fold
into their ancestor at D. An op that runs in a container above D itself (the container's own
forward code) is a *merge node* when it combines tensors coming from two or more different nodes
(``torch.cat`` of an Inception module's branches, a residual ``out + identity``); any other such op
(a ``flatten``, a functional ``relu``) joins the node its input comes from, and the tensor it
makes leaves that node. Edges are the tensors flowing between nodes, with the shape each had.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..engines.dataflow import Dataflow, FlowOp, Scope

NodeKey = tuple[str, str, int, int]  # kind ("input", "module", "merge", "output"), name, call, ordinal


@dataclass
class FoldedNode:
    """One node: ``key``, ``first`` (for a merge, the combining op), ``op`` and ``last``, the last op
    it holds (its output's) and its index; ``number``: for a merge, which of its container call's
    merges of that operator it is (1, 2...)."""

    key: NodeKey
    first: FlowOp
    op: FlowOp
    last: int
    number: int = 1


@dataclass
class Folded:
    """Nodes in first-run order and edges (source key, target key) -> shape of the tensor (batch 1)."""

    nodes: dict[NodeKey, FoldedNode] = field(default_factory=dict)
    edges: dict[tuple[NodeKey, NodeKey], tuple[int, ...]] = field(default_factory=dict)


def level(name: str) -> int:
    """1 for the model's children, 2 for theirs, ... (0 for the model itself)."""
    return name.count(".") + 1 if name else 0


def _owner(scope: Scope, depth: int, leaves: set[str]) -> tuple[str, int] | None:
    """The module call an op folds into at ``depth``; None for a container's own op."""
    for name, call in scope:
        if level(name) >= depth or name in leaves:
            return name, call
    return None


def fold(flow: Dataflow, depth: int, leaves: set[str]) -> Folded:
    """The nodes and edges of ``flow`` at ``depth``; ``leaves`` names the modules without children."""
    folded = Folded()
    node_of: list[NodeKey] = []
    merges: Counter[tuple[str, int]] = Counter()
    numbers: Counter[tuple[str, int, str]] = Counter()  # merges by container call and operator
    inputs = sum(op.op == "input" for op in flow.ops)
    for index, op in enumerate(flow.ops):
        key = _key(op, index, depth, leaves, [node_of[i.source] for i in op.inputs], merges, inputs)
        node_of.append(key)
        if key not in folded.nodes and key[0] == "merge":
            numbers[key[1], key[2], op.op] += 1
        node = folded.nodes.setdefault(key, FoldedNode(key, op, op, index, numbers[key[1], key[2], op.op]))
        node.op, node.last = op, index
        for item in op.inputs:
            source = node_of[item.source]
            if source != key:
                folded.edges.setdefault((source, key), item.shape)
    for k, out in enumerate(flow.outputs):
        key = ("output", "output" if len(flow.outputs) == 1 else f"output {k + 1}", 1, k)
        output = FlowOp("output", (), [out], out.shape)
        folded.nodes[key] = FoldedNode(key, output, output, -1)
        folded.edges.setdefault((node_of[out.source], key), out.shape)
    return folded


def _key(op: FlowOp, index: int, depth: int, leaves: set[str], sources: list[NodeKey],
         merges: Counter[tuple[str, int]], inputs: int) -> NodeKey:
    """The node ``op`` belongs to; ``sources`` are the nodes of its inputs."""
    if op.op == "input":
        return ("input", "input" if inputs == 1 else f"input {index + 1}", 1, index)
    owner = _owner(op.scope, depth, leaves)
    if owner is not None:
        return ("module", owner[0], owner[1], 0)
    distinct = list(dict.fromkeys(sources))
    if len(distinct) == 1:
        return distinct[0]  # a container's own op on one node's tensor: part of that node
    container = op.scope[-1] if op.scope else ("", 1)
    merges[container] += 1
    return ("merge", container[0], container[1], merges[container])


def max_depth(flow: Dataflow) -> int:
    """The deepest level any op of the forward runs at (1 for a model whose children are leaves)."""
    return max((level(op.scope[-1][0]) for op in flow.ops if op.scope), default=1)
