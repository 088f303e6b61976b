"""`archstat plot`: per-layer bars of parameter share against MAC share, or models side by side."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ...errors import UsageError
from ...options import PlotMetric
from ...render.plot import check_target, compare_figure, layer_figure
from ..errors import reports_errors
from ..options import DepthOpt, ModelOptions, complete_model, model_options
from ..output import check_writable, tell

if TYPE_CHECKING:
    from ...analysis.report import Report


@reports_errors
@model_options()
def plot(
    models: Annotated[list[str], typer.Argument(
        metavar="MODEL", help="MODEL, or 'compare' followed by two or more models.", autocompletion=complete_model)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Picture to write: .png or .svg.")],
    metric: Annotated[PlotMetric | None, typer.Option("--metric", "-m", help="One metric per layer instead "
                                                       "of params against MACs.")] = None,
    depth: DepthOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")] = False,
    *,
    options: ModelOptions,
) -> None:
    """Draw where a network's parameters and multiply-adds live (needs archstat[plot]).

    \b
    Example: archstat plot alexnet --out alexnet.png
    Example: archstat plot compare alexnet vgg16 --out cmp.svg
    """
    check_target(out)
    check_writable(out, "--out", force)
    if models[0] == "compare":
        if len(models) < 3:
            raise UsageError("archstat plot compare needs two or more models, e.g. plot compare alexnet vgg16.")
        reports = [_analyze(m, options) for m in models[1:]]
        compare_figure(reports, out)
    else:
        if len(models) > 1:
            raise UsageError(f"one model per plot, got {len(models)}; use 'archstat plot compare "
                             f"{' '.join(models)}' for several.")
        layer_figure(_analyze(models[0], options), out, metric.value if metric else None, depth)
    tell(f"wrote {out}")


def _analyze(spec: str, options: ModelOptions) -> Report:
    from ...analysis.counting import analyze

    return analyze(options.request(spec))
