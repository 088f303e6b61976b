"""``archstat bottleneck``, ``factorize``, ``cardinality`` and ``separable``: CNNs' design choices.

The arithmetic lives in ``archstat.design``; this module only words and renders a ``Comparison``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ...inputs import format_shape
from ...render.tables import UNIT_NOTE
from ...render.words import integer
from ..errors import reports_errors
from ..options import DEFAULT_FORMAT, FormatOpt
from ..output import Result, emit, text_output

if TYPE_CHECKING:
    import pandas as pd

    from ...design import calculators as design
    from ...options import OutputFormat
else:
    from ..._lazy import pandas as pd

HwOpt = Annotated[int, typer.Option("--hw", help="Side of the square input, in pixels.")]
KernelOpt = Annotated[int, typer.Option("--k", help="Side of the square kernel, in pixels.",
                                        show_default=False)]

# Plain-words names for a saving, so "89,068 instead of 175,000" also reads "almost half".
_FRACTIONS = ((1 / 4, "a quarter"), (1 / 3, "a third"), (1 / 2, "half"), (2 / 3, "two thirds"),
              (3 / 4, "three quarters"))


def in_words(fraction: float) -> str:
    """0.491 -> 'almost half', 1/3 -> 'a third', 0.28 -> 'just over a quarter', 0.9 -> '90.0%'."""
    value, words = min(_FRACTIONS, key=lambda item: abs(item[0] - fraction))
    gap = fraction - value
    if abs(gap) < 1e-9:
        return words
    if abs(gap) > 0.06:
        return f"{100 * fraction:.1f}%"
    if abs(gap) < 0.005:
        return f"about {words}"
    return f"almost {words}" if gap < 0 else f"just over {words}"


def _relative(fraction: float | None) -> str:
    if fraction is None:
        return "baseline"
    if fraction >= 0:
        return f"saves {100 * fraction:.1f}%"
    return f"costs {-100 * fraction:.1f}% more"


def _frame(comparison: design.Comparison) -> pd.DataFrame:
    """The rows a person reads: one per form, numbers with thousands separators."""
    savings = comparison.savings()
    rows = [{
        "form": form.label,
        "layers": form.layers,
        "output shape": format_shape(form.output_shape),
        "params (weights)": integer(form.params),
        "params (with biases)": integer(form.params_with_bias),
        "MACs": integer(form.macs),
        "field": f"{form.receptive_field[0]}x{form.receptive_field[1]}",
        "vs baseline (weights)": _relative(savings.get(key, {}).get("params")),
        "vs baseline (MACs)": _relative(savings.get(key, {}).get("macs")),
    } for key, form in comparison.forms.items()]
    return pd.DataFrame(rows)


def _csv_frame(comparison: design.Comparison) -> pd.DataFrame:
    savings = comparison.savings()
    return pd.DataFrame([{
        **form.to_dict(),
        "output_shape": format_shape(form.output_shape),
        "receptive_field": f"{form.receptive_field[0]}x{form.receptive_field[1]}",
        "saving_params": savings.get(key, {}).get("params"),
        "saving_macs": savings.get(key, {}).get("macs"),
    } for key, form in comparison.forms.items()])


def _fewer(fraction: float) -> str:
    return f"{100 * fraction:.1f}% fewer" if fraction >= 0 else f"{-100 * fraction:.1f}% more"


def _saving_line(comparison: design.Comparison, key: str) -> str:
    """'Three 3x3: 44.9% fewer weights than one 7x7 (995,328 instead of 1,806,336: ...) and ...'."""
    form, base = comparison.forms[key], comparison.forms[comparison.baseline]
    saving = comparison.savings()[key]
    label = form.label[:1].upper() + form.label[1:]
    words = f": {in_words(saving['params'])}" if saving["params"] >= 0 else ""
    return (f"{label}: {_fewer(saving['params'])} weights than {base.label} "
            f"({form.params:,} instead of {base.params:,}{words}) "
            f"and {_fewer(saving['macs'])} MACs ({form.macs:,} instead of {base.macs:,}).")


def _common_lines(comparison: design.Comparison) -> list[str]:
    from ...design import calculators as design

    engines = sorted({design.ENGINE_NAMES[form.engine] for form in comparison.forms.values()})
    return [
        *comparison.notes,
        f"Input {format_shape(comparison.input_shape)} (CxHxW), batch 1; padding kernel//2. "
        "'params (weights)' leaves biases out, as the papers' sums do.",
        f"{UNIT_NOTE} Field: receptive field of one output unit, in input pixels. "
        f"Counted by: {'; '.join(engines)}.",
    ]


def _emit(
    comparison: design.Comparison, lines: list[str], fmt: OutputFormat, data: dict[str, Any]
) -> None:
    from ...design import calculators as design

    lines = lines + _common_lines(comparison)
    right = ["output shape", "params (weights)", "params (with biases)", "MACs", "field", "vs baseline (weights)",
             "vs baseline (MACs)"]  # every column of _frame but form and layers
    emit(Result(json=lambda: {**data, "units": design.UNITS, "summary": lines}, csv=lambda: _csv_frame(comparison),
                table=lambda: _frame(comparison), title=comparison.title, notes=lines, right=right,
                heading=comparison.title), fmt)


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

    comparison = design.bottleneck(cin, mid, cout, kernel, hw=hw, stride=stride)
    data = comparison.to_dict()
    data["savings"] = data["savings"]["bottleneck"]  # one alternative: the saving itself, not keyed
    _emit(comparison, [_saving_line(comparison, "bottleneck")], format, data)


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

    comparison = design.factorize(kernel, channels, hw=hw, depthwise=depthwise)
    lines = [_saving_line(comparison, key) for key in comparison.savings()]
    fields = {form.receptive_field for form in comparison.forms.values()}
    if len(fields) == 1:
        lines.append(f"Every form sees the same {kernel}x{kernel} receptive field.")
    _emit(comparison, lines, format, comparison.to_dict())


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

    comparison = design.cardinality(width, groups, group_width, hw=hw, resnet=resnet,
                                    shuffle_groups=shuffle_groups)
    resnext = ("split_transform_sum", "concatenation", "grouped")
    agree = design.forms_agree(comparison, resnext)
    form, res = comparison.forms["grouped"], comparison.forms["resnet_bottleneck"]
    lines = [
        (f"Forms (a), (b) and (c) hold the same {form.params:,} weights and {form.macs:,} MACs."
         if agree else "Forms (a), (b) and (c) differ: see the rows."),
        f"{res.label}: {res.params:,} weights; "
        f"the ResNeXt block {_relative(comparison.savings()['grouped']['params'])}.",
    ]
    if len({comparison.forms[key].params_with_bias for key in resnext}) > 1:
        lines.append("With biases the forms differ: form (a) has a bias on every path's last 1x1.")
    if "shuffle" in comparison.forms:
        lines.append(_saving_line(comparison, "shuffle"))
    _emit(comparison, lines, format, {**comparison.to_dict(), "forms_agree": agree})


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

    result = efficient.separable(cin, cout, kernel, hw=hw, expansion=expansion, squeeze=squeeze)
    comparison, ratios = result.comparison, result.ratios()
    sep = ratios["separable"]
    each = "; ".join(f"{comparison.forms[key].label}: {ratio['params']:.3f}x / {ratio['macs']:.3f}x"
                     for key, ratio in ratios.items())
    lines = [_saving_line(comparison, key) for key in ratios] + [
        f"Standard / form, weights / MACs: {each}.",
        f"Standard / depthwise-separable = {sep['macs']:.3f}; MobileNet's 1 / (1/N + 1/k^2) with N = {cout}, "
        f"k = {kernel}: {float(result.predicted_ratio):.3f}.",
    ]
    _emit(comparison, lines, format, result.to_dict())
