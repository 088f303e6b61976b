"""`archstat speed`: each layer's time on a device, predicted by the roofline and, with --measure, timed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ...errors import UsageError
from ...options import Dtype
from ..checks import model_arg
from ..errors import reports_errors
from ..options import DEFAULT_FORMAT, DtypeOpt, FormatOpt, ModelOptions, complete_model, model_options
from ..output import Result, check_writable, emit, tell, text_output

if TYPE_CHECKING:
    from ...analysis.speed_report import SpeedReport


@reports_errors
@text_output
@model_options()
def speed(
    model: Annotated[str | None, typer.Argument(
        help="A zoo model name or your own (pkg.module:Class, path/to/file.py:Class); not needed with --calibrate.",
        show_default=False, autocompletion=complete_model, metavar="MODEL", callback=model_arg)] = None,
    device: Annotated[str, typer.Option(
        "--device", help="cpu (this processor), cuda (the GPU present) or a device of the table: h100-sxm, "
        "h100-pcie, h200, a100-40gb, a100-80gb, l4, rtx4090, rtx3090, t4, v100, gtx580.")] = "cpu",
    dtype: DtypeOpt = Dtype.fp32,
    measure: Annotated[bool, typer.Option(
        "--measure", help="Also run the model for real (random weights) on the device and time each layer.")] = False,
    train: Annotated[bool, typer.Option(
        "--train", help="A training step (forward, backward, SGD step) instead of a forward pass.")] = False,
    threads: Annotated[int | None, typer.Option(
        "--threads", min=1, help="CPU threads for the calibration and the measurement (default: torch's).")] = None,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed runs of --measure (the median is kept).")] = 10,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Also draw the roofline with every layer on it: FILE.png or FILE.svg.")] = None,
    cpu_time: Annotated[bool, typer.Option(
        "--cpu-time", help="Time with this thread's CPU clock, not the wall clock (with --threads 1, on a "
        "machine others share: leaves out the time they ran).")] = False,
    calibrate: Annotated[bool, typer.Option(
        "--calibrate", help="Measure this processor's ceilings (under a minute) and keep them in the cache "
        "folder for later predictions.")] = False,
    format: FormatOpt = DEFAULT_FORMAT,
    force: Annotated[bool, typer.Option("--force", help="Let --output and --plot overwrite existing files.")] = False,
    *,
    options: ModelOptions,
) -> None:
    """Time per layer on a device: bytes, FLOPs per byte, the roofline's time and, with --measure, the measured one.

    \b
    Example: archstat speed --calibrate
    Example: archstat speed resnet50 --measure --batch 32
    Example: archstat speed vgg16 --device h100-sxm --dtype bf16 --plot roofline.png
    """
    if calibrate:
        _calibrate(threads, cpu_time)
        if model is None:
            return
    if model is None:
        raise UsageError("archstat speed needs a MODEL (e.g. archstat speed resnet50), or --calibrate alone.")
    if plot is not None:
        from ...render.plot import check_target

        check_target(plot, "--plot")
        check_writable(plot, "--plot", force)
    from ...analysis.speed import speed as run_speed

    if cpu_time and threads != 1:
        raise UsageError("--cpu-time measures one thread's CPU clock: add --threads 1.")
    import time

    report = run_speed(options.request(model), device=device, dtype=dtype, measure=measure, train=train,
                       threads=threads, runs=runs, clock=time.thread_time if cpu_time else None)
    if plot is not None:
        from ...render.roofline import roofline_figure

        roofline_figure(report, plot)
        tell(f"wrote {plot}")
    emit(speed_result(report), format)


def _calibrate(threads: int | None, cpu_time: bool) -> None:
    import torch

    from ...analysis.calibrate import calibrate

    if cpu_time and (threads or torch.get_num_threads()) != 1:
        raise UsageError("--cpu-time measures one thread's CPU clock: add --threads 1.")
    data = calibrate(threads or torch.get_num_threads(), cpu_time=cpu_time)
    fits = data["fits"]["fp32"]
    rate = {name: 1e-9 / fits[name][1] if name in fits and fits[name][1] else 0.0 for name in ("matmul", "conv3x3")}
    tell(f"calibrated {data['processor']} at {data['threads']} threads: fp32 matrix product {rate['matmul']:.1f}, "
         f"3x3 convolution {rate['conv3x3']:.1f} GFLOP/s; memory copy {data['bandwidth'][-1][1] / 1e9:.1f} GB/s; "
         f"page faults {data['first_touch'][1] * 1e9:.2f} ns a byte allocated (in {data['faults_in']}); "
         f"small operator {data['overhead_s'] * 1e6:.1f} us; {len(fits)} operator classes fitted; "
         f"kept in {data['file']}")


def speed_result(report: SpeedReport) -> Result:
    """The speed report's pieces for the output sink: its one description (``table_data``), json and csv."""

    def frame():  # type: ignore[no-untyped-def]
        import pandas

        return pandas.DataFrame(report.to_dict()["rows"])

    return Result(json=report.to_dict, csv=frame, description=report.table_data)
