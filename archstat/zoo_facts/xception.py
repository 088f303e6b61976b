"""What the papers state about the networks ``archstat/models/xception.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from .info import ModelInfo

MODELS = (
    ModelInfo(
        name="xception",
        family="Xception", paper="Xception: Deep Learning with Depthwise Separable Convolutions", year=2017,
        input_size=(3, 299, 299), paper_params=22_855_952, params_exact=True, min_input=7,
        paper_source=("Table 3: Xception 22,855,952 parameters (Inception V3: 23,626,728); no multiply-adds "
                      "stated. Keras applications lists 22,910,480 for Xception: the same count plus the batch norms' "
                      "moving means and variances (2 x 27,264, non-trainable)"),
        layout=("Figure 5 as Keras' Xception (Chollet's own release) builds it: unpadded 3x3/2 and 3x3 stem, 12 "
                "residual blocks of separable convolutions (3x3 depthwise + 1x1 pointwise, no bias, no activation "
                "between), batch norm after every convolution, 3x3/2 max pools with 'same' padding and 1x1/2 "
                "projection shortcuts in the four blocks that halve the grid, two more separable convolutions "
                "(1536, 2048) with ReLU, global average pool, fc. No optional fully connected layers."),
        top5_error="5.5% (ImageNet val, single crop, Table 1: 79.0% top-1, 94.5% top-5)",
        extra={"depth": "Section 3: '36 convolutional layers' counting a separable convolution as one; "
                        "archstat counts its depthwise and pointwise parts apart"},
    ),
)
