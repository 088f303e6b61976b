"""Design calculators: one computation built several ways, each way counted and compared.

``bottleneck`` (a 1x1 reduction before a large convolution), ``factorize`` (a large kernel as 3x3
stacks or as 1 x k then k x 1) and ``cardinality`` (ResNeXt's three equivalent forms) return a
``Comparison`` (``comparison.py``: the units of its counts, and its one description, the table and the
sentences that read it); nothing here prints. The receptive field comes from the engine's field pass.

Engine. Every block is built from ``archstat.blocks`` on the meta device first (no memory). When it
is cheap to materialise (at most ``MATERIALISE_PARAMS`` weights, ``MATERIALISE_ELEMENTS`` elements
summed over the input and every layer's output, ``MATERIALISE_MODULES`` modules), MACs and params
come from ``archstat.analyze``, the engine of ``archstat table``, run on the block materialised
without initialisation (``to_empty``): the calculators and the tables cannot disagree. Larger
blocks stay on the meta device: params by ``numel`` and MACs from the ``meta`` engine
(``archstat.engines.meta``: fvcore's conventions on meta tensors, no weights in memory). Tests check
that both engines give the same numbers. ``engine`` takes the one engine vocabulary
(``options.Engine``: "fvcore", "meta", "torch") or "auto".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import torch
from torch import nn

from ..analysis.counting import analyze
from ..engines.contract import Want
from ..engines.registry import capabilities, get_engine
from ..engines.shapes import ShapeRecorder
from ..errors import UsageError
from ..options import Engine as EngineName
from . import blocks, mobile_blocks
from .comparison import ENGINE_NAMES, UNITS, BlockCount, Comparison, Shape3, relative

__all__ = ["ENGINE_NAMES", "UNITS", "BlockCount", "Comparison", "bottleneck", "cardinality", "factorize"]

Engine = EngineName | Literal["auto"]  # "auto": fvcore where the block is cheap to materialise, else meta

MATERIALISE_PARAMS = 50_000_000  # 200 MB of float32 weights
MATERIALISE_ELEMENTS = 100_000_000  # 400 MB of float32 activations (input + every layer's output)
MATERIALISE_MODULES = 500  # fvcore's trace costs milliseconds per module
MAX_CHANNELS = 1 << 20  # keeps every weight tensor well inside int64 element counts
MAX_KERNEL = 1024
MAX_SIDE = 65_536  # the limit of --input elsewhere in archstat
MAX_PATHS = 1024  # ResNeXt's forms (a) and (b) build one module per path
_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


@dataclass(frozen=True)
class Form:
    """One way to build the block: ``build(bias)`` returns it with or without convolution biases."""

    key: str
    label: str
    layers: str
    build: Callable[[bool], nn.Module]


# ----------------------------------------------------------------------------- counting


def _meta_pass(module: nn.Module, shape: Shape3, engine: EngineName) -> tuple[Shape3, int, int, tuple[int, int]]:
    """Count ``module`` on a meta input with ``engine`` (one that needs no real weights): output
    (C, H, W), elements (input + every leaf's output), MACs and the receptive field."""
    with ShapeRecorder(module) as recorder:
        measured = get_engine(engine).measure(module, (torch.empty((1, *shape), device="meta"),), Want.ALL, recorder)
    assert measured.counts is not None and measured.fields is not None
    leaves = {name for name, sub in module.named_modules() if next(sub.children(), None) is None}
    elements = math.prod(shape) + sum(math.prod(s) for name, s in measured.output_shapes.items() if name in leaves)
    field = measured.fields.final
    assert field is not None, "every block here keeps a spatial output"
    output_shape: Shape3 = tuple(measured.output_shapes[""][1:])  # type: ignore[assignment]
    return output_shape, elements, sum(measured.counts.macs[""].values()), field.size


def _numel(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def count_form(form: Form, shape: Shape3, engine: Engine = "auto") -> BlockCount:
    """Count one form on input ``shape`` (C, H, W).

    ``engine``: "auto" materialises the block and uses fvcore when that is cheap (see the module
    docstring), else stays on the meta device with the meta engine; an engine's name forces it (tests
    compare them).
    """
    asked = engine if engine == "auto" else EngineName.parse(engine, "engine")
    with torch.device("meta"):
        weights, biased = form.build(False), form.build(True)
    on_meta = EngineName.meta if asked == "auto" or capabilities(asked).real_weights else asked
    output_shape, elements, meta_macs, field = _meta_pass(weights, shape, on_meta)
    params = _numel(weights)
    cheap = (params <= MATERIALISE_PARAMS and elements <= MATERIALISE_ELEMENTS
             and sum(1 for _ in weights.modules()) <= MATERIALISE_MODULES)
    chosen = EngineName.fvcore if asked == EngineName.fvcore or (asked == "auto" and cheap) else on_meta
    macs = meta_macs
    if chosen == EngineName.fvcore:
        report = analyze(weights.to_empty(device="cpu"), input_size=shape, name=form.key)
        params, macs = report.totals.params, report.totals.macs
    return BlockCount(
        key=form.key, label=form.label, layers=form.layers, params=params,
        params_with_bias=_numel(biased), macs=macs, output_shape=output_shape,
        receptive_field=field, engine=chosen.value,
    )


def compare(
    title: str, shape: Shape3, forms: list[Form], baseline: str,
    notes: tuple[str, ...] = (), engine: Engine = "auto",
) -> Comparison:
    """Count every form on ``shape``; savings are measured against the form keyed ``baseline``."""
    counts = {form.key: count_form(form, shape, engine) for form in forms}
    return Comparison(title, shape, baseline, counts, notes)


# ----------------------------------------------------------------------------- validation


def _positive(option: str, value: int, limit: int, what: str, example: int) -> int:
    """``value`` a whole number from 1 to ``limit``, else a one-line ``UsageError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"{option} {value!r} must be a positive whole number of {what}; "
                         f"give e.g. {option} {example}.")
    if value > limit:
        raise UsageError(f"{option} {value:,} is above archstat's limit of {limit:,} {what}; "
                         f"give a smaller {option}.")
    return value


def _kernel(option: str, kernel: int, side: int) -> int:
    _positive(option, kernel, MAX_KERNEL, "pixels", 3)
    if kernel > side:
        raise UsageError(f"{option} {kernel} is larger than the {side}x{side} input; "
                         f"give {option} {side} or less, or a larger --hw.")
    return kernel


# ----------------------------------------------------------------------------- the calculators


def bottleneck(
    cin: int, mid: int, cout: int, kernel: int, hw: int = 100, stride: int = 1,
    engine: Engine = "auto",
) -> Comparison:
    """A direct ``kernel`` x ``kernel`` convolution ``cin`` -> ``cout`` against a 1x1 reduction to
    ``mid`` channels followed by the same convolution (GoogLeNet's 1x1 "reduce" layers).

    Input ``cin`` x ``hw`` x ``hw``; padding ``kernel // 2``; ``stride`` on the large convolution.
    """
    for option, value in (("--in", cin), ("--mid", mid), ("--out", cout)):
        _positive(option, value, MAX_CHANNELS, "channels", 64)
    _positive("--hw", hw, MAX_SIDE, "pixels", 56)
    _kernel("--k", kernel, hw)
    _positive("--stride", stride, MAX_SIDE, "pixels", 2)
    if mid >= cin:
        raise UsageError(f"--mid {mid} must be smaller than --in {cin} for a reduction; "
                         f"give --mid below {cin}.")
    k = f"{kernel}x{kernel}"
    step = f" stride {stride}" if stride > 1 else ""
    forms = [
        Form("direct", f"direct {k}", f"{k} conv {cin}->{cout}{step}",
             lambda bias: blocks.ConvAct(cin, cout, kernel, stride=stride, bias=bias)),
        Form("bottleneck", f"1x1 reduction + {k}",
             f"1x1 conv {cin}->{mid}, {k} conv {mid}->{cout}{step}",
             lambda bias: blocks.reduced(cin, mid, cout, kernel, stride=stride, bias=bias)),
    ]
    title = f"Direct {k} convolution vs 1x1 reduction to {mid} channels"
    comparison = compare(title, (cin, hw, hw), forms, "direct", engine=engine)
    # one alternative: its json gives the saving itself, not keyed by form
    return replace(comparison, findings=(comparison.saving_line("bottleneck"),),
                   extra={"savings": comparison.savings()["bottleneck"]})


def factorize(kernel: int, channels: int, hw: int = 17, engine: Engine = "auto",
              depthwise: bool = False) -> Comparison:
    """A ``kernel`` x ``kernel`` convolution (``channels`` in and out) against a stack of 3x3
    convolutions with the same receptive field (VGG) and against 1 x k then k x 1 (Inception-v3);
    with ``depthwise``, also against a k x k depthwise convolution then a 1x1 (MobileNet).

    ``hw`` defaults to 17, the grid on which Inception-v3 uses its 1x7 and 7x1 convolutions. For
    ``kernel`` 3 the stack would be the 3x3 itself, so only 1x3 then 3x1 is compared.
    """
    _positive("--channels", channels, MAX_CHANNELS, "channels", 192)
    _positive("--hw", hw, MAX_SIDE, "pixels", 56)
    _kernel("--k", kernel, hw)
    if kernel < 3 or kernel % 2 == 0:
        raise UsageError(f"--k {kernel} must be odd and at least 3, so that 3x3 stacks and "
                         "1 x k + k x 1 match its field; give --k 3, 5 or 7.")
    c, k, count = channels, kernel, (kernel - 1) // 2
    forms = [Form("direct", f"one {k}x{k}", f"{k}x{k} conv {c}->{c}",
                  lambda bias: blocks.ConvAct(c, c, k, bias=bias))]
    if count > 1:
        forms.append(Form("stack_3x3", f"{_NUMBERS.get(count, str(count))} 3x3",
                          f"{count} x (3x3 conv {c}->{c})",
                          lambda bias: blocks.stack_3x3(c, count, bias=bias)))
    forms.append(Form("asymmetric", f"1x{k} + {k}x1", f"1x{k} conv {c}->{c}, {k}x1 conv {c}->{c}",
                      lambda bias: blocks.asymmetric(c, k, bias=bias)))
    if depthwise:
        forms.append(Form("depthwise_separable", f"depthwise-separable {k}x{k}",
                          f"{k}x{k} depthwise {c}, 1x1 conv {c}->{c}",
                          lambda bias: mobile_blocks.depthwise_separable(c, c, k, bias=bias)))
    title = f"One {k}x{k} convolution vs factorized forms"
    comparison = compare(title, (c, hw, hw), forms, "direct", engine=engine)
    findings = [comparison.saving_line(key) for key in comparison.savings()]
    if len({form.receptive_field for form in comparison.forms.values()}) == 1:
        findings.append(f"Every form sees the same {k}x{k} receptive field.")
    return replace(comparison, findings=tuple(findings))


def resnet_width(width: int, params: int) -> int:
    """The bottleneck width b whose ResNet block (1x1 w->b, 3x3 b->b, 1x1 b->w: 2wb + 9b^2 weights)
    comes closest to ``params`` weights: b = 64 for ResNeXt's 32x4d at w = 256 (both ~70k)."""
    # Positive root of 9b^2 + 2wb - params = 0, then the nearer of the two integers around it.
    root = (math.isqrt(4 * width * width + 36 * params) - 2 * width) // 18
    candidates = [b for b in (root, root + 1) if b >= 1]
    return min(candidates, key=lambda b: abs(2 * width * b + 9 * b * b - params))


SHUFFLE_GROUPS = 8  # ShuffleNet's Table 1 runs g = 1, 2, 3, 4, 8; 8 divides the usual widths


def _shuffle_form(width: int, groups: int | None) -> tuple[Form | None, str | None]:
    """ShuffleNet's unit on ``width`` channels (bottleneck width / 4, its Section 3.2), in ``groups``
    groups; by default 8 where they divide, else left out with a note saying why."""
    mid = width // 4
    if groups is None:
        if mid % SHUFFLE_GROUPS or mid == 0:
            return None, (f"ShuffleNet's unit is left out: its {SHUFFLE_GROUPS} groups do not divide the "
                          f"bottleneck width {width} / 4; give --shuffle-groups.")
        groups = SHUFFLE_GROUPS
    _positive("--shuffle-groups", groups, MAX_PATHS, "groups", SHUFFLE_GROUPS)
    if mid == 0 or mid % groups:
        raise UsageError(f"--shuffle-groups {groups} must divide the unit's bottleneck width {width} / 4 = "
                         f"{mid}; give a divisor of {mid} such as 1, 2 or 4, or another --width.")
    layers = (f"1x1 {width}->{mid} in {groups} groups, shuffle, 3x3 depthwise {mid}, "
              f"1x1 {mid}->{width} in {groups} groups")
    return Form("shuffle", f"ShuffleNet unit, g = {groups}", layers,
                lambda bias: mobile_blocks.ShuffleUnit(width, mid, groups, bias=bias)), None


def cardinality(
    width: int = 256, groups: int = 32, group_width: int = 4, hw: int = 56,
    resnet: int | None = None, engine: Engine = "auto", shuffle_groups: int | None = None,
) -> Comparison:
    """ResNeXt's block (``groups`` paths of width ``group_width`` on ``width`` channels) in its
    three equivalent forms (the paper's Fig. 3 a, b, c), the ResNet bottleneck of similar cost, and
    ShuffleNet's unit (grouped 1x1 convolutions and a channel shuffle around a 3x3 depthwise one,
    ``shuffle_groups`` groups).

    ``resnet`` is that bottleneck's width, by default the one closest in weights. Convolutions have
    no bias and there is no batch norm, so the three forms hold exactly the same weights.
    """
    _positive("--width", width, MAX_CHANNELS, "channels", 256)
    _positive("--groups", groups, MAX_PATHS, "paths", 32)
    _positive("--group-width", group_width, MAX_CHANNELS // groups, "channels per path", 4)
    _positive("--hw", hw, MAX_SIDE, "pixels", 56)
    if hw < 3:
        raise UsageError(f"--hw {hw} is smaller than the block's 3x3 convolutions; "
                         "give --hw 3 or more.")
    w, g, d, inner = width, groups, group_width, groups * group_width
    resnet = resnet_width(w, g * (2 * w * d + 9 * d * d)) if resnet is None else resnet
    _positive("--resnet-width", resnet, MAX_CHANNELS, "channels", 64)
    path = f"1x1 {w}->{d}, 3x3 {d}->{d}"
    b = resnet
    forms = [
        Form("split_transform_sum", "(a) split-transform-sum",
             f"{g} x ({path}, 1x1 {d}->{w}), summed",
             lambda bias: blocks.SplitTransformSum(w, g, d, bias=bias)),
        Form("concatenation", "(b) concatenation",
             f"{g} x ({path}), concatenated to {inner}, 1x1 {inner}->{w}",
             lambda bias: blocks.SplitConcat(w, g, d, bias=bias)),
        Form("grouped", "(c) grouped convolution",
             f"1x1 {w}->{inner}, 3x3 {inner}->{inner} in {g} groups, 1x1 {inner}->{w}",
             lambda bias: blocks.ResidualBottleneck(w, inner, g, bias=bias)),
        Form("resnet_bottleneck", f"ResNet bottleneck, width {b}",
             f"1x1 {w}->{b}, 3x3 {b}->{b}, 1x1 {b}->{w}",
             lambda bias: blocks.ResidualBottleneck(w, b, 1, bias=bias)),
    ]
    shuffle, why = _shuffle_form(w, shuffle_groups)
    forms += [shuffle] if shuffle is not None else []
    notes = ("Each form adds the identity shortcut; additions are not multiply-adds: not counted.",
             *([why] if why else []))
    title = f"ResNeXt block {g}x{d}d on {w} channels vs ResNet bottleneck"
    comparison = compare(title, (w, hw, hw), forms, "resnet_bottleneck", notes, engine)
    agree = forms_agree(comparison, RESNEXT_FORMS)
    return replace(comparison, findings=_cardinality_findings(comparison, agree), extra={"forms_agree": agree})


RESNEXT_FORMS = ("split_transform_sum", "concatenation", "grouped")  # the paper's Fig. 3 (a), (b), (c)


def _cardinality_findings(comparison: Comparison, agree: bool) -> tuple[str, ...]:
    """Whether ResNeXt's three forms agree, what the ResNet bottleneck holds, and ShuffleNet's saving."""
    form, res = comparison.forms["grouped"], comparison.forms["resnet_bottleneck"]
    lines = [
        (f"Forms (a), (b) and (c) hold the same {form.params:,} weights and {form.macs:,} MACs."
         if agree else "Forms (a), (b) and (c) differ: see the rows."),
        f"{res.label}: {res.params:,} weights; "
        f"the ResNeXt block {relative(comparison.savings()['grouped']['params'])}.",
    ]
    if len({comparison.forms[key].params_with_bias for key in RESNEXT_FORMS}) > 1:
        lines.append("With biases the forms differ: form (a) has a bias on every path's last 1x1.")
    if "shuffle" in comparison.forms:
        lines.append(comparison.saving_line("shuffle"))
    return tuple(lines)


def forms_agree(comparison: Comparison, keys: tuple[str, ...]) -> bool:
    """True when the forms ``keys`` have the same weights, MACs and output shape."""
    seen = {(f.params, f.macs, f.output_shape) for k, f in comparison.forms.items() if k in keys}
    return len(seen) == 1
