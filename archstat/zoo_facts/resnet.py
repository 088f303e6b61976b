"""What the papers state about the networks ``archstat/models/resnet.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from functools import partial

from .info import ModelInfo

RESNET = "Deep Residual Learning for Image Recognition"
_v1 = partial(ModelInfo, family="ResNet", paper=RESNET, year=2015, input_size=(3, 224, 224),
              min_input=1, paper_source="Table 1 (FLOPs row = multiply-adds, x10^9)")
_V1 = ("ResNet paper layout: option-B projection shortcuts (1x1 conv + BN) only where the shape "
       "changes, no conv biases. MACs here count convs and fc, as the paper does; archstat's "
       "fvcore total adds batch norm and pooling (about 0.5% more). ")
_V1_STRIDE = ("Down-sampling bottlenecks stride their first 1x1 conv, as the paper states; "
              "torchvision and most training code stride the 3x3 instead (see {name}_v1_5): "
              "same params, {v1} vs {v15} GMACs at 224.")
_TABLE1_GAP = ("Convs + fc measure {conv_fc} GMACs at 224 (archstat's total with batch norm: "
               "{total}), {pct}% above Table 1's {stated}, more than rounding; the paper does not "
               "say what it counted. Its 18-, 101- and 152-layer figures agree to rounding.")
_v15 = partial(ModelInfo, family="ResNet", paper=RESNET, year=2015, input_size=(3, 224, 224),
               min_input=1, extra={"layout_source": "fb.resnet.torch (2016)"})
_V15 = ("ResNet v1.5: the paper's bottleneck net with the stride 2 moved from the first 1x1 "
        "conv to the 3x3 conv of the three down-sampling units (fb.resnet.torch, torchvision). "
        "Params equal v1's; MACs at 224 rise from {v1} to {v15} G because those three 1x1 convs "
        "now run at 4x the output area: +3 x 77,070,336 = 231,211,008 MACs.")


MODELS = (
    _v1(name="resnet18", paper_macs=1.8e9, paper_depth=18, layout=_V1 + "Measured 1.81 GMACs at 224 (Table 1: 1.8)."),
    _v1(name="resnet34", paper_macs=3.6e9, paper_depth=34, top5_error="5.71% (Table 4, single model, option B)",
        layout=_V1 + "Measured 3.66 GMACs at 224 (Table 1: 3.6).",
        discrepancy=_TABLE1_GAP.format(conv_fc="3.664", total="3.671", stated="3.6", pct="1.8")),
    _v1(name="resnet50", paper_macs=3.8e9, paper_depth=50, top5_error="5.25% (Table 4, single model)",
        layout=_V1 + _V1_STRIDE.format(name="resnet50", v1="3.86", v15="4.09"),
        discrepancy=_TABLE1_GAP.format(conv_fc="3.858", total="3.879", stated="3.8", pct="1.5")),
    _v1(name="resnet101", paper_macs=7.6e9, paper_depth=101, top5_error="4.60% (Table 4, single model)",
        layout=_V1 + _V1_STRIDE.format(name="resnet101", v1="7.57", v15="7.80")),
    _v1(name="resnet152", paper_macs=11.3e9, paper_depth=152,
        top5_error="4.49% (Table 4, single model); 3.57% ensemble (ILSVRC 2015 test)",
        layout=_V1 + _V1_STRIDE.format(name="resnet152", v1="11.28", v15="11.51")),
    _v15(name="resnet50_v1_5", paper_params=25.5e6, paper_macs=4.1e9, paper_depth=50,
         paper_source="ResNeXt paper Table 1, ResNet-50 column (that ResNet-50 strides the 3x3)",
         layout=_V15.format(v1="3.86", v15="4.09"),
         discrepancy="ResNeXt Table 1's 25.5M truncates the exact 25,557,032 (25.56M)."),
    _v15(name="resnet101_v1_5", paper_macs=7.8e9, paper_depth=101,
         paper_source="facebookresearch/ResNeXt README: ResNet-101 (1x64d) ~7.8 GFLOPs",
         layout=_V15.format(v1="7.57", v15="7.80")),
    _v15(name="resnet152_v1_5", paper_depth=152, layout=_V15.format(v1="11.28", v15="11.51")),
)
