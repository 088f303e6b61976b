"""What the papers state about the networks ``archstat/models/squeezenet.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from functools import partial

from .info import ModelInfo

_squeezenet = partial(ModelInfo, family="SqueezeNet", year=2016, input_size=(3, 224, 224),
                      paper="SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size")


MODELS = (
    _squeezenet(
        name="squeezenet1_0", paper_params=1_248_424, params_exact=True, min_input=21,
        paper_source=("Table 1: '# parameter before pruning' column, total 1,248,424 (weights and biases; "
                      "421,098 after pruning). The paper states no multiply-adds; torchvision documents "
                      "SqueezeNet1_0 with num_params 1248424 and GFLOPS 0.82 (convolutions' multiply-adds at 224)"),
        layout=("Table 1: conv1 96 7x7/2, fire2-fire9 with its s1x1/e1x1/e3x3 widths, 3x3/2 max pools after conv1, "
                "fire4 and fire8 (ceil mode), dropout 50%, conv10 1x1 to the classes, global average pool. "
                "Table 1 prints a 224x224 input and a 111x111 conv1 output; 111 needs the Caffe release's 227 crop. "
                "Measured at 224, as torchvision documents it. torchvision's squeezenet1_0 is this layout; "
                "squeezenet1_1 is the authors' v1.1 release."),
        top5_error="19.7% (ILSVRC-2012 val, Table 2: 57.5% top-1, 80.3% top-5)",
        extra={"compared": "Table 2: '50x' fewer parameters than AlexNet (240MB -> 4.8MB, 32-bit)"},
    ),
    _squeezenet(
        name="squeezenet1_1", paper_params=1_235_496, params_exact=True, min_input=17,
        paper_source=("Not in the paper: the authors' v1.1 release notes (SqueezeNet_v1.1/README.md) give "
                      "'2.4x less computation than SqueezeNet v1.0, without sacrificing accuracy' and no count; "
                      "1,235,496 is torchvision's num_params for SqueezeNet1_1 (GFLOPS 0.35)"),
        layout=("The v1.1 release: conv1 64 3x3/2, the max pools moved earlier (after conv1, fire3 and fire5), "
                "fire modules as in v1.0's Table 1. Same classifier as v1.0. torchvision's squeezenet1_1."),
    ),
)
