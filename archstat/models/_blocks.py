"""Blocks shared by several families, defined once."""

from __future__ import annotations

from collections import OrderedDict

from torch import nn


class ConvReLU(nn.Sequential):
    """Convolution with bias, then ReLU (the pre-batch-norm networks: AlexNet, VGG, GoogLeNet, NIN)."""

    def __init__(
        self, cin: int, cout: int, kernel: int | tuple[int, int], stride: int = 1,
        padding: int | tuple[int, int] = 0, groups: int = 1,
    ) -> None:
        super().__init__(OrderedDict(
            conv=nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, groups=groups),
            relu=nn.ReLU(inplace=True),
        ))


class ConvBNReLU(nn.Sequential):
    """Convolution without bias, batch norm, then ReLU (batch-normalised networks)."""

    def __init__(
        self, cin: int, cout: int, kernel: int | tuple[int, int], stride: int = 1,
        padding: int | tuple[int, int] = 0, groups: int = 1, eps: float = 1e-5,
    ) -> None:
        super().__init__(OrderedDict(
            conv=nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, groups=groups, bias=False),
            bn=nn.BatchNorm2d(cout, eps=eps),
            relu=nn.ReLU(inplace=True),
        ))


def classifier(in_features: int, num_classes: int, dropout: float = 0.0) -> nn.Sequential:
    """Global average pooling, flatten, optional dropout, one fully connected layer."""
    layers: OrderedDict[str, nn.Module] = OrderedDict(
        pool=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(1)
    )
    if dropout:
        layers["dropout"] = nn.Dropout(dropout)
    layers["fc"] = nn.Linear(in_features, num_classes)
    return nn.Sequential(layers)


def krizhevsky_lrn() -> nn.LocalResponseNorm:
    """AlexNet's local response normalisation: n=5, k=2, alpha=1e-4, beta=0.75 (also VGG's A-LRN).

    The paper divides by ``(k + alpha * sum a^2)^beta``; PyTorch divides ``alpha`` by ``n``, so the
    paper's alpha of 1e-4 is passed as 5 * 1e-4. No parameters.
    """
    return nn.LocalResponseNorm(size=5, alpha=5 * 1e-4, beta=0.75, k=2.0)
