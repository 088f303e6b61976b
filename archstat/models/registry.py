"""The model zoo's registry: one dict of builders, each bound to its facts.

The family modules register themselves into it; ``archstat.models`` imports every family, so read
the registry through that package (``from archstat.models import list_models``), not this module.

A builder is a keyword-only function ``name(*, num_classes=1000, **kwargs) -> nn.Module``. A zoo
builder is decorated ``@zoo_model`` and takes its ``ModelInfo`` from ``archstat.zoo_facts`` by name:
what the paper states (parameters, multiply-adds, depth), so tests can check the built network
against the paper, and the zoo table can print both side by side. A user's own builder brings its
facts with ``@register_model(family=..., ...)``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch
from torch import nn

from .. import names
from ..errors import UnknownModelError, UsageError
from ..zoo_facts import FACTS, ModelInfo, natural_key

Builder = Callable[..., nn.Module]


_BUILDERS: dict[str, Builder] = {}
_INFOS: dict[str, ModelInfo] = {}


def _register(info: ModelInfo, builder: Builder) -> Builder:
    if info.name in _BUILDERS:
        raise ValueError(f"model {info.name!r} is registered twice")
    _BUILDERS[info.name] = builder
    _INFOS[info.name] = info
    return builder


def zoo_model(builder: Builder) -> Builder:
    """Decorator registering a zoo builder with its facts: the ``archstat.zoo_facts`` entry of its name.

    The facts are data in ``archstat/zoo_facts/`` (read there by ``archstat list`` and completion
    without torch); a builder only names itself, by its function name.

    Raises:
        ValueError: When no facts carry the builder's name, or the name is already registered.
    """
    info = FACTS.get(builder.__name__)
    if info is None:
        raise ValueError(f"zoo model {builder.__name__!r} has no facts: add its ModelInfo to the family's "
                         "MODELS in archstat/zoo_facts/")
    return _register(info, builder)


def register_model(**facts: Any) -> Callable[[Builder], Builder]:
    """Decorator registering your own builder under its function name, with its facts.

    Every keyword is the ``ModelInfo`` field of the same name (``family``, ``paper``, ``year`` and
    ``input_size``, in pixels, are required; see ``ModelInfo`` for the rest); the name is the
    builder's. A missing or unknown field is a ``TypeError`` from ``ModelInfo`` when the decorator
    is made.

    Returns:
        A decorator that registers the builder and returns it unchanged.

    Raises:
        ValueError: When the decorated function's name is already registered.
    """
    info = ModelInfo(name="", **facts)  # checked now, named when it decorates

    def decorate(builder: Builder) -> Builder:
        return _register(replace(info, name=builder.__name__), builder)

    return decorate


def list_models(pattern: str | None = None) -> list[str]:
    """Registered model names, optionally filtered, in natural order (resnet18 < resnet50 < resnet101).

    Args:
        pattern: A shell-style wildcard matched against the whole name, case-sensitively
            (``"resnet*"``, ``"vgg1?"``); ``None`` lists every model.

    Returns:
        The matching names; an empty list when none match.
    """
    names = [n for n in _BUILDERS if pattern is None or fnmatch.fnmatchcase(n, pattern)]
    return sorted(names, key=natural_key)


def suggest(name: str) -> list[str]:
    """Registered names that ``name`` may have been meant as, for "Did you mean" hints.

    Args:
        name: A model name that is not registered (a typo or a prefix).

    Returns:
        Registered names, best first: close spellings (difflib ratio at least 0.6, case ignored),
        then every name that starts with ``name``. Empty when nothing is close.
    """
    return names.suggest(name, list_models())


def unknown_model_message(name: str) -> str:
    """The one-line error for an unregistered ``name``, with ``suggest``'s hints and what to run next."""
    return names.unknown_model_message(name, list_models())


def get_model_info(name: str) -> ModelInfo:
    """The facts registered with a model: its paper, the paper's figures, its layout.

    Args:
        name: A registered model name as ``list_models`` gives it, in any case (``ResNet50``).

    Returns:
        The model's ``ModelInfo``. Its ``paper_params`` is a parameter count and its
        ``paper_macs`` a count of multiply-adds per image at ``input_size`` (channels, height,
        width in pixels), each ``None`` where the paper states none.

    Raises:
        UnknownModelError: When ``name`` is not registered; the message names the closest ones.
    """
    found = name if name in _INFOS else names.zoo_name(name, list(_INFOS))
    if found is None:
        raise UnknownModelError(unknown_model_message(name))
    return _INFOS[found]


def build_model(
    name: str, *, num_classes: int | None = None, init_weights: bool = False, device: str = "cpu", **kwargs: object
) -> nn.Module:
    """Build a registered network in eval mode.

    Weight values never change a count, so by default the weights are allocated but left
    uninitialised (built on the meta device, then materialised with ``to_empty``): VGG-16 builds in
    milliseconds instead of seconds.

    Args:
        name: A registered model name, exactly as ``list_models`` gives it.
        num_classes: Width of the classifier, in classes; ``None`` for the paper's
            (``ModelInfo.num_classes``: 1000 for ImageNet, 10 for MNIST and CIFAR-10).
        init_weights: Initialise the weights as PyTorch's layers do, on PyTorch's default
            device, instead of leaving them uninitialised; ``device`` is then not used.
        device: Where the uninitialised weights are allocated (``"cpu"``, ``"cuda"``), or
            ``"meta"`` for a network with no weight memory at all (shapes only).
        **kwargs: Passed on to the model's builder; most builders take none.

    Returns:
        The network, in eval mode.

    Raises:
        UnknownModelError: When ``name`` is not registered.
        UsageError: When ``num_classes`` is below 1.
    """
    info = get_model_info(name)
    num_classes = info.num_classes if num_classes is None else num_classes
    if num_classes < 1:
        raise UsageError(f"num_classes (--num-classes) must be at least 1, got {num_classes}. "
                         "Give a class count such as 1000.")
    builder = _BUILDERS[info.name]
    if init_weights:
        model = builder(num_classes=num_classes, **kwargs)
    else:
        with torch.device("meta"):
            model = builder(num_classes=num_classes, **kwargs)
        if device != "meta":
            from ..engines.imports import light_imports  # torch's empty_like of a meta tensor would import sympy

            with light_imports():
                model = model.to_empty(device=device)
    return model.eval()
