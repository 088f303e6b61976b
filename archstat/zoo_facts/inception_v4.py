"""What the papers state about the networks ``archstat/models/inception_v4.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from functools import partial

from .info import ModelInfo

# Inception-v4 and Inception-ResNet-v2 share a paper, which gives neither network's counts.
_inception_v4_paper = partial(
    ModelInfo, family="Inception",
    paper="Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning",
    year=2016, input_size=(3, 299, 299),
    paper_source="The paper states no parameter or multiply-add counts",
)


MODELS = (
    _inception_v4_paper(
        name="inception_v4", layout=(
            "Figures 3-9: stem to 35x35x384, 4 x Inception-A, Reduction-A (k=192, l=224, m=256, "
            "n=384), 7 x Inception-B, Reduction-B, 3 x Inception-C, global avg pool, dropout 0.2, "
            "fc 1536. The stem's last 3x3-192 conv is given stride 2 (the figure omits it; its "
            "35x35 output needs it). No aux head (the released code has one; the paper does not). "
            "42.7M parameters, as other implementations (timm, TF-slim) report; 12.3G MACs."
        ),
        top5_error=("5.0% single crop; 3.8% 144 crops; 3.08% test, ensemble of 1 Inception-v4 + "
                    "3 Inception-ResNet-v2"),
        min_input=75,
    ),
    _inception_v4_paper(
        name="inception_resnet_v2", layout=(
            "The paper's network, not the released code: Figure 3 stem (384 wide), 5 x "
            "Inception-ResNet-A, Reduction-A (k=256, l=256, m=384, n=384), 10 x B, Reduction-B "
            "(Figure 18), 5 x C, avg pool, dropout 0.2, fc; residual scales 0.17/0.10/0.20 (paper: "
            "0.1-0.3). A residual sum needs equal widths, so the 1x1 filter-expansions output the "
            "block input: 384, 1152, 2144 (Figures 17 and 19 print 1154 and 2048). 32.4M parameters, "
            "9.3G MACs: well below Inception-v4's 12.3G, though the paper says the two match in "
            "cost. The released code (inception_resnet_v2_tf) uses another stem (35x35x320), "
            "10/20/10 blocks, widths 320/1088/2080 and a final 1x1-1536 conv: 55,843,464 parameters "
            "and 13.2G MACs from these same blocks."
        ),
        top5_error=("4.9% single crop; 3.7% 144 crops; 3.08% test, ensemble of 1 Inception-v4 + "
                    "3 Inception-ResNet-v2"),
        min_input=75,
    ),
    _inception_v4_paper(
        name="inception_resnet_v2_tf",
        paper_params=55_843_464, params_exact=True, paper_macs=13.2e9, variant_of="inception_resnet_v2",
        paper_source=(
            "Not the paper's: the released TF-slim network as timm's inception_resnet_v2 builds it; "
            "55,843,464 parameters as imgclsmob's tests pin it for its port, 'Params (M) 55.8, GMACs "
            "13.2' on timm's model card (inception_resnet_v2.tf_in1k). Keras documents 55,873,736: "
            "its batch norms keep beta and the moving mean and variance, no gamma (55,813,192 "
            "trainable + 60,544 non-trainable)"
        ),
        layout=(
            "The released TF-slim Inception-ResNet-v2 (tensorflow/models research/slim), as timm and "
            "Keras ship it: the paper's block branches and reductions, on another stem (conv 3x3/2-32, "
            "3x3-32, 3x3-64, max pool, 1x1-80, 3x3-192, max pool, then Mixed_5b to 35x35x320), "
            "10 x Inception-ResNet-A (320 wide), Reduction-A to 1088, 20 x B, Reduction-B to 2080, "
            "10 x C (the last linear, scale 1.0), a 1x1-1536 conv, avg pool, dropout 0.2, fc. "
            "Residual scales 0.17/0.10/0.20. No aux head (TF-slim's has one on Mixed_6a; timm and "
            "Keras drop it) and 1000 classes (TF-slim's checkpoint has 1001). Mixed_5b's average pool "
            "averages over the padded window here; TF's 'SAME' pool leaves the padding out (no count "
            "changes)."
        ),
        differs=(
            "stem: TF-slim's Inception-v3-like stem (3x3/2-32, 3x3-32, 3x3-64, pool, 1x1-80, 3x3-192, "
            "pool) and a Mixed_5b module (96 + 64 + 96 + 64 = 320 wide), instead of Figure 3's "
            "(mixed3a/4a/5a, 384 wide)",
            "blocks: 10 x Inception-ResNet-A, 20 x B, 10 x C, where Figure 15 has 5, 10 and 5",
            "widths: 320 / 1088 / 2080 on the 35x35 / 17x17 / 8x8 grids, instead of 384 / 1152 / 2144 "
            "(the same reductions, on a 64-narrower stem); the 1x1 filter-expansions follow",
            "the last Inception-ResNet-C block is linear: residual scale 1.0, no ReLU",
            "a final 1x1 conv to 1536 (BN, ReLU) before the pool, so the classifier is 1536 -> 1000 "
            "(the paper's reads the 2144-wide C output)",
        ),
        top5_error="4.69% (timm's inception_resnet_v2.tf_in1k: top-1 80.46%, top-5 95.31%, ImageNet val)",
        min_input=75,
    ),
)
