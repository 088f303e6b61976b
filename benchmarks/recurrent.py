"""The recurrent path against a convolution's: the meta engine and ``conventions`` on a 2-layer
bidirectional LSTM, GRU and plain RNN over the 56x56 tokens of a 224x224 image, beside a convolutional
net of the same stem, and on timm's sequencer2d_s where timm imports (docs/performance.md, issue 24).

    python benchmarks/recurrent.py                    # best of 3 in one process, after a warm-up
    python benchmarks/recurrent.py 112 GRUNet ConvNet # one side (112: 28x28 = 784 tokens), some models
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import torch
from torch import nn

import archstat
from archstat.analysis.conventions.report import conventions


class LSTMNet(nn.Module):
    """A 4x4 patch stem, then a 2-layer bidirectional LSTM over the 3,136 tokens, and a head."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Conv2d(3, 64, 4, stride=4)
        self.lstm = nn.LSTM(64, 48, num_layers=2, bidirectional=True, batch_first=True)
        self.head = nn.Linear(96, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, _ = self.lstm(self.embed(x).flatten(2).transpose(1, 2))
        return self.head(y.mean(1))


class GRUNet(nn.Module):
    """The same stem, then a 2-layer bidirectional GRU with 64 units over the tokens, and a head."""

    def __init__(self, recurrent: type[nn.Module] = nn.GRU) -> None:
        super().__init__()
        self.embed = nn.Conv2d(3, 64, 4, stride=4)
        self.recurrent = recurrent(64, 64, num_layers=2, bidirectional=True, batch_first=True)
        self.head = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, _ = self.recurrent(self.embed(x).flatten(2).transpose(1, 2))
        return self.head(y.mean(1))


class ConvNet(nn.Module):
    """The same stem, then two 3x3 convolutions over the 56x56 map, and a head."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Conv2d(3, 64, 4, stride=4)
        self.body = nn.Sequential(nn.Conv2d(64, 96, 3, padding=1), nn.Conv2d(96, 96, 3, padding=1))
        self.head = nn.Linear(96, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(self.embed(x)).mean((2, 3)))


def best(run: Callable[[], object], times: int = 3) -> float:
    run()
    found = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        found.append(time.perf_counter() - start)
    return min(found)


def sequencer() -> list[tuple[str, nn.Module]]:
    """timm's sequencer2d_s built on meta (once, as the others: the timing is the analysis alone), if timm imports."""
    try:
        from archstat.analysis.hub import make_torchvision_importable

        make_torchvision_importable()
        import timm
    except ImportError:
        print("timm is not installed: sequencer2d_s left out")
        return []
    with torch.device("meta"):
        return [("sequencer2d_s", timm.create_model("sequencer2d_s").eval())]


def main() -> None:
    side = int(sys.argv[1]) if len(sys.argv) > 1 else 224
    chosen = sys.argv[2:]
    shape = (3, side, side)
    models: list[tuple[str, nn.Module]] = [
        ("ConvNet", ConvNet().eval()), ("LSTMNet", LSTMNet().eval()), ("GRUNet", GRUNet().eval()),
        ("RNNNet", GRUNet(nn.RNN).eval())]
    models = [(label, model) for label, model in models if not chosen or label in chosen]
    if not chosen or "sequencer2d_s" in chosen:
        models += sequencer()
    for label, model in models:
        meta = best(lambda model=model: archstat.analyze(model, input_size=shape, engine="meta"))
        line = f"{label} at {side}: meta engine {meta:.3f} s"
        if label != "sequencer2d_s":  # built on meta: fvcore's real trace needs weights
            fvcore = best(lambda model=model: archstat.analyze(model, input_size=shape, engine="fvcore"), 1)
            line += f", fvcore engine {fvcore:.2f} s"
        table = best(lambda model=model: conventions(model, input_size=shape, engine="meta"), 1)
        print(f"{line}, conventions {table:.2f} s", flush=True)


if __name__ == "__main__":
    main()
