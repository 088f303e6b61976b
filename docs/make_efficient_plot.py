"""Draw docs/img/efficient-cnns.png: parameters against multiply-adds for every zoo model, log-log,
one colour per family; and print the table docs/efficient-cnns.md shows beside it.

Every model is counted at its default input (EfficientNet-B7 at 600x600, the ImageNet nets at 224 or
their own side, the CIFAR nets at 32) with the meta engine, whose counts equal fvcore's
(tests/test_engines.py); MACs: one fused multiply-add = 1 MAC. Run from the project root:

    PYTHONPATH=$PWD python docs/make_efficient_plot.py         # about a minute on 2 cores
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a file, never a window

import matplotlib.pyplot as plt  # noqa: E402

import archstat  # noqa: E402
from archstat.models import get_model_info, list_models  # noqa: E402

PICTURE = Path(__file__).with_name("img") / "efficient-cnns.png"
# Named on the picture, with the label's offset in points: one or two per family, placed clear of the
# crowd around ResNet-50 (4 GMACs, 25M parameters).
LABELLED = {
    "lenet5": (5, 3), "alexnet": (5, 3), "vgg16": (5, 3), "googlenet": (6, -3), "inception_v3": (8, -12),
    "resnet50": (-48, -12), "resnet152": (5, 3), "resnet1202": (6, -3), "densenet121": (6, -3),
    "squeezenet1_0": (6, -3), "squeezenet1_1": (-78, -3), "xception": (6, -6), "mobilenet_v1": (6, -3),
    "mobilenet_v2": (6, -8), "mobilenet_v3_large": (-106, 4), "mobilenet_v3_small": (-104, -3),
    "shufflenet_v1": (-72, -8), "shufflenet_v2_x1_0": (6, -3), "se_resnet50": (-70, 4),
    "efficientnet_b0": (6, -9), "efficientnet_b7": (-40, 7), "convnext_tiny": (6, 4),
}
MARKERS = ("o", "s", "^", "D")
ON_TOP = {"ResNet", "ConvNeXt", "EfficientNet", "MobileNet"}  # drawn over the points they sit among


def measure() -> list[tuple[str, str, int, int, tuple[int, int, int]]]:
    """(name, family, params, MACs, input) for every registered model, at its default input."""
    rows = []
    for name in list_models():
        info = get_model_info(name)
        totals = archstat.analyze(name, engine="meta").totals
        rows.append((name, info.family, totals["params"], totals["macs"], info.input_size))
    return rows


def draw(rows: list[tuple[str, str, int, int, tuple[int, int, int]]], path: Path) -> None:
    families = sorted({family for _, family, *_ in rows})
    colours = plt.get_cmap("tab10")
    fig, ax = plt.subplots(figsize=(11, 7.5), dpi=110)
    for i, family in enumerate(families):  # ten colours, then the next marker shape
        points = [(macs, params) for _, fam, params, macs, _ in rows if fam == family]
        ax.scatter([m for m, _ in points], [p for _, p in points], s=38, color=colours(i % 10),
                   marker=MARKERS[i // 10 % len(MARKERS)], label=family, edgecolors="black",
                   linewidths=0.4, zorder=4 if family in ON_TOP else 3)
    for name, _, params, macs, _ in rows:
        if name in LABELLED:
            ax.annotate(name, (macs, params), xytext=LABELLED[name], textcoords="offset points", fontsize=7.5,
                        arrowprops={"arrowstyle": "-", "linewidth": 0.4, "color": "0.4", "shrinkA": 0,
                                    "shrinkB": 3})
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("multiply-adds per image at the model's own input (MACs; 1 fused multiply-add = 1 MAC)")
    ax.set_ylabel("parameters")
    ax.set_title("Every archstat zoo model: parameters against multiply-adds (log-log)")
    ax.grid(True, which="major", linestyle=":", linewidth=0.6, zorder=0)
    ax.legend(fontsize=8, ncol=2, loc="lower right", title="family", title_fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def table(rows: list[tuple[str, str, int, int, tuple[int, int, int]]]) -> str:
    """The page's Markdown table: one line per model, families together, fewest MACs first."""
    lines = ["| family | model | input | params | MACs | MACs per parameter |",
             "| --- | --- | --- | ---: | ---: | ---: |"]
    for name, family, params, macs, size in sorted(rows, key=lambda r: (r[1], r[3])):
        side = f"{size[1]}x{size[2]}"
        lines.append(f"| {family} | {name} | {side} | {params:,} | {macs:,} | {macs / params:,.0f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    measured = measure()
    draw(measured, PICTURE)
    sys.stdout.write(table(measured))
