"""What a count is made of: multiply-adds by line item, so two tools' numbers can be told apart.

Every tool's rules (``torchinfo_rules``, ``ptflops_rules``, ``thop_rules``, ``dispatch_rules``) return
a ``Tally``: its number split into the line items below, in MACs (one fused multiply-add = 1; a
tool that counts FLOPs doubles its ledger once, ``Tally.per_mac``). The difference between two
tools is then the difference item by item.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from torch import nn

from ...engines.extra_counters import EXTENSION_OPS

CONV = "convolution weights"
CONV_BIAS = "convolution biases"
LINEAR = "linear layers and matrix products"
LINEAR_BIAS = "linear biases"
BATCH_NORM = "batch norm"
NORM = "other normalisation"
ACTIVATION = "activations"
POOLING = "pooling"
ELEMENTWISE = "element-wise ops"
UPSAMPLE = "upsampling"
SOFTMAX = "softmax"
TWICE = "counted twice (module hook and patched function)"
OTHER = "other layers"
ITEMS = (CONV, CONV_BIAS, LINEAR, LINEAR_BIAS, BATCH_NORM, NORM, ACTIVATION, POOLING, ELEMENTWISE, UPSAMPLE,
         SOFTMAX, TWICE, OTHER)

# fvcore's operator names (archstat's ``by_operator``) by line item.
_FVCORE_ITEMS = {
    "conv": CONV, "linear": LINEAR, "addmm": LINEAR, "matmul": LINEAR, "mm": LINEAR, "bmm": LINEAR,
    "einsum": LINEAR, "batch_norm": BATCH_NORM, "group_norm": NORM, "layer_norm": NORM, "instance_norm": NORM,
    "adaptive_avg_pool2d": POOLING, "upsample_nearest2d": UPSAMPLE, "upsample_bilinear2d": UPSAMPLE,
    # archstat's own rules (``engines.extra_counters``): matrix products too
    **dict.fromkeys(EXTENSION_OPS, LINEAR),
}
_MODULE_ITEMS: tuple[tuple[type[nn.Module] | tuple[type[nn.Module], ...], str], ...] = (
    (nn.modules.conv._ConvNd, CONV), (nn.Linear, LINEAR), (nn.modules.batchnorm._BatchNorm, BATCH_NORM),
    ((nn.modules.instancenorm._InstanceNorm, nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm), NORM),
    ((nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh, nn.Hardtanh),
     ACTIVATION),
    ((nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd, nn.modules.pooling._AdaptiveAvgPoolNd,
      nn.modules.pooling._AdaptiveMaxPoolNd), POOLING),
    ((nn.Upsample,), UPSAMPLE), ((nn.Softmax, nn.LogSoftmax, nn.Softmin, nn.Softmax2d), SOFTMAX),
)


def module_item(module: nn.Module) -> str:
    """The line item a module's own count belongs to."""
    for kinds, item in _MODULE_ITEMS:
        if isinstance(module, kinds):
            return item
    return OTHER


def fvcore_ledger(by_operator: dict[str, int]) -> Counter[str]:
    """archstat's (fvcore's) MACs by operator, as line items."""
    ledger: Counter[str] = Counter()
    for op, macs in by_operator.items():
        ledger[_FVCORE_ITEMS.get(op, OTHER)] += macs
    return ledger


class NotModelled(Exception):
    """The log holds a call whose count under a tool's rules archstat does not reproduce."""


@dataclass
class Tally:
    """One tool's count from the call log: line items in MACs, the FLOPs per MAC of its number (2
    for a FLOP counter), its parameter count and that count's line items against archstat's."""

    ledger: Counter[str] = field(default_factory=Counter)
    per_mac: int = 1
    params: int | None = None
    params_items: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return self.per_mac * sum(self.ledger.values())
