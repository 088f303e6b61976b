"""Parameters as archstat counts them, and the auxiliary heads that are left out unless asked for.

Every parameter tensor's elements, each shared tensor once; the modules of an auxiliary head (a
top-level child whose name starts with ``aux``: GoogLeNet's and Inception-v3's training-time
classifiers) count only with ``aux``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn

from ..errors import UsageError

AUX_PREFIX = "aux"


def has_aux(module: nn.Module) -> bool:
    """Whether ``module`` has switchable auxiliary heads (an ``aux_logits`` attribute, as the zoo's
    GoogLeNet and Inception-v3 and torchvision's have)."""
    return hasattr(module, "aux_logits")


def left_out(module: nn.Module, aux: bool, label: str) -> set[str]:
    """The modules a count leaves out: the auxiliary heads' unless ``aux``. ``aux`` on a model without
    heads is a ``UsageError``."""
    if aux and not has_aux(module):
        raise UsageError(f"{label} has no auxiliary heads; drop aux=True (--aux).")
    return aux_modules(module) if has_aux(module) and not aux else set()


def aux_modules(module: nn.Module) -> set[str]:
    """Dotted names of every module inside an auxiliary head."""
    return {name for name, _ in module.named_modules() if name.split(".")[0].startswith(AUX_PREFIX)}


@contextmanager
def aux_mode(module: nn.Module, aux: bool) -> Iterator[None]:
    """Switch the auxiliary heads on or off for the trace and restore the model's own setting after."""
    before = getattr(module, "aux_logits", None)
    if before is not None:
        setattr(module, "aux_logits", aux)  # noqa: B010 - a plain attribute of the zoo's Inception nets
    try:
        yield
    finally:
        if before is not None:
            setattr(module, "aux_logits", before)  # noqa: B010


def param_counts(module: nn.Module, skip_aux: bool, prefix: str) -> tuple[int, int]:
    """Parameters (shared tensors once) and the trainable ones among them, aux heads left out if asked."""
    total = trainable = 0
    for name, param in module.named_parameters(prefix=prefix):
        if skip_aux and name.startswith(AUX_PREFIX):
            continue
        total += param.numel()
        trainable += param.numel() if param.requires_grad else 0
    return total, trainable
