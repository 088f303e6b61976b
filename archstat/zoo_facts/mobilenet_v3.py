"""What the papers state about the networks ``archstat/models/mobilenet_v3.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from functools import partial

from .info import ModelInfo

_mobilenet_v3 = partial(ModelInfo, family="MobileNet", paper="Searching for MobileNetV3", year=2019,
                        input_size=(3, 224, 224), min_input=1)
_LAYOUT = ("Table {table} as torchvision builds it: 3x3/2 hard-swish stem of 16, {n} bnecks (kernel, expansion, "
           "output, SE, RE/HS, stride per row; squeeze-and-excitation to 1/4 of the expansion, rounded to a "
           "multiple of 8, with ReLU and hard sigmoid), 1x1 convolution to {last} with hard-swish, global "
           "average pool, fc to {nbn} (the 'NBN' 1x1) with hard-swish, dropout 0.2, fc. Convolutions without "
           "bias, then batch norm; the NBN layer and the squeeze-and-excitation convolutions have biases.")


MODELS = (
    _mobilenet_v3(
        name="mobilenet_v3_large", paper_params=5.4e6, paper_macs=219e6,
        paper_source=("Table 3 (Large 1.0: 219M MAdds, 5.4M parameters); torchvision documents "
                      "MobileNet_V3_Large_Weights.IMAGENET1K_V1 with num_params 5483032 and GFLOPS 0.22"),
        layout=_LAYOUT.format(table=1, n=15, last=960, nbn=1280),
        top5_error="top-1 75.2% (ImageNet, Table 3); no top-5 given",
        discrepancy=("5,483,032 parameters (torchvision's count) against Table 3's 5.4M: 5.48M reads as cut, not "
                     "rounded. Convolutions and fc: 216.6M multiply-adds, 1.1% under Table 3's 219M; archstat's MACs "
                     "add batch norm and pooling (226.0M in all)."),
    ),
    _mobilenet_v3(
        name="mobilenet_v3_small", paper_params=2.5e6, paper_macs=56e6,
        paper_source=("Table 3 (Small 1.0: 56M MAdds, 2.5M parameters); torchvision documents "
                      "MobileNet_V3_Small_Weights.IMAGENET1K_V1 with num_params 2542856 and GFLOPS 0.06"),
        layout=_LAYOUT.format(table=2, n=11, last=576, nbn=1024) + (
            " Table 2 marks its last 1x1 convolution (576) 'SE'; the release and the paper's own 2.5M have none "
            "there (it would add 166,608 parameters)."),
        top5_error="top-1 67.4% (ImageNet, Table 3); no top-5 given",
        discrepancy=("archstat's MACs add batch norm and pooling (59.6M in all) to the "
                     "convolutions' and fc's multiply-adds (56.5M), which match Table 3's 56M."),
    ),
)
