"""What the papers state about the networks ``archstat/models/googlenet.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from .info import ModelInfo

MODELS = (
    ModelInfo(
        name="googlenet", family="Inception", paper="Going Deeper with Convolutions", year=2014,
        input_size=(3, 224, 224), paper_params=6.8e6, params_exact=False, paper_macs=1.5e9,
        paper_depth=22,
        paper_source=(
            "Table 1 'params' column summed (6.8M, in K = 1024 units); Section 5: 'about 1.5 "
            "billion multiply-adds', '22 layers deep' (27 with pooling)"
        ),
        layout=(
            "Table 1 exactly: a real 5x5 branch (torchvision uses 3x3 and batch norm: "
            "googlenet_tv, 6.6M params), "
            "convs with bias, LRN after conv1 and conv2 (AlexNet's settings; the paper gives none), "
            "ceil-mode max pools, no batch norm, global average pool (7x7 at 224). 7.0M parameters "
            "without the side classifiers aux1 and aux2 (3.19M each)."
        ),
        discrepancy=(
            "Table 1's params column (in K = 1024) disagrees with its own channel columns for "
            "conv1, 4a, 4c, 4d, 4e, 5a and 5b (4c: 497.5K by the columns, 463K printed); its ops "
            "column agrees except for conv1 and 5a. Its conv1 figures (2.7K, 34M) fit a separable "
            "7x7 with depth multiplier 8, not the plain 7x7 built here (9.4K, 118M MACs), which "
            "with 5a accounts for most of the 1.58G measured against 'about 1.5 billion'."
        ),
        top5_error="6.67% (7-model ensemble, 144 crops, ILSVRC-2014 test)", has_aux=True, min_input=31,
        extra={"paper_params_text": "'12x fewer parameters than' AlexNet (~5M); Inception-v3 paper: "
                                    "'GoogLeNet employed only 5 million parameters'"},
    ),
    ModelInfo(
        name="googlenet_tv", family="Inception", paper="Going Deeper with Convolutions", year=2014,
        input_size=(3, 224, 224), paper_params=6_624_904, params_exact=True, paper_macs=1.5e9,
        paper_depth=22, variant_of="googlenet",
        paper_source=(
            "Not the paper's: torchvision's documentation of GoogLeNet_Weights.IMAGENET1K_V1 "
            "(num_params 6624904, GFLOPS 1.50, min_size 15x15); its GFLOPS are multiply-adds of the "
            "convolutions and fully connected layers"
        ),
        layout=(
            "torchvision's GoogLeNet: Table 1's widths, but a 3x3 where the '#5x5' branch has a "
            "5x5, every convolution without bias and followed by batch norm (eps 0.001), no LRN, a "
            "2x2 max pool before 5a, side heads with an adaptive pool to 4x4, dropout 0.2. "
            "6,624,904 parameters without the side heads, 13,004,888 with them (torchvision's "
            "aux_logits=True); transform_input only rescales the input and changes no count."
        ),
        differs=(
            "'#5x5' branch: one 3x3 convolution instead of the 5x5, 16 fewer weights per channel pair "
            "(TF-slim's InceptionV1 has the same 3x3, and torchvision's weights are ported from TF)",
            "every convolution: no bias, then batch norm with eps 0.001 (gamma and beta: 2 parameters "
            "per channel), where the paper's convolutions have a bias and no normalisation",
            "no local response normalisation after conv1 and conv2",
            "the max pool between 4e and 5a is 2x2/2 (the paper's 3x3/2); both give 7x7 at 224",
            "side heads: an adaptive average pool to 4x4 (the paper's 5x5/3), a batch-normalised 1x1 "
            "conv; built with aux_logits=True (3,188,968 and 3,191,016 parameters)",
            "classifier dropout 0.2 (the paper's 40%)",
        ),
        top5_error="10.47% (torchvision's acc@5 89.53, ImageNet-1K val, single 224 crop)",
        has_aux=True, min_input=15,
    ),
)
