"""The meta engine against the fvcore engine (the reference), hand arithmetic and torch's own counter.

The two engines must agree exactly: params, MACs by module and by operator, activations, output
shapes, receptive fields and depth, and the operators fvcore does not count, by name and by number
of calls. An operator one engine counts and the other does not fails the test. The differences
docs/engines.md lists for user models are pinned at the end, so a torch or fvcore update that
changes them shows up here.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import archstat
from archstat.engines import budget, contract, imports, registry
from archstat.engines import fvcore as _fvcore
from archstat.engines import meta as _meta
from archstat.engines.contract import Counts, Want
from archstat.engines.meta_ops import FVCORE_IGNORED, einsum_macs
from archstat.engines.registry import get_engine
from archstat.engines.shapes import ShapeRecorder
from archstat.errors import UsageError
from archstat.models import build_model, get_model_info, list_models

THOUSAND_LAYERS = ["resnet1202", "preact_resnet1001"]
NO_LIMIT = "1T"  # a budget no test input comes near: the fvcore engine really traces
LAYER_COLUMNS = ["name", "type", "output_shape", "params", "trainable_params", "macs", "activations",
                 "receptive_field", "effective_stride", "field_start", "depth"]


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> dict[str, Counts]:
    """The raw per-module counts each engine hands ``analyze``, recorded as they pass through the
    engine contract (``archstat.engines.registry.ENGINES``), keyed by the engine that counted."""
    seen: dict[str, Counts] = {}

    def recording(make: Callable[[object], contract.Engine]) -> Callable[[object], contract.Engine]:
        def factory(budget: object) -> contract.Engine:
            engine = make(budget)

            class Recording:
                name = engine.name

                def measure(self, *args: object) -> contract.Measurement:
                    measured = engine.measure(*args)  # type: ignore[arg-type]
                    if measured.counts is not None:
                        seen[measured.engine] = measured.counts
                    return measured

            return Recording()  # type: ignore[return-value]
        return factory

    for name, make in list(registry.ENGINES.items()):
        monkeypatch.setitem(registry.ENGINES, name, recording(make))  # type: ignore[arg-type]
    return seen


def assert_same_counts(meta: Counts, reference: Counts) -> None:
    assert set(meta.macs) == set(reference.macs)
    for name in reference.macs:
        assert meta.macs[name] == reference.macs[name], f"MACs by operator of {name!r}"
        assert meta.activations[name] == reference.activations[name], f"activations of {name!r}"
        assert meta.uncounted[name] == reference.uncounted[name], f"uncounted operators of {name!r}"


def assert_engines_agree(model: str | nn.Module, counts: dict[str, Counts], **kwargs: object) -> None:
    """Run ``analyze`` with each engine; every number and the raw counts must be equal."""
    reference = archstat.analyze(model, engine="fvcore", memory_budget=NO_LIMIT, **kwargs)  # type: ignore[arg-type]
    meta = archstat.analyze(model, engine="meta", **kwargs)  # type: ignore[arg-type]
    assert (reference.engine, meta.engine) == ("fvcore", "meta")
    assert meta.layers[LAYER_COLUMNS].to_dict("records") == reference.layers[LAYER_COLUMNS].to_dict("records")
    assert meta.totals == reference.totals
    assert_same_counts(counts["meta"], counts["fvcore"])
    assert_layers_sum_to_totals(meta)


SUMMED = ("params", "trainable_params", "macs", "activations")


def assert_layers_sum_to_totals(report: archstat.Report) -> None:
    """``report.layers`` partitions the network: each count column sums to the total that fvcore's
    whole-model count (``totals``) gives, independently of the per-module split; ``report.modules``
    is the tree, whose root row holds the same totals."""
    for column in SUMMED:
        assert report.layers[column].sum() == report.totals[column], column
        assert report.modules[column].iloc[0] == report.totals[column], column
    assert report.layers.is_leaf.all() and not report.modules.is_leaf.all()


def small_side(name: str) -> int:
    info = get_model_info(name)
    return info.min_input or min(info.input_size[1:])


@pytest.mark.parametrize("name", [n for n in list_models() if n not in THOUSAND_LAYERS])
def test_zoo_engines_agree_at_the_smallest_input(name: str, counts: dict[str, Counts]) -> None:
    channels, side = get_model_info(name).input_size[0], small_side(name)
    assert_engines_agree(name, counts, input_size=(channels, side, side))


@pytest.mark.parametrize("name", THOUSAND_LAYERS)
def test_thousand_layer_nets_agree(name: str) -> None:
    """One fvcore trace each (the slow side): the raw counts and every module's output shape.
    Params, fields and depth come from code both engines share, tested on the rest of the zoo."""
    model, inputs = build_model(name), (torch.zeros(1, 3, 8, 8),)
    shapes = {}
    for engine in (_fvcore, _meta):
        recorder = ShapeRecorder(model)
        with torch.no_grad():
            shapes[engine.ENGINE_NAME] = (engine.count(model, inputs), recorder.output_shapes)
        recorder.remove()
    assert_same_counts(shapes["meta"][0], shapes["fvcore"][0])
    assert shapes["meta"][1] == shapes["fvcore"][1]


@pytest.mark.parametrize("name", THOUSAND_LAYERS)
def test_thousand_layer_nets_layers_sum_to_totals(name: str) -> None:
    assert_layers_sum_to_totals(archstat.analyze(name, input_size=(3, 8, 8), engine="meta"))


@pytest.mark.parametrize("name, kwargs", [
    ("vgg16", {}),
    ("resnet50", {}),
    ("alexnet", {"num_classes": 10}),
    ("googlenet", {"aux": True}),
    ("inception_v3", {"aux": True}),
    ("resnet18", {"input_size": (3, 160, 320), "batch": 4}),
    ("densenet121", {"input_size": (3, 96, 96)}),
], ids=["vgg16", "resnet50", "alexnet-10", "googlenet-aux", "inception_v3-aux", "resnet18-wide-batch4",
        "densenet121-96"])
def test_zoo_engines_agree_at_larger_inputs(name: str, kwargs: dict, counts: dict[str, Counts]) -> None:
    assert_engines_agree(name, counts, **kwargs)


class Lambda(nn.Module):
    """A forward written as a function of (self, x), with submodules to call."""

    def __init__(self, forward: Callable[..., torch.Tensor], *children: nn.Module) -> None:
        super().__init__()
        self.fn = forward
        self.children_ = nn.ModuleList(children)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(self, x)


class Shared(nn.Module):
    """One convolution reachable under three names and called three times."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.alias = self.conv
        self.seq = nn.Sequential(self.conv, nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(self.alias(self.conv(x)))


class DeadCode(nn.Module):
    """Results computed and dropped: fvcore's trace is pruned of them, so neither engine counts them."""

    def __init__(self) -> None:
        super().__init__()
        self.unused, self.used = nn.Conv2d(8, 4, 3), nn.Conv2d(8, 4, 1)
        self.head = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        torch.relu_(self.unused(x))
        self.head(torch.ones(2, 4, device=x.device))
        x.sigmoid_()  # in place on the input: reaches the output through x
        x.view(-1).mul_(2)  # in place through a view: reaches it too
        return self.used(x)


def _in_place(x: torch.Tensor) -> torch.Tensor:
    y = x.clone()
    y += 1
    y *= 2
    y[:, 0] = 0
    y[:, 1] = x[:, 2]
    y[:, [3, 4]] = 2.0
    return y


X4 = (1, 8, 16, 16)
USER_MODELS: dict[str, tuple[Callable[[], nn.Module], tuple[int, ...]]] = {
    "conv1d": (lambda: nn.Conv1d(8, 4, 3, stride=2), (1, 8, 20)),
    "conv3d": (lambda: nn.Conv3d(8, 4, 3, padding=1), (1, 8, 6, 6, 6)),
    "conv-transposed": (lambda: nn.ConvTranspose2d(8, 4, 3, stride=2, output_padding=1, groups=2), X4),
    "conv-padding-same": (lambda: nn.Conv2d(8, 4, 4, padding="same", dilation=2), X4),
    "conv-reflect": (lambda: nn.Conv2d(8, 4, 3, padding=1, padding_mode="reflect"), X4),
    "conv-unbatched": (lambda: nn.Conv2d(8, 4, 3), (8, 16, 16)),
    "linear-3d": (lambda: nn.Linear(16, 5), (2, 3, 16)),
    "bilinear": (lambda: Lambda(lambda s, x: s.children_[0](x, x), nn.Bilinear(16, 16, 4)), (2, 16)),
    "matmul-broadcast": (lambda: Lambda(lambda s, x: torch.matmul(x, torch.ones(4, 16, 7, device=x.device))),
                         (5, 16)),
    "matmul-operator": (lambda: Lambda(lambda s, x: x @ torch.ones(16, 7, device=x.device)), (2, 3, 5, 16)),
    "bmm-mm-addmm": (lambda: Lambda(lambda s, x: torch.bmm(x, x.transpose(1, 2)).sum()
                                    + x[0].mm(x[0].t()).sum() + torch.addmm(x[0, :, :5], x[0], x[0].t()).sum()),
                     (2, 5, 16)),
    "einsum": (lambda: Lambda(lambda s, x: torch.einsum("bij,bkj->bik", x, x).sum()
                              + torch.einsum("b i j, b i k -> b j k", x, x).sum()
                              + torch.einsum("ij,jk,kl->il", [x[0], x[0].t(), x[0]]).sum()), (2, 5, 16)),
    "norms": (lambda: nn.Sequential(nn.BatchNorm2d(8), nn.BatchNorm2d(8, affine=False),
                                    nn.BatchNorm2d(8, track_running_stats=False), nn.GroupNorm(2, 8),
                                    nn.GroupNorm(2, 8, affine=False), nn.LayerNorm(16), nn.InstanceNorm2d(8),
                                    nn.InstanceNorm2d(8, affine=True), nn.LocalResponseNorm(3), nn.RMSNorm(16)),
              X4),
    "upsampling": (lambda: nn.Sequential(nn.Upsample(scale_factor=2), nn.Upsample(size=(40, 36), mode="bilinear"),
                                         nn.Upsample(scale_factor=0.5, mode="bicubic"),
                                         nn.UpsamplingBilinear2d(scale_factor=2), nn.PixelShuffle(2)), X4),
    "grid-sample": (lambda: Lambda(lambda s, x: F.grid_sample(x, torch.zeros(1, 5, 6, 2, device=x.device),
                                                               align_corners=False)), X4),
    "pooling": (lambda: nn.Sequential(nn.MaxPool2d(2, ceil_mode=True), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(3),
                                      nn.AdaptiveMaxPool2d(2), nn.LPPool2d(2, 2)), (1, 8, 17, 17)),
    "activations": (lambda: nn.Sequential(nn.ReLU(), nn.ReLU6(), nn.LeakyReLU(inplace=True), nn.PReLU(), nn.ELU(),
                                          nn.GELU(), nn.SiLU(), nn.Hardswish(), nn.Sigmoid(), nn.Tanh(),
                                          nn.Softmax(1), nn.LogSoftmax(1), nn.Mish(), nn.Dropout(), nn.Dropout2d()),
                    X4),
    "arithmetic": (lambda: Lambda(lambda s, x: (1 - x) + 2 / (x + 1) * x ** 2 - (-x).abs().sqrt().exp()
                                  + x.float() + (x == x).float() + x.mean() + x.sum((2, 3)).amax()), X4),
    "shapes-and-indexing": (lambda: Lambda(lambda s, x: torch.cat([x, x], 1)[:, [0, 2]].flatten(1).view(1, -1)
                                           .unflatten(1, (2, -1)).permute(1, 0, 2).T.sum() + x[..., 1:].sum()), X4),
    "in-place-writes": (lambda: Lambda(lambda s, x: _in_place(x)), X4),
    "shared-module": (Shared, X4),
    "forward-called-directly": (lambda: Lambda(lambda s, x: s.children_[0].forward(x), nn.Conv2d(8, 4, 3)), X4),
    "dead-code": (DeadCode, X4),
    "recurrent": (lambda: nn.LSTM(16, 8, batch_first=True), (2, 5, 16)),
}


@pytest.mark.parametrize("case", list(USER_MODELS))
def test_user_model_constructs_agree(case: str) -> None:
    factory, shape = USER_MODELS[case]
    torch.manual_seed(0)
    model = factory().eval()
    with torch.no_grad():
        reference = _fvcore.count(model, (torch.rand(shape) + 0.1,))
        meta = _meta.count(model, (torch.rand(shape) + 0.1,))
    assert_same_counts(meta, reference)


def test_user_modules_keep_their_weights() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
    before = {name: (t, t.clone()) for name, t in model.state_dict(keep_vars=True).items()}
    _meta.count(model, (torch.zeros(1, 3, 8, 8),))
    with pytest.raises(RuntimeError):
        _meta.count(model, (torch.zeros(1, 3, 9, 9),))  # the Linear's width no longer fits: forward fails
    for name, tensor in model.state_dict(keep_vars=True).items():
        original, values = before[name]
        assert tensor is original and torch.equal(tensor, values)


# Formulas, each against a hand calculation.

def macs(model: nn.Module, shape: tuple[int, ...]) -> Counter[str]:
    return _meta.count(model.eval(), (torch.zeros(shape),)).macs[""]


def test_convolution_is_output_elements_times_kernel_volume() -> None:
    assert macs(nn.Conv2d(3, 8, 3, stride=2), (1, 3, 17, 17)) == {"conv": (8 * 8 * 8) * (3 * 3 * 3)}
    assert macs(nn.Conv2d(8, 8, 3, groups=4), (1, 8, 10, 10)) == {"conv": (8 * 8 * 8) * (2 * 3 * 3)}
    # Transposed: every input pixel scatters a 3x3 window into each of the 4 outputs (fvcore's rule).
    assert macs(nn.ConvTranspose2d(8, 4, 3, stride=2), (1, 8, 5, 5)) == {"conv": (5 * 5) * 8 * 4 * 3 * 3}


def test_matrix_products_follow_fvcore() -> None:
    assert macs(nn.Linear(16, 5), (2, 3, 16)) == {"linear": 2 * 3 * 16 * 5}
    broadcast = Lambda(lambda s, x: torch.matmul(x, torch.ones(4, 16, 7, device=x.device)))
    assert macs(broadcast, (5, 16)) == {"matmul": 5 * 16 * 7}  # fvcore: prod(a.shape) * b.shape[-1], once
    assert einsum_macs("bij,bkj->bik", [[2, 5, 16], [2, 5, 16]]) == 2 * 5 * 16 * 5
    # ij,jk -> ik first (5*16*5), then ik,kl -> il (5*5*16): numpy's optimal path, halved
    assert einsum_macs("ij,jk,kl->il", [[5, 16], [16, 5], [5, 16]]) == 5 * 16 * 5 + 5 * 5 * 16


def test_normalisation_pooling_and_upsampling_follow_fvcore() -> None:
    n = 8 * 16 * 16
    assert macs(nn.BatchNorm2d(8), X4) == {"batch_norm": 2 * n}  # scale and shift per element
    assert macs(nn.BatchNorm2d(8, affine=False), X4) == {"batch_norm": n}
    assert macs(nn.BatchNorm2d(8, track_running_stats=False), X4) == {"batch_norm": 5 * n}
    assert macs(nn.GroupNorm(2, 8), X4) == {"group_norm": 5 * n}
    assert macs(nn.AdaptiveAvgPool2d(1), X4) == {"adaptive_avg_pool2d": n}
    assert macs(nn.Upsample(scale_factor=2), X4) == {"upsample_nearest2d": 4 * n}
    assert macs(nn.Upsample(scale_factor=2, mode="bilinear"), X4) == {"upsample_bilinear2d": 4 * 4 * n}


@pytest.mark.parametrize("name, side", [("resnet18", 64), ("alexnet_owt", 63), ("inception_v2", 64)])
def test_convolutions_and_products_match_torch_flop_counter(name: str, side: int) -> None:
    """A second method: torch's FlopCounterMode on a real forward counts 2 FLOPs per MAC."""
    model, x = build_model(name), torch.zeros(1, 3, side, side)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    counted = _meta.count(model, (x,)).macs[""]
    assert counted["conv"] + counted["linear"] == counter.get_total_flops() // 2


def test_ignored_operators_are_fvcores() -> None:
    from fvcore.nn.jit_analysis import _IGNORED_OPS

    assert {f"aten::{op}" for op in FVCORE_IGNORED} == _IGNORED_OPS


# The memory estimate and the budget.

def test_peak_activation_bytes_by_hand() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(inplace=True), nn.Conv2d(8, 8, 3))
    result = _meta.run(model, (torch.zeros(1, 3, 32, 32),))
    # input, first output (ReLU works in place) and second output, alive together, float32
    assert result.peak_activation_bytes == 4 * (3 * 32 * 32 + 8 * 30 * 30 + 8 * 28 * 28)
    weights = 4 * ((3 * 8 * 3 * 3 + 8) + (8 * 8 * 3 * 3 + 8))
    assert budget.trace_bytes(model, result.peak_activation_bytes) == weights + 2 * result.peak_activation_bytes


@pytest.mark.parametrize("text, size", [("8G", 8 * 2**30), ("512M", 512 * 2**20), ("1.5GiB", 3 * 2**29),
                                        ("64kb", 64 * 1024), ("1000", 1000)])
def test_memory_budget_sizes(text: str, size: int) -> None:
    assert budget.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "G", "-1G", "0", "eight", "nan"])
def test_bad_memory_budget_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="is not a size"):
        archstat.analyze("lenet5", memory_budget=text)


def test_over_budget_counts_with_the_meta_engine_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    reference = archstat.analyze("vgg11", input_size=(3, 64, 64), memory_budget=NO_LIMIT)
    report = archstat.analyze("vgg11", input_size=(3, 64, 64), memory_budget="1M")
    assert (reference.engine, reference.notes) == ("fvcore", [])
    assert report.engine == "meta" and len(report.notes) == 1
    assert "over the memory budget of 0.0 GiB (--memory-budget)" in report.notes[0]
    assert report.totals == reference.totals
    monkeypatch.setenv(budget.BUDGET_ENV, "1M")
    assert archstat.analyze("vgg11", input_size=(3, 64, 64)).engine == "meta"


class ReadsValues(nn.Module):
    """A forward that branches on tensor values: it cannot run on meta tensors."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) if bool(x.sum() >= 0) else x


def test_forward_that_reads_values() -> None:
    # The budget check cannot estimate it, so the real trace runs as before ...
    model, inputs = ReadsValues(), (torch.zeros(1, 3, 8, 8),)
    recorder = ShapeRecorder(model)
    measured = get_engine("fvcore", "1M").measure(model, inputs, Want.ALL, recorder)
    engine, notes, counts, fields = measured.engine, measured.notes, measured.counts, measured.fields
    recorder.remove()
    assert (engine, counts.macs[""]) == ("fvcore", {"conv": 4 * 6 * 6 * 3 * 3 * 3})
    assert len(notes) == 1 and notes[0].startswith("This forward reads tensor values")
    assert recorder.output_shapes["conv"] == [1, 4, 6, 6]
    # ... and so does the field trace: one 3x3 convolution, stride 1, is a 3x3 field at depth 1.
    assert (fields.final.size, fields.final.stride, fields.depth) == ((3, 3), (1, 1), 1)
    report = archstat.analyze(model, input_size=(3, 8, 8))
    assert (report.totals["receptive_field"], report.totals["depth"]) == ([3, 3], 1)
    # ... and the meta engine says in one note that it cannot read values, and traces for real instead.
    on_meta = archstat.analyze(model, input_size=(3, 8, 8), engine="meta")
    assert on_meta.engine == "fvcore" and on_meta.totals["macs"] == report.totals["macs"]
    assert on_meta.notes[0].startswith("The meta engine cannot read tensor values")


def test_unknown_engine_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--engine 'jit' is not one of fvcore, meta"):
        archstat.analyze("lenet5", engine="jit")


def test_the_pass_leaves_torch_as_it_found_it() -> None:
    """Guards restored, no stand-in for torch._dynamo, symbolic_shapes or sympy left behind, none
    of them imported (fresh interpreter: nothing else has imported them there), and torch still
    imports the real modules when asked."""
    script = (
        "import sys, torch, torch.nn.functional as F\n"
        "import archstat\n"
        "archstat.analyze('densenet121', input_size=(3, 64, 64), engine='meta')\n"
        "archstat.analyze('inception_v3', engine='meta', aux=True)\n"
        "loaded = {'torch._dynamo', 'sympy', 'torch.fx.experimental.symbolic_shapes'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
        "assert F.has_torch_function_unary is torch._C._has_torch_function_unary\n"
        "import torch._dynamo, sympy\n"
        "from torch.fx.experimental import symbolic_shapes\n"
        "assert hasattr(torch._dynamo, 'optimize') and hasattr(symbolic_shapes, 'ShapeEnv')\n"
        "assert hasattr(sympy, 'Symbol')\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)


PLAIN_ARGUMENTS = {
    "expect_true": [(True,), (False,)],
    "guard_or_false": [(True,), (False,)],
    "guard_or_true": [(True,), (False,)],
    "guard_size_oblivious": [(True,), (False,)],
    "statically_known_true": [(True,), (False,)],
    "sym_and": [(True,), (True, False), (True, True, True)],
    "sym_or": [(False,), (False, True), (False, False)],
    "sym_eq": [(3, 3), (3, 4), ([1, 2], (1, 2)), ([1, 2], [1, 2, 3]), ((), [])],
    "is_nested_int": [(7,), (True,)],
    "has_guarding_hint": [(7,), (False,)],
    "guarding_hint_or_throw": [(7,), (True,)],
}


@pytest.mark.filterwarnings("ignore:guard_size_oblivious will be removed:FutureWarning")
@pytest.mark.parametrize("name", sorted(PLAIN_ARGUMENTS))
def test_symbolic_shape_stand_ins_answer_as_torch_does(name: str) -> None:
    """The light_imports stand-ins against torch's own helpers on every plain argument they take,
    and on one they do not (a float), which must reach torch's helper and fail as it does there."""
    from torch.fx.experimental import symbolic_shapes

    stand_in = imports._plain_symbolic_helpers()[name]
    real = getattr(symbolic_shapes, name)
    for args in PLAIN_ARGUMENTS[name]:
        assert stand_in(*args) == real(*args) and type(stand_in(*args)) is type(real(*args)), args
    try:
        expected: object = real(2.5)
    except Exception as error:  # noqa: BLE001 - whatever torch raises, the stand-in raises too
        with pytest.raises(type(error)):
            stand_in(2.5)
    else:
        assert stand_in(2.5) == expected


# Differences docs/engines.md lists for user models: pinned, so a change in torch or fvcore shows.

def test_size_arithmetic_is_listed_by_neither_engine() -> None:
    """Under tracing F.interpolate computes a recomputed size with tensors (one mul per axis), and
    x.numel() in arithmetic is an operator; on meta both are plain Python numbers. Size arithmetic
    is no operator on data: neither engine lists it, while the mul on data is listed by both."""
    model = Lambda(lambda s, x: F.interpolate(x, scale_factor=1.5, recompute_scale_factor=True) * x.numel())
    x = torch.rand(X4)
    with torch.no_grad():
        reference, meta = _fvcore.count(model, (x,)), _meta.count(model, (x,))
    assert reference.macs == meta.macs
    assert reference.uncounted[""] == meta.uncounted[""] == Counter({"mul": 1})


def test_boolean_mask_cannot_run_on_meta() -> None:
    model = Lambda(lambda s, x: x[x > 0])
    with pytest.raises(NotImplementedError):
        _meta.count(model, (torch.rand(X4),))


# Every command that counts takes --engine; the meta engine must not change a single number.

def _without_engine(data: object) -> object:
    if isinstance(data, dict):
        return {k: _without_engine(v) for k, v in data.items() if k != "engine"}
    if isinstance(data, list):
        return [_without_engine(v) for v in data]
    return data


@pytest.mark.parametrize("command", [
    ["compare", "vgg16", "googlenet", "resnet50"],
    ["rf", "googlenet"],
    ["diff", "resnet50", "resnet50_v1_5"],
])
def test_commands_give_the_same_numbers_on_either_engine(command: list[str]) -> None:
    import json

    from typer.testing import CliRunner

    from archstat.cli.app import app

    runner = CliRunner()
    outputs = [runner.invoke(app, [*command, "--format", "json", "--engine", engine]) for engine in ("fvcore", "meta")]
    assert all(o.exit_code == 0 for o in outputs), [o.output for o in outputs]
    fvcore, meta = (json.loads(o.stdout) for o in outputs)
    assert _without_engine(fvcore) == _without_engine(meta)


def test_claims_give_the_same_verdicts_on_either_engine() -> None:
    from archstat.cli.commands.claims import measure, select

    chosen = select(["c01", "c02", "c05", "c08", "c12", "c20", "c26", "c30"])
    fvcore, meta = (measure(chosen, engine=engine) for engine in ("fvcore", "meta"))
    assert [(r.claim.id, r.measured, r.verdict) for r in fvcore] == [(r.claim.id, r.measured, r.verdict) for r in meta]


def test_callers_ask_an_engine_what_it_can_do_never_its_name():
    """The engine seam is a capability, not a name: no module of the library compares an engine's name
    (docs/architecture.md, "The engine contract")."""
    import re
    from pathlib import Path

    package = Path(archstat.__file__).parent
    # ``x is Engine.meta``, ``engine == "fvcore"``, ``report.engine != ...``, ``x.name == "meta"``
    comparing = re.compile(r"(is|is not|==|!=)\s+Engine\.\w+|engine\w*\s*[!=]="
                           r"|\.name\s*[!=]=\s*[\"'](fvcore|meta|torch)")
    found = [f"{path.relative_to(package)}:{n}" for part in ("analysis", "engines", "claims", "render", "cli")
             for path in sorted((package / part).rglob("*.py"))
             for n, line in enumerate(path.read_text().splitlines(), 1) if comparing.search(line)]
    assert found == []
    assert registry.capabilities("fvcore").real_weights and not registry.capabilities("meta").real_weights
    assert set(registry.CAPABILITIES) == set(registry.ENGINES)
    with pytest.raises(UsageError, match="'gpu' is not one of fvcore, meta, torch"):
        registry.capabilities("gpu")
