"""Pre-activation ResNet (ResNet v2) for ImageNet, built by ``resnet.ResNet`` with ``preact=True``.

He, Zhang, Ren, Sun 2016, "Identity Mappings in Deep Residual Networks", arXiv:1603.05027 (ECCV
2016), Fig. 4(e). Multiply-adds (MACs) in the layout notes were measured at 3x224x224 with fvcore,
counting convolutions and the fc only (one fused multiply-add = 1 MAC; FLOPs = 2 x MACs).
"""

from __future__ import annotations

from .registry import zoo_builders
from .resnet import V1, ResNet, bottleneck

# Fig. 4(e) units on the ResNet paper's stage tables (Table 1: unit recipe, units per stage), and ResNet-200's.
STAGES = {
    "preact_resnet18": V1["resnet18"],
    "preact_resnet34": V1["resnet34"],
    "preact_resnet50": V1["resnet50"],
    "preact_resnet101": V1["resnet101"],
    "preact_resnet152": V1["resnet152"],
    "preact_resnet200": (bottleneck, (3, 24, 36, 3)),
}

zoo_builders(globals(), lambda row, num_classes: ResNet(*row, preact=True, num_classes=num_classes), STAGES)
