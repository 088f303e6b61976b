"""`archstat plot`: per-layer bars of parameter share against MAC share, or models side by side."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ...errors import UsageError
from ...options import PictureFormat, PlotMetric
from ...render.plot import check_target, compare_figure, layer_figure
from ..errors import reports_errors
from ..files import check_writable, is_stdout, write_output
from ..options import DepthOpt, ModelOptions, complete_model, model_options
from ..output import tell

if TYPE_CHECKING:
    from ...analysis.report import Report

PICTURES = tuple(f".{member.value}" for member in PictureFormat)


@reports_errors
@model_options()
def plot(
    models: Annotated[list[str], typer.Argument(
        metavar="MODEL", help="MODEL, or 'compare' followed by two or more models.", autocompletion=complete_model)],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", show_default=False,
        help="Picture to write: .png, .svg or .pdf ('-' with --format: stdout).")] = None,
    picture: Annotated[PictureFormat | None, typer.Option(
        "--format", "-f", show_default=False, help="png, svg or pdf, whatever --output ends in.")] = None,
    metric: Annotated[PlotMetric | None, typer.Option("--metric", "-m", help="One metric per layer instead "
                                                       "of params against MACs.")] = None,
    depth: DepthOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --output if it exists.")] = False,
    out: Annotated[Path | None, typer.Option("--out", hidden=True, help="The old name of --output.")] = None,
    *,
    options: ModelOptions,
) -> None:
    """Draw where a network's parameters and multiply-adds live (needs archstat[plot]).

    \b
    Example: archstat plot alexnet --output alexnet.png
    Example: archstat plot compare alexnet vgg16 --output cmp.svg
    """
    if output is not None and out is not None:
        raise UsageError("give the picture once: --output (--out is its old name).")
    option = "--out" if out is not None else "--output"
    target = output if output is not None else out
    if target is None:
        raise UsageError("archstat plot needs --output FILE.png (or .svg, .pdf).")
    if picture is None:
        if is_stdout(target):
            raise UsageError("--output '-' writes the picture to stdout: say which with --format png, svg or pdf.")
        check_target(target, option, PICTURES)
    check_writable(target, option, force)
    kind = picture.value if picture is not None else target.suffix.lower().lstrip(".")
    drawn = io.BytesIO()
    if models[0] == "compare":
        if len(models) < 3:
            raise UsageError("archstat plot compare needs two or more models, e.g. plot compare alexnet vgg16.")
        compare_figure([_analyze(m, options) for m in models[1:]], drawn, kind)
    else:
        if len(models) > 1:
            raise UsageError(f"one model per plot, got {len(models)}; use 'archstat plot compare "
                             f"{' '.join(models)}' for several.")
        from ...engines.registry import require_per_module

        require_per_module(options.engine, "the plot draws each layer's bar")
        layer_figure(_analyze(models[0], options), drawn, metric.value if metric else None, depth, kind)
    write_output(target, drawn.getvalue(), option)
    if not is_stdout(target):
        tell(f"wrote {target}")


def _analyze(spec: str, options: ModelOptions) -> Report:
    from ...analysis.counting import analyze

    return analyze(options.request(spec))
