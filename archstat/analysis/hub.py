"""Models by their hub names: ``timm:NAME``, ``torchvision:NAME`` and ``hf:TYPE_OR_CONFIG``.

Each is built from its library's own factory without downloading anything (no pretrained weights,
no configuration from the network), on the meta device when asked and the constructor allows it,
with its default input read from the library's own metadata:

- ``timm:NAME``: ``timm.create_model(NAME, pretrained=False, **kwargs)``, any name
  ``timm.list_models()`` knows; input ``pretrained_cfg["input_size"]`` (``img_size`` in kwargs wins);
- ``torchvision:NAME``: ``torchvision.models.get_model(NAME, weights=None, **kwargs)``; input the
  crop size of the default weights' classification transforms, where they state one;
- ``hf:TYPE`` (``hf:bert``, ``hf:vit``: transformers' default configuration of that model type), or
  ``hf:path/config.json`` / ``hf:folder`` (a local configuration): ``AutoModel.from_config``, kwargs
  set configuration fields. A token model gets ``TOKENS`` int64 token ids, a vision model
  ``num_channels x image_size x image_size``.

A library that is not installed is one line naming the extra (``archstat[timm]``). The libraries
are imported here only, inside the functions, so nothing else in archstat needs them.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import inspect
import json
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import UnknownModelError, UsageError
from ..inputs import InputDtype, TensorSpec

HUBS = ("timm", "torchvision", "hf")
TOKENS = 128  # the sequence length a token model gets when no --input is given


@dataclass
class HubModel:
    """A model built from a hub name: the module (eval mode), its label, its default inputs (no
    batch dimension; empty where the library states none) and notes on how it was built."""

    module: nn.Module
    label: str
    inputs: list[TensorSpec]
    notes: list[str] = field(default_factory=list)


def is_hub_spec(spec: str) -> bool:
    """``timm:NAME``, ``torchvision:NAME`` or ``hf:...`` (a hub prefix, then something)."""
    prefix, colon, rest = spec.partition(":")
    return bool(colon) and prefix in HUBS and bool(rest.strip())


def build_hub_model(spec: str, kwargs: dict[str, Any], device: str = "cpu") -> HubModel:
    """Build the model ``spec`` names with ``kwargs``, on ``device`` ("meta": no weight memory);
    a constructor that needs real tensors is built on the CPU instead, with a note."""
    prefix, _, name = spec.partition(":")
    builder = {"timm": _timm, "torchvision": _torchvision, "hf": _hf}[prefix]
    asked = [key for key in ("pretrained", "weights", "weights_backbone") if kwargs.get(key)]
    make, inputs = builder(name.strip(), dict(kwargs))
    module, notes = _on_device(make, device, spec)
    if asked:  # counts do not depend on the weights' values, and nothing is downloaded
        notes.append(f"{spec}: --kwargs {', '.join(asked)} ignored: archstat never downloads weights "
                     "(the counts do not depend on their values).")
    return HubModel(module.eval(), spec, inputs(module), notes)


def resolve_hub(spec: str, arguments: dict[str, Any], num_classes: int | None, device: str
                ) -> tuple[nn.Module, str, list[str], list[TensorSpec]]:
    """``resolve``'s hub branch: (module, label, notes, default inputs); ``num_classes`` goes to
    timm's and torchvision's factories unless ``arguments`` set it (a base Hugging Face model has no head)."""
    if num_classes is not None and not spec.startswith("hf:"):
        arguments.setdefault("num_classes", num_classes)
    hub = build_hub_model(spec, arguments, device)
    return hub.module, hub.label, hub.notes, hub.inputs


def _on_device(make: Callable[[], nn.Module], device: str, spec: str) -> tuple[nn.Module, list[str]]:
    if device != "meta":
        return _checked(make, spec), []
    try:
        with torch.device("meta"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _checked(make, spec), []
    except UsageError:
        raise
    except Exception as error:  # noqa: BLE001 - a constructor reading real values: build it for real
        first = (str(error).splitlines() or [""])[0][:100]
        return _checked(make, spec), [f"{spec} was built normally, its weights in memory: its constructor "
                                      f"needs real tensors ({type(error).__name__}: {first})."]


def _checked(make: Callable[[], nn.Module], spec: str) -> nn.Module:
    try:
        return make()
    except TypeError as error:  # an argument the factory does not take
        raise UsageError(f"{spec}: {error}. Check --kwargs against the library's factory.") from None


def _library(name: str, extra: str, then: str = "") -> Any:
    """Import ``name``, or one line naming the extra that installs it."""
    make_torchvision_importable()
    try:
        return importlib.import_module(name)
    except ImportError as error:
        missing, root = (error.name or name).split(".")[0], name.split(".")[0]
        what = f"{root} is not installed" if missing == root else f"{root} needs {missing}, which is not installed"
        raise UsageError(f"{what}: pip install 'archstat[{extra}]'{then} "
                         "(docs/install.md keeps torch as it is).") from None


_NO_DEPS = {"timm": " then pip install --no-deps timm torchvision",
            "torchvision": " then pip install --no-deps torchvision"}
_OPS_FRAGMENT: list[Any] = []  # the library fragment below, kept alive while archstat runs


def make_torchvision_importable() -> None:
    """Let torchvision's pure-Python parts import where its compiled operators do not load.

    A torchvision wheel built for another torch (PyPI's CUDA build beside a CPU torch) fails to
    load its C++ operators, and its ``_meta_registrations`` then registers a fake kernel for
    ``torchvision::nms`` and ``qnms`` that no longer exist, so ``import torchvision`` (and timm
    and transformers, which import it) raises. Declaring those two operators' schemas, with no
    kernel, lets the import finish; the models are pure Python, and calling ``nms`` still raises.
    Nothing is declared where torchvision is absent or its operators loaded.
    """
    if _OPS_FRAGMENT or "torchvision" in sys.modules or importlib.util.find_spec("torchvision") is None:
        return
    if hasattr(torch.ops, "torchvision") and _has_op("nms"):
        return
    try:
        import torchvision  # noqa: F401 - a working install, or the failure below
    except RuntimeError as error:
        if "torchvision::" not in str(error):
            raise
        for key in [k for k in sys.modules if k == "torchvision" or k.startswith("torchvision.")]:
            del sys.modules[key]
        fragment = torch.library.Library("torchvision", "FRAGMENT")
        for op in ("nms", "qnms"):
            if not _has_op(op):
                fragment.define(f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        _OPS_FRAGMENT.append(fragment)
    except ImportError:
        return


def _has_op(name: str) -> bool:
    try:
        getattr(torch.ops.torchvision, name)
        return True
    except (AttributeError, RuntimeError):
        return False


def _unknown(kind: str, name: str, known: list[str], hint: str) -> UnknownModelError:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    mean = f" Did you mean: {', '.join(close)}?" if close else ""
    return UnknownModelError(f"Unknown {kind} model '{name}'.{mean} {hint}")


def _timm(name: str, kwargs: dict[str, Any]) -> tuple[Callable[[], nn.Module], Callable[[nn.Module], list]]:
    timm = _library("timm", "timm", _NO_DEPS["timm"])
    if not timm.is_model(name):
        raise _unknown("timm", name, timm.list_models(), "See timm.list_models().")
    kwargs.pop("pretrained", None)  # never downloads

    def inputs(module: nn.Module) -> list[TensorSpec]:
        channels, *sides = getattr(module, "pretrained_cfg", {}).get("input_size", (3, 224, 224))
        size = kwargs.get("img_size")
        if size is not None:
            sides = list(size) if isinstance(size, (list, tuple)) else [int(size)] * len(sides)
        return [TensorSpec((int(kwargs.get("in_chans", channels)), *map(int, sides)))]

    return lambda: timm.create_model(name, pretrained=False, **kwargs), inputs


def _torchvision(name: str, kwargs: dict[str, Any]) -> tuple[Callable[[], nn.Module], Callable[[nn.Module], list]]:
    models = _library("torchvision.models", "torchvision", _NO_DEPS["torchvision"])
    known = list(models.list_models())
    if name not in known:
        raise _unknown("torchvision", name, known, "See torchvision.models.list_models().")
    kwargs.pop("weights", None)  # never downloads: nor a detector's backbone weights
    if "weights_backbone" in inspect.signature(models.get_model_builder(name)).parameters:
        kwargs["weights_backbone"] = None
    crop = _crop_size(models, name)

    def inputs(_module: nn.Module) -> list[TensorSpec]:
        return [TensorSpec((3, crop, crop))] if crop else []

    return lambda: models.get_model(name, weights=None, **kwargs), inputs


def _crop_size(models: Any, name: str) -> int | None:
    """The crop side of the default weights' image-classification transforms (read from the
    transforms' arguments, nothing built), None where the weights state no such size."""
    try:
        weights = models.get_model_weights(name).DEFAULT
    except (ValueError, KeyError, AttributeError):
        return None
    preset = getattr(weights, "transforms", None)
    crop = getattr(preset, "keywords", {}).get("crop_size")
    if getattr(getattr(preset, "func", None), "__name__", "") != "ImageClassification" or crop is None:
        return None
    return int(crop[0] if isinstance(crop, (list, tuple)) else crop)


def _hf(name: str, kwargs: dict[str, Any]) -> tuple[Callable[[], nn.Module], Callable[[nn.Module], list]]:
    transformers = _library("transformers", "hf")
    config = _hf_config(transformers, name, kwargs)

    def inputs(module: nn.Module) -> list[TensorSpec]:
        main = getattr(module, "main_input_name", "input_ids")
        if main == "input_ids":
            length = min(TOKENS, int(getattr(config, "max_position_embeddings", TOKENS) or TOKENS))
            return [TensorSpec((length,), InputDtype.int64)]
        if main == "pixel_values" and hasattr(config, "image_size"):
            side = config.image_size if isinstance(config.image_size, int) else config.image_size[0]
            return [TensorSpec((int(getattr(config, "num_channels", 3)), int(side), int(side)))]
        return []

    def make() -> nn.Module:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return transformers.AutoModel.from_config(config)

    return make, inputs


def _hf_config(transformers: Any, name: str, kwargs: dict[str, Any]) -> Any:
    """A configuration from a local file or folder (its ``config.json``), or a model type's default;
    ``kwargs`` set its fields. Read here, so nothing is looked up on the network."""
    path = Path(name).expanduser()
    if path.is_dir():
        path = path / "config.json"
    if path.suffix == ".json" or path.exists():
        if not path.is_file():
            raise UsageError(f"hf:{name}: no configuration file at {path}; give a config.json, a folder "
                             "holding one, or a model type such as hf:bert.")
        try:
            fields = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise UsageError(f"hf:{name}: {path} is not a JSON configuration ({error}).") from None
        model_type = fields.pop("model_type", None)
        if not model_type:
            raise UsageError(f"hf:{name}: {path} has no 'model_type'; add one (e.g. \"bert\").")
        return _for_model(transformers, model_type, {**fields, **kwargs}, name)
    return _for_model(transformers, name, kwargs, name)


def _for_model(transformers: Any, model_type: str, fields: dict[str, Any], shown: str) -> Any:
    mapping = transformers.models.auto.configuration_auto.CONFIG_MAPPING
    if model_type not in mapping:
        raise _unknown("Hugging Face", shown, list(mapping.keys()),
                       "Give a model type (hf:bert), a config.json or a folder holding one.")
    return transformers.AutoConfig.for_model(model_type, **fields)
