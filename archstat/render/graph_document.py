"""Which file ``archstat graph`` writes, and its content: dot or Mermaid text, an SVG or PNG picture
drawn by Graphviz (``render.graphviz``), or one HTML page with the SVG inline (``render.graph_html``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..analysis.graph import Graph
from ..errors import UsageError
from ..options import GraphFormat
from .graph import dot, mermaid
from .graph_html import html
from .graphviz import draw

SUFFIXES = {".dot": GraphFormat.dot, ".gv": GraphFormat.dot, ".mmd": GraphFormat.mermaid,
            ".mermaid": GraphFormat.mermaid, ".svg": GraphFormat.svg, ".png": GraphFormat.png,
            ".html": GraphFormat.html, ".htm": GraphFormat.html}

_WRITERS: dict[GraphFormat, Callable[[Graph], str | bytes]] = {
    GraphFormat.dot: dot,
    GraphFormat.mermaid: mermaid,
    GraphFormat.svg: lambda graph: draw(dot(graph), "svg").decode("utf-8"),
    GraphFormat.png: lambda graph: draw(dot(graph), "png"),
    GraphFormat.html: lambda graph: html(graph, draw(dot(graph, titled=False), "svg").decode("utf-8")),
}


def choose_format(output: Path | None, given: GraphFormat | str | None) -> GraphFormat:
    """``--format`` when given, else the one ``--output``'s suffix names, else dot (text on stdout)."""
    if given is not None:
        return GraphFormat.parse(given, "--format")
    if output is None:
        return GraphFormat.dot
    found = SUFFIXES.get(output.suffix.lower())
    if found is None:
        known = ", ".join(SUFFIXES)
        raise UsageError(f"--output {str(output)!r}: cannot tell the format from {output.suffix or 'no suffix'!r}; "
                         f"end the name in one of {known}, or give --format.")
    return found


def document(graph: Graph, fmt: GraphFormat) -> str | bytes:
    """The file's content: text for dot, mermaid, svg and html, bytes for png."""
    return _WRITERS[fmt](graph)
