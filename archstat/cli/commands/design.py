"""``archstat bottleneck``, ``factorize``, ``cardinality`` and ``separable``: CNNs' design choices.

The arithmetic, and the one description of its answer (``design.comparison.Comparison.table_data``),
live in ``archstat.design``; this module parses, calls and emits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import reports_errors
from ..options import DEFAULT_FORMAT, FormatOpt
from ..output import Result, emit, text_output

if TYPE_CHECKING:
    import pandas as pd

    from ...design.comparison import Comparison
    from ...design.efficient import Separable
    from ...options import OutputFormat
else:
    from ..._lazy import pandas as pd

HwOpt = Annotated[int, typer.Option("--hw", help="Side of the square input, in pixels.")]
KernelOpt = Annotated[int, typer.Option("--k", help="Side of the square kernel, in pixels.",
                                        show_default=False)]


def _emit(result: Comparison | Separable, format: OutputFormat) -> None:
    """A calculator's answer: its one description, its json (``to_json``) and its rows for csv."""
    emit(Result(json=result.to_json, csv=lambda: pd.DataFrame(result.csv_rows()), description=result.table_data),
         format)


@reports_errors
@text_output
def bottleneck(
    cin: Annotated[int, typer.Option("--in", help="Input channels.", show_default=False)],
    mid: Annotated[int, typer.Option("--mid", help="Channels after the 1x1 reduction, below --in.",
                                     show_default=False)],
    cout: Annotated[int, typer.Option("--out", help="Output channels.", show_default=False)],
    kernel: KernelOpt,
    hw: HwOpt = 100,
    stride: Annotated[int, typer.Option("--stride", help="Stride of the k x k convolution.")] = 1,
    format: FormatOpt = DEFAULT_FORMAT,
) -> None:
    """A k x k convolution against a 1x1 reduction then the same k x k: weights, MACs, saving.

    Example: archstat bottleneck --in 56 --mid 28 --out 125 --k 5
    """
    from ...design import calculators as design

    _emit(design.bottleneck(cin, mid, cout, kernel, hw=hw, stride=stride), format)


@reports_errors
@text_output
def factorize(
    kernel: KernelOpt,
    channels: Annotated[int, typer.Option(
        "--channels", help="Channels in and out of each convolution.", show_default=False,
    )],
    hw: HwOpt = 17,
    depthwise: Annotated[bool, typer.Option(
        "--depthwise", help="Also a k x k depthwise convolution then a 1x1 (MobileNet's separable form).",
    )] = False,
    format: FormatOpt = DEFAULT_FORMAT,
) -> None:
    """One k x k convolution against a stack of 3x3 ones and against 1 x k then k x 1.

    Example: archstat factorize --k 7 --channels 192 --depthwise
    """
    from ...design import calculators as design

    _emit(design.factorize(kernel, channels, hw=hw, depthwise=depthwise), format)


@reports_errors
@text_output
def cardinality(
    width: Annotated[int, typer.Option("--width", help="Channels in and out of the block.")] = 256,
    groups: Annotated[int, typer.Option("--groups", help="Cardinality C: number of paths.")] = 32,
    group_width: Annotated[int, typer.Option("--group-width", help="Width d of each path.")] = 4,
    hw: HwOpt = 56,
    resnet: Annotated[int | None, typer.Option(
        "--resnet-width", help="Width of the ResNet bottleneck. Default: the closest in weights.",
    )] = None,
    shuffle_groups: Annotated[int | None, typer.Option(
        "--shuffle-groups", help="Groups g of ShuffleNet's unit (bottleneck width / 4). Default: 8 "
        "where it divides.", show_default=False,
    )] = None,
    format: FormatOpt = DEFAULT_FORMAT,
) -> None:
    """ResNeXt's block in its three equivalent forms, the ResNet bottleneck of similar cost, and
    ShuffleNet's unit (grouped 1x1 convolutions and a channel shuffle).

    Example: archstat cardinality --width 256 --groups 32 --group-width 4 --shuffle-groups 4
    """
    from ...design import calculators as design

    _emit(design.cardinality(width, groups, group_width, hw=hw, resnet=resnet, shuffle_groups=shuffle_groups),
          format)


@reports_errors
@text_output
def separable(
    cin: Annotated[int, typer.Option("--in", help="Input channels.", show_default=False)],
    cout: Annotated[int, typer.Option("--out", help="Output channels.", show_default=False)],
    kernel: Annotated[int, typer.Option("--k", help="Side of the square kernel, in pixels.")] = 3,
    hw: Annotated[int, typer.Option("--size", "--hw", help="Side of the square input, in pixels.")] = 56,
    expansion: Annotated[int, typer.Option("--t", help="Expansion t of the inverted residual.")] = 6,
    squeeze: Annotated[int | None, typer.Option(
        "--squeeze", help="Squeeze channels of the fire module. Default: --out / 8.", show_default=False,
    )] = None,
    format: FormatOpt = DEFAULT_FORMAT,
) -> None:
    """A standard convolution against depthwise-separable, inverted residual and fire module forms.

    Example: archstat separable --in 32 --out 64 --k 3 --size 56 --t 6
    """
    from ...design import efficient

    _emit(efficient.separable(cin, cout, kernel, hw=hw, expansion=expansion, squeeze=squeeze), format)
