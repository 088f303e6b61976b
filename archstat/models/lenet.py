"""LeNet-5: LeCun, Bottou, Bengio & Haffner 1998, "Gradient-Based Learning Applied to Document
Recognition", Section II-B and Appendix A.

Input 1x32x32. Seven layers, all but the output trainable:

    layer   what                                   output      trainable params   connections
    C1      6 convolutions 5x5                     6@28x28       156              122,304
    S2      2x2 sum x coefficient + bias per map   6@14x14        12                5,880
    C3      16 convolutions 5x5, Table I           16@10x10     1,516              151,600
    S4      2x2 sum x coefficient + bias per map   16@5x5         32                2,000
    C5      120 convolutions 5x5                   120@1x1     48,120               48,120
    F6      84 units, fully connected              84          10,164               10,164
    OUTPUT  Euclidean RBF units, 84 inputs each    10               0 (840 fixed)      840

The paper: "340,908 connections, but only 60,000 trainable free parameters". A connection counts
each bias too, so a layer's connections = its multiply-adds + its biases x output positions.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from .registry import zoo_model

# Table I: which S2 maps (rows 0-5) feed each C3 map (columns 0-15).
C3_TABLE: list[list[int]] = [
    # maps 0-5: three contiguous S2 maps (cyclically)
    [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 0], [5, 0, 1],
    # maps 6-11: four contiguous S2 maps
    [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 0], [4, 5, 0, 1], [5, 0, 1, 2],
    # maps 12-14: four discontinuous S2 maps
    [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5],
    # map 15: all six
    [0, 1, 2, 3, 4, 5],
]


class ScaledTanh(nn.Module):
    """The paper's squashing function f(a) = A tanh(S a), A = 1.7159, S = 2/3 (Appendix A)."""

    def __init__(self, amplitude: float = 1.7159, slope: float = 2 / 3) -> None:
        super().__init__()
        self.amplitude = amplitude
        self.slope = slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.amplitude * torch.tanh(self.slope * x)

    def extra_repr(self) -> str:
        return f"amplitude={self.amplitude}, slope={self.slope:.4f}"


class Subsampling(nn.Module):
    """S2/S4: each unit adds its four 2x2 inputs, multiplies by one trainable coefficient per map
    and adds one trainable bias per map: 2 parameters per map.

    Written as a depthwise 2x2/2 convolution whose four taps share the map's coefficient, so the
    multiply-add counter sees it: 4 MACs per output value (the paper's 5 connections less the bias).
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(channels))
        self.bias = nn.Parameter(torch.empty(channels))
        nn.init.ones_(self.weight)
        nn.init.zeros_(self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels = self.weight.shape[0]
        kernel = self.weight.view(channels, 1, 1, 1).expand(channels, 1, 2, 2)
        return F.conv2d(x, kernel, self.bias, stride=2, groups=channels)


class PartialConv(nn.Module):
    """C3: one 5x5 convolution per output map over the input maps its row of ``table`` names.

    Each output map has its own bias; the index lists are plain Python lists (no buffers), so the
    module builds on the meta device. Output maps are concatenated in table order.
    """

    def __init__(self, table: list[list[int]], kernel: int) -> None:
        super().__init__()
        self.table = [list(inputs) for inputs in table]
        self.maps = nn.ModuleList(nn.Conv2d(len(inputs), 1, kernel) for inputs in self.table)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = [conv(x[:, inputs]) for conv, inputs in zip(self.maps, self.table, strict=True)]
        return torch.cat(maps, dim=1)


class EuclideanRBF(nn.Module):
    """OUTPUT: y_i = sum_j (x_j - w_ij)^2, one unit per class, 84 inputs each.

    The paper fixes the prototypes w (stylised 7x12 bitmaps of the characters), so they are
    parameters with ``requires_grad=False``. The distance is expanded as
    ||x||^2 - 2 x.w_i + ||w_i||^2 so the matrix product carries the 84 MACs per class that the
    paper counts as connections. Output: distances (lower = better match), not logits.
    """

    def __init__(self, in_features: int, num_classes: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num_classes, in_features), requires_grad=False)
        nn.init.uniform_(self.weight, -1.0, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cross = torch.matmul(x, self.weight.t())
        return (x * x).sum(dim=1, keepdim=True) - 2 * cross + (self.weight * self.weight).sum(dim=1)


def _squashed(name: str, layer: nn.Module) -> nn.Sequential:
    # Every layer up to F6 passes its weighted sum through the squashing function (Appendix A).
    return nn.Sequential(OrderedDict([(name, layer), ("squash", ScaledTanh())]))


class LeNet5(nn.Sequential):
    """LeNet-5 as in the paper; named c1, s2, c3, s4, c5, f6 and fc (the RBF output layer)."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__(OrderedDict(
            c1=_squashed("conv", nn.Conv2d(1, 6, 5)),
            s2=_squashed("subsample", Subsampling(6)),
            c3=_squashed("conv", PartialConv(C3_TABLE, 5)),
            s4=_squashed("subsample", Subsampling(16)),
            c5=_squashed("conv", nn.Conv2d(16, 120, 5)),
            flatten=nn.Flatten(1),
            f6=_squashed("linear", nn.Linear(120, 84)),
            fc=EuclideanRBF(84, num_classes),
        ))


@zoo_model
def lenet5(*, num_classes: int = 10) -> nn.Module:
    """LeNet-5 from LeCun, Bottou, Bengio & Haffner 1998, "Gradient-Based Learning Applied to Document
    Recognition" (Proceedings of the IEEE), Section II-B.

    The paper's layout: C3 partially connected by Table I, trainable S2/S4 subsampling, scaled tanh, and
    a Euclidean RBF output with fixed prototypes (its outputs are distances, not logits). Common
    re-implementations use a full C3, plain pooling and a Linear(84, 10) output instead.

    Args:
        num_classes: Width of the classifier, in classes (the paper's: 10, MNIST digits).
    """
    return LeNet5(num_classes=num_classes)
