"""What the papers state about the networks ``archstat/models/vgg.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from .info import ModelInfo

_PAPER = "Very Deep Convolutional Networks for Large-Scale Image Recognition"
_LAYOUT = (
    "Table 1 configuration {cfg}. The paper evaluates fully convolutionally (fc6 as a 7x7 "
    "convolution, fc7/fc8 as 1x1, class scores averaged over the map); here an adaptive average "
    "pool to 7x7 feeds fc6 instead, so any input >= 32x32 runs (at 224x224 it does nothing) and "
    "the parameter count is the same. Classifier 25088-4096-4096-1000."
)
_BN_LAYOUT = (
    "Not in the paper: configuration {cfg} with a BatchNorm2d after every convolution, the "
    "convolutions keeping their biases (as torchvision's vgg*_bn do); this adds "
    "2 x {width:,} = {extra:,} parameters to {plain} ({width:,} = sum of the convolution "
    "widths). Dropping the now-redundant biases would remove {width:,} again. Adaptive pool to "
    "7x7 as in {plain}."
)
_TABLE3 = "{} (ILSVRC-2012 val, single net, single scale S=Q=256, Table 3)"
_TABLE5 = "; {} (val, single net, S in [256;512], multi-crop & dense, Table 5)"


def _paper_vgg(
    name: str, cfg: str, params_m: int, depth: int, top5: str, extra: dict[str, str] | None = None
) -> ModelInfo:
    return ModelInfo(
        name=name, family="VGG", paper=_PAPER, year=2014, input_size=(3, 224, 224),
        paper_params=params_m * 1e6, params_exact=False, paper_macs=None, paper_depth=depth,
        paper_source="Table 2 (params, millions); Tables 3 and 5 (top-5)",
        layout=_LAYOUT.format(cfg=cfg), top5_error=top5, has_aux=False, min_input=32,
        extra=extra or {},
    )


def _bn_vgg(name: str, cfg: str, depth: int, plain: str, width: int) -> ModelInfo:
    """``width``: the sum of the configuration's convolution widths, one BN pair per channel."""
    return ModelInfo(
        name=name, family="VGG", paper=_PAPER, year=2014, input_size=(3, 224, 224), paper_params=None,
        params_exact=False, paper_macs=None, paper_depth=depth,
        paper_source="no figure: batch norm is not in the paper",
        layout=_BN_LAYOUT.format(cfg=cfg, width=width, extra=2 * width, plain=plain),
        top5_error=None, has_aux=False, min_input=32,
    )


MODELS = (
    _paper_vgg("vgg11", "A", 133, 11, _TABLE3.format("10.4%")),
    _paper_vgg("vgg11_lrn", "A-LRN (LRN after the first convolution)", 133, 11, _TABLE3.format("10.5%")),
    _paper_vgg("vgg13", "B", 133, 13, _TABLE3.format("9.9%")),
    _paper_vgg("vgg16c", "C (1x1 convolutions third in blocks 3, 4 and 5)", 134, 16, _TABLE3.format("9.4%")),
    _paper_vgg("vgg16", "D", 138, 16, _TABLE3.format("8.8%") + _TABLE5.format("7.2%")),
    _paper_vgg("vgg19", "E", 144, 19, _TABLE3.format("9.0%") + _TABLE5.format("7.1%"), extra={
       # The VGG paper states no multiply-add count; the ResNet paper does, for E at 224x224.
       "macs_elsewhere": "19.6 billion multiply-adds (He et al. 2015, ResNet paper, Figure 3)",
   }),
    _bn_vgg("vgg11_bn", "A", 11, "vgg11", 2752),
    _bn_vgg("vgg13_bn", "B", 13, "vgg13", 2944),
    _bn_vgg("vgg16_bn", "D", 16, "vgg16", 4224),
    _bn_vgg("vgg19_bn", "E", 19, "vgg19", 5504),
)
