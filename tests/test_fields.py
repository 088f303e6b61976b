"""Receptive fields and depth (archstat.fields) against independent facts.

The second method is autograd. With every weight positive (1/fan_in), biases 0, batch norm an
identity and an input of ones, every activation is positive, so every ReLU passes its gradient and
nothing cancels: the input pixels where d(unit)/d(input) is non-zero are exactly the pixels the unit
depends on. The bounding box of that support is the unit's receptive field, clipped to the image.
A max pool passes its gradient to one winner only, so the reference replaces each max pool by an
average pool of the same geometry (same kernel, stride, padding, ceil_mode, hence the same output
grid); the engine itself runs on the original network, max pools and all. Local response norm
mixes channels only; the reference drops it, which also tests that the engine leaves the field
alone across it.

Where a unit's field lies inside the image the two must agree exactly (start and end). Where it
is clipped the support may only be smaller (dilation holes and zero padding can hide border
pixels), so there the test checks containment.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from torch import nn

from archstat.engines import imports, meta_device
from archstat.engines import meta as _meta
from archstat.engines.field_arithmetic import Field
from archstat.engines.fields import FieldTrace, trace_fields
from archstat.models import build_model, get_model_info, list_models

# ----------------------------------------------------------------------------- the autograd side


@pytest.fixture(autouse=True)
def one_thread() -> Any:
    """The reference networks are tiny or batched probes: one thread is several times faster than
    two on a shared two-core runner, where threads of parallel jobs oversubscribe the cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# float32 is enough: every term is positive (nothing cancels) and the smallest gradient here, a
# corner pixel reached through ~20 layers of 1/k^2 taps, is ~1e-20, far above float32's 1e-38.
DTYPE = torch.float32


def positive_reference(model: nn.Module) -> nn.Module:
    """A copy whose gradient support is the receptive field (see the module docstring)."""
    ref = copy.deepcopy(model).to(DTYPE).eval()
    for name, module in list(ref.named_modules()):
        replacement: nn.Module | None = None
        if isinstance(module, nn.MaxPool2d):
            assert module.dilation in (1, (1, 1)), "average pooling has no dilation"
            replacement = nn.AvgPool2d(
                module.kernel_size, module.stride, module.padding, module.ceil_mode)
        elif isinstance(module, nn.LocalResponseNorm):
            replacement = nn.Identity()
        if replacement is not None:
            parent, _, child = name.rpartition(".")
            setattr(ref.get_submodule(parent) if parent else ref, child, replacement)
    with torch.no_grad():
        for module in ref.modules():
            if isinstance(module, nn.ReLU):
                module.inplace = False  # keep each hooked output the tensor its module produced
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                assert module.running_mean is not None and module.running_var is not None
                module.running_mean.zero_()
                module.running_var.fill_(1.0)
                module.eps = 0.0
            for pname, param in module.named_parameters(recurse=False):
                if param.ndim >= 2:
                    param.fill_(1.0 / param[0].numel())
                else:
                    param.fill_(1.0 if "weight" in pname and isinstance(
                        module, nn.modules.batchnorm._BatchNorm) else 0.0)
    return ref


def support(grad: torch.Tensor) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Bounding box (rows [a, b), columns [a, b)) of the non-zero gradient, None if empty."""
    mask = grad.abs().sum(dim=(0, 1)) > 0
    rows, cols = mask.any(dim=1).nonzero(), mask.any(dim=0).nonzero()
    if rows.numel() == 0:
        return None
    return (int(rows.min()), int(rows.max()) + 1), (int(cols.min()), int(cols.max()) + 1)


def outputs_by_module(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Run ``model`` once and keep each named module's (first) output."""
    outs: dict[str, torch.Tensor] = {}

    def keep(name: str) -> Any:
        def hook(_m: nn.Module, _i: Any, out: Any) -> None:
            outs[name] = out if isinstance(out, torch.Tensor) else out[0]
        return hook

    handles = [m.register_forward_hook(keep(n)) for n, m in model.named_modules() if n]
    model(x)
    for handle in handles:
        handle.remove()
    return outs


def compare_with_autograd(model: nn.Module, input_hw: tuple[int, int], trace: FieldTrace,
                          names: list[str] | None = None, channels: int = 3,
                          reference: nn.Module | None = None) -> int:
    """Check the engine's field of three units (first, central, last) of every module output
    against the gradient support in ``reference`` (default: ``positive_reference(model)``).

    All probes share one backward pass: probe b reads its unit from batch element b, and batch
    elements never mix (batch norm is in eval mode), so the gradient of sample b is its support.
    Returns how many (unit, axis) pairs were checked for exact equality (fields inside the image).
    """
    reference = reference or positive_reference(model)
    height, width = input_hw
    with torch.no_grad():
        shapes = {n: t.shape for n, t in outputs_by_module(reference, torch.ones(
            1, channels, height, width, dtype=DTYPE)).items()}
    probes = []
    for name in names if names is not None else list(trace.by_module):
        field, shape = trace.by_module[name], shapes.get(name)
        if field is None or shape is None or len(shape) != 4:
            continue
        rows, cols = shape[2], shape[3]
        for unit in sorted({((rows - 1) // 2, (cols - 1) // 2), (0, 0), (rows - 1, cols - 1)}):
            probes.append((name, field, unit))
    if not probes:
        return 0
    x = torch.ones(len(probes), channels, height, width, dtype=DTYPE, requires_grad=True)
    outs = outputs_by_module(reference, x)
    picked = [outs[name][b, :, i, k].sum() for b, (name, _, (i, k)) in enumerate(probes)]
    (grad,) = torch.autograd.grad(torch.stack(picked).sum(), x)
    return sum(check_unit(name, field, unit, support(grad[b:b + 1]), (height, width))
               for b, (name, field, unit) in enumerate(probes))


def check_unit(name: str, field: Field, unit: tuple[int, int],
               box: tuple[tuple[int, int], tuple[int, int]] | None, image: tuple[int, int]) -> int:
    exact = 0
    for axis in (0, 1):
        first = field.start[axis] + unit[axis] * field.stride[axis]
        last = first + field.size[axis]  # one past the end
        inside = first >= 0 and last <= image[axis]
        where = f"{name} unit {unit} axis {'HW'[axis]}: engine [{first}, {last}), autograd {box}"
        if box is None:
            assert not inside, where
            continue
        lo, hi = box[axis]
        if inside:
            assert (lo, hi) == (first, last), where
            exact += 1
        else:
            assert max(first, 0) <= lo and hi <= min(last, image[axis]), where
    return exact


# ---------------------------------------------------------------- random networks with branches


class Residual(nn.Module):
    """body(x) + shortcut(x), then a functional ReLU (functional calls must be followed too)."""

    def __init__(self, body: nn.Module, shortcut: nn.Module) -> None:
        super().__init__()
        self.body, self.shortcut = body, shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.body(x) + self.shortcut(x))


class Concat(nn.Module):
    """Parallel paths concatenated along channels (an Inception module)."""

    def __init__(self, paths: list[nn.Module]) -> None:
        super().__init__()
        self.paths = nn.ModuleList(paths)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([path(x) for path in self.paths], dim=1)


WIDTH = 2  # channels of every convolution: small keeps the reference cheap


def conv(cin: int, kernel: tuple[int, int], stride: tuple[int, int] = (1, 1),
         padding: tuple[int, int] = (0, 0), dilation: tuple[int, int] = (1, 1)) -> nn.Sequential:
    layer = nn.Conv2d(cin, WIDTH, kernel, stride, padding, dilation)
    return nn.Sequential(layer, nn.ReLU(inplace=True))


@st.composite
def free_conv(draw: Any, cin: int) -> nn.Module:
    """Any geometry: non-square kernels, strides, paddings up to half the dilated kernel."""
    kernel = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, (d * (k - 1) + 1) // 2))
                    for k, d in zip(kernel, dilation, strict=True))
    return conv(cin, kernel, stride, padding, dilation)  # type: ignore[arg-type]


@st.composite
def same_conv(draw: Any, cin: int, stride: int = 1) -> nn.Module:
    """An odd kernel (1x5, 3x3, ...) padded to keep the grid, as in residual and Inception paths."""
    kernel = (draw(st.sampled_from([1, 3, 5])), draw(st.sampled_from([1, 3, 5])))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation, strict=True))
    return conv(cin, kernel, (stride, stride), padding, dilation)  # type: ignore[arg-type]


@st.composite
def pool(draw: Any) -> nn.Module:
    kernel = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    padding = draw(st.integers(0, kernel // 2))
    kind = nn.MaxPool2d if draw(st.booleans()) else nn.AvgPool2d
    return kind(kernel, stride, padding, ceil_mode=draw(st.booleans()))


@st.composite
def residual(draw: Any, cin: int) -> tuple[nn.Module, int]:
    """Identity or 1x1-stride-2 projection shortcut; the body's first conv carries the stride."""
    down = draw(st.booleans())
    layers = [draw(same_conv(cin, stride=2 if down else 1))]
    layers += [draw(same_conv(WIDTH)) for _ in range(draw(st.integers(0, 1)))]
    if down or cin != WIDTH:
        shortcut: nn.Module = nn.Conv2d(cin, WIDTH, 1, stride=2 if down else 1)
    else:
        shortcut = nn.Identity()
    return Residual(nn.Sequential(*layers), shortcut), WIDTH


@st.composite
def inception(draw: Any, cin: int) -> tuple[nn.Module, int]:
    paths: list[nn.Module] = []
    for _ in range(draw(st.integers(2, 3))):
        if draw(st.booleans()):
            paths.append(nn.Sequential(nn.MaxPool2d(3, 1, 1), conv(cin, (1, 1))))
        else:
            layers = [draw(same_conv(cin))]
            layers += [draw(same_conv(WIDTH)) for _ in range(draw(st.integers(0, 1)))]
            paths.append(nn.Sequential(*layers))
    return Concat(paths), WIDTH * len(paths)


@st.composite
def network(draw: Any) -> nn.Module:
    """2-4 blocks, each a free conv, a pool, a residual block or an Inception-style concat."""
    blocks: list[nn.Module] = []
    channels = 3
    for _ in range(draw(st.integers(2, 4))):
        kind = draw(st.sampled_from(["conv", "pool", "residual", "inception"]))
        if kind == "conv":
            block, channels = draw(free_conv(channels)), WIDTH
        elif kind == "pool":
            block = draw(pool())
        else:
            branching = residual if kind == "residual" else inception
            block, channels = draw(branching(channels))
        blocks.append(block)
    return nn.Sequential(*blocks).eval()


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(net=network(), height=st.integers(12, 48), width=st.integers(12, 48))
def test_random_branching_networks_match_autograd(net: nn.Module, height: int, width: int) -> None:
    try:
        with torch.no_grad():
            net(torch.ones(1, 3, height, width))
    except RuntimeError:
        assume(False)  # a feature map shrank to nothing: not a network
    trace = trace_fields(net, torch.ones(1, 3, height, width))
    assert trace.warnings == []
    assert trace.merges == []  # every merge here is centred and equally strided by construction
    compare_with_autograd(net, (height, width), trace)
    assert _meta.run(net, (torch.ones(1, 3, height, width),)).fields == trace  # the pass `analyze` uses


def test_the_autograd_comparison_is_not_vacuous() -> None:
    """A fixed branching network on a large input: most checks are exact, none only containment."""
    net = nn.Sequential(
        conv(3, (3, 5), (2, 1), (1, 2)), nn.MaxPool2d(3, 2, 1, ceil_mode=True),
        Concat([
            conv(2, (1, 1)),
            nn.Sequential(conv(2, (1, 7), padding=(0, 3)), conv(2, (7, 1), padding=(3, 0))),
            nn.Sequential(nn.MaxPool2d(3, 1, 1), conv(2, (1, 1))),
        ]),
        Residual(
            nn.Sequential(conv(6, (3, 3), (2, 2), (2, 2), (2, 2)), conv(2, (3, 3), padding=(1, 1))),
            nn.Conv2d(6, 2, 1, stride=2),
        ),
    ).eval()
    trace = trace_fields(net, torch.ones(1, 3, 96, 96))
    assert compare_with_autograd(net, (96, 96), trace) >= 40


# ----------------------------------------------------------------- published values, by hand


def test_two_and_three_3x3_convolutions_see_5x5_and_7x7() -> None:
    """VGG paper, Sec. 2.3: two stacked 3x3 layers have a 5x5 field, three a 7x7 one."""
    stack = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=1) for _ in range(3)])
    trace = trace_fields(stack, torch.ones(1, 1, 32, 32))
    assert trace.by_module["1"] == Field((5, 5), (1, 1), (-2, -2))
    assert trace.by_module["2"] == Field((7, 7), (1, 1), (-3, -3))


def test_1x7_then_7x1_sees_7x7() -> None:
    """Inception-v3's factorised 7x7 (Szegedy et al. 2016, Fig. 6)."""
    stack = nn.Sequential(
        nn.Conv2d(1, 1, (1, 7), padding=(0, 3)), nn.Conv2d(1, 1, (7, 1), padding=(3, 0)))
    trace = trace_fields(stack, torch.ones(1, 1, 17, 17))
    assert trace.by_module["0"] == Field((1, 7), (1, 1), (0, -3))
    assert trace.by_module["1"] == Field((7, 7), (1, 1), (-3, -3))
    compare_with_autograd(stack, (17, 17), trace, channels=1)


# Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill 2019,
# and the table of its library (google-research/receptive_field, RECEPTIVE_FIELD_TABLE.md):
# end-point -> (receptive field, effective stride, effective padding) in input pixels.
ALEXNET_V2 = {
    "conv1": (11, 4, 0), "pool1": (19, 8, 0), "conv2": (51, 8, 16), "conv3": (99, 16, 32),
    "conv4": (131, 16, 48), "conv5": (163, 16, 64), "pool5": (195, 32, 64),
}
VGG_16 = {
    "conv1_1": (3, 1, 1), "pool1": (6, 2, 2), "conv2_1": (10, 2, 4), "pool2": (16, 4, 6),
    "conv3_1": (24, 4, 10), "conv3_2": (32, 4, 14), "pool3": (44, 8, 18), "conv4_1": (60, 8, 26),
    "conv4_2": (76, 8, 34), "pool4": (100, 16, 42), "conv5_1": (132, 16, 58),
    "conv5_2": (164, 16, 74), "pool5": (212, 32, 90),
}


def paper_alexnet_features() -> nn.Sequential:
    """AlexNet's five convolutions and three overlapping 3x3/2 pools (Krizhevsky et al. 2012,
    Sec. 3.4-3.5); conv1 unpadded as in alexnet_v2, the others padded to keep the grid."""
    return nn.Sequential(OrderedDict(
        conv1=nn.Conv2d(3, 1, 11, 4), pool1=nn.MaxPool2d(3, 2), conv2=nn.Conv2d(1, 1, 5, padding=2),
        pool2=nn.MaxPool2d(3, 2), conv3=nn.Conv2d(1, 1, 3, padding=1),
        conv4=nn.Conv2d(1, 1, 3, padding=1), conv5=nn.Conv2d(1, 1, 3, padding=1),
        pool5=nn.MaxPool2d(3, 2),
    ))


def paper_vgg16_features() -> nn.Sequential:
    """VGG configuration D (Simonyan & Zisserman 2015, Table 1): 3x3/1 pad 1 convs, 2x2/2 pools."""
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    for stage, convs in enumerate([2, 2, 3, 3, 3], start=1):
        for i in range(1, convs + 1):
            layers[f"conv{stage}_{i}"] = nn.Conv2d(1, 1, 3, padding=1)
        layers[f"pool{stage}"] = nn.MaxPool2d(2, 2)
    return nn.Sequential(layers)


@pytest.mark.parametrize(
    "build, table", [(paper_alexnet_features, ALEXNET_V2), (paper_vgg16_features, VGG_16)])
def test_published_receptive_fields(build: Any, table: dict[str, tuple[int, int, int]]) -> None:
    net = build().to("meta")
    trace = trace_fields(net, torch.empty(1, net[0].in_channels, 224, 224, device="meta"))
    for name, (size, stride, padding) in table.items():
        expected = Field((size, size), (stride, stride), (-padding, -padding))
        assert trace.by_module[name] == expected, name


def last_pool5(model: nn.Module) -> str:
    names = [n for n, m in model.named_modules() if isinstance(m, nn.MaxPool2d)]
    return next((n for n in names if n.endswith("pool5")), names[-1])


# Same table, on the zoo's own networks at their default input: (end-point, RF, stride, padding);
# end-point None is the last feature map (Mixed_7c of Inception-v3, Mixed_7d of Inception-v4).
# The Inception rows test the union rule: every one of their modules is a concatenation.
ZOO_PUBLISHED = {
    "alexnet": ("pool5", 195, 32, 64), "vgg11": ("pool5", 150, 32, 59),
    "vgg16": ("pool5", 212, 32, 90), "inception_v3": (None, 1311, 32, 618),
    "inception_v4": (None, 2071, 32, 998),
}


@pytest.mark.parametrize("name", list(ZOO_PUBLISHED))
def test_zoo_matches_araujo(name: str) -> None:
    if name not in list_models():
        pytest.skip(f"{name} is not registered yet")
    end_point, size, stride, padding = ZOO_PUBLISHED[name]
    model = build_model(name).to("meta")
    trace = trace_fields(model, torch.empty(1, *get_model_info(name).input_size, device="meta"))
    field = trace.final if end_point is None else trace.by_module[last_pool5(model)]
    assert field == Field((size, size), (stride, stride), (-padding, -padding))
    assert trace.merges == [] and trace.warnings == []


# --------------------------------------------------------------------------- zoo vs autograd

ZOO_INPUTS = {"alexnet": 227, "vgg16": 48, "googlenet": 64, "resnet18": 64}


def probe_modules(model: nn.Module, trace: FieldTrace, side: int, count: int = 5) -> list[str]:
    """Up to ``count`` layers and blocks, in execution order, whose field can still fit the image
    (exact checks), plus the last one (a containment check deep in the network)."""
    modules = dict(model.named_modules())
    candidates = [
        n for n, f in trace.by_module.items() if f is not None and (
            isinstance(modules[n], (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d))
            or len(modules[n]._modules) > 1)
    ]
    fitting = [n for n in candidates if max(trace.by_module[n].size) <= side]  # type: ignore[union-attr]
    step = max(1, len(fitting) // count)
    return list(dict.fromkeys(fitting[::step][:count] + candidates[-1:]))


@pytest.mark.parametrize("name", list(ZOO_INPUTS))
def test_zoo_models_match_autograd(name: str) -> None:
    """The zoo's real ops (ceil-mode pools, LRN, Inception concats, projection shortcuts)."""
    if name not in list_models():
        pytest.skip(f"{name} is not registered yet")
    model = build_model(name)
    side = max(ZOO_INPUTS[name], get_model_info(name).min_input or 1)
    meta = copy.deepcopy(model).to("meta")
    trace = trace_fields(meta, torch.empty(1, 3, side, side, device="meta"))
    # Small inputs make the classifier's adaptive pooling upsample: an approximation, flagged.
    assert all("adaptive" in w for w in trace.warnings) and trace.merges == []
    assert compare_with_autograd(model, (side, side), trace, probe_modules(model, trace, side)) >= 5


# ------------------------------------------------------------------------------------- depth

# Weight layers on the longest path, as the papers count them.
PAPER_DEPTHS = {"alexnet": 8, "vgg16": 16, "vgg19": 19, "googlenet": 22, "resnet152": 152}


@pytest.mark.parametrize("name, depth", PAPER_DEPTHS.items())
def test_zoo_depth(name: str, depth: int) -> None:
    if name not in list_models():
        pytest.skip(f"{name} is not registered yet")
    model = build_model(name).to("meta")
    trace = trace_fields(model, torch.empty(1, *get_model_info(name).input_size, device="meta"))
    assert trace.depth == depth


def test_depth_is_the_longest_path_through_branches() -> None:
    """Hand count: stem conv (1); block: body 2 convs vs 1x1 shortcut -> 1 + 2 = 3;
    inception: 1x1, 1x1->3x3, pool->1x1 -> longest 3 + 2 = 5; then fc -> 6."""
    net = nn.Sequential(OrderedDict(
        stem=conv(3, (3, 3)),
        block=Residual(
            nn.Sequential(conv(2, (3, 3), padding=(1, 1)), conv(2, (3, 3), padding=(1, 1))),
            nn.Conv2d(2, 2, 1)),
        mixed=Concat([
            conv(2, (1, 1)),
            nn.Sequential(conv(2, (1, 1)), conv(2, (3, 3), padding=(1, 1))),
            nn.Sequential(nn.MaxPool2d(3, 1, 1), conv(2, (1, 1))),
        ]),
        pool=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(), fc=nn.Linear(6, 10),
    ))
    trace = trace_fields(net, torch.ones(1, 3, 16, 16))
    assert trace.depth_by_module["stem"] == 1
    assert trace.depth_by_module["block.shortcut"] == 2
    assert trace.depth_by_module["block"] == 3
    assert trace.depth_by_module["mixed"] == 5
    assert trace.depth == 6
    # After global pooling there is no spatial field; the final one is the map that was pooled.
    assert trace.by_module["pool"] is None and trace.by_module["fc"] is None
    assert trace.final == trace.by_module["mixed"]


# ------------------------------------------------------------------ ops inside forward, merges


class Functional(nn.Module):
    """Functional calls only: grouped dilated conv, 'same' padding, ceil-mode pools, pad, slices."""

    def __init__(self) -> None:
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(4, 1, 3, 2))
        self.w2 = nn.Parameter(torch.randn(4, 2, 4, 4))
        self.pool: Any = F.max_pool2d  # the autograd reference swaps in F.avg_pool2d

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(x, self.w1, stride=(2, 1), padding=(1, 0), dilation=2, groups=2)
        x = F.relu(self.pool(x, 3, 2, 1, ceil_mode=True), inplace=True)
        x = F.conv2d(x, self.w2, padding="same", groups=2)
        x = F.avg_pool2d(F.pad(x, (1, 2, 0, 1)), (2, 3), stride=(1, 2), ceil_mode=True)
        return x[:, :3, 1::2, ::1]


def test_functional_calls_by_hand_and_by_autograd() -> None:
    model = nn.Sequential(OrderedDict(body=Functional()))
    trace = trace_fields(model, torch.ones(1, 2, 40, 44))
    # By hand, (size r, jump j, start s) per axis, r += d(k-1)j, j *= stride, s -= pad*j:
    # rows: conv k3 d2 s2 p1 -> (5, 2, -1); max 3/2 p1 -> (9, 4, -3); 'same' 4x4 pads 1 before
    #       -> (21, 4, -7); pad top 0; avg 2/1 -> (25, 4, -7); rows 1::2 -> (25, 8, -3)
    # cols: conv k2 d2 s1 p0 -> (3, 1, 0); max 3/2 p1 -> (5, 2, -1); 'same' -> (11, 2, -3);
    #       pad left 1 -> (11, 2, -5); avg 3/2 -> (15, 4, -5)
    assert trace.by_module["body"] == Field((25, 15), (8, 4), (-3, -5))
    reference = positive_reference(model)
    body = reference.get_submodule("body")
    assert isinstance(body, Functional)
    body.pool = F.avg_pool2d
    assert compare_with_autograd(model, (40, 44), trace, channels=2, reference=reference) > 0


def test_misaligned_and_unequal_merges_are_flagged() -> None:
    class Shifted(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.avg_pool2d(x, 2, 1) + x[:, :, 1:, 1:]  # centres half a pixel apart

    class Strided(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.cat([F.max_pool2d(x, 2), x[:, :, :8, :8]], dim=1)  # jumps 2 and 1

    class Centred(nn.Module):  # the ResNet projection shortcut: aligned, not flagged
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.avg_pool2d(x, 3, 2, 1) + x[:, :, ::2, ::2]

    x = torch.ones(1, 1, 16, 16)
    shifted = trace_fields(nn.Sequential(OrderedDict(m=Shifted())), x)
    assert len(shifted.merges) == 1
    assert shifted.merges[0].startswith("m:") and "centred" in shifted.merges[0]
    assert shifted.by_module["m"] == Field((2, 2), (1, 1), (0, 0))  # union of [0,2) and [1,2)
    strided = trace_fields(nn.Sequential(OrderedDict(m=Strided())), x)
    assert len(strided.merges) == 1 and "strides" in strided.merges[0]
    assert trace_fields(nn.Sequential(OrderedDict(m=Centred())), x).merges == []


def test_squeeze_excitation_and_constants() -> None:
    """Global context is flagged; a zeros tensor made in forward (option-A padding) is neutral."""

    class SE(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * torch.sigmoid(F.adaptive_avg_pool2d(x, 1))

    class OptionA(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            shortcut = x[:, :, ::2, ::2]
            zeros = torch.zeros(shortcut.shape, device=x.device)
            return torch.cat([shortcut, zeros], dim=1)

    x = torch.ones(1, 2, 8, 8)
    se = trace_fields(nn.Sequential(nn.Conv2d(2, 2, 3), SE()), x)
    assert se.by_module["1"] == Field((3, 3), (1, 1), (0, 0)) and "global context" in se.merges[0]
    a = trace_fields(nn.Sequential(OptionA()), x)
    assert a.by_module["0"] == Field((1, 1), (2, 2), (0, 0)) and a.merges == []


def test_adaptive_pooling_lrn_and_unknown_ops() -> None:
    net = nn.Sequential(OrderedDict(
        conv=nn.Conv2d(1, 4, 3), lrn=nn.LocalResponseNorm(3), same=nn.AdaptiveAvgPool2d(10),
        halved=nn.AdaptiveMaxPool2d(5), odd=nn.AdaptiveAvgPool2d(3), up=nn.Upsample(scale_factor=2),
    ))
    trace = trace_fields(net, torch.ones(1, 1, 12, 12))
    assert trace.by_module["lrn"] == trace.by_module["conv"] == Field((3, 3), (1, 1), (0, 0))
    assert trace.by_module["same"] == trace.by_module["conv"]  # 10 -> 10: identity
    # 10 -> 5: kernel = stride = 2
    assert trace.by_module["halved"] == Field((4, 4), (2, 2), (0, 0))
    # 5 -> 3: bins [0,2), [1,4), [3,5): largest 3 units, stride floor(5/3) = 1, flagged approximate
    assert trace.by_module["odd"] == Field((8, 8), (2, 2), (0, 0))
    # nearest 2x: units 2q and 2q+1 both read unit q, so the fields repeat in pairs: 8x8, jump 2
    # per two units (stride 1 on average), followed exactly per unit (docs/receptive-field.md)
    up = trace.by_module["up"]
    assert up is not None and (up.size, up.stride, up.start) == ((8, 8), (1, 1), (0, 0))
    assert up.phases is not None and up.phases[0] is not None and up.phases[0].low == (0, 0)
    assert any("odd" in w and "approximated" in w for w in trace.warnings)
    assert not any("up" in w for w in trace.warnings)
    # The meta engine's pass sees the operators inside F.interpolate (upsample_nearest2d); the
    # fields are the same.
    merged = _meta.run(net, (torch.ones(1, 1, 12, 12),)).fields
    assert (merged.by_module, merged.depth_by_module, merged.final) == (trace.by_module, trace.depth_by_module,
                                                                        trace.final)


@pytest.mark.parametrize("name", list_models())
def test_the_counting_pass_follows_the_same_fields(name: str) -> None:
    """``analyze`` follows fields inside the meta engine's counting pass (``_meta.run``), where the
    operators inside torch's Python functions are seen one by one: on every zoo model, heads on and
    off, it must find exactly what the field trace alone finds (checked above against autograd)."""
    model = build_model(name, device="meta")
    inputs = (torch.empty(1, *get_model_info(name).input_size, device="meta"),)
    for aux in (False, True) if hasattr(model, "aux_logits") else (False,):
        model.aux_logits = aux
        with imports.light_imports(), meta_device.fast_kernels():
            alone = trace_fields(model, inputs)
        assert _meta.run(model, inputs).fields == alone


def test_meta_and_cpu_agree_and_skipped_modules_are_absent() -> None:
    class WithAux(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 5, stride=2)
            self.aux = nn.Conv2d(4, 4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.conv(x)  # the auxiliary head never runs

    model = WithAux()
    cpu = trace_fields(model, torch.ones(1, 3, 20, 20))
    meta = trace_fields(copy.deepcopy(model).to("meta"), torch.empty(1, 3, 20, 20, device="meta"))
    assert cpu == meta and "aux" not in cpu.by_module and cpu.depth == 1


def test_one_dimensional_fields_sit_on_the_width_axis() -> None:
    net = nn.Sequential(nn.Conv1d(1, 2, 5, stride=2, padding=2), nn.MaxPool1d(3, 2))
    trace = trace_fields(net, torch.ones(1, 1, 50))
    assert trace.by_module["1"] == Field((1, 9), (1, 4), (0, -2))
