"""Residual networks for ImageNet: ResNet v1 and v1.5, and the ``ResNet`` class their variants share
(pre-activation ResNet in ``preact_resnet``, ResNeXt in ``resnext``).

One ``ResNet`` class builds every variant from a stage table (units per stage) and a unit recipe
(the list of convolutions of one residual unit); a variant is one line of arguments.

- He, Zhang, Ren, Sun 2015, "Deep Residual Learning for Image Recognition", Table 1.
- He, Zhang, Ren, Sun 2016, "Identity Mappings in Deep Residual Networks", Fig. 4(e).
- Xie, Girshick, Dollar, Tu, He 2017, "Aggregated Residual Transformations for Deep Neural
  Networks", Table 1 and Fig. 3(c).

Multiply-adds (MACs) in the layout notes were measured at 3x224x224 with fvcore, counting
convolutions and the fc only (one fused multiply-add = 1 MAC; FLOPs = 2 x MACs).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import NamedTuple

import torch
from torch import nn

from ._blocks import ConvBNReLU, classifier
from .registry import zoo_model


class Conv(NamedTuple):
    """One convolution of a unit: odd kernel ('same' padding), out channels, stride, groups."""

    kernel: int
    cout: int
    stride: int = 1
    groups: int = 1


Recipe = Callable[..., list[Conv]]


def basic(planes: int, stride: int, *, groups: int = 1, base_width: int = 64,
          stride_in_3x3: bool = False) -> list[Conv]:
    """ResNet Fig. 5 (left), ResNet-18/34 and the CIFAR nets: two 3x3 convolutions of ``planes``."""
    if groups != 1 or base_width != 64:
        raise ValueError("the basic unit has no cardinality or base width")
    return [Conv(3, planes, stride), Conv(3, planes)]


def bottleneck(planes: int, stride: int, *, groups: int = 1, base_width: int = 64,
               stride_in_3x3: bool = False) -> list[Conv]:
    """ResNet Fig. 5 (right) and ResNeXt Fig. 3(c): 1x1 reduce, 3x3 (``groups`` = cardinality C),
    1x1 expand to ``4 * planes``.

    Inner width = planes * base_width / 64 * C, so ResNeXt-50 32x4d's conv2 units are 1x1 128,
    3x3 128 (C=32), 1x1 256 (ResNeXt Table 1). The ResNet paper strides the first 1x1 (v1);
    ``stride_in_3x3`` moves the stride into the 3x3, as fb.resnet.torch and ResNeXt do (v1.5).
    """
    width = planes * base_width // 64 * groups
    s1, s3 = (1, stride) if stride_in_3x3 else (stride, 1)
    return [Conv(1, width, s1), Conv(3, width, s3, groups), Conv(1, 4 * planes)]


def conv2d(cin: int, spec: Conv) -> nn.Conv2d:
    """A bias-free convolution (batch norm follows or precedes it) with 'same' padding."""
    return nn.Conv2d(cin, spec.cout, spec.kernel, spec.stride, spec.kernel // 2,
                     groups=spec.groups, bias=False)


def projection(cin: int, cout: int, stride: int) -> nn.Sequential:
    """Projection shortcut, option B of the ResNet paper: 1x1 convolution (stride s) + BN."""
    return nn.Sequential(OrderedDict(
        conv=nn.Conv2d(cin, cout, 1, stride, bias=False), bn=nn.BatchNorm2d(cout)
    ))


Shortcut = Callable[[int, int, int], nn.Module]
Gate = Callable[[int], nn.Module]  # channels -> a module that rescales them (SENet's SE block)


class PostActUnit(nn.Module):
    """The original residual unit (ResNet Fig. 2): [conv-BN-ReLU] ... conv-BN, add the shortcut,
    then ReLU. The shortcut is the identity unless the shape changes; then ``shortcut(cin, cout,
    stride)`` builds it (option B projection by default). ``gate(cout)``, where given, acts on the
    residual branch's output before the addition (SENet's squeeze-and-excitation, its Fig. 3)."""

    def __init__(self, cin: int, convs: Sequence[Conv], shortcut: Shortcut = projection,
                 gate: Gate | None = None) -> None:
        super().__init__()
        self.depth = len(convs)
        cout, stride = convs[-1].cout, _stride(convs)
        for i, spec in enumerate(convs, 1):
            self.add_module(f"conv{i}", conv2d(cin if i == 1 else convs[i - 2].cout, spec))
            self.add_module(f"bn{i}", nn.BatchNorm2d(spec.cout))
            # the last ReLU acts after the addition
            self.add_module(f"relu{i}", nn.ReLU(inplace=True))
        self.se = None if gate is None else gate(cout)
        self.shortcut = shortcut(cin, cout, stride) if (cin, stride) != (cout, 1) else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for i in range(1, self.depth + 1):
            out = getattr(self, f"bn{i}")(getattr(self, f"conv{i}")(out))
            if i < self.depth:
                out = getattr(self, f"relu{i}")(out)
        if self.se is not None:
            out = self.se(out)
        identity = x if self.shortcut is None else self.shortcut(x)
        return getattr(self, f"relu{self.depth}")(out + identity)


class PreActUnit(nn.Module):
    """Full pre-activation unit ("Identity Mappings" Fig. 4e): [BN-ReLU-conv] ..., add the
    shortcut, nothing after the addition.

    When the shape changes, the first BN-ReLU is shared by both paths and the shortcut is a bare
    1x1 projection of the activated input (the authors' code, KaimingHe/resnet-1k-layers). With
    ``activated_input`` (the unit right after conv1, whose BN-ReLU already ran: "we adopt the
    first activation right after conv1 and before splitting into two paths") the first BN-ReLU
    is left out.
    """

    def __init__(self, cin: int, convs: Sequence[Conv], activated_input: bool = False) -> None:
        super().__init__()
        self.depth = len(convs)
        cout, stride = convs[-1].cout, _stride(convs)
        for i, spec in enumerate(convs, 1):
            width = cin if i == 1 else convs[i - 2].cout
            if i > 1 or not activated_input:
                self.add_module(f"bn{i}", nn.BatchNorm2d(width))
                self.add_module(f"relu{i}", nn.ReLU(inplace=True))
            self.add_module(f"conv{i}", conv2d(width, spec))
        changes = (cin, stride) != (cout, 1)
        self.shortcut = nn.Conv2d(cin, cout, 1, stride, bias=False) if changes else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for i in range(1, self.depth + 1):
            if hasattr(self, f"bn{i}"):
                out = getattr(self, f"relu{i}")(getattr(self, f"bn{i}")(out))
            if i == 1:  # the identity keeps the raw input; a projection takes the activated one
                identity = x if self.shortcut is None else self.shortcut(out)
            out = getattr(self, f"conv{i}")(out)
        return out + identity


def _stride(convs: Sequence[Conv]) -> int:
    stride = 1
    for spec in convs:
        stride *= spec.stride
    return stride


def make_stage(recipe: Recipe, cin: int, planes: int, count: int, stride: int, *,
               preact: bool = False, activated_input: bool = False,
               shortcut: Shortcut = projection, gate: Gate | None = None,
               **recipe_args: object) -> tuple[nn.Sequential, int]:
    """``count`` residual units at ``planes``, the first one strided. Returns (stage, channels).

    ``activated_input``: the stage's input is conv1's BN-ReLU output, so its first pre-activation
    unit needs no BN-ReLU of its own."""
    units: list[nn.Module] = []
    for i in range(count):
        convs = recipe(planes, stride if i == 0 else 1, **recipe_args)
        if preact:
            units.append(PreActUnit(cin, convs, activated_input=activated_input and i == 0))
        else:
            units.append(PostActUnit(cin, convs, shortcut, gate))
        cin = convs[-1].cout
    return nn.Sequential(*units), cin


class BNReLU(nn.Sequential):
    """Batch norm then ReLU: the pre-activation nets' final activation after the last stage."""

    def __init__(self, channels: int) -> None:
        super().__init__(OrderedDict(bn=nn.BatchNorm2d(channels), relu=nn.ReLU(inplace=True)))


class ResNet(nn.Sequential):
    """ImageNet residual network (ResNet Table 1): conv1 7x7/2 64 + BN + ReLU, 3x3/2 max pool,
    four stages at 64/128/256/512 planes (strides 1, 2, 2, 2; ``layers`` units each), global
    average pool, fc. ``layer1``..``layer4`` are the paper's conv2_x..conv5_x. ``preact`` uses
    pre-activation units and adds BN-ReLU after the last stage; ``groups``/``base_width`` make
    ResNeXt; ``stride_in_3x3`` makes v1.5; ``gate`` adds SENet's block to every unit.
    """

    def __init__(self, recipe: Recipe, layers: Sequence[int], *, preact: bool = False,
                 groups: int = 1, base_width: int = 64, stride_in_3x3: bool = False,
                 gate: Gate | None = None, num_classes: int = 1000) -> None:
        parts: OrderedDict[str, nn.Module] = OrderedDict(
            conv1=ConvBNReLU(3, 64, 7, stride=2, padding=3),
            maxpool=nn.MaxPool2d(3, stride=2, padding=1),
        )
        cin = 64
        for i, count in enumerate(layers):
            parts[f"layer{i + 1}"], cin = make_stage(
                recipe, cin, 64 * 2**i, count, 1 if i == 0 else 2, preact=preact,
                activated_input=i == 0, groups=groups, base_width=base_width,
                stride_in_3x3=stride_in_3x3, gate=gate,
            )
        if preact:
            parts["postact"] = BNReLU(cin)
        parts["classifier"] = classifier(cin, num_classes)
        super().__init__(parts)


@zoo_model
def resnet18(*, num_classes: int = 1000) -> nn.Module:
    """ResNet-18 from He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image Recognition",
    arXiv:1512.03385 (CVPR 2016), Table 1.

    Basic units (2, 2, 2, 2), option-B projection shortcuts (1x1 conv + BN) only where the shape
    changes, no conv biases: the layout torchvision builds.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(basic, (2, 2, 2, 2), num_classes=num_classes)


@zoo_model
def resnet34(*, num_classes: int = 1000) -> nn.Module:
    """ResNet-34 from He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image Recognition",
    arXiv:1512.03385 (CVPR 2016), Table 1.

    Basic units (3, 4, 6, 3), option-B projection shortcuts (1x1 conv + BN) only where the shape
    changes, no conv biases: the layout torchvision builds.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(basic, (3, 4, 6, 3), num_classes=num_classes)


@zoo_model
def resnet50(*, num_classes: int = 1000) -> nn.Module:
    """ResNet-50 (v1) from He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image Recognition",
    arXiv:1512.03385 (CVPR 2016), Table 1.

    Bottleneck units (3, 4, 6, 3), option-B projections. Down-sampling units stride their first 1x1
    conv, as the paper states; torchvision and most training code stride the 3x3 instead
    (``resnet50_v1_5``: same parameters, more multiply-adds).

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 6, 3), num_classes=num_classes)


@zoo_model
def resnet101(*, num_classes: int = 1000) -> nn.Module:
    """ResNet-101 (v1) from He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image Recognition",
    arXiv:1512.03385 (CVPR 2016), Table 1.

    Bottleneck units (3, 4, 23, 3), option-B projections. Down-sampling units stride their first 1x1
    conv, as the paper states; torchvision and most training code stride the 3x3 instead
    (``resnet101_v1_5``: same parameters, more multiply-adds).

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 23, 3), num_classes=num_classes)


@zoo_model
def resnet152(*, num_classes: int = 1000) -> nn.Module:
    """ResNet-152 (v1) from He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image Recognition",
    arXiv:1512.03385 (CVPR 2016), Table 1.

    Bottleneck units (3, 8, 36, 3), option-B projections. Down-sampling units stride their first 1x1
    conv, as the paper states; torchvision and most training code stride the 3x3 instead
    (``resnet152_v1_5``: same parameters, more multiply-adds).

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 8, 36, 3), num_classes=num_classes)


@zoo_model
def resnet50_v1_5(*, num_classes: int = 1000) -> nn.Module:
    """ResNet-50 v1.5: the network of He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image
    Recognition", arXiv:1512.03385 (CVPR 2016), with the stride moved to the 3x3.

    Bottleneck units (3, 4, 6, 3); the three down-sampling units stride their 3x3 conv instead of the
    first 1x1, as fb.resnet.torch and torchvision's resnet do (not in the paper). Same parameters as
    ``resnet50``.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 6, 3), stride_in_3x3=True, num_classes=num_classes)


@zoo_model
def resnet101_v1_5(*, num_classes: int = 1000) -> nn.Module:
    """ResNet-101 v1.5: the network of He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image
    Recognition", arXiv:1512.03385 (CVPR 2016), with the stride moved to the 3x3.

    Bottleneck units (3, 4, 23, 3); the three down-sampling units stride their 3x3 conv instead of the
    first 1x1, as fb.resnet.torch and torchvision's resnet do (not in the paper). Same parameters as
    ``resnet101``.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 4, 23, 3), stride_in_3x3=True, num_classes=num_classes)


@zoo_model
def resnet152_v1_5(*, num_classes: int = 1000) -> nn.Module:
    """ResNet-152 v1.5: the network of He, Zhang, Ren & Sun 2015, "Deep Residual Learning for Image
    Recognition", arXiv:1512.03385 (CVPR 2016), with the stride moved to the 3x3.

    Bottleneck units (3, 8, 36, 3); the three down-sampling units stride their 3x3 conv instead of the
    first 1x1, as fb.resnet.torch and torchvision's resnet do (not in the paper). Same parameters as
    ``resnet152``.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 1000).
    """
    return ResNet(bottleneck, (3, 8, 36, 3), stride_in_3x3=True, num_classes=num_classes)
