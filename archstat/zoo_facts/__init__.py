"""The zoo's facts as data: one ``ModelInfo`` per zoo model, what its paper states, read without torch.

Each module here holds one family's facts (``MODELS``), named as the module in ``archstat/models/``
that builds the family's networks. The registry binds every entry to the builder of the same name
(``@zoo_model``), and ``archstat list`` and shell completion read these entries without importing
torch (about 2 s): all three read the same records, so there is no copy to keep in step.
"""

from __future__ import annotations

import fnmatch
import re

from . import (
    alexnet,
    convnext,
    densenet,
    efficientnet,
    googlenet,
    inception,
    inception_v4,
    lenet,
    mobilenet_v1,
    mobilenet_v2,
    mobilenet_v3,
    nin,
    preact_resnet,
    resnet,
    resnet_cifar,
    resnext,
    senet,
    shufflenet_v1,
    shufflenet_v2,
    squeezenet,
    vgg,
    xception,
)
from .info import ModelInfo

_FAMILIES = (alexnet, convnext, densenet, efficientnet, googlenet, inception, inception_v4, lenet, mobilenet_v1,
             mobilenet_v2, mobilenet_v3, nin, preact_resnet, resnet, resnet_cifar, resnext, senet, shufflenet_v1,
             shufflenet_v2, squeezenet, vgg, xception)


def natural_key(name: str) -> list[object]:
    """Sort key that orders numbers by value: resnet18 < resnet50 < resnet101."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _by_name() -> dict[str, ModelInfo]:
    found: dict[str, ModelInfo] = {}
    for family in _FAMILIES:
        for info in family.MODELS:
            if info.name in found:
                where = family.__name__.rsplit(".", 1)[-1]
                raise ValueError(f"zoo model {info.name!r} has facts twice (archstat/zoo_facts/{where}.py)")
            found[info.name] = info
    return dict(sorted(found.items(), key=lambda item: natural_key(item[0])))


FACTS: dict[str, ModelInfo] = _by_name()
"""Every zoo model's facts by name, in natural order of name."""


def entries(pattern: str | None = None) -> list[ModelInfo]:
    """The zoo's facts whose name matches the shell-style ``pattern`` (case-sensitively; ``None``: all),
    in natural order of name (resnet18 < resnet50 < resnet101), as ``list_models`` gives them."""
    return [info for name, info in FACTS.items() if pattern is None or fnmatch.fnmatchcase(name, pattern)]


def names(pattern: str | None = None) -> list[str]:
    """The names ``entries(pattern)`` holds, in the same order."""
    return [info.name for info in entries(pattern)]


__all__ = ["FACTS", "ModelInfo", "entries", "names", "natural_key"]
