"""The model zoo's registry: one dict of builders, filled by ``@register_model``, each with its facts.

The family modules register themselves into it; ``archstat.models`` imports every family, so read
the registry through that package (``from archstat.models import list_models``), not this module.

A builder is a keyword-only function ``name(*, num_classes=1000, **kwargs) -> nn.Module``. Its
``ModelInfo`` carries what the paper states (parameters, multiply-adds, depth) so tests can check the
built network against the paper, and the zoo table can print both side by side.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch
from torch import nn

from .. import names
from ..errors import UnknownModelError, UsageError

Builder = Callable[..., nn.Module]


@dataclass(frozen=True)
class ModelInfo:
    """Facts about one registered network.

    ``paper_params`` and ``paper_macs`` are the paper's own figures (multiply-adds, one fused
    multiply-add counted once), ``None`` where the paper states none; ``params_exact`` says whether
    the paper's parameter figure is an exact count (tests then require equality) or a rounded one.
    ``paper_source`` says where in the paper the figures stand. ``num_classes`` is the classifier
    width the paper uses (1000 for ImageNet, 10 for MNIST and CIFAR-10). ``discrepancy`` explains why
    the measured figures differ from the paper's by more than rounding, where they do.

    A released re-implementation whose layout differs from its paper's (torchvision's GoogLeNet, the
    TF-slim Inception-ResNet-v2) is registered as a variant: ``variant_of`` names the zoo's paper
    layout, ``differs`` lists each way the two differ, and ``paper_params``/``paper_macs`` hold the
    figures the release documents, with ``paper_source`` saying whose they are.
    """

    name: str
    family: str
    paper: str
    year: int
    input_size: tuple[int, int, int]
    num_classes: int = 1000
    paper_params: float | None = None
    params_exact: bool = False
    paper_macs: float | None = None
    paper_depth: int | None = None
    paper_source: str = ""
    layout: str = ""
    top5_error: str | None = None
    has_aux: bool = False
    min_input: int | None = None
    discrepancy: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    variant_of: str | None = None
    differs: tuple[str, ...] = ()


_BUILDERS: dict[str, Builder] = {}
_INFOS: dict[str, ModelInfo] = {}


def register_model(
    *,
    family: str,
    paper: str,
    year: int,
    input_size: tuple[int, int, int],
    num_classes: int = 1000,
    paper_params: float | None = None,
    params_exact: bool = False,
    paper_macs: float | None = None,
    paper_depth: int | None = None,
    paper_source: str = "",
    layout: str = "",
    top5_error: str | None = None,
    has_aux: bool = False,
    min_input: int | None = None,
    discrepancy: str = "",
    extra: Mapping[str, str] | None = None,
    variant_of: str | None = None,
    differs: tuple[str, ...] = (),
) -> Callable[[Builder], Builder]:
    """Decorator registering a builder under its function name, with its ``ModelInfo``.

    Every argument is keyword-only and becomes the ``ModelInfo`` field of the same name, so a
    registration is type-checked field by field (see ``ModelInfo`` for what each one means).

    Args:
        family: The family the zoo groups the network under ("ResNet", "Inception").
        paper: Title of the paper the layout is taken from.
        year: Year of the paper (its first arXiv version where there is one).
        input_size: Default input as (channels, height, width), in pixels.
        num_classes: The paper's classifier width (1000 for ImageNet, 10 for MNIST and CIFAR-10).
        paper_params: The paper's parameter count (a count, e.g. ``25.5e6``), ``None`` where it
            states none.
        params_exact: Whether ``paper_params`` is an exact count rather than a rounded one.
        paper_macs: The paper's multiply-adds per image at ``input_size`` (one fused multiply-add
            counted once), ``None`` where it states none.
        paper_depth: The depth the paper names the network by, in weight layers.
        paper_source: Where in the paper the figures stand.
        layout: What this layout is and how it differs from other published ones.
        top5_error: The paper's top-5 error, as text with its evaluation protocol.
        has_aux: Whether the network has auxiliary classifiers (left out of the default counts).
        min_input: Smallest square input side that runs, in pixels.
        discrepancy: Why measured figures differ from the paper's by more than rounding.
        extra: Further facts, by name, as text; copied.
        variant_of: For a released layout, the zoo name of the paper layout it re-implements.
        differs: For a variant, each way its layout differs from ``variant_of``'s, one per item.

    Returns:
        A decorator that registers the builder and returns it unchanged.

    Raises:
        ValueError: When the decorated function's name is already registered.
    """
    def decorate(builder: Builder) -> Builder:
        name = builder.__name__
        if name in _BUILDERS:
            raise ValueError(f"model {name!r} is registered twice")
        _BUILDERS[name] = builder
        _INFOS[name] = ModelInfo(
            name=name, family=family, paper=paper, year=year, input_size=input_size,
            num_classes=num_classes, paper_params=paper_params, params_exact=params_exact,
            paper_macs=paper_macs, paper_depth=paper_depth, paper_source=paper_source,
            layout=layout, top5_error=top5_error, has_aux=has_aux, min_input=min_input,
            discrepancy=discrepancy, extra=dict(extra or {}), variant_of=variant_of, differs=tuple(differs),
        )
        return builder

    return decorate


def _natural_key(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def list_models(pattern: str | None = None) -> list[str]:
    """Registered model names, optionally filtered, in natural order (resnet18 < resnet50 < resnet101).

    Args:
        pattern: A shell-style wildcard matched against the whole name, case-sensitively
            (``"resnet*"``, ``"vgg1?"``); ``None`` lists every model.

    Returns:
        The matching names; an empty list when none match.
    """
    names = [n for n in _BUILDERS if pattern is None or fnmatch.fnmatchcase(n, pattern)]
    return sorted(names, key=_natural_key)


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
