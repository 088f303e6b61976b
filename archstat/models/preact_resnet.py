"""Pre-activation ResNet (ResNet v2) for ImageNet, built by ``resnet.ResNet`` with ``preact=True``.

He, Zhang, Ren, Sun 2016, "Identity Mappings in Deep Residual Networks", arXiv:1603.05027 (ECCV
2016), Fig. 4(e). Multiply-adds
(MACs) in the layout notes were measured at 3x224x224 with fvcore, counting convolutions and the fc
only (one fused multiply-add = 1 MAC; FLOPs = 2 x MACs).
"""

from __future__ import annotations

from .registry import zoo_builders
from .resnet import ResNet, basic, bottleneck

# Fig. 4(e) units on stage tables of units per stage (the ResNet paper's Table 1, and ResNet-200).
STAGES = {
    "preact_resnet18": (basic, (2, 2, 2, 2)),
    "preact_resnet34": (basic, (3, 4, 6, 3)),
    "preact_resnet50": (bottleneck, (3, 4, 6, 3)),
    "preact_resnet101": (bottleneck, (3, 4, 23, 3)),
    "preact_resnet152": (bottleneck, (3, 8, 36, 3)),
    "preact_resnet200": (bottleneck, (3, 24, 36, 3)),
}

zoo_builders(globals(), lambda row, num_classes: ResNet(*row, preact=True, num_classes=num_classes), STAGES)
