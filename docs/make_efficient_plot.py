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
# Named on the picture: one or two per family, so the eye finds each family's place.
LABELLED = {
    "alexnet", "vgg16", "googlenet", "inception_v3", "resnet50", "resnet152", "resnext50_32x4d",
    "densenet121", "squeezenet1_0", "squeezenet1_1", "xception", "mobilenet_v1", "mobilenet_v2",
    "mobilenet_v3_large", "mobilenet_v3_small", "shufflenet_v1", "shufflenet_v2_x1_0", "se_resnet50",
    "efficientnet_b0", "efficientnet_b7", "convnext_tiny", "lenet5", "resnet1202",
}


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
    colours = plt.get_cmap("tab20")
    fig, ax = plt.subplots(figsize=(11, 7.5), dpi=110)
    for i, family in enumerate(families):
        points = [(macs, params) for _, fam, params, macs, _ in rows if fam == family]
        ax.scatter([m for m, _ in points], [p for _, p in points], s=36, color=colours(i % 20),
                   label=family, edgecolors="black", linewidths=0.4, zorder=3)
    for name, _, params, macs, _ in rows:
        if name in LABELLED:
            ax.annotate(name, (macs, params), xytext=(4, 3), textcoords="offset points", fontsize=7.5)
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
    lines = ["| family | model | input | params | MACs | MACs per parameter |", "| --- | --- | --- | ---: | ---: | ---: |"]
    for name, family, params, macs, size in sorted(rows, key=lambda r: (r[1], r[3])):
        side = f"{size[1]}x{size[2]}"
        lines.append(f"| {family} | {name} | {side} | {params:,} | {macs:,} | {macs / params:,.0f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    measured = measure()
    draw(measured, PICTURE)
    sys.stdout.write(table(measured))
