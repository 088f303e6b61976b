"""The model zoo's registry: one dict of builders, filled by ``@register_model``, each with its facts.

The family modules register themselves into it; ``archstat.models`` imports every family, so read
the registry through that package (``from archstat.models import list_models``), not this module.

A builder is a keyword-only function ``name(*, num_classes=1000, **kwargs) -> nn.Module``. Its
``ModelInfo`` carries what the paper states (parameters, multiply-adds, depth) so tests can check the
built network against the paper, and the zoo table can print both side by side.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

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


_BUILDERS: dict[str, Builder] = {}
_INFOS: dict[str, ModelInfo] = {}


def register_model(
    *, family: str, paper: str, year: int, input_size: tuple[int, int, int], **facts: object
) -> Callable[[Builder], Builder]:
    """Register a builder under its function name; a name registered twice is an error."""

    def decorate(builder: Builder) -> Builder:
        name = builder.__name__
        if name in _BUILDERS:
            raise ValueError(f"model {name!r} is registered twice")
        _BUILDERS[name] = builder
        _INFOS[name] = ModelInfo(
            name=name, family=family, paper=paper, year=year, input_size=input_size, **facts  # type: ignore[arg-type]
        )
        return builder

    return decorate


def _natural_key(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def list_models(pattern: str | None = None) -> list[str]:
    """Registered model names matching a shell-style ``pattern``, in natural order (resnet18 < resnet101)."""
    names = [n for n in _BUILDERS if pattern is None or fnmatch.fnmatchcase(n, pattern)]
    return sorted(names, key=_natural_key)


def suggest(name: str) -> list[str]:
    """Registered names close to ``name``, best first."""
    close = difflib.get_close_matches(name, list(_BUILDERS), n=3, cutoff=0.6)
    prefixed = [n for n in list_models() if n.startswith(name) and n not in close]
    return (close + prefixed)[:3]


def unknown_model_message(name: str) -> str:
    hints = suggest(name)
    hint = f" Did you mean: {', '.join(hints)}?" if hints else ""
    return f"Unknown model {name!r}.{hint} See 'archstat list'."


def get_model_info(name: str) -> ModelInfo:
    """The ``ModelInfo`` of a registered model; ``UnknownModelError`` names the closest ones."""
    if name not in _INFOS:
        raise UnknownModelError(unknown_model_message(name))
    return _INFOS[name]


def build_model(
    name: str, *, num_classes: int | None = None, init_weights: bool = False, device: str = "cpu", **kwargs: object
) -> nn.Module:
    """Build a registered network in eval mode, with ``num_classes`` outputs (default: the paper's).

    Weight values never change a count, so by default the weights are allocated but left
    uninitialised (built on the meta device, then materialised with ``to_empty``): VGG-16 builds in
    milliseconds instead of seconds. Pass ``init_weights=True`` for PyTorch's usual initialisation,
    or ``device="meta"`` for a network with no weight memory at all (shapes only).
    """
    info = get_model_info(name)
    num_classes = info.num_classes if num_classes is None else num_classes
    if num_classes < 1:
        raise UsageError(f"--num-classes must be at least 1, got {num_classes}. Give a class count such as 1000.")
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
