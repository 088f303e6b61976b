"""A ``Graph`` (``analysis.graph``) as text: Graphviz's dot language and Mermaid's flowchart. No
layout here (Graphviz lays dot out, a Markdown viewer lays Mermaid out) and no arithmetic beyond
turning each node's share into a shade.

Each node shows its name, its type and key settings, its output shape (NxCxHxW), params, MACs
(one fused multiply-add = 1 MAC) and receptive field (input pixels); its fill is the chosen
metric's share of the whole, relative to the largest node's. Merges (concatenations, additions) are
ellipses; inputs and outputs dashed; the neighbours of a ``--focus`` module dotted and grey. An
edge is the tensor flowing, labelled with its shape (CxHxW, batch dropped) where the shape changes.
"""

from __future__ import annotations

import json

from ..analysis.graph import Graph, GraphNode
from ..inputs import format_shape
from ..options import GraphColor
from ..tabular import MAC_SHORT
from .words import human, pair_text, percent

COLOR_WORDS = {
    GraphColor.macs: f"share of MACs ({MAC_SHORT})",
    GraphColor.params: "share of parameters",
    GraphColor.memory: "share of feature-map memory (fp32 outputs)",
    GraphColor.field: "receptive field against the input's height",
}
_SHARE_OF = {GraphColor.macs: "MACs", GraphColor.params: "params", GraphColor.memory: "memory",
             GraphColor.field: "input height"}
_SHARE_OF = {GraphColor.macs: "MACs", GraphColor.params: "params", GraphColor.memory: "memory",
             GraphColor.field: "input height"}
_LIGHT, _DARK = (255, 255, 255), (230, 85, 13)  # white to a strong orange


def fill(node: GraphNode, graph: Graph) -> str:
    """The node's shade: its share against the largest share drawn, white to orange."""
    largest = max((n.share for n in graph.nodes), default=0.0)
    t = node.share / largest if largest else 0.0
    rgb = (round(a + (b - a) * t) for a, b in zip(_LIGHT, _DARK, strict=True))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def label_lines(node: GraphNode, graph: Graph) -> list[str]:
    """What a node says, one item a line."""
    if node.kind in ("input", "output"):
        return [node.name, format_shape(node.output_shape or [])]
    if node.kind == "merge":
        field = [f"field {pair_text(node.receptive_field)}"] if node.receptive_field else []
        return [node.name, format_shape(node.output_shape or []), *field]
    lines = [node.name, " ".join(part for part in (node.type, node.settings) if part)]
    if node.output_shape:
        lines.append(format_shape(node.output_shape))
    counts = []
    if node.params:
        counts.append(f"{human(node.params)} params")
    if node.macs:
        counts.append(f"{human(node.macs, 'MACs')}")
    if counts:
        lines.append(", ".join(counts))
    if node.receptive_field:
        lines.append(f"field {pair_text(node.receptive_field)}")
    if node.share >= 0.0005 and node.kind != "outside":  # "0.0% of MACs" says nothing
        lines.append(f"{percent(node.share)} of {_SHARE_OF[graph.color]}")
    return lines


def title(graph: Graph) -> str:
    shapes = " + ".join(format_shape(s) for s in graph.input_shape)
    return (f"{graph.model}: input {shapes}, depth {graph.depth}, engine {graph.engine}, {graph.mode} mode; "
            f"shade: {COLOR_WORDS[graph.color]}")


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


_DOT_STYLE = {
    "module": 'shape=box, style="rounded,filled"',
    "merge": 'shape=ellipse, style=filled',
    "input": 'shape=box, style="rounded,dashed,filled"',
    "output": 'shape=box, style="rounded,dashed,filled"',
    "outside": 'shape=box, style="rounded,dotted,filled", fontcolor="#777777", color="#999999"',
}


def dot(graph: Graph, titled: bool = True) -> str:
    """The graph in Graphviz's dot language, top to bottom; node ids are the graph's (n0, n1...).
    ``titled``: the title drawn above the picture (the html page has its own)."""
    label = f', label="{_dot_text(title(graph))}"' if titled else ""
    lines = [
        "digraph archstat {",
        f'  graph [rankdir=TB, labelloc=t, fontname="Helvetica", fontsize=12{label}];',
        '  node [fontname="Helvetica", fontsize=10, margin="0.12,0.04"];',
        '  edge [fontname="Helvetica", fontsize=9, color="#555555", arrowsize=0.7];',
    ]
    for node in graph.nodes:
        text = "\\n".join(_dot_text(line) for line in label_lines(node, graph))
        shade = fill(node, graph) if node.kind in ("module", "merge") else "#f4f4f4"
        lines.append(f'  {node.id} [id="{node.id}", label="{text}", {_DOT_STYLE[node.kind]}, fillcolor="{shade}"];')
    for edge in graph.edges:
        label = f' [label=" {format_shape(edge.shape)}"]' if edge.label and edge.shape else ""
        lines.append(f"  {edge.source} -> {edge.target}{label};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    """Mermaid's own entity codes for the characters that would end or break a quoted label."""
    return text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def mermaid(graph: Graph) -> str:
    """The graph as a Mermaid flowchart (renders in code-hosting sites' Markdown), top to bottom."""
    # The front matter is YAML: the title, which holds ": ", must be a quoted string.
    lines = ["---", f"title: {json.dumps(title(graph))}", "---", "flowchart TD"]
    for node in graph.nodes:
        text = "<br/>".join(_mermaid_text(line) for line in label_lines(node, graph))
        opening, closing = ("([", "])") if node.kind == "merge" else ("[", "]")
        lines.append(f'  {node.id}{opening}"{text}"{closing}')
    for edge in graph.edges:
        label = f'|"{format_shape(edge.shape)}"|' if edge.label and edge.shape else ""
        lines.append(f"  {edge.source} -->{label} {edge.target}")
    for node in graph.nodes:
        if node.kind in ("module", "merge"):
            lines.append(f"  style {node.id} fill:{fill(node, graph)},stroke:#333333")
        else:
            lines.append(f"  style {node.id} fill:#f4f4f4,stroke:#999999,stroke-dasharray:4 3")
    return "\n".join(lines) + "\n"
