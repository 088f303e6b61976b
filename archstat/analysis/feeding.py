"""What a forward pass is fed: example tensors made from input specs, or the caller's own, and the
keyword arguments of ``forward``.

Made inputs hold zeros of their dtype: 0.0 for floats, 0 for integers (a valid index for every
``nn.Embedding`` and ``nn.EmbeddingBag``), False for bools. Engines take positional tensors only
(fvcore traces ``module(*inputs)``), so keyword tensors travel after the positional ones and a
forward pre-hook on the root module, put first and removed afterwards, hands them to ``forward``
by name together with the keyword values that are not tensors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from ..errors import UsageError
from ..inputs import TensorSpec, check_shape, split_dtype

InputData = Tensor | Sequence[Tensor] | Mapping[str, Tensor]
ForwardKwargs = Mapping[str, Any] | str | None

_SPEC_TEXT = r"\d+(x\d+)*(:\w+)?"


@dataclass
class Feed:
    """Every tensor an engine passes positionally (``args``, the keyword tensors last, named by
    ``keywords``), the keyword values that are not tensors (``constants``), and whether the tensors
    carry their own batch (the caller's ``input_data``) or batch 1 (made from specs)."""

    args: tuple[Tensor, ...]
    keywords: list[str] = field(default_factory=list)
    constants: dict[str, Any] = field(default_factory=dict)
    own_batch: bool = False

    @property
    def positional(self) -> tuple[Tensor, ...]:
        return self.args[: len(self.args) - len(self.keywords)]

    def shapes(self, batch: int) -> list[tuple[int, ...]]:
        """The shape of every tensor fed, at the report's batch."""
        if self.own_batch:
            return [tuple(t.shape) for t in self.args]
        return [(batch, *t.shape[1:]) for t in self.args]

    def dtypes(self) -> list[str]:
        """The dtype of every tensor fed, by torch's name without ``torch.`` ("float32", "int64")."""
        return [str(t.dtype).removeprefix("torch.") for t in self.args]

    @contextmanager
    def bound(self, module: nn.Module) -> Iterator[None]:
        """While the body runs, ``module(*args)`` calls ``forward(*positional, **keywords)``."""
        if not self.keywords and not self.constants:
            yield
            return
        count = len(self.positional)

        def split(_module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            named = dict(zip(self.keywords, args[count:], strict=True))
            return args[:count], {**kwargs, **self.constants, **named}

        handle = module.register_forward_pre_hook(split, prepend=True, with_kwargs=True)
        try:
            yield
        finally:
            handle.remove()


def make_tensor(spec: TensorSpec, device: str) -> Tensor:
    """Zeros of ``spec``'s dtype at batch 1."""
    return torch.zeros((1, *spec.shape), dtype=getattr(torch, spec.dtype.value), device=device)


def make_feed(specs: Sequence[TensorSpec], keywords: ForwardKwargs, device: str,
              input_data: InputData | None = None) -> Feed:
    """The feed of one analysis: ``input_data`` as given, else tensors made from ``specs``; then the
    keyword arguments (``parse_forward_kwargs``)."""
    if input_data is not None:
        positional, named = _given(input_data)
    else:
        positional, named = [make_tensor(spec, device) for spec in specs], {}
    for name, value in parse_forward_kwargs(keywords).items():
        named[name] = make_tensor(value, device) if isinstance(value, TensorSpec) else value
    tensors = {k: v for k, v in named.items() if isinstance(v, Tensor)}
    constants = {k: v for k, v in named.items() if not isinstance(v, Tensor)}
    return Feed((*positional, *tensors.values()), list(tensors), constants, own_batch=input_data is not None)


def feed_at_batch(specs: Sequence[TensorSpec], keywords: ForwardKwargs, device: str, batch: int) -> Feed:
    """``make_feed`` with every made tensor, keyword ones too, at ``batch``: what a real run at that batch
    (``speed``) is fed, where counts that scale with the batch are taken at batch 1."""
    made = make_feed(specs, keywords, device)
    return Feed(tuple(t.new_zeros((batch, *t.shape[1:])) for t in made.args), made.keywords, made.constants)


def _given(data: InputData) -> tuple[list[Tensor], dict[str, Any]]:
    """torchinfo's ``input_data``: a tensor, a list or tuple of them, or a dict of keyword tensors."""
    if isinstance(data, Tensor):
        return [data], {}
    if isinstance(data, Mapping):
        return [], {str(k): v for k, v in data.items()}
    if isinstance(data, Sequence) and all(isinstance(t, Tensor) for t in data):
        return list(data), {}
    raise UsageError(f"input_data must be a tensor, a list or tuple of tensors, or a dict of keyword tensors; "
                     f"got {type(data).__name__}.")


def parse_forward_kwargs(value: ForwardKwargs) -> dict[str, Any]:
    """``--forward-kwargs`` JSON text, or a dict, to forward's keyword arguments: a string that reads
    as an input spec (``"1x10"``, ``"10:int64"``, always the whole shape, batch dimension excluded)
    becomes a ``TensorSpec``; any other value (numbers, bools, null, other strings, lists) is passed as is.
    """
    if value is None:
        return {}
    if isinstance(value, str):
        value = _json_object(value)
    parsed: dict[str, Any] = {}
    for name, item in value.items():
        parsed[str(name)] = _spec(item, name) if isinstance(item, str) and _is_spec(item) else item
    return parsed


def _is_spec(text: str) -> bool:
    return re.fullmatch(_SPEC_TEXT, text.strip().lower()) is not None


def _spec(text: str, name: str) -> TensorSpec:
    shape, dtype = split_dtype(text)
    dims = tuple(int(part) for part in shape.lower().split("x"))
    return TensorSpec(check_shape(dims, shown=f"{name}={text}"), dtype)


def _json_object(text: str) -> dict[str, Any]:
    example = """'{"mask": "1x16:bool", "scale": 0.5}'"""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"--forward-kwargs {text!r} is not valid JSON ({error.msg} at character {error.pos}). "
                         f"Give a JSON object such as {example}.") from None
    if not isinstance(value, dict):
        raise UsageError(f"--forward-kwargs {text!r} is a JSON {type(value).__name__}; give a JSON object "
                         f"such as {example}.")
    return value


__all__ = ["Feed", "ForwardKwargs", "InputData", "make_feed", "make_tensor", "parse_forward_kwargs"]
