"""What the papers state about the networks ``archstat/models/efficientnet.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from functools import partial

from .info import ModelInfo

_effnet = partial(ModelInfo, family="EfficientNet",
                  paper="EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
                  year=2019, min_input=1)
_LAYOUT = ("Table 1's B0 scaled by width {w}, depth {d} (the release's coefficients) at {r}x{r}: stem "
           "{stem}, stages of {units} MBConv units at widths {widths}, head conv {head}; SE ratio 0.25 of "
           "each unit's input, swish (SiLU), no conv biases, drop connect left out (identity in eval), "
           "dropout {p}. torchvision's efficientnet_{name} builds the same layers: {tv} parameters "
           "(its documented count), GFLOPS {gflops} (convs + fc{at}). ")


# Each model's scaling: the release's width and depth coefficients, input side (pixels) and dropout, then
# what they give once rounded as the builder rounds them: the stem's width, the MBConv units of each of
# Table 1's seven stages, each stage's width, the head conv's width.
_SCALED = {
    "b0": (1.0, 1.0, 224, 0.2, 32, "1/2/2/3/3/4/1", "16/24/40/80/112/192/320", 1280),
    "b1": (1.0, 1.1, 240, 0.2, 32, "2/3/3/4/4/5/2", "16/24/40/80/112/192/320", 1280),
    "b2": (1.1, 1.2, 260, 0.3, 32, "2/3/3/4/4/5/2", "16/24/48/88/120/208/352", 1408),
    "b3": (1.2, 1.4, 300, 0.3, 40, "2/3/3/5/5/6/2", "24/32/48/96/136/232/384", 1536),
    "b4": (1.4, 1.8, 380, 0.4, 48, "2/4/4/6/6/8/2", "24/32/56/112/160/272/448", 1792),
    "b5": (1.6, 2.2, 456, 0.4, 48, "3/5/5/7/7/9/3", "24/40/64/128/176/304/512", 2048),
    "b6": (1.8, 2.6, 528, 0.5, 56, "3/6/6/8/8/11/3", "32/40/72/144/200/344/576", 2304),
    "b7": (2.0, 3.1, 600, 0.5, 64, "4/7/7/10/10/13/4", "32/48/80/160/224/384/640", 2560),
}


def _register(name: str, params: float, macs: float, tv: str, gflops: str, discrepancy: str = "",
              at: str = "") -> ModelInfo:
    """The facts of ``name`` (``efficientnet_b0`` ...) with Table 2's figures and torchvision's."""
    key = name.removeprefix("efficientnet_")
    width, depth, side, dropout, stem, units, widths, head = _SCALED[key]
    layout = _LAYOUT.format(w=width, d=depth, r=side, stem=stem, units=units, widths=widths, head=head, p=dropout,
                            name=key, tv=tv, gflops=gflops, at=at or f" at {side}")
    return _effnet(name=name, input_size=(3, side, side), paper_params=params, paper_macs=macs,
                   paper_source=("Table 2, p. 6 (arXiv:1905.11946v5): #Params and #FLOPs (multiply-adds) at the "
                                 f"model's resolution; torchvision documents EfficientNet_{key.upper()}_Weights "
                                 f"num_params {tv}, GFLOPS {gflops}"),
                   layout=layout, discrepancy=discrepancy)


_BN = "archstat's total adds batch norm and pooling ({total} G)."


MODELS = (
    _register("efficientnet_b0", 5.3e6, 0.39e9, "5,288,548", "0.386",
              "Convs + fc measure 0.386 GMACs, 0.39 in Table 2 (p. 6); " + _BN.format(total="0.402")),
    _register("efficientnet_b1", 7.8e6, 0.70e9, "7,794,184", "0.687",
              "Convs + fc measure 0.687 GMACs, 1.9% under the 0.70 of Table 2, p. 6 (torchvision documents the "
              "same 0.687 at 240); " + _BN.format(total="0.713")),
    _register("efficientnet_b2", 9.2e6, 1.0e9, "9,109,994", "1.088",
              "Convs + fc measure 0.994 GMACs at 260 (Table 2, p. 6: 1.0); torchvision's 1.088 is the same "
              "network at 288, its weights' crop size; " + _BN.format(total="1.027") + " Table 2's 9.2M "
              "params are 1% above the 9,109,994 that this layout, torchvision's and timm's all have.",
              at=" at 288, not 260"),
    _register("efficientnet_b3", 12e6, 1.8e9, "12,233,232", "1.827",
              "Convs + fc measure 1.827 GMACs, Table 2's 1.8 (p. 6) to rounding; " + _BN.format(total="1.884")),
    _register("efficientnet_b4", 19e6, 4.2e9, "19,341,616", "4.394",
              "Convs + fc measure 4.394 GMACs, 4.6% over the 4.2 of Table 2, p. 6 (torchvision documents the same "
              "4.394 for these layers at 380); " + _BN.format(total="4.512")),
    _register("efficientnet_b5", 30e6, 9.9e9, "30,389,784", "10.266",
              "Convs + fc measure 10.266 GMACs, 3.7% over the 9.9 of Table 2, p. 6 (torchvision documents the same "
              "10.266 at 456); " + _BN.format(total="10.505")),
    _register("efficientnet_b6", 43e6, 19e9, "43,040,704", "19.068",
              "Convs + fc measure 19.068 GMACs, Table 2's 19 (p. 6) to rounding; " + _BN.format(total="19.472")),
    _register("efficientnet_b7", 66e6, 37e9, "66,347,960", "37.746",
              "Convs + fc measure 37.746 GMACs, 2% over the 37 of Table 2, p. 6 (torchvision documents the same "
              "37.746 at 600); " + _BN.format(total="38.449")),
)
