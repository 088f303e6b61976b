"""``archstat graph --format html``: one self-contained page, the Graphviz SVG inline and each node's
full row (every count, with its share of the model's totals) beside it on hover, pinned on click.
No file or script is fetched when the page is viewed: the style, the script and the data are in it.
``page.html#node=ID`` opens with that node pinned.
"""

from __future__ import annotations

import html as markup
import json
import re
from typing import Any

from ..analysis.graph import Graph, GraphNode
from ..inputs import format_shape
from .graph import COLOR_WORDS, title
from .words import integer, pair_text, share

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #222; }
header { padding: 10px 16px; border-bottom: 1px solid #ddd; }
header h1 { font-size: 17px; margin: 0 0 4px; }
header p { font-size: 12px; margin: 2px 0; color: #555; }
#layout { display: flex; align-items: flex-start; }
#picture { flex: 1; overflow: auto; padding: 8px; }
#picture svg { max-width: 100%; height: auto; }
#details { position: sticky; top: 0; width: 330px; min-height: 200px; padding: 12px 16px;
  border-left: 1px solid #ddd; font-size: 13px; background: #fafafa; }
#details table { border-collapse: collapse; width: 100%; }
#details th { text-align: left; font-weight: normal; color: #666; padding: 2px 8px 2px 0; vertical-align: top; }
#details td { font-variant-numeric: tabular-nums; padding: 2px 0; }
#details h2 { font-size: 15px; margin: 0 0 8px; word-break: break-all; }
g.node { cursor: pointer; }
g.node.chosen path, g.node.chosen polygon, g.node.chosen ellipse { stroke: #1f5fbf; stroke-width: 3px; }
"""

_SCRIPT = """
(function () {
  var rows = JSON.parse(document.getElementById("archstat-nodes").textContent);
  var panel = document.getElementById("details");
  var pinned = null;
  function esc(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
    });
  }
  function show(id) {
    var row = rows[id];
    if (!row) { return; }
    var cells = row.cells.map(function (cell) {
      return "<tr><th>" + esc(cell[0]) + "</th><td>" + esc(cell[1]) + "</td></tr>";
    }).join("");
    panel.innerHTML = "<h2>" + esc(row.name) + "</h2><table>" + cells + "</table>";
  }
  document.querySelectorAll("g.node").forEach(function (node) {
    node.addEventListener("mouseenter", function () { if (!pinned) { show(node.id); } });
    node.addEventListener("click", function () {
      if (pinned) { pinned.classList.remove("chosen"); }
      pinned = pinned === node ? null : node;
      if (pinned) { node.classList.add("chosen"); show(node.id); }
    });
  });
  // page.html#node=n12 opens with node n12 pinned (a link to one node; the browser tests use it)
  var asked = /^#node=(.+)$/.exec(location.hash);
  var first = asked ? document.getElementById(asked[1]) : null;
  if (first && first.classList.contains("node")) { first.dispatchEvent(new Event("click")); }
})();
"""


def _cells(node: GraphNode, graph: Graph, links: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The node's full row as (label, value) pairs: every count in full, with its share."""
    totals = graph.totals
    cells = [("kind", node.kind), ("type", node.type), ("settings", node.settings),
             ("output shape", format_shape(node.output_shape) if node.output_shape else "")]
    if node.params is not None:
        cells += [("params", f"{integer(node.params)} ({share(node.params, totals.params)})")]
    if node.macs is not None and totals.counts is not None:
        cells += [("MACs", f"{integer(node.macs)} ({share(node.macs, totals.macs)})"),
                  ("FLOPs (2 x MACs)", integer(2 * node.macs)),
                  ("activations", integer(node.activations))]
    if node.receptive_field:
        cells += [("receptive field", f"{pair_text(node.receptive_field)} px"),
                  ("effective stride", pair_text(node.effective_stride))]
    if node.memory_bytes:
        cells += [("output memory (fp32)", f"{integer(node.memory_bytes)} bytes")]
    cells += [("inputs from", ", ".join(links.get("in", [])) or "-"),
              ("outputs to", ", ".join(links.get("out", [])) or "-")]
    return [(label, value) for label, value in cells if value != ""]


def _rows(graph: Graph) -> dict[str, Any]:
    names = {node.id: node.name for node in graph.nodes}
    links: dict[str, dict[str, list[str]]] = {node.id: {"in": [], "out": []} for node in graph.nodes}
    for edge in graph.edges:
        shape = format_shape(edge.shape)
        links[edge.target]["in"].append(f"{names[edge.source]} ({shape})")
        links[edge.source]["out"].append(f"{names[edge.target]} ({shape})")
    return {node.id: {"name": node.name, "cells": _cells(node, graph, links[node.id])} for node in graph.nodes}


def _inline(svg: str) -> str:
    """The SVG element alone: Graphviz's XML declaration, doctype and comments are no part of HTML."""
    start = svg.find("<svg")
    return re.sub(r"<!--.*?-->", "", svg[start:], flags=re.DOTALL).strip()


def html(graph: Graph, svg: str) -> str:
    """The page: a header with the title and notes, the picture, and a panel for a node's row."""
    data = json.dumps(_rows(graph), ensure_ascii=True).replace("</", "<\\/")
    notes = "".join(f"<p>{markup.escape(line)}</p>" for line in graph.notes)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>archstat graph: {markup.escape(graph.model)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<header><h1>{markup.escape(title(graph))}</h1>",
        f"<p>Shade: {markup.escape(COLOR_WORDS[graph.color])}. Hover a node for its row; click to pin it.</p>",
        notes, "</header>",
        f'<div id="layout"><div id="picture">{_inline(svg)}</div>',
        '<aside id="details"><p>Hover or click a node to see its parameters, MACs and receptive field.</p></aside>',
        "</div>",
        f'<script id="archstat-nodes" type="application/json">{data}</script>',
        f"<script>{_SCRIPT}</script>",
        "</body></html>",
    ]) + "\n"
