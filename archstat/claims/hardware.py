"""The claims about hardware and speed (issue 26): h01, h02 from the documents, p10-p12 from ShuffleNet V2.

Kept apart from the documents' architecture claims (``claims.catalogue``): these need ``analysis.speed``
(bytes moved, the roofline on the device table) and a stopwatch. Parts that time something on this
machine are marked in ``TIMED``: their values change from run to run, so the tests check the byte and
traffic arithmetic of these claims, never the timings, and docs/claims.md is compared without them.

Units: bytes; seconds; MACs (one fused multiply-add = 1 MAC; FLOPs = 2 x MACs). The ShuffleNet V2
stacks are its section 2 experiments: ten blocks of two 1x1 convolutions on a 56 x 56 input, their
FLOPs held fixed while c1:c2 (Table 1) or the groups g (Table 2) change.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import torch
from torch import nn

from ..analysis.devices import DEVICES
from ..analysis.speed import speed
from ..analysis.timing import time_whole
from .measure import Measure, Session
from .readings import Measured, Ratio
from .rules import Claim, Part, Source

SHUFFLENET_V2 = Source("ShuffleNet V2 (Ma et al., ECCV 2018)",
                       "ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design",
                       "arXiv:1807.11164; a paper, not one of the five documents")
HARDWARE_SOURCES = {"shufflenet_v2": SHUFFLENET_V2}
TIMED = frozenset({"h02", "p10", "p11", "p12"})  # claims with a part timed on this machine

SIDE = 56  # the paper's input, 56 x 56
RATIOS = ((128, 128), (90, 180), (52, 312), (36, 432))  # Table 1: c1:c2 = 1:1, 1:2, 1:6, 1:12
GROUPS = ((1, 128), (2, 180), (4, 256), (8, 360))  # Table 2: g and the width c that keep the FLOPs
ZOO = ("resnet18", "resnet34", "resnet50", "googlenet", "densenet121", "mobilenet_v2", "shufflenet_v2_x1_0",
       "efficientnet_b0")


def pointwise_stack(c1: int, c2: int, groups: int = 1, blocks: int = 10) -> nn.Sequential:
    """The paper's stack: ``blocks`` blocks of two 1x1 convolutions, c1 -> c2 -> c1, no bias."""
    layers: list[nn.Module] = []
    for _ in range(blocks):
        layers += [nn.Conv2d(c1, c2, 1, groups=groups, bias=False), nn.Conv2d(c2, c1, 1, groups=groups, bias=False)]
    return nn.Sequential(*layers).eval()


def stack_bytes(c1: int, c2: int, groups: int = 1) -> int:
    """Bytes a forward of the stack moves at batch 1, fp32 (``analysis.cost``'s rules)."""
    report = speed(pointwise_stack(c1, c2, groups), device="h100-sxm", input_size=(c1, SIDE, SIDE))
    return sum(row.bytes for row in report.rows)


def measured_seconds(build: Callable[[], nn.Module], shape: Sequence[int], runs: int = 3, step: bool = False,
                     warmup: int = 1, fastest: bool = False) -> float:
    """Median seconds of a forward (or an SGD training step) on this CPU, random weights, after a warm-up: one
    thread, timed by its CPU clock (``time.thread_time``), which leaves out other processes' turns on a
    shared machine. ``fastest``: the fastest run instead, where a few percent decide (the ShuffleNet V2
    stacks): another process sharing the caches only ever adds time, so the fastest run is the least disturbed."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        module, x = build(), torch.randn(*shape)
        if fastest:  # the warm-up before the first run only
            return min(_seconds(module, x, 1, step, warmup if i == 0 else 0) for i in range(runs))
        return _seconds(module, x, runs, step, warmup)
    finally:
        torch.set_num_threads(saved)


def sgd_step(module: nn.Module, x: torch.Tensor, lr: float = 1e-4) -> None:
    """One training step of ``module`` on ``x``: forward, backward of the output's sum, and plain SGD (no
    momentum, no weight decay), ``w -= lr * grad`` one tensor at a time, as ``torch.optim.SGD`` runs it on a
    CPU. Not the optimizer itself: making one imports torch._dynamo and sympy, about 1 s of CPU, for the same
    arithmetic (tests/test_claims_parallel.py compares the two)."""
    weights = [w for w in module.parameters() if w.requires_grad]
    for w in weights:
        w.grad = None
    module(x).sum().backward()
    with torch.no_grad():
        for w in weights:
            if w.grad is not None:
                w.add_(w.grad, alpha=-lr)


def _seconds(module: nn.Module, x: torch.Tensor, runs: int, step: bool, warmup: int) -> float:
    if step:
        module.train()
        return time_whole(lambda: sgd_step(module, x), warmup=warmup, runs=runs, clock=time.thread_time)
    with torch.no_grad():
        return time_whole(lambda: module(x), warmup=warmup, runs=runs, clock=time.thread_time)


def _four(what: str, settings: Sequence[tuple[int, int]], table: str, timed: bool) -> Measure:
    """Whether the first setting moves the fewest bytes of the four; ``timed``: the first setting's time here
    over the least of the other three's (at most 1: it runs fastest)."""
    def stack(setting: tuple[int, int]) -> tuple[int, int, int]:
        return (setting[1], setting[1], setting[0]) if table == "groups" else (*setting, 1)

    def label(setting: tuple[int, int]) -> str:
        return f"g={setting[0]}" if table == "groups" else f"1:{setting[1] // setting[0]}"

    def run(session: Session) -> Measured:
        if timed:
            values = [session.once(("stack time", s), lambda s=s: measured_seconds(
                lambda: pointwise_stack(*stack(s)[:2], groups=stack(s)[2]), (1, stack(s)[0], SIDE, SIDE),
                runs=5, fastest=True))
                for s in settings]
            text = ", ".join(f"{label(s)} {v * 1e3:.1f} ms" for s, v in zip(settings, values, strict=True))
        else:
            values = [float(session.once(("stack bytes", s), lambda s=s: stack_bytes(*stack(s)))) for s in settings]
            text = ", ".join(f"{label(s)} {v / 1e6:.2f} MB" for s, v in zip(settings, values, strict=True))
        best = min(range(len(values)), key=values.__getitem__)
        found = f"{text}; least at {label(settings[best])}"
        return Measured(values[0] / min(values[1:]), found) if timed else Measured(best == 0, found)

    return Measure(f"{what} of the ten-block stack at each {table} (56x56, batch 1, fp32)", run)


def _alexnet_memory(session: Session) -> Measured:
    from ..analysis.memory import estimate_memory

    report = session.once(("memory", "alexnet", 128), lambda: estimate_memory("alexnet", batch=128,
                                                                              optimizer="momentum"))
    need, have = float(report.totals.training), DEVICES["gtx580"].memory.value
    return Measured(need / have, Ratio(need, have))


def _step_ratio(predicted: bool) -> Callable[[Session], Measured]:
    def run(session: Session) -> Measured:
        if predicted:
            vgg, alex = (speed(m, device="gtx580", train=True, batch=128).predicted_s for m in ("vgg16", "alexnet"))
        else:
            from ..models import build_model

            vgg, alex = (session.once(("step", m), lambda m=m: measured_seconds(
                lambda: build_model(m, init_weights=True), (1, 3, *((227, 227) if m == "alexnet" else (224, 224))),
                runs=1, step=True, warmup=0)) for m in ("vgg16", "alexnet"))
        return Measured(vgg / alex, Ratio(vgg, alex))

    return run


def _zoo_ranks(session: Session) -> Measured:
    from ..analysis.speed_report import spearman
    from ..models import build_model, list_models

    known = [m for m in ZOO if m in set(list_models())]
    macs = [float(session.report(m).totals.macs) for m in known]
    seconds = [session.once(("forward", m), lambda m=m: measured_seconds(
        lambda: build_model(m, init_weights=True), (1, 3, 224, 224), runs=2)) for m in known]
    rho = spearman(macs, seconds)
    per_gmac = sorted((s / (m / 1e9), name) for s, m, name in zip(seconds, macs, known, strict=True))
    text = (f"rank correlation {rho:.2f} over {len(known)} networks; ms per GMAC from {per_gmac[0][0] * 1e3:.1f} "
            f"({per_gmac[0][1]}) to {per_gmac[-1][0] * 1e3:.1f} ({per_gmac[-1][1]})")
    return Measured(rho, text)


def _p(says: str, claimed: object, rule: str, measure: Measure, key: str = "") -> Part:
    return Part(says, claimed, rule, measure, key)  # type: ignore[arg-type]


HARDWARE_CLAIMS = [
    Claim("h01", "004", "單個GTX 580只有3GB顯存,這限制了可訓練的網絡的最大規模",
          "a single GTX 580 had only 3 GB of memory, which limited the size of network that could be trained", (
              _p("AlexNet's training memory exceeds one GTX 580", 1.0, "more",
                 Measure("training memory(alexnet, batch 128, fp32, SGD with momentum) / 3 GiB", _alexnet_memory),
                 "m"),
          ), note="Weights, gradients, momentum and the activations autograd saves (archstat memory); split "
                  "as the paper splits it, each GPU holds about half.",
          why="By this count AlexNet's step at the paper's batch of 128 needs {m} of one GTX 580's 3 GB: it "
              "fits, before cuda-convnet's own buffers and workspaces, which the count leaves out."),
    Claim("h02", "000", "训练时间也会相对的较长", "(VGG16 is deeper, so) its training time is correspondingly longer", (
        _p("predicted on the GTX 580 (roofline, datasheet; seconds)", 1.0, "more",
           Measure("predicted training step(vgg16) / (alexnet), batch 128, GTX 580", _step_ratio(True)), "p"),
        _p("measured here (an SGD step, batch 1; seconds)", 1.0, "more",
           Measure("measured training step(vgg16) / (alexnet) on this CPU", _step_ratio(False)), "t"),
    ), note="Step = forward, backward and an SGD step; VGG16 at 224, AlexNet at 227 pixels; measured once each "
            "(a ratio this large needs no repeats)."),
    Claim("p10", "shufflenet_v2", "equal channel width minimizes memory access cost (MAC)",
          "G1: for 1x1 convolutions of fixed FLOPs, c1:c2 = 1:1 moves the fewest bytes and runs fastest", (
              _p("1:1 moves the fewest bytes", True, "true", _four("bytes", RATIOS, "c1:c2", False)),
              _p("1:1 runs fastest here (its time / the least of the others)", 1.0, "least",
                 _four("measured time", RATIOS, "c1:c2", True), "t"),
          ), why="Measured here: {t}; the byte count follows the paper's MAC = hw(c1 + c2) + c1 c2."),
    Claim("p11", "shufflenet_v2", "excessive group convolution increases MAC",
          "G2: at fixed FLOPs, more groups move more bytes and run slower", (
              _p("g=1 moves the fewest bytes", True, "true", _four("bytes", GROUPS, "groups", False)),
              _p("g=1 runs fastest here (its time / the least of the others)", 1.0, "least",
                 _four("measured time", GROUPS, "groups", True), "t"),
          ), why="Measured here: {t}."),
    Claim("p12", "shufflenet_v2", "the indirect metric of computation complexity, i.e., FLOPs",
          "FLOPs are an indirect metric: networks' speed does not follow their FLOPs", (
              _p("MACs and measured time out of rank", 1.0, "less",
                 Measure("Spearman rank correlation of MACs and measured forward time (batch 1) over the zoo",
                         _zoo_ranks), "r"),
          ), why="Here the time followed the MACs in rank: {r}."),
]
