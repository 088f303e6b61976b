"""What the papers state about the networks ``archstat/models/senet.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from functools import partial

from .info import ModelInfo

SENET = "Squeeze-and-Excitation Networks"
_se = partial(ModelInfo, family="SENet", paper=SENET, year=2017, input_size=(3, 224, 224),
              min_input=1)
_ADDED = ("Each unit's SE block adds 2 C^2/16 weights and C/16 + C biases (C its output width): "
          "2,530,992 parameters over the base network's {base}, and 8,034,304 MACs at 224: "
          "2,514,944 in the 1x1 layers (on 1x1 maps), 5,519,360 in the global pools (one per "
          "input element); the sigmoid and the rescaling are no multiply-adds.")

_DEPTH = ("The name counts the base network's 50 weight layers; archstat's depth, weight layers on "
          "the longest path, is 82: each of the 16 SE blocks puts its two 1x1 layers on that path.")


MODELS = (
    _se(name="se_resnet50", paper_params=28.1e6, paper_macs=3.87e9, paper_depth=50,
        paper_source=("Table 2, p. 5 (arXiv:1709.01507v4; ImageNet, single crop): SE-ResNet-50 3.87 GFLOPs "
                      "against ResNet-50's 3.86 (multiply-adds); Section 4, pp. 4-5: ~2.5 M parameters beyond "
                      "ResNet-50's ~25 M (~10%); Table 10, p. 8: 28.1 M at r = 16"),
        top5_error="6.62% (Table 2, p. 5, 224 single crop, ImageNet val; ResNet-50 re-implemented: 7.48%)",
        layout=("ResNet-50 as the ResNet paper builds it (resnet50: stride 2 in the first 1x1 conv of "
                "each down-sampling unit, as the SENet Caffe release keeps it), with an SE block "
                "(r = 16, ReLU, sigmoid) on every unit's residual branch before the addition (Fig. 3). "
                "Pretrainedmodels' (Cadene) se_resnet50 has the same layout and 28,088,024 parameters. "
                + _ADDED.format(base="25,557,032")),
        discrepancy=("Convs + fc + SE measure 3.866 GMACs (ResNet-50's convs + fc 3.858, 3.86 in Table 2, "
                     "p. 5; the SE blocks 0.008), Table 2's 3.87 to rounding; archstat's total "
                     "(3.887 G) adds 21 M MACs of batch norm. " + _DEPTH)),
    _se(name="se_resnext50_32x4d", paper_params=27.6e6, paper_macs=4.25e9, paper_depth=50,
        paper_source=("Table 2, p. 5 (arXiv:1709.01507v4; ImageNet, single crop): SE-ResNeXt-50 4.25 GFLOPs "
                      "against ResNeXt-50's 4.24 (multiply-adds); 27.6 M parameters is ResNeXt-50's 25.0 M "
                      "(ResNeXt Table 1) plus Section 4's 2 C^2/r per unit (pp. 4-5)"),
        top5_error="5.49% (Table 2, p. 5, 224 single crop, ImageNet val; ResNeXt-50 re-implemented: 5.90%)",
        layout=("ResNeXt-50 32x4d (resnext50_32x4d: cardinality 32, stride in the grouped 3x3) with an "
                "SE block (r = 16) on every unit's residual branch before the addition. Pretrainedmodels' "
                "se_resnext50_32x4d has the same layout and 27,559,896 parameters. "
                + _ADDED.format(base="25,028,904")),
        discrepancy=("Convs + fc + SE measure 4.238 GMACs (ResNeXt-50's convs + fc 4.230, the SE "
                     "blocks 0.008), 0.3% under the 4.25 of Table 2 (p. 5), whose ResNeXt-50 reads 4.24 (ResNeXt's "
                     "own Table 1: 4.2); archstat's total (4.267 G) adds 29 M MACs of batch norm. " + _DEPTH)),
)
