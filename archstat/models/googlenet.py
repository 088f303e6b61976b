"""GoogLeNet (Szegedy et al. 2014, "Going Deeper with Convolutions"), Table 1, plus the Inception
machinery the later Inception networks (``inception.py``) share.

An Inception module is data: a mapping from branch name to the layers of that branch, e.g.
``{"branch1x1": [Conv(64)], "branch3x3": [Conv(96), Conv(128, 3)], ...}``. ``build_module`` turns
such a spec into a :class:`Branches` module, which runs every branch on the same input and
concatenates their outputs along the channel axis. A mapping may also stand *inside* a branch
(Inception-v3/v4's expanded 8x8 modules split one tower into a 1x3 and a 3x1 head).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

import torch
from torch import nn

from ._blocks import ConvBNReLU, ConvReLU, classifier
from .registry import zoo_model

Kernel = int | tuple[int, int]


@dataclass(frozen=True)
class Conv:
    """One convolution of a branch: ``cout`` filters of size ``kernel``.

    ``pad="same"`` keeps the grid (padding kernel//2, for stride 1); ``"valid"`` pads nothing,
    the "V" of the Inception-v3/v4 figures.
    """

    cout: int
    kernel: Kernel = 1
    stride: int = 1
    pad: Literal["same", "valid"] = "same"


PoolKind = Literal["max", "avg"]


@dataclass(frozen=True)
class Pool:
    """A pooling layer of a branch (``kind`` "max" or "avg"); it keeps the channel count."""

    kind: PoolKind
    kernel: int = 3
    stride: int = 1
    pad: Literal["same", "valid"] = "same"


Layer = Conv | Pool | Mapping[str, Sequence["Layer"]]
Spec = Mapping[str, Sequence[Layer]]
ConvFactory = Callable[..., nn.Module]  # (cin, cout, kernel, stride, padding) -> conv block


class Branches(nn.ModuleDict):
    """Named parallel branches on one input; outputs concatenated along channels (dim 1)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.values()], dim=1)


def _padding(kernel: Kernel, pad: str) -> int | tuple[int, int]:
    if pad == "valid":
        return 0
    if isinstance(kernel, int):
        return kernel // 2
    return (kernel[0] // 2, kernel[1] // 2)


def build_layer(cin: int, layer: Layer, conv: ConvFactory) -> tuple[nn.Module, int]:
    """One conv, pool or nested set of branches; returns it and its output channels."""
    if isinstance(layer, Conv):
        block = conv(cin, layer.cout, layer.kernel, layer.stride, _padding(layer.kernel, layer.pad))
        return block, layer.cout
    if isinstance(layer, Pool):
        pool_cls = nn.MaxPool2d if layer.kind == "max" else nn.AvgPool2d
        # Inception's avg-pool branches average over the padded window (count_include_pad=True).
        return pool_cls(layer.kernel, layer.stride, _padding(layer.kernel, layer.pad)), cin
    return build_module(cin, layer, conv)


def build_branch(cin: int, layers: Sequence[Layer], conv: ConvFactory) -> tuple[nn.Sequential, int]:
    """The layers of one branch in sequence; returns the module and its output channels."""
    modules: list[nn.Module] = []
    for layer in layers:
        module, cin = build_layer(cin, layer, conv)
        modules.append(module)
    return nn.Sequential(*modules), cin


def build_module(cin: int, spec: Spec, conv: ConvFactory) -> tuple[Branches, int]:
    """An Inception module from its spec; returns it and its output channels (sum over branches)."""
    branches: OrderedDict[str, nn.Module] = OrderedDict()
    cout = 0
    for name, layers in spec.items():
        branches[name], width = build_branch(cin, layers, conv)
        cout += width
    return Branches(branches), cout


class InceptionNet(nn.Module):
    """Named stages run in order, then ``classifier``; auxiliary heads tap named stages.

    ``aux`` maps an aux head's name (``aux1``) to (the stage it reads, the head). The heads are
    always built but run only when ``aux_logits`` is True; the forward then returns
    ``(logits, aux1_logits, ...)`` in tap order, else the logits alone.
    """

    def __init__(
        self, stages: Mapping[str, nn.Module], head: nn.Module,
        aux: Mapping[str, tuple[str, nn.Module]] | None = None,
    ) -> None:
        super().__init__()
        for name, stage in stages.items():
            self.add_module(name, stage)
        self.classifier = head
        self._stages = list(stages)
        self._taps: dict[str, str] = {}
        for aux_name, (stage_name, module) in (aux or {}).items():
            self.add_module(aux_name, module)
            self._taps[stage_name] = aux_name
        self.aux_logits = False

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        aux_outputs: list[torch.Tensor] = []
        for name in self._stages:
            x = self._modules[name](x)  # type: ignore[misc]
            if self.aux_logits and name in self._taps:
                aux_outputs.append(self._modules[self._taps[name]](x))  # type: ignore[misc]
        logits = self.classifier(x)
        return (logits, *aux_outputs) if self.aux_logits else logits


# --- GoogLeNet -----------------------------------------------------------------------------------

# Table 1 columns: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj. "M" is a 3x3/2 max pool.
TABLE1: dict[str, tuple[int, int, int, int, int, int]] = {
    "inception3a": (64, 96, 128, 16, 32, 32),
    "inception3b": (128, 128, 192, 32, 96, 64),
    "inception4a": (192, 96, 208, 16, 48, 64),
    "inception4b": (160, 112, 224, 24, 64, 64),
    "inception4c": (128, 128, 256, 24, 64, 64),
    "inception4d": (112, 144, 288, 32, 64, 64),
    "inception4e": (256, 160, 320, 32, 128, 128),
    "inception5a": (256, 160, 320, 32, 128, 128),
    "inception5b": (384, 192, 384, 48, 128, 128),
}
LAYOUT = ["inception3a", "inception3b", "M", "inception4a", "inception4b", "inception4c",
          "inception4d", "inception4e", "M", "inception5a", "inception5b"]


# How one GoogLeNet layout differs from another: the paper's (Table 1) and torchvision's.
@dataclass(frozen=True)
class V1Layout:
    """The knobs on which GoogLeNet layouts differ; every width comes from ``TABLE1`` either way.

    ``conv`` builds every convolution (trunk, branches, side heads); ``tower`` is the kernel of the
    "#5x5" branch; ``lrn`` puts LRN after conv1 and conv2; ``pool4`` is the kernel of the max pool
    between 4e and 5a; ``aux_pool`` is the side heads' pool to 4x4 ("fixed": 5x5/3, "adaptive": to
    4x4 whatever the input); ``dropout`` is the main classifier's.
    """

    conv: ConvFactory = ConvReLU
    tower: int = 5
    lrn: bool = True
    pool4: int = 3
    aux_pool: Literal["fixed", "adaptive"] = "fixed"
    dropout: float = 0.4


PAPER = V1Layout()
# torchvision's GoogLeNet: conv (no bias) + batch norm (eps 0.001) + ReLU everywhere, a 3x3 where
# Table 1 has the 5x5, no LRN, a 2x2 pool before 5a, adaptive side-head pools, dropout 0.2.
TORCHVISION = V1Layout(conv=partial(ConvBNReLU, eps=1e-3), tower=3, lrn=False, pool4=2,
                       aux_pool="adaptive", dropout=0.2)


def inception_v1_spec(n1: int, r3: int, n3: int, r5: int, n5: int, proj: int, tower: int = 5) -> Spec:
    """One row of Table 1 as branches; ``tower`` is the kernel of the "#5x5" branch (5 in the paper)."""
    return {
        "branch1x1": [Conv(n1)],
        "branch3x3": [Conv(r3), Conv(n3, 3)],
        "branch5x5": [Conv(r5), Conv(n5, tower)],
        "branch_pool": [Pool("max"), Conv(proj)],
    }


def _max_pool(kernel: int = 3) -> nn.MaxPool2d:
    # Ceil mode gives Table 1's grids at 224: 112 -> 56 -> 28 -> 14 -> 7.
    return nn.MaxPool2d(kernel, stride=2, ceil_mode=True)


def _lrn() -> nn.LocalResponseNorm:
    # The paper gives no LRN settings; these are AlexNet's / the Caffe reference's.
    return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)


def aux_head_v1(cin: int, num_classes: int, layout: V1Layout = PAPER) -> nn.Sequential:
    """Section 5's side classifier: 5x5/3 avg pool, 1x1 conv 128, fc 1024, dropout 70%, fc."""
    pool: nn.Module = (nn.AvgPool2d(5, stride=3, ceil_mode=True) if layout.aux_pool == "fixed"  # 14x14 -> 4x4
                       else nn.AdaptiveAvgPool2d(4))
    return nn.Sequential(OrderedDict(
        pool=pool,
        conv=layout.conv(cin, 128, 1),
        flatten=nn.Flatten(1),
        fc1=nn.Linear(128 * 4 * 4, 1024),
        relu=nn.ReLU(inplace=True),
        dropout=nn.Dropout(0.7),
        fc2=nn.Linear(1024, num_classes),
    ))


def _googlenet_stages(layout: V1Layout) -> OrderedDict[str, nn.Module]:
    conv = layout.conv
    stages: OrderedDict[str, nn.Module] = OrderedDict(conv1=conv(3, 64, 7, stride=2, padding=3), pool1=_max_pool())
    if layout.lrn:
        stages["norm1"] = _lrn()
    stages.update(conv2_reduce=conv(64, 64, 1), conv2=conv(64, 192, 3, padding=1))
    if layout.lrn:
        stages["norm2"] = _lrn()
    stages["pool2"] = _max_pool()
    cin, pools = 192, 2
    for name in LAYOUT:
        if name == "M":
            pools += 1
            stages[f"pool{pools}"] = _max_pool(layout.pool4 if pools == 4 else 3)
        else:
            spec = inception_v1_spec(*TABLE1[name], tower=layout.tower)
            stages[name], cin = build_module(cin, spec, conv)
    return stages


class GoogLeNet(InceptionNet):
    """Table 1 in a ``layout``, with the two side classifiers ``aux1`` (after 4a) and ``aux2`` (4d)."""

    def __init__(self, num_classes: int = 1000, layout: V1Layout = PAPER) -> None:
        super().__init__(
            _googlenet_stages(layout),
            classifier(1024, num_classes, dropout=layout.dropout),  # global 7x7 avg pool at 224
            aux={"aux1": ("inception4a", aux_head_v1(512, num_classes, layout)),
                 "aux2": ("inception4d", aux_head_v1(528, num_classes, layout))},
        )


@zoo_model
def googlenet(*, num_classes: int = 1000) -> nn.Module:
    """GoogLeNet from Szegedy et al. 2014, "Going Deeper with Convolutions", arXiv:1409.4842 (CVPR
    2015).

    Table 1 as printed: a real 5x5 branch (torchvision's, ``googlenet_tv``, has 3x3), convolutions with bias and no
    batch norm, LRN after conv1 and conv2, ceil-mode pools. The side classifiers ``aux1`` and ``aux2``
    are built but run only with ``aux_logits`` set.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return GoogLeNet(num_classes)


@zoo_model
def googlenet_tv(*, num_classes: int = 1000) -> nn.Module:
    """GoogLeNet as torchvision builds it (``torchvision.models.googlenet``): the widths of Table 1 of
    Szegedy et al. 2014, "Going Deeper with Convolutions", arXiv:1409.4842, in a different layout.

    A 3x3 convolution where the paper's third branch has a 5x5, batch norm after every convolution (no
    biases), no LRN, a 2x2 pool before 5a, adaptive pools in the side heads. The side heads ``aux1`` and
    ``aux2`` are built but run only with ``aux_logits`` set.

    Args:
        num_classes: Width of the classifier, in classes (torchvision's: 1000).
    """
    return GoogLeNet(num_classes, TORCHVISION)
