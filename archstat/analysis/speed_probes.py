"""The calibration's probes: synthetic layers of every operator class, timed the way a network is
timed, and the fit of each class's cost (``cost.linear_time``) to their times.

No probe is a layer of any benchmarked network: each class gets ``PER_CLASS`` shapes drawn at random
(fixed seed) from a grid of channels (16 to 1024; for three convolution classes ``ODD_PER_CLASS`` more
with channels off a vector's multiple, ``probe_list``), output sides (7 to 112), kernels and strides, kept
under a work budget so that the whole calibration stays well under a minute. Each probe is a leaf
module in one synthetic network, fed by a ReLU that writes its input just before it, as the previous
layer of a network does (so its input is as warm in the caches as a network's), and timed with the
measurement's own hooks (``timing.time_layers``) at batch 1 and 8 (the 1x1 convolutions PyTorch runs
through another kernel from batch 16 on, ``conv1x1_b16``, at batch 16): what the fit sees is what a
network's measurement will see, hooks included. Each probe's time is the fastest of its runs
(``time_probes``): the machine's other work only adds time, and the fastest run is what a calibration
can measure again. The probe network holds in memory what a network
holds: every probe reads its input from one shared random buffer and its output is freed as soon as it
is made, as a network frees an activation once the next layer has read it (a network that kept every
output and a separate input per probe streamed hundreds of MB through the caches between two probes,
so each probe ran colder than a network's layer, and every convolution class's fit came out ~10% slow).
The bytes and FLOPs of each probe come from the same rules (``cost.op_cost``, on a meta-tensor log of
the probe network) that price a network.

The fit, per class: the non-negative least-squares solution (every coefficient a time or a factor,
none negative) of measured seconds = ``cost.linear_features`` . coefficients, each probe weighted by
1 / its time, so that a 50 us probe counts as much as a 50 ms one (relative errors). A convolution's
output bytes are priced once, in its traffic (``OWN_TERMS``): a separate per-output-byte term beside it
made the fit ill-conditioned (two near-equal terms traded places from one calibration to the next).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .cost import BATCHED, BYTES, Roofs, call_costs, first_touch_s, linear_features

PER_CLASS = 24
SMALL_BATCHES = (1, 8)  # every class's probes but conv1x1_b16's
BATCHES = (*SMALL_BATCHES, BATCHED)  # every batch a probe is timed at (``batches``: which class at which)
CHANNELS = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)
SIDES = (7, 14, 28, 56, 112)
# channel counts that are not a multiple of 16 (nor, the first four, of 8), for ``ODD_PER_CLASS`` more probes of
# the classes oneDNN runs in its blocked layout (``probe_list``)
ODD_CHANNELS = (12, 20, 28, 36, 40, 56, 72, 88, 120, 136, 200, 296, 360, 488)
ODD_PER_CLASS = 8
RUNS = 15  # timed runs of the probe network at batch 1
LARGE_BATCH_RUNS = 7  # at batch 8 and 16 (each run 8 to 16 times longer)
BUDGET_FLOPS = 250e6  # per probe at batch 1: about 3 ms on one core of a recent x86 processor
# per probe tensor at batch 1: at batch 8 in fp32 at most 32 MiB, so that no probe allocates above the
# allocator's mmap threshold (fresh pages are priced apart, ``cost.first_touch_s``)
BUDGET_ELEMENTS = 2**20


class _Binary(nn.Module):
    """The input's two halves of channels added (a residual addition of two tensors), or the input
    times one number per channel (a squeeze-and-excitation scale)."""

    def __init__(self, scale: bool) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: Any) -> Any:
        half = x.shape[1] // 2
        return x * x[:, :, :1, :1] if self.scale else x[:, :half] + x[:, half:]


class _Cat(nn.Module):
    """The input's two halves of channels concatenated in the other order (all of it read and written)."""

    def forward(self, x: Any) -> Any:
        half = x.shape[1] // 2
        return torch.cat([x[:, half:], x[:, :half]], 1)


class _Shuffle(nn.Module):
    """A channel shuffle's copy: two groups' channels interleaved (a transpose made contiguous)."""

    def forward(self, x: Any) -> Any:
        n, c, h, w = x.shape
        return x.view(n, 2, c // 2, h, w).transpose(1, 2).contiguous()


def _draw(rng: random.Random, choices: dict[str, tuple[Any, ...]],
          ok: Callable[[dict[str, Any]], bool], count: int = PER_CLASS) -> list[dict[str, Any]]:
    """``count`` distinct combinations of ``choices`` passing ``ok``, drawn at random in turn from each
    value of the first choice (so that the probes spread over, say, every channel count)."""
    grid = [dict(zip(choices, values, strict=True)) for values in itertools.product(*choices.values())]
    fitting = [g for g in grid if ok(g)]
    rng.shuffle(fitting)
    first = next(iter(choices))
    strata = [[g for g in fitting if g[first] == value] for value in choices[first]]
    if count < len(strata):  # fewer probes than values: a random choice of values, not the first ones
        strata = [strata[i] for i in sorted(rng.sample(range(len(strata)), count))]
    drawn: list[dict[str, Any]] = []
    while len(drawn) < min(count, len(fitting)):
        for stratum in strata:
            if stratum and len(drawn) < count:
                drawn.append(stratum.pop())
    return drawn


def _dense_probes(rng: random.Random, name: str, kernels: tuple[int, ...], strides: tuple[int, ...],
                  flops_budget: float = BUDGET_FLOPS, elements_budget: int = BUDGET_ELEMENTS,
                  channels: tuple[int, ...] = CHANNELS, count: int = PER_CLASS
                  ) -> list[tuple[str, nn.Module, tuple[int, ...]]]:
    """(class, module, input shape without batch) for ``count`` ordinary convolutions of one class, their
    channels from ``channels``, each probe within the budgets (FLOPs, elements of its largest tensor) per image."""
    def ok(g: dict[str, Any]) -> bool:
        out = g["side"]
        flops = 2 * g["cin"] * g["cout"] * g["k"] ** 2 * out * out
        largest = max(g["cin"] * (out * g["s"]) ** 2, g["cout"] * out * out)
        return (flops <= flops_budget and largest <= elements_budget
                and (g["k"] != 4 or g["s"] == 4) and (g["s"] != 4 or g["k"] == 4))

    cin = channels + ((3,) if name == "conv" else ())
    probes: list[tuple[str, nn.Module, tuple[int, ...]]] = []
    for g in _draw(rng, {"cin": cin, "cout": channels, "side": SIDES, "k": kernels, "s": strides}, ok, count):
        module = nn.Conv2d(g["cin"], g["cout"], g["k"], g["s"], g["k"] // 2 if g["k"] != 4 else 0, bias=False)
        probes.append((name, module, (g["cin"], g["side"] * g["s"], g["side"] * g["s"])))
    return probes


def _conv_probes(rng: random.Random) -> list[tuple[str, nn.Module, tuple[int, ...]]]:
    """(class, module, input shape without batch) for the convolution classes timed at ``SMALL_BATCHES``."""
    spec = {"conv1x1": ((1,), (1,)), "conv3x3": ((3,), (1,)), "conv_strided": ((1, 3), (2,)),
            "conv": ((5, 7, 4), (1, 2, 4))}  # (kernels, strides); a 4x4 kernel only at stride 4 (a patchify stem)
    probes = [probe for name, (kernels, strides) in spec.items()
              for probe in _dense_probes(rng, name, kernels, strides)]
    return probes + _depthwise_probes(rng, CHANNELS, PER_CLASS)


def _depthwise_probes(rng: random.Random, channels: tuple[int, ...], count: int
                      ) -> list[tuple[str, nn.Module, tuple[int, ...]]]:
    """(class, module, input shape without batch) for ``count`` depthwise convolutions, channels from ``channels``."""
    probes: list[tuple[str, nn.Module, tuple[int, ...]]] = []
    for g in _draw(rng, {"c": channels, "side": SIDES, "k": (3, 5, 7), "s": (1, 2)},
                   lambda g: g["c"] * (g["side"] * g["s"]) ** 2 <= BUDGET_ELEMENTS, count):
        module = nn.Conv2d(g["c"], g["c"], g["k"], g["s"], g["k"] // 2, groups=g["c"], bias=False)
        probes.append(("depthwise", module, (g["c"], g["side"] * g["s"], g["side"] * g["s"])))
    return probes


def _memory_probes(rng: random.Random) -> list[tuple[str, nn.Module, tuple[int, ...]]]:
    """(class, module, input shape without batch) for the matrix products and the memory-bound classes."""
    probes: list[tuple[str, nn.Module, tuple[int, ...]]] = []
    sizes = {"rows": (1, 49, 196, 784, 3136), "cin": CHANNELS + (2048, 4096), "cout": CHANNELS + (1000, 4096)}
    for g in _draw(rng, sizes,
                   lambda g: 2 * g["rows"] * g["cin"] * g["cout"] <= BUDGET_FLOPS and g["cin"] * g["cout"] <= 2**24
                   and g["rows"] * max(g["cin"], g["cout"]) <= BUDGET_ELEMENTS):
        probes.append(("matmul", nn.Linear(g["cin"], g["cout"]), (g["rows"], g["cin"])))
    for side in (1024, 2048, 4096):  # matrix-vector products: 4 to 64 MiB of weights read once, from memory
        probes.append(("matmul", nn.Linear(side, side), (1, side)))
    makers: dict[str, Callable[[int, int], tuple[nn.Module, tuple[int, ...]]]] = {
        "norm": lambda c, s: (nn.BatchNorm2d(c).eval(), (c, s, s)),
        "layernorm": lambda c, s: (nn.LayerNorm(c), (s, s, c)),  # over channels, channels last (ConvNeXt's)
        "elementwise": lambda c, s: ((nn.ReLU(), nn.ReLU6(), nn.Hardswish())[(c + s) % 3], (c, s, s)),
        "inplace": lambda c, s: ((nn.ReLU(inplace=True), nn.ReLU6(inplace=True), nn.Hardswish(inplace=True))[
            (c + s) % 3], (c, s, s)),
        "activation": lambda c, s: ((nn.SiLU(), nn.GELU(), nn.Sigmoid(), nn.SiLU(inplace=True))[(c + s) % 4],
                                    (c, s, s)),
        "add": lambda c, s: (_Binary(scale=(c + s) % 2 == 1), (c, s, s)),
        "copy": lambda c, s: ((_Cat(), _Shuffle())[(c + s) % 2], (c, s, s)),
        "maxpool": lambda c, s: ((nn.MaxPool2d(3, 2, 1), nn.MaxPool2d(3, 1, 1), nn.MaxPool2d(2, 2))[(c + s) % 3],
                                 (c, s, s)),
        "avgpool": lambda c, s: (nn.AvgPool2d(2, 2), (c, s, s)),
        "pool": lambda c, s: (nn.AdaptiveAvgPool2d(1), (c, s, s)),
    }
    for name, make in makers.items():
        for g in _draw(rng, {"c": CHANNELS, "side": SIDES}, lambda g: g["c"] * g["side"] ** 2 <= BUDGET_ELEMENTS):
            module, shape = make(g["c"], g["side"])
            probes.append((name, module, shape))
    return probes


def probe_list(seed: int = 0) -> list[tuple[str, nn.Module, tuple[int, ...]]]:
    """Every probe: (class, module, input shape without the batch), the same for the same seed. The
    ``conv1x1_b16`` probes run at batch 16 only (``batches``): within a batch-8 probe's FLOPs and a quarter
    of its largest tensor per image, so that at batch 16 nothing, oneDNN's reordered copies included,
    allocates above 32 MiB. Last, ``ODD_PER_CLASS`` more depthwise, 3x3 and batch-16 1x1 convolutions with
    channels that are not a multiple of a vector's 16 (``ODD_CHANNELS``), which the blocked layouts of oneDNN
    reorder the slow way (``cost.OpCost.unblocked_bytes``)."""
    rng = random.Random(seed)
    b16 = (BUDGET_FLOPS / 2, BUDGET_ELEMENTS // 4)
    return (_conv_probes(rng) + _memory_probes(rng) + _dense_probes(rng, "conv1x1_b16", (1,), (1,), *b16)
            + _depthwise_probes(rng, ODD_CHANNELS, ODD_PER_CLASS)
            + _dense_probes(rng, "conv3x3", (3,), (1,), channels=ODD_CHANNELS, count=ODD_PER_CLASS)
            + _dense_probes(rng, "conv1x1_b16", (1,), (1,), *b16, ODD_CHANNELS, ODD_PER_CLASS))


def batches(name: str) -> tuple[int, ...]:
    """The batches a class's probes are timed at: 16 (``cost.BATCHED``) for ``conv1x1_b16``, whose kernel
    PyTorch picks by the batch, else ``SMALL_BATCHES``."""
    return (BATCHED,) if name == "conv1x1_b16" else SMALL_BATCHES


class ProbeNet(nn.Module):
    """The probes as one network: each fed by its own ReLU (``feed.N``) from its own input, then run (``probe.N``);
    each output is dropped as soon as it is made (a network's activation, freed once read), so it returns nothing."""

    def __init__(self, probes: list[tuple[str, nn.Module, tuple[int, ...]]]) -> None:
        super().__init__()
        self.feed = nn.ModuleList(nn.ReLU() for _ in probes)
        self.probe = nn.ModuleList(module for _, module, _ in probes)

    def forward(self, *inputs: Any) -> None:
        for feed, probe, x in zip(self.feed, self.probe, inputs, strict=True):
            probe(feed(x))


def shared_inputs(shapes: list[tuple[int, ...]], dtype: torch.dtype) -> list[Any]:
    """One random input per shape, each a view of the start of one shared buffer (the largest shape's size):
    the probes' inputs take the memory of one, not of all of them."""
    buffer = torch.randn(max(math.prod(shape) for shape in shapes), dtype=dtype)
    return [buffer[:math.prod(shape)].view(shape) for shape in shapes]


def probe_features(net: ProbeNet, shapes: list[tuple[int, ...]], dtype: str, roofs: Roofs
                   ) -> tuple[list[tuple[float, ...]], list[float]]:
    """Each probe's ``cost.linear_features`` and its page-fault seconds (``cost.first_touch_s``), from the
    operators a meta-tensor forward runs in it (priced as a network's are)."""
    from ..engines.call_log import record_calls

    log = record_calls(net, tuple(torch.zeros(shape, device="meta") for shape in shapes), (), {})
    sums: dict[str, list[float]] = {}
    roofs_of: dict[str, str] = {}
    for call, cost in call_costs(log.aten, BYTES[dtype]):
        owner = next((m for m in reversed(call.modules) if m.startswith("probe.")), None)
        if owner is None:
            continue
        probe = ".".join(owner.split(".")[:2])
        total = sums.setdefault(probe, [0.0] * 7)
        roofs_of[probe] = cost.roof
        for i, value in enumerate((cost.flops, cost.input_bytes + cost.output_bytes, cost.weight_bytes,
                                   cost.output_bytes, cost.weight_reads, cost.unblocked_bytes(roofs.block),
                                   first_touch_s(cost.allocated, roofs))):
            total[i] += value
    found = [sums.get(f"probe.{i}", [0.0] * 7) for i in range(len(shapes))]
    features = [linear_features(flops, io, weights, out, roofs, roofs_of.get(f"probe.{i}", ""), reads, unblocked)
                for i, (flops, io, weights, out, reads, unblocked, _) in enumerate(found)]
    return features, [fresh for *_, fresh in found]


def time_probes(dtype: torch.dtype, batch: int, clock: Callable[[], float], seed: int = 0,
                warm_weights: tuple[str, ...] = ()
                ) -> tuple[list[str], ProbeNet, list[tuple[int, ...]], list[float], float]:
    """Build the probe network at ``batch`` and time each probe: seconds, the fastest of ``RUNS`` runs
    (``LARGE_BATCH_RUNS`` above batch 1). The machine's other work only ever adds time, and on a shared machine
    it comes in bursts that slowed whole runs by 40-60% here: a probe's median of 5 runs moved by 8% in median
    from one calibration to the next, its fastest of 15 by 2%. The probes of the classes in ``warm_weights``
    read their weights (untimed) just before they run (``cold_weight_seconds``).

    Last, the hooks' cost per gap in a container's "between" row, seconds: the network's own row (no operator
    runs there) over its gaps, two a probe, one after the last and one at each edge of the run. Measured
    between kernels, it is what it is in a network (7 to 12 us here), where a row of empty modules, the
    hooks' code always warm, gave 3 to 5."""
    from .timing import between_name, time_layers

    probes = [probe for probe in probe_list(seed) if batch in batches(probe[0])]
    net = ProbeNet(probes).to(dtype).eval()
    shapes = [(batch, *shape) for _, _, shape in probes]
    inputs = shared_inputs(shapes, dtype)
    for (name, _, _), module in zip(probes, net.probe, strict=True):
        if name in warm_weights:  # registered before the timing's hooks, so it runs before the clock starts
            module.register_forward_pre_hook(_read_weights)
    torch.set_flush_denormal(True)
    try:
        with torch.no_grad():
            runs = RUNS if batch == 1 else LARGE_BATCH_RUNS
            rows = time_layers(lambda: net(*inputs), net, warmup=1, runs=runs, clock=clock, statistic=min).rows
    finally:
        torch.set_flush_denormal(False)
    times = [rows.get(f"probe.{i}", 0.0) for i in range(len(probes))]
    return [name for name, _, _ in probes], net, shapes, times, rows.get(between_name(""), 0.0) / (2 * len(probes) + 3)


def _read_weights(module: nn.Module, _: Any) -> None:
    for weight in module.parameters():
        weight.sum()


def cold_weight_seconds(weight_bytes: list[float], cold: list[float], warm: list[float]) -> float:
    """Seconds per byte of weights read cold: the least-squares slope, through the origin, of what each probe
    took more as it ran (``cold``) than with its weights read just before (``warm``), over its weights' bytes;
    at least 0. PyTorch's own 1x1 path reads the weights cold once per forward and packs them once per image
    from the caches, and at batch 1 those are the same bytes: a fit cannot tell the two apart, so the
    calibration measures the first (``conv1x1`` at batch 1)."""
    squares = sum(w * w for w in weight_bytes)
    if not squares:
        return 0.0
    return max(0.0, sum(w * (c - h) for w, c, h in zip(weight_bytes, cold, warm, strict=True)) / squares)


def time_calls(clock: Callable[[], float], count: int = 100) -> tuple[float, float]:
    """(one module call's Python in a plain forward, the hooks' own cost in a layer's row), seconds: ``count``
    empty layers (``nn.Identity``, no operator) in a row, timed plain and with the measurement's hooks. The
    hooks' cost per gap in a container's row is measured between kernels instead (``time_probes``)."""
    import statistics

    from .timing import time_layers

    net = nn.Sequential(*(nn.Identity() for _ in range(count)))
    x = torch.zeros(1)
    timing = time_layers(lambda: net(x), net, warmup=2, runs=9, clock=clock)
    return timing.plain_s / count, statistics.median(timing.rows.get(str(i), 0.0) for i in range(count))


def nonnegative_fit(features: list[tuple[float, ...]], targets: list[float], scales: list[float]) -> tuple[float, ...]:
    """Coefficients c >= 0 minimising sum(((features . c) - target) / scale)^2: every subset of the
    features solved by least squares, the best one whose coefficients are all non-negative (4 features:
    15 subsets)."""
    width = len(features[0])
    rows = torch.tensor([[x / s for x in f] for f, s in zip(features, scales, strict=True)], dtype=torch.float64)
    target = torch.tensor([y / s for y, s in zip(targets, scales, strict=True)], dtype=torch.float64)
    best: tuple[float, tuple[float, ...]] = (float(target.pow(2).sum()), (0.0,) * width)
    for size in range(1, width + 1):
        for chosen in itertools.combinations(range(width), size):
            columns = rows[:, list(chosen)]
            if torch.linalg.matrix_rank(columns) < size:
                continue
            solution = torch.linalg.lstsq(columns, target.unsqueeze(1)).solution.squeeze(1)
            if (solution < 0).any() or not torch.isfinite(solution).all():
                continue
            residual = float(((columns @ solution) - target).pow(2).sum())
            if residual < best[0] - 1e-12:
                coefficients = [0.0] * width
                for i, value in zip(chosen, solution.tolist(), strict=True):
                    coefficients[i] = value
                best = (residual, tuple(coefficients))
    return best[1]


# the terms of ``cost.linear_features`` (fixed, FLOPs, traffic, weights, output bytes, weights per image,
# unblocked bytes) a class's fit may use: a convolution's output bytes are in its traffic already, and once is
# enough (module docstring); only PyTorch's own 1x1 path (``conv1x1``) reads its weights once per image, and
# unblocked bytes are fitted where the probes have channels off a vector's multiple (``probe_list``)
ALL_TERMS = (0, 1, 2, 3, 4)
OWN_TERMS = {**dict.fromkeys(("conv_strided", "conv"), (0, 1, 2, 3)),
             **dict.fromkeys(("conv1x1_b16", "conv3x3", "depthwise"), (0, 1, 2, 3, 6)),
             "conv1x1": (0, 1, 2, 3, 5)}


def fit_class(features: list[tuple[float, ...]], seconds: list[float],
              terms: tuple[int, ...] = ALL_TERMS) -> tuple[float, ...]:
    """One class's coefficients (``cost.linear_features``' order) from its probes: the compute rate is the
    best FLOPs per second any probe reached (a probe can only fall short of it); what each probe took
    beyond its FLOPs at that rate is fitted by ``nonnegative_fit`` on the fixed cost and the traffic terms
    among ``terms`` (the others stay 0), relative to the probe's time."""
    rate = max((f[1] / t for f, t in zip(features, seconds, strict=True) if f[1] > 0), default=0.0)
    per_flop = 1.0 / rate if rate else 0.0
    rest = [t - f[1] * per_flop for f, t in zip(features, seconds, strict=True)]
    fitted = [i for i in terms if i != 1]
    others = nonnegative_fit([tuple(f[i] for i in fitted) for f in features], rest, seconds)
    coefficients = [0.0] * len(features[0])
    for i, value in zip(fitted, others, strict=True):
        coefficients[i] = value
    coefficients[1] = per_flop
    return tuple(coefficients)


def fit_classes(names: list[str], features: list[tuple[float, ...]], seconds: list[float]
                ) -> dict[str, tuple[float, ...]]:
    """One ``fit_class`` per class over its probes (all batches together), on the class's own terms."""
    fits = {}
    for name in dict.fromkeys(names):
        chosen = [(f, t) for n, f, t in zip(names, features, seconds, strict=True) if n == name and t > 0]
        if len(chosen) >= 2:
            fits[name] = fit_class([f for f, _ in chosen], [t for _, t in chosen], OWN_TERMS.get(name, ALL_TERMS))
    return fits
