"""The one way from what a user names to a built module and its input shapes.

A target is one of
- a zoo name: ``resnet50`` (see ``archstat list``), built from the registry with its paper's input;
- a hub name: ``timm:resnet50``, ``torchvision:vit_b_16``, ``hf:bert`` (``hub``);
- a user's spec: ``mypkg.nets:Net`` or ``path/to/file.py:Net`` (``user_models``);
- an ``nn.Module`` the caller built, used as it is (the analysis leaves it as it came).

Input shapes exclude the batch dimension. They may be given as tuples, ``TensorSpec``s, or as the
text of ``--input`` (``3x224x224``, ``128:int64``, or one side ``224`` where the model tells its
channels: see ``_one_shape``). Every command and every library function (``analyze``,
``estimate_memory``, ``diff``, ``compare``) resolves through ``resolve``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ..engines.budget import has_lazy_weights, memory_budget, weight_bytes, weights_on_meta
from ..engines.imports import light_imports
from ..errors import InputSizeError, UnknownModelError, UsageError
from ..inputs import Shape, TensorSpec, check_shape, format_shape, parse_input, split_dtype
from ..models import ModelInfo, build_model, get_model_info
from ..names import OWN_MODEL_HINT
from .hub import is_hub_spec, resolve_hub
from .user_models import build_user_model, build_user_model_on_meta, is_user_spec, parse_kwargs

ModelSpec = str | nn.Module
InputSpec = Shape | str | int | TensorSpec | Sequence[Shape | str | TensorSpec] | None

__all__ = ["InputSpec", "ModelSpec", "Target", "input_spec", "is_user_spec", "meta_copy", "parse_kwargs", "resolve",
           "resolve_model", "resolve_within_budget", "zoo_info"]


@dataclass
class Target:
    """A resolved model: the module, the name reports give it, its input shapes (no batch
    dimension) and, for a zoo model, its registry facts (``None`` for any other model)."""

    module: nn.Module
    label: str
    inputs: list[TensorSpec]
    info: ModelInfo | None = None
    num_classes: int | None = None  # the classifier width a zoo model was built with (None: its paper's)
    notes: list[str] = field(default_factory=list)  # how it was built, when not as asked (a report shows them)

    @property
    def shapes(self) -> list[Shape]:
        """The inputs' shapes, without the batch dimension."""
        return [spec.shape for spec in self.inputs]


def resolve(
    model: ModelSpec,
    *,
    input_size: InputSpec = None,
    num_classes: int | None = None,
    kwargs: dict[str, Any] | str | None = None,
    name: str | None = None,
    device: str = "cpu",
) -> Target:
    """Build or take ``model`` and read its input shapes.

    ``kwargs`` (a dict, or ``--kwargs`` JSON text) go to a user's class or factory; ``num_classes``
    sets the zoo classifier's width, and a user's ``num_classes`` argument unless ``kwargs`` sets it.
    ``device`` is where a named model is built: "meta" for no weight memory at all (a user's model
    whose constructor needs real tensors is then built normally, with a note in ``Target.notes``).
    A given module is used as it is.
    """
    arguments = parse_kwargs(kwargs) if isinstance(kwargs, str) or kwargs is None else dict(kwargs)
    notes: list[str] = []
    if isinstance(model, nn.Module):
        module, label, info = model, name or type(model).__name__, None
    elif isinstance(model, str) and is_hub_spec(model):
        module, label, notes, default = resolve_hub(model, arguments, num_classes, device)
        return Target(module, name or label, _inputs(input_size, None, module, label, default), None, num_classes,
                      notes)
    elif isinstance(model, str) and not is_user_spec(model):
        info = zoo_info(model)
        num_classes = arguments.pop("num_classes", num_classes)  # --kwargs wins over --num-classes
        module, label = _build_zoo(info.name, num_classes, arguments, device), name or info.name
    elif isinstance(model, str):
        if num_classes is not None:
            arguments.setdefault("num_classes", num_classes)
        module, built_label, note = _build_user(model, arguments, device)
        label, info, notes = name or built_label, None, [note] if note else []
    else:
        raise UsageError(f"Expected a model name or a torch.nn.Module, got {type(model).__name__}.")
    return Target(module, label, _inputs(input_size, info, module, label), info, num_classes, notes)


def resolve_model(spec: str, kwargs: dict[str, Any] | None = None) -> tuple[nn.Module, str, Shape | None]:
    """Build the model ``spec`` names: ``(module in eval mode, label, default input shape or None)``.

    Zoo models come with their paper's input size; a user's model has none (give ``--input``).
    ``kwargs`` go to the zoo builder (``num_classes``) or to the user's class or factory.
    """
    kwargs = dict(kwargs or {})
    if is_user_spec(spec) and not is_hub_spec(spec):
        module, label = build_user_model(spec, kwargs)
        return module, label, None
    num_classes = kwargs.pop("num_classes", None)
    target = resolve(spec, input_size=None, num_classes=num_classes, kwargs=kwargs)
    return target.module, target.label, target.shapes[0]


def zoo_info(name: str) -> ModelInfo:
    """``get_model_info``, with a pointer to the user-model forms when the name is unknown."""
    try:
        return get_model_info(name)
    except UnknownModelError as error:
        raise UnknownModelError(f"{error} {OWN_MODEL_HINT}") from None


def meta_copy(module: nn.Module) -> nn.Module:
    """A copy of ``module`` on the meta device: the structure is copied, no weight's data is."""
    memo: dict[int, Any] = {id(p): nn.Parameter(torch.empty_like(p, device="meta"), p.requires_grad)
                            for p in module.parameters()}
    memo.update({id(b): torch.empty_like(b, device="meta") for b in module.buffers()})
    # Plain tensor attributes too: torch.nn.utils.prune keeps the pruned weight as one, computed (not a
    # leaf), and deepcopy refuses those.
    memo.update({id(v): torch.empty_like(v, device="meta") for sub in module.modules() for v in vars(sub).values()
                 if isinstance(v, torch.Tensor) and id(v) not in memo})
    return copy.deepcopy(module, memo)


def resolve_within_budget(model: ModelSpec, budget: int | str | None, **arguments: Any) -> Target:
    """``resolve`` for a real forward pass: the memory budget is checked before any weight is allocated.

    A named model is built on the meta device first and its weights counted (``weight_bytes``).
    Above ``budget`` (``memory_budget``: the value, else ``ARCHSTAT_MEMORY_BUDGET``, else half the
    available RAM) it stays there, weights without data, and the fvcore engine counts it on the meta
    device and says why. Within the budget it is built for real: a zoo model's meta build gets
    uninitialised storage, as ``build_model`` gives it; a user's model is built again normally (its
    constructor may set values its forward reads). A given module is in memory already: used as it is.
    """
    if isinstance(model, nn.Module):
        return resolve(model, **arguments)
    target = resolve(model, device="meta", **arguments)
    if has_lazy_weights(target.module):  # no size before a forward: built normally (_build_user), weighed after
        return target
    if not weights_on_meta(target.module):  # the constructor needed real tensors: built normally already
        target.notes.clear()  # a normal build is what this engine does anyway
        return target
    limit, _ = memory_budget(budget)
    if limit is not None and weight_bytes(target.module) > limit:
        return target
    if target.info is None:
        return resolve(model, device="cpu", **arguments)
    with light_imports():  # torch's empty_like of a meta tensor would import sympy
        target.module = target.module.to_empty(device="cpu")
    return target


def _build_user(spec: str, arguments: dict[str, Any], device: str) -> tuple[nn.Module, str, str | None]:
    """A user's model built normally, or on the meta device (``build_user_model_on_meta``)."""
    if device == "meta":
        module, label, note = build_user_model_on_meta(spec, arguments)
        # A lazy model allocates nothing before its first forward, which runs on the CPU (analysis/lazy.py),
        # and a TorchScript module runs real tensors only: both are built normally.
        if not (has_lazy_weights(module) or isinstance(module, torch.jit.ScriptModule)):
            return module, label, note
    return (*build_user_model(spec, arguments), None)


def _build_zoo(name: str, num_classes: int | None, kwargs: dict[str, Any], device: str) -> nn.Module:
    try:
        return build_model(name, num_classes=num_classes, device=device, **kwargs)
    except TypeError as error:
        raise UsageError(f"{name}: {error}. Zoo models take only num_classes (--num-classes).") from None


def _inputs(given: InputSpec, info: ModelInfo | None, module: nn.Module, label: str,
            own: list[TensorSpec] | None = None) -> list[TensorSpec]:
    """The inputs: ``given`` (one spec, or one per model input), else the zoo model's own (or
    ``own``, a hub model's)."""
    if isinstance(given, int) and not isinstance(given, bool):  # input_size=224 reads as --input 224
        given = str(given)
    if given is None or (not isinstance(given, (str, TensorSpec)) and len(given) == 0):
        if own:
            return list(own)
        if info is None:
            raise UsageError(f"{label} is not a zoo model, so it needs an input size: "
                             "give input_size CxHxW (--input CxHxW), e.g. 3x224x224 (or 128:int64 for token ids).")
        return [TensorSpec(info.input_size)]
    one = isinstance(given, (str, TensorSpec)) or not isinstance(given[0], (str, tuple, list, TensorSpec))
    items: list[Any] = [given] if one else list(given)  # type: ignore[arg-type]
    default = info.input_size if info is not None else own[0].shape if own else None
    specs = [input_spec(item, default, module) for item in items]
    if len(specs) == 1:
        _check_dimensions(specs[0].shape, default or _first_conv_shape(module), items[0])
    return specs


def _first_conv_shape(module: nn.Module) -> Shape | None:
    """``(C, 1, 1)`` for a model whose first layer with weights is a 2-D convolution of C channels (1-D:
    ``(C, 1)``, 3-D: ``(C, 1, 1, 1)``): the number of dimensions its input must have; None for any other."""
    first = next((m for m in module.modules() if next(m.children(), None) is None
                  and any(True for _ in m.parameters(recurse=False))), None)
    dims = _conv_dims(first) if first is not None else None
    channels = int(getattr(first, "in_channels", 0) or 0)
    return (channels, *([1] * dims)) if dims and channels else None


def _check_dimensions(shape: Shape, expected: Shape | None, given: Any) -> None:
    """Refuse a shape whose number of dimensions the model cannot take (``(3, 224)`` for an image model would
    run as one channel of 3x224), from Python as from ``--input``."""
    if expected is None or len(shape) == len(expected):
        return
    shown = given if isinstance(given, str) else format_shape(shape)
    example = format_shape((*expected[:-2], 224, 224)) if len(expected) >= 3 else format_shape(expected)
    raise InputSizeError(f"Input {shown!r} has {len(shape)} dimensions; this model takes {len(expected)} "
                         f"(channels first, no batch), e.g. input_size {example} (--input {example}), or one side "
                         "such as 224.")


def input_spec(item: str | Shape | TensorSpec, default: Shape | None, model: nn.Module) -> TensorSpec:
    """One input as given: text (``3x8x8``, ``10:int64``, one side), a shape tuple, or a ``TensorSpec``."""
    if isinstance(item, TensorSpec):
        return TensorSpec(check_shape(item.shape), item.dtype)
    if not isinstance(item, str):
        return TensorSpec(check_shape(tuple(item)))
    text, dtype = split_dtype(item)
    return TensorSpec(_one_shape(text, default, model, item, whole=":" in item), dtype)


def _one_shape(text: str, default: Shape | None, model: nn.Module, shown: str, whole: bool) -> Shape:
    """``--input`` text against the model's default shape. Without one, several numbers, or any text
    with a dtype (``10:float32``), are the whole shape, and one bare number ``S`` is read from the
    model's first layer that has weights (first in registration order, as ``print(model)`` shows):

    - a convolution (or transposed one) with known channels C: ``CxS`` (1-D), ``CxSxS`` (2-D),
      ``CxSxSxS`` (3-D): ``128`` is ``3x128x128`` for an RGB net;
    - any other layer, in a model with no convolution at all: the 1-D shape ``S`` (features of an
      MLP, token ids of an embedding);
    - any other layer in a model that has a convolution somewhere (a Linear or Embedding registered
      first, a lazy convolution): ambiguous, an ``InputSizeError`` that shows both spellings.
    """
    if default is not None:
        return parse_input(text, default)
    if "x" in text.lower():
        return parse_input(text, tuple(1 for _ in text.lower().split("x")))
    if whole:
        return check_shape((parse_input(text, (1, 1))[-1],), shown=shown)
    side = parse_input(text, (1, 1))[-1]  # one number: parse_input reads it as a side
    first = next((m for m in model.modules() if next(m.children(), None) is None
                  and any(True for _ in m.parameters(recurse=False))), None)
    dims = _conv_dims(first) if first is not None else None
    channels = int(getattr(first, "in_channels", 0) or 0)
    if dims is not None and channels:
        return check_shape((channels, *([side] * dims)), shown=shown)
    if not any(_conv_dims(m) for m in model.modules()):
        return check_shape((side,), shown=shown)
    kind = type(first).__name__ if first is not None else "none"
    conv = next((m for m in model.modules() if _conv_dims(m) and getattr(m, "in_channels", 0)), None)
    channels, dims = (int(getattr(conv, "in_channels", 3)), _conv_dims(conv)) if conv is not None else (3, 2)
    image = format_shape([channels] + [side] * (dims or 2))
    raise InputSizeError(
        f"--input {shown} is ambiguous for this model (it has convolutions, but its first layer with weights "
        f"is {kind}): write --input {image} for {channels} channels of {format_shape([side] * (dims or 2))}, "
        f"or --input {side}:float32 for a one-dimensional input of {side} (a dtype makes the text the whole shape).")


def _conv_dims(module: nn.Module) -> int | None:
    """The spatial dimensions of a convolution module (1, 2 or 3), None for any other module."""
    for dims, kinds in ((1, (nn.Conv1d, nn.ConvTranspose1d)), (2, (nn.Conv2d, nn.ConvTranspose2d)),
                        (3, (nn.Conv3d, nn.ConvTranspose3d))):
        if isinstance(module, kinds):
            return dims
    return None
