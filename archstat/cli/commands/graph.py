"""`archstat graph`: the dataflow graph a network's forward runs, each node with its params, MACs and field."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ...errors import UsageError
from ...options import GraphColor, GraphFormat
from ..errors import reports_errors
from ..files import check_writable, is_stdout, write_output
from ..options import DepthOpt, ForceOpt, ModelArg, ModelOptions, model_options
from ..output import note, tell, write
from ..progress import working


@reports_errors
@model_options()
def graph(
    model: ModelArg,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", show_default=False,
        help="File to write; its suffix picks the format (.svg .png .html .dot .mmd); '-': stdout. "
        "Default: dot on stdout.")] = None,
    format: Annotated[GraphFormat | None, typer.Option(
        "--format", "-f", show_default=False, help="svg, png, dot, mermaid or html, whatever --output ends in.",
    )] = None,
    depth: DepthOpt = None,
    color: Annotated[GraphColor, typer.Option(
        "--color", "-c", help="What shades the nodes: their share of MACs, params, feature-map memory, "
        "or their receptive field against the input.")] = GraphColor.macs,
    focus: Annotated[str | None, typer.Option(
        "--focus", metavar="MODULE", help="Draw only this module's inside (e.g. layer1, inception3a), "
        "with the nodes next to it.")] = None,
    force: ForceOpt = False,
    *,
    options: ModelOptions,
) -> None:
    """Draw the graph the forward runs: modules at --depth, merges (concatenations, additions), the
    tensors between them; svg, png and html need Graphviz (a system dot, or the "graph" extra).

    Example: archstat graph googlenet --focus inception3a --output inception3a.svg
    """
    if output is not None:  # before torch is imported (graph_document imports it): a bad path fails at once
        check_writable(output, "--output", force)
    from ...render import graphviz
    from ...render.graph_document import choose_format, document

    to_stdout = output is None or is_stdout(output)
    fmt = choose_format(None if to_stdout and format is None else output, format)
    if output is None and fmt is GraphFormat.png:
        raise UsageError("a png is a picture, not text: give --output FILE.png.")
    if fmt in (GraphFormat.svg, GraphFormat.png, GraphFormat.html) and graphviz.find_graphviz() is None:
        raise UsageError(graphviz.MISSING)  # said before the analysis, not after it
    from ...analysis.graph import graph_of

    with working(f"counting {model}"):
        drawn = graph_of(options.request(model), depth=depth, color=color, focus=focus)
    for text in drawn.notes:
        note(text)
    content = document(drawn, fmt)
    if output is None:
        write(content if isinstance(content, str) else content.decode("utf-8"))
        return
    write_output(output, content)
    if to_stdout:
        return
    tell(f"wrote {output} ({len(drawn.nodes)} nodes, depth {drawn.depth})")
