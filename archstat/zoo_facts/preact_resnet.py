"""What the papers state about the networks ``archstat/models/preact_resnet.py`` builds: one ``ModelInfo`` each."""

from __future__ import annotations

from functools import partial

from .info import ModelInfo

_preact = partial(ModelInfo, family="ResNet v2 (pre-activation)",
                  paper="Identity Mappings in Deep Residual Networks", year=2016,
                  input_size=(3, 224, 224), min_input=1)
_PREACT = ("Full pre-activation units (BN-ReLU before every conv; BN-ReLU after the last stage). "
           "conv1 7x7/2 + BN + ReLU is the first unit's activation ('right after conv1'), so "
           "the first unit has no BN-ReLU of its own. Shape-changing units share their first "
           "BN-ReLU, project the activated input with a bare 1x1 conv (no BN) and stride their "
           "first conv as the authors' code (KaimingHe/resnet-1k-layers) does; fb.resnet.torch's "
           "preresnet instead projects the raw input with conv + BN and strides the 3x3. "
           "Measured {macs} GMACs at 224 (conv + fc); the paper states no ImageNet params or MACs.")


MODELS = (
    _preact(name="preact_resnet18", paper_depth=18, layout=_PREACT.format(macs="1.81")),
    _preact(name="preact_resnet34", paper_depth=34, layout=_PREACT.format(macs="3.66")),
    _preact(name="preact_resnet50", paper_depth=50, layout=_PREACT.format(macs="3.86")),
    _preact(name="preact_resnet101", paper_depth=101, layout=_PREACT.format(macs="7.57")),
    _preact(name="preact_resnet152", paper_depth=152, layout=_PREACT.format(macs="11.28")),
    _preact(name="preact_resnet200", paper_depth=200, layout=_PREACT.format(macs="14.78")),
)
