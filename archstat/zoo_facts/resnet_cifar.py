"""What the papers state about the networks ``archstat/models/resnet_cifar.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from functools import partial

from .info import ModelInfo

_v1 = partial(ModelInfo, family="ResNet (CIFAR)",
              paper="Deep Residual Learning for Image Recognition", year=2015,
              input_size=(3, 32, 32), num_classes=10, min_input=1,
              paper_source="Table 6 (params, millions)")
_V1 = ("ResNet paper Sec. 4.2 CIFAR net (6n+2 layers, n={n}): option-A shortcuts (stride-2 "
       "subsampling + zero channels, no parameters); BN after every conv; 10 classes. "
       "torchvision has no CIFAR ResNets; reimplementations with option-B 1x1 projections have "
       "2,752 more params (e.g. resnet20 272,474 vs 269,722).")

_preact = partial(ModelInfo, family="ResNet v2 (CIFAR, pre-activation)",
                  paper="Identity Mappings in Deep Residual Networks", year=2016,
                  input_size=(3, 32, 32), num_classes=10, min_input=1,
                  paper_source="CIFAR comparison table (params, millions)")
_PREACT = ("Pre-activation bottleneck net of 9n+2 layers (n={n}), bottleneck widths 16/32/64, "
           "outputs 64/128/256. As in the authors' code (KaimingHe/resnet-1k-layers): the "
           "BN-ReLU after conv1 is the first unit's pre-activation, shared by both paths; units "
           "that change shape share their first BN-ReLU, stride their first 1x1 conv and "
           "project the activated input with a bare 1x1 conv (3 such convs, not counted in the "
           "depth); 10 classes.")


MODELS = (
    _v1(name="resnet20", paper_params=0.27e6, paper_depth=20, extra={"cifar10_error": "8.75% (Table 6)"},
        layout=_V1.format(n=3)),
    _v1(name="resnet32", paper_params=0.46e6, paper_depth=32, extra={"cifar10_error": "7.51% (Table 6)"},
        layout=_V1.format(n=5)),
    _v1(name="resnet44", paper_params=0.66e6, paper_depth=44, extra={"cifar10_error": "7.17% (Table 6)"},
        layout=_V1.format(n=7)),
    _v1(name="resnet56", paper_params=0.85e6, paper_depth=56, extra={"cifar10_error": "6.97% (Table 6)"},
        layout=_V1.format(n=9)),
    _v1(name="resnet110", paper_params=1.7e6, paper_depth=110,
        extra={"cifar10_error": "6.43% best, 6.61+-0.16% mean of 5 runs (Table 6)"},
        layout=_V1.format(n=18)),
    _v1(name="resnet1202", paper_params=19.4e6, paper_depth=1202, extra={"cifar10_error": "7.93% (Table 6)"},
        layout=_V1.format(n=200)),
    _preact(name="preact_resnet164", paper_params=1.7e6, paper_depth=164,
            extra={"cifar10_error": "5.46%", "cifar100_error": "24.33%"},
            layout=_PREACT.format(n=18) + " Measured 1,703,258 params (1.7M, as the paper)."),
    _preact(name="preact_resnet1001", paper_params=10.2e6, paper_depth=1001,
            extra={"cifar10_error": "4.92% (4.62% with the authors' Torch code, batch 64)",
                   "cifar100_error": "22.71%"},
            layout=_PREACT.format(n=111) + " Measured 10,327,706 params.",
            discrepancy="10,327,706 params is 10.3M, not the paper's 10.2M; the conv and fc weights "
            "alone (10,178,490, without the 149,216 batch-norm parameters) round to 10.2M."),
)
