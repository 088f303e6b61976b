"""Receptive fields through upsampling (transposed convolutions, interpolation, pixel shuffle,
fold), against a gradient-support oracle computed here.

The oracle: a float64 copy of the net with every weight positive (1/fan-in), biases 0, batch norm
an identity, max pools as average pools of the same geometry (a max passes its gradient to one
winner only), fed ones. Nothing can cancel, so the input pixels where d(unit)/d(input) is non-zero
are exactly the pixels the unit reads; their extent per axis is the unit's field. Upsampled units
see different spans (a stride-2 transposed convolution's even and odd outputs), so the oracle
probes seven consecutive units near the centre of each axis (more than any period here) and the
engine's field must equal their largest extent, and each probed unit's span must equal the span the
engine gives that unit. The engine runs on meta tensors, the network as written.

Interpolation with align_corners maps output o to o*(in-1)/(out-1), which floating point may round
just past a whole coordinate: torch then gives the next neighbour a weight of about 1e-15 where exact
arithmetic gives 0. The field is the exact one, so the oracle counts a pixel whose gradient is below
1e-9 of the unit's largest as not read (every real weight here is above 1e-3 of it).
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from fractions import Fraction
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from torch import nn

from archstat.engines import meta as _meta
from archstat.engines.field_arithmetic import Field
from archstat.engines.fields import trace_fields

PROBES = 7  # consecutive units per axis, centred


def positive(model: nn.Module) -> nn.Module:
    """The oracle's copy (module docstring)."""
    ref = copy.deepcopy(model).double().eval()
    for name, module in list(ref.named_modules()):
        pools = {nn.MaxPool1d: nn.AvgPool1d, nn.MaxPool2d: nn.AvgPool2d, nn.MaxPool3d: nn.AvgPool3d}
        if type(module) in pools:
            parent, _, child = name.rpartition(".")
            avg = pools[type(module)](module.kernel_size, module.stride, module.padding, module.ceil_mode)
            setattr(ref.get_submodule(parent) if parent else ref, child, avg)
    with torch.no_grad():
        for module in ref.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.running_mean.zero_(), module.running_var.fill_(1.0)
                module.eps = 0.0
            for pname, param in module.named_parameters(recurse=False):
                param.fill_(1.0 / param[0].numel() if param.ndim >= 2 else float(
                    "weight" in pname and isinstance(module, nn.modules.batchnorm._BatchNorm)))
    return ref


def oracle(model: nn.Module, shape: tuple[int, ...]) -> list[tuple[int, list[tuple[int, Any, Any]]]]:
    """Per spatial axis of the output: the largest extent over the probed units, and each probed
    unit's (index, first, last) input pixel on that axis. One backward: probe b reads batch element b."""
    ref = positive(model)
    with torch.no_grad():
        spatial = ref(torch.ones(1, *shape, dtype=torch.float64)).shape[2:]
    centre = [(n - 1) // 2 for n in spatial]
    units = [tuple(c + k - PROBES // 2 for c in centre) for k in range(PROBES)]  # along the diagonal
    x = torch.ones(len(units), *shape, dtype=torch.float64, requires_grad=True)
    out = ref(x)
    picked = torch.stack([out[(b, slice(None), *unit)].sum() for b, unit in enumerate(units)]).sum()
    (grad,) = torch.autograd.grad(picked, x)
    result = []
    for axis in range(len(spatial)):
        spans = []
        for b, unit in enumerate(units):
            others = tuple(a for a in range(len(spatial) + 1) if a != axis + 1)  # channels and other axes
            weight = grad[b].abs().sum(dim=others)
            hit = (weight > 1e-9 * weight.max()).nonzero().flatten()  # rounding noise is not a tap (docstring)
            # a unit that reads no pixel (a transposed convolution's gap: bias only) has no span
            spans.append((unit[axis], int(hit.min()), int(hit.max())) if hit.numel() else (unit[axis], None, None))
        result.append((max((last - first + 1 for _, first, last in spans if first is not None), default=0), spans))
    return result


def span(field: Field, axis: int, unit: int) -> tuple[Any, Any]:
    """First and last input pixel unit ``unit`` reads on ``axis``, as the engine gives it (None, None
    for a unit that reads none)."""
    phases = field.phases[axis] if field.phases else None
    if phases is not None:
        return phases.first(unit), phases.last(unit)
    first = field.start[axis] + unit * int(field.stride[axis])
    return first, first + field.size[axis] - 1


def check(model: nn.Module, shape: tuple[int, ...]) -> Field:
    """The engine's field of the model's output equals the oracle's, unit by unit; the meta engine's
    pass (ATen operators inside F.interpolate, F.fold) finds the same. Returns the field."""
    model = model.eval()
    trace = trace_fields(copy.deepcopy(model).to("meta"), torch.empty(1, *shape, device="meta"))
    assert trace.warnings == [] and trace.applicable
    field = trace.final
    assert field is not None
    axes = list(range(len(field.size)))[-(len(shape) - 1):] if len(shape) > 2 else [1]
    for axis, (largest, spans) in zip(axes, oracle(model, shape), strict=True):
        assert field.size[axis] == largest, (axis, field, spans)
        for unit, first, last in spans:
            assert span(field, axis, unit) == (first, last), (axis, unit, field)
    counted = _meta.run(model, (torch.empty(1, *shape),)).fields
    assert (counted.final, counted.by_module, counted.depth) == (trace.final, trace.by_module, trace.depth)
    return field


def cbr(cin: int, cout: int, kernel: int = 3, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, dilation * (kernel // 2), dilation),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """Two levels: conv pair, 2x2 max pool, conv pair, 2x2 stride-2 transposed conv, skip concat."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Sequential(cbr(3, 4), cbr(4, 4))
        self.down = nn.MaxPool2d(2)
        self.mid = nn.Sequential(cbr(4, 8), cbr(8, 8))
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.dec = nn.Sequential(cbr(8, 4), cbr(4, 4))
        self.head = nn.Conv2d(4, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.enc(x)
        return self.head(self.dec(torch.cat([skip, self.up(self.mid(self.down(skip)))], dim=1)))


def test_unet_field_is_the_union_through_the_transposed_conv() -> None:
    # By hand: enc 5 (jump 1); pool 6, jump 2; mid 6+4*2 = 14; up (k2 s2): each output reads one
    # mid unit, 14 wide, jump 1 on average (pairs repeat); concat with the 5-wide skip: 14;
    # dec two 3x3 at jump 1/2-per-unit pairs: even units grow 14 -> 16 -> 18 (18x18 at the head).
    field = check(UNet(), (3, 32, 32))
    assert field.size == (18, 18) and field.stride == (1, 1)


class FPN(nn.Module):
    """Bottom-up at strides 1, 2, 4; laterals 1x1; top-down nearest 2x upsampling and additions."""

    def __init__(self) -> None:
        super().__init__()
        self.c1, self.c2, self.c3 = cbr(3, 4), cbr(4, 4, stride=2), cbr(4, 4, stride=2)
        self.l1, self.l2, self.l3 = (nn.Conv2d(4, 4, 1) for _ in range(3))
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.smooth = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c1 = self.c1(x)
        c2 = self.c2(c1)
        c3 = self.c3(c2)
        p2 = self.l2(c2) + self.up(self.l3(c3))
        return self.smooth(self.l1(c1) + self.up(p2))


def test_fpn_additions_take_the_top_down_path() -> None:
    # By hand: c1 3 (jump 1), c2 3 + 2 = 5 (jump 2), c3 5 + 2*2 = 9 (jump 4); the two nearest 2x
    # upsamplings put quads of p1 units on one c3 unit (9 wide, the widest term of each addition);
    # the 3x3 smooth reads three neighbours, at most two quads: 9 + 4 = 13, stride 1 on average.
    # The lateral path alone would give 3 + 2 = 5.
    field = check(FPN(), (3, 40, 40))
    assert field.size == (13, 13) and field.stride == (1, 1)


def test_super_resolution_with_pixel_shuffle() -> None:
    net = nn.Sequential(nn.PixelUnshuffle(2), cbr(12, 8), cbr(8, 8), nn.Conv2d(8, 3 * 16, 3, padding=1),
                        nn.PixelShuffle(4), nn.Conv2d(3, 3, 3, padding=1))
    field = check(net, (3, 24, 24))
    assert field.stride == (Fraction(1, 2), Fraction(1, 2))  # 2x down, 4x up: half a pixel per unit


def test_decoder_of_stride_2_transposed_convs_with_output_padding() -> None:
    net = nn.Sequential(
        nn.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1),
    )
    field = check(net, (2, 6, 6))
    # Output unit o of one layer reads input units (o+1)/2 for odd o (one unit) and o/2, o/2 + 1
    # for even o (two): fields 1 or 2 wide; three layers, eight output units per input unit.
    assert field.size == (2, 2) and field.stride == (Fraction(1, 8), Fraction(1, 8))


class DeepLabHead(nn.Module):
    """Output stride 4, an ASPP of dilated 3x3 branches, bilinear back to the input size."""

    def __init__(self, mode: str = "bilinear", align_corners: bool | None = False) -> None:
        super().__init__()
        self.backbone = nn.Sequential(cbr(3, 4, stride=2), cbr(4, 4, stride=2))
        self.branches = nn.ModuleList([cbr(4, 4, 1), cbr(4, 4, dilation=2), cbr(4, 4, dilation=3)])
        self.project = nn.Conv2d(12, 2, 1)
        self.mode, self.align_corners = mode, align_corners

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.backbone(x)
        logits = self.project(torch.cat([branch(features) for branch in self.branches], dim=1))
        return F.interpolate(logits, size=x.shape[-2:], mode=self.mode, align_corners=self.align_corners)


def test_deeplab_head_with_bilinear_interpolation() -> None:
    # By hand: backbone 3 (jump 2), 3 + 2*2 = 7 (jump 4); widest branch (dilation 3)
    # 7 + 3*2*4 = 31; bilinear 16 -> 64, align_corners off: output o reads source o/4 - 3/8, never
    # whole, so two neighbours: 31 + 4 = 35; four output units per feature unit: stride 1.
    field = check(DeepLabHead(), (3, 64, 64))
    assert field.size == (35, 35) and field.stride == (1, 1)


@pytest.mark.parametrize(("mode", "align_corners"), [
    ("bilinear", True), ("bicubic", False), ("bicubic", True), ("nearest", None), ("nearest-exact", None)])
def test_interpolation_modes_after_a_stride(mode: str, align_corners: bool | None) -> None:
    """Sizes 64 -> 16 -> 64, and with align_corners 65 -> 17 -> 65 ((17 - 1)/(65 - 1) = 1/4 exactly,
    so whole source coordinates fall on every fourth unit, whose neighbours have weight 0)."""
    side = 65 if align_corners else 64
    check(DeepLabHead(mode, align_corners), (3, side, side))


@pytest.mark.parametrize("scale", [2, 3])
@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
def test_interpolation_by_scale_factor(scale: int, mode: str) -> None:
    net = nn.Sequential(cbr(3, 2, stride=2), nn.Upsample(scale_factor=scale, mode=mode), cbr(2, 2))
    check(net, (3, 20, 20))


@pytest.mark.parametrize(("kernel", "stride", "padding", "output_padding", "dilation", "groups"), [
    (3, 2, 1, 1, 1, 1), (4, 2, 1, 0, 1, 2), (2, 3, 0, 0, 1, 1), (3, 2, 0, 1, 2, 2), (5, 3, 2, 2, 1, 1),
    (1, 2, 0, 0, 1, 1),  # a 1x1 stride-2 kernel: odd output units read nothing (bias only)
])
def test_transposed_convolution_geometries(kernel: int, stride: int, padding: int, output_padding: int,
                                           dilation: int, groups: int) -> None:
    layer = nn.ConvTranspose2d(4, 4, kernel, stride, padding, output_padding, groups, dilation=dilation)
    if kernel == 1:  # the probed units include empty ones: check what the rule gives them directly
        trace = trace_fields(layer, torch.ones(1, 4, 8, 8))
        assert trace.final is not None and trace.final.phases is not None
        phases = trace.final.phases[0]
        assert phases is not None and phases.low == (0, None) and trace.final.size == (1, 1)
        return
    check(nn.Sequential(cbr(4, 4, stride=2), layer, nn.Conv2d(4, 2, 3)), (4, 24, 24))


def test_fold_and_unfold() -> None:
    class ConvByUnfold(nn.Module):
        """A 3x3 convolution written as unfold, a weight product, and a view back to the grid."""

        def __init__(self) -> None:
            super().__init__()
            self.weight = nn.Parameter(torch.ones(4, 2 * 9))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            blocks = F.unfold(x, 3, padding=1, stride=2)
            return (self.weight @ blocks).view(x.shape[0], 4, (x.shape[2] + 1) // 2, (x.shape[3] + 1) // 2)

    class Overlap(nn.Module):
        """Overlapping 4x4 patches, scaled, folded back (overlap-add)."""

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            blocks = F.unfold(x, 4, stride=2) * 2
            return F.fold(blocks, x.shape[-2:], 4, stride=2)

    for net in (nn.Sequential(cbr(2, 2), ConvByUnfold()), nn.Sequential(cbr(2, 2), Overlap(), cbr(2, 2))):
        check(net, (2, 20, 20))


def test_one_dimensional_upsampling() -> None:
    net = nn.Sequential(nn.Conv1d(1, 2, 5, stride=2, padding=2), nn.ConvTranspose1d(2, 2, 4, 2, 1),
                        nn.Upsample(scale_factor=2, mode="linear"), nn.Conv1d(2, 1, 3, padding=1))
    field = check(net, (1, 40))
    assert field.size[0] == 1 and field.stride[1] == Fraction(1, 2)  # a signal sits on the width


def test_three_dimensional_upsampling() -> None:
    net = nn.Sequential(
        nn.Conv3d(2, 4, 3, stride=2, padding=1),
        nn.ConvTranspose3d(4, 4, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=1),
        nn.Upsample(scale_factor=(1, 2, 2), mode="trilinear"), nn.Conv3d(4, 1, 3, padding=1),
    )
    field = check(net, (2, 16, 12, 12))
    assert len(field.size) == 3 and field.stride[0] == 1 and field.stride[1] == Fraction(1, 2)


class Warp(nn.Module):
    """A spatial transformer: grid_sample at positions computed from the data."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        theta = torch.eye(2, 3, device=x.device).expand(x.shape[0], 2, 3) * x.mean()
        return F.grid_sample(x, F.affine_grid(theta, list(x.shape), align_corners=False), align_corners=False)


def test_a_field_after_an_unknown_operator_is_absent_never_smaller() -> None:
    net = nn.Sequential(OrderedDict(conv=nn.Conv2d(1, 2, 3), warp=Warp(), after=nn.Conv2d(2, 2, 3)))

    class Joined(nn.Module):  # a join of a known and an unknown path is unknown too
        def __init__(self) -> None:
            super().__init__()
            self.conv, self.warp = nn.Conv2d(1, 1, 3, padding=1), Warp()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.conv(x)
            return torch.cat([y, self.warp(y)], dim=1) + torch.rot90(y, 1, (2, 3))

    for model, names in ((net, ["warp", "after"]), (Joined(), [])):
        for trace in (trace_fields(model, torch.ones(1, 1, 16, 16)),
                      _meta.run(model, (torch.ones(1, 1, 16, 16),)).fields):
            assert trace.final is None
            assert all(trace.by_module[name] is None for name in names)
            assert any("grid_sample" in w or "grid_sampler" in w for w in trace.warnings)
    assert trace_fields(net, torch.ones(1, 1, 16, 16)).by_module["conv"] == Field((3, 3), (1, 1), (0, 0))


def test_sequence_models_have_no_field_and_count_recurrent_layers(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from archstat.analysis.counting import analyze
    from archstat.cli.app import app

    class Tagger(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True)
            self.out = nn.Linear(16, 5)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.out(self.lstm(x)[0])

    report = analyze(Tagger(), input_size=(6, 8), engine="meta")
    t = report.totals
    # depth by hand: two LSTM layers and the linear head on the longest path
    assert t["receptive_field"] is None and t["field_applicable"] is False and t["depth"] == 3
    assert t["field_notes"] == []
    attention = nn.TransformerEncoderLayer(16, 2, 32, batch_first=True)
    report = analyze(attention, input_size=(5, 16), engine="meta")
    # in/out projections of attention, then the two linears of the feed-forward block
    assert report.totals["field_applicable"] is False and report.totals["depth"] == 4
    spec = tmp_path / "tagger.py"
    spec.write_text("from torch import nn\n\n\nclass Tagger(nn.Module):\n    def __init__(self):\n"
                    "        super().__init__()\n        self.lstm = nn.LSTM(8, 16, batch_first=True)\n\n"
                    "    def forward(self, x):\n        return self.lstm(x)[0]\n")
    for command in ("table", "rf"):
        result = CliRunner().invoke(app, [command, f"{spec}:Tagger", "--input", "6x8", "--engine", "meta"])
        assert result.exit_code == 0, result.output
        assert "not applicable" in result.stdout and "sees 1x1" not in result.stdout
        assert "Depth: 1 weight layers" in result.stdout or "depth: 1 weight layers" in result.stdout


@st.composite
def resampling_net(draw: Any) -> nn.Sequential:
    """2-4 layers drawn from convolutions, transposed convolutions, interpolation and pixel shuffle."""
    layers: list[nn.Module] = []
    for _ in range(draw(st.integers(2, 4))):
        kind = draw(st.sampled_from(["conv", "transposed", "interpolate", "shuffle"]))
        if kind == "conv":
            k, d = draw(st.integers(1, 4)), draw(st.integers(1, 2))
            layers.append(nn.Conv2d(2, 2, k, draw(st.integers(1, 3)), draw(st.integers(0, d * (k - 1) // 2)), d))
        elif kind == "transposed":
            k, s, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
            pad = draw(st.integers(0, d * (k - 1) // 2))
            layers.append(nn.ConvTranspose2d(2, 2, k, s, pad, draw(st.integers(0, max(s, d) - 1)), dilation=d))
        elif kind == "interpolate":
            # align_corners is left to the fixed tests above: its scale (in-1)/(out-1) on drawn sizes
            # makes periods of hundreds of units, slow to probe
            mode = draw(st.sampled_from(["nearest", "nearest-exact", "bilinear", "bicubic"]))
            layers.append(nn.Upsample(scale_factor=draw(st.sampled_from([2, 3, 0.5])), mode=mode))
        else:
            layers += [nn.PixelShuffle(2), nn.Conv2d(1, 2, 1), nn.PixelUnshuffle(2), nn.Conv2d(8, 2, 1)]
    return nn.Sequential(*layers)


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(net=resampling_net(), side=st.integers(20, 32))
def test_random_resampling_networks_match_the_oracle(net: nn.Sequential, side: int) -> None:
    """Every probed unit whose span lies inside the image: the engine's span equals the oracle's."""
    shape = (2, side, side)
    try:
        with torch.no_grad():
            out = net(torch.ones(1, *shape))
    except RuntimeError:
        assume(False)  # a map shrank to nothing
    assume(min(out.shape[2:]) >= PROBES + 2)
    trace = trace_fields(copy.deepcopy(net).to("meta"), torch.empty(1, *shape, device="meta"))
    field = trace.final
    assert field is not None and trace.warnings == []
    checked = 0
    for axis, (_, spans) in enumerate(oracle(net, shape)):
        for unit, first, last in spans:
            engine = span(field, axis, unit)
            if engine[0] is None or (engine[0] >= 0 and engine[1] < side):
                assert engine == (first, last), (axis, unit, field, net)
                checked += 1
    assume(checked > 0)
