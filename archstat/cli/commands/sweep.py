"""`archstat sweep`: one network counted exactly at many input sides (and batches)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ...options import Dtype, Engine, Optimizer
from ..errors import reports_errors
from ..files import check_writable, write_output
from ..options import (
    DEFAULT_FORMAT,
    DtypeOpt,
    FormatOpt,
    ModelArg,
    ModelOptions,
    OptimizerOpt,
    model_options,
)
from ..output import Result, emit, tell, text_output
from ..progress import working

if TYPE_CHECKING:
    from ...analysis.sweep import SweepReport

SizesOpt = Annotated[str, typer.Option(
    "--sizes", "-s", metavar="SIDES", show_default=False,
    help="Input sides: 128,224,448 or start:stop:step (inclusive), e.g. 64:1024:32.",
)]
BatchesOpt = Annotated[str, typer.Option("--batch", "-b", metavar="N,N", help="Batch sizes, e.g. 1,8,32.")]
ChannelsOpt = Annotated[int | None, typer.Option(
    "--channels", min=1, help="Input channels. Default: the zoo model's, or your model's first convolution's.")]
PlotOpt = Annotated[Path | None, typer.Option(
    "--plot", metavar="FILE.png", show_default=False,
    help="Also draw MACs and memory against the input side, log scale (.png or .svg; needs archstat[plot]).")]


@reports_errors
@text_output
@model_options(defaults={"engine": Engine.meta})
def sweep(
    model: ModelArg,
    sizes: SizesOpt,
    batch: BatchesOpt = "1",
    channels: ChannelsOpt = None,
    dtype: DtypeOpt = Dtype.fp32,
    optimizer: OptimizerOpt = Optimizer.sgd,
    plot: PlotOpt = None,
    format: FormatOpt = DEFAULT_FORMAT,
    force: Annotated[bool, typer.Option(
        "--force", help="Let --output and --plot overwrite existing files.")] = False,
    *,
    options: ModelOptions,
) -> None:
    """How cost grows with the input: params, MACs, backward MACs, activations, memory and field per side.

    Example: archstat sweep resnet50_v1_5 --sizes 64:1024:32 --batch 1,32 --plot resnet50.png
    """
    if plot is not None:  # before torch is imported: a bad path fails at once
        from ...render.plot import check_target

        check_target(plot, "--plot")
        check_writable(plot, "--plot", force)
    from ...analysis.sweep import sweep_model

    with working(f"counting {model}"):
        report = sweep_model(options.request(model), sizes=sizes, batches=batch, channels=channels, dtype=dtype,
                             optimizer=optimizer)
    if plot is not None:
        import io

        from ...render.plot import sweep_figure

        picture = io.BytesIO()
        sweep_figure(report, picture, plot.suffix.lower().lstrip("."))
        write_output(plot, picture.getvalue(), "--plot")
        tell(f"wrote {plot}")
    emit(sweep_result(report), format)


def sweep_result(report: SweepReport) -> Result:
    """A sweep for the output sink: its one description, its json, and its csv rows (pandas is
    imported only for csv: a third of a second)."""
    return Result(json=report.to_dict, csv=lambda: _frame(report), description=report.table_data)


def _frame(report: SweepReport) -> Any:
    import pandas

    return pandas.DataFrame(report.rows())
