"""What the papers state about the networks ``archstat/models/inception.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from .info import ModelInfo

MODELS = (
    ModelInfo(
        name="inception_v2", family="Inception",
        paper=("Batch Normalization: Accelerating Deep Network Training by Reducing Internal "
               "Covariate Shift"),
        year=2015, input_size=(3, 224, 224), paper_params=13.6e6, params_exact=False,
        paper_source="Section 4.2 ('The network contains 13.6 x 10^6 parameters'); Appendix Figure 5",
        layout=(
            "Appendix Figure 5 by its filter columns, BN after every conv, separable 7x7 first "
            "conv (depth multiplier 8, as the appendix states; 2,712 weights instead of 9,408), no "
            "LRN, no dropout. The columns give 4c and 4d 608 outputs and 4e 1056 (the figure's "
            "output column says 576, 576, 1024); Caffe ports follow the columns too but use a plain "
            "7x7 conv. 11.3M parameters, 1.95G MACs."
        ),
        discrepancy=(
            "Section 4.2 says the network 'contains 13.6 x 10^6 parameters'; Figure 5's columns give "
            "11.26M weights (11.28M with batch norm), and neither 576-wide 4c/4d nor a plain 7x7 "
            "first conv closes the gap. Unresolved."
        ),
        top5_error=("4.9% (6-model ensemble, 144 crops, validation; 4.82% test); "
                    "5.82% single model, 144 crops; 7.82% single crop"),
        min_input=7,
        extra={"cost": "Appendix: the 3x3 pairs add 25% parameters and ~30% compute to GoogLeNet"},
    ),
    ModelInfo(
        name="inception_v3", family="Inception", paper="Rethinking the Inception Architecture for Computer Vision",
        year=2015, input_size=(3, 299, 299), paper_params=25e6, params_exact=False, paper_macs=5e9,
        paper_depth=42,
        paper_source=(
            "Abstract: '5 billion multiply-adds', 'less than 25 million parameters' (an upper bound); "
            "Section 6: '42 layers deep'"
        ),
        layout=(
            "Table 1 with the module widths of the authors' released TF-slim model (the paper "
            "gives none): stem 3x3/2-32, 3x3-32, 3x3-64, pool, 1x1-80, 3x3-192, pool (Table 1's "
            "rows 5-7 do not chain); 3 x 35x35 modules with a 1x1-48 -> 5x5-64 tower (Figure 5 "
            "draws a 3x3) to 288; reduction to 17x17x768; 4 x 17x17 modules (Table 1 and Section 6 "
            "say 5); reduction to 8x8x1280; 2 x 8x8 modules to 2048; dropout 0.2. BN-auxiliary head "
            "'aux' on mixed6e (3.33M, not counted by default). 27,161,264 parameters with it, the "
            "count torchvision documents for its Inception3; 23.8M and 5.7G MACs without."
        ),
        discrepancy=(
            "The abstract's figures are round: 'less than 25 million parameters' is a bound (23.8M "
            "measured) and '5 billion multiply-adds' is exceeded by the released widths (5.73G). "
            "Section 6's '42 layers deep' is not reproduced: the longest path of weight layers through "
            "the released towers has 48; the paper does not say how it counts."
        ),
        top5_error=("5.6% single crop (Table 3); 3.5% validation / 3.58% test, "
                    "4-model 144-crop ensemble (Table 5)"),
        has_aux=True, min_input=75,
    ),
)
