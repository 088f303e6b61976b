"""What the papers state about the networks ``archstat/models/resnext.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from functools import partial

from .info import ModelInfo

_resnext = partial(ModelInfo, family="ResNeXt",
                   paper="Aggregated Residual Transformations for Deep Neural Networks",
                   year=2017, input_size=(3, 224, 224), min_input=1)
_RESNEXT = ("Grouped-convolution form (Fig. 3c) of the ResNeXt bottleneck; stride in the 3x3 "
            "conv and option-B projections, as the paper (and its Table 1 ResNet-50) uses. "
            "MACs count convs and fc. ")


MODELS = (
    _resnext(name="resnext50_32x4d", paper_params=25.0e6, paper_macs=4.2e9, paper_depth=50,
             paper_source="Table 1 (params, FLOPs = multiply-adds)",
             layout=_RESNEXT + "Measured 25,028,904 params and 4.23 GMACs at 224, against "
             "25,557,032 and 4.09 G for resnet50_v1_5 (Table 1: 25.5M, 4.1 G).",
             discrepancy="Convs + fc measure 4.230 GMACs, Table 1's 4.2 to rounding; archstat's "
             "total (4.259 G) adds 29M MACs of batch norm and pooling."),
    _resnext(name="resnext101_32x4d", paper_macs=7.8e9, paper_depth=101,
             paper_source="facebookresearch/ResNeXt README (~7.8 GFLOPs, same as ResNet-101)",
             extra={"top1_error": "21.2% (224 single crop; authors' README)"},
             layout=_RESNEXT + "Measured 44,177,704 params, 7.97 GMACs at 224.",
             discrepancy="'~7.8' is the ResNet-101 complexity class the README groups it in: convs "
             "+ fc measure 7.970 GMACs (2.2% more; archstat's total with batch norm 8.013)."),
    _resnext(name="resnext101_32x8d", paper_depth=101,
             layout=_RESNEXT + "Not in the ResNeXt paper; used by torchvision and by Mahajan et al. "
             "2018 (weakly supervised pretraining). Measured 88,791,336 params, 16.41 GMACs at 224."),
    _resnext(name="resnext101_64x4d", paper_macs=15.6e9, paper_depth=101,
             paper_source="facebookresearch/ResNeXt README (~15.6 GFLOPs, 2x ResNet-101)",
             extra={"top1_error": "20.4% (224 single crop; authors' README)"},
             layout=_RESNEXT + "Measured 83,455,272 params, 15.46 GMACs at 224.",
             discrepancy="'~15.6' is approximate: convs + fc measure 15.458 GMACs (0.9% less; "
             "archstat's total with batch norm 15.52)."),
)
