"""What the papers state about the networks ``archstat/models/densenet.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from functools import partial

from .info import ModelInfo

_TABLE1 = ("Table 1 (layout, k = 32), Table 3 (ImageNet errors); the paper prints no parameter or "
           "FLOP count per ImageNet model (Figure 3 only plots them)")
_LAYOUT = ("Table 1: BN-ReLU-Conv throughout, convolutions without bias, stem 7x7/2 pad 3 and "
           "3x3/2 max-pool pad 1 (as in the authors' Torch code). Same parameter count as "
           "torchvision's densenet of the same name.")
_EXTRA = {"venue": "CVPR 2017 (arXiv 1608.06993, August 2016)", "growth_rate": "32",
          "compression": "theta = 0.5", "bottleneck": "4k = 128 maps"}


# What every DenseNet entry shares; an entry overrides what differs.
_densenet = partial(
    ModelInfo, family="DenseNet", paper="Densely Connected Convolutional Networks", year=2016,
    input_size=(3, 224, 224), min_input=29, paper_source=_TABLE1, layout=_LAYOUT, extra=_EXTRA,
)


def _table3(single: str, ten: str) -> str:
    return f"{single}% single-crop, {ten}% 10-crop (Table 3)"


MODELS = (
    _densenet(name="densenet121", paper_depth=121, top5_error=_table3("7.71", "6.66")),
    _densenet(name="densenet169", paper_depth=169, top5_error=_table3("6.85", "5.92")),
    _densenet(
        name="densenet201", paper_depth=201, top5_error=_table3("6.34", "5.54"), paper_params=20e6,
        paper_source="Section 4.4: 'a DenseNet-201 with 20M parameters'; layout Table 1",
    ),
    _densenet(
        name="densenet264", paper_depth=264, top5_error=_table3("6.12", "5.29"),
        layout=_LAYOUT + " Blocks (6, 12, 64, 48) give 265 weight layers, one more than the name.",
        discrepancy=("The name says 264 layers, but the weight layers on the longest path number 265: "
                     "1 stem conv + 2 x (6 + 12 + 64 + 48) dense-layer convs + 3 transition convs + 1 fc. "
                     "The same count gives exactly 121, 169 and 201 for the other DenseNets."),
    ),
    _densenet(
        name="densenet161", paper_depth=161, top5_error=None,
        paper_source="Not in the paper: github.com/liuzhuang13/DenseNet (README, models/densenet.lua)",
        layout="k = 48, stem 2k = 96 maps, blocks (6, 12, 36, 24). " + _LAYOUT,
        extra={**_EXTRA, "venue": "CVPR 2017; this model only in the authors' repository",
               "growth_rate": "48", "bottleneck": "4k = 192 maps",
               "top1_error": "22.2% single-crop (authors' README, Torch model)"},
    ),
)
