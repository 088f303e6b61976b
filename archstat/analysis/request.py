"""One request: what to analyse and how, built once from the keyword arguments or the command line,
resolved once into a ``Target``, and handed to every library function (``analyze``, ``sweep_model``,
``estimate_memory``, ``graph_of``, ``compare_models``, ``diff_models``, ``conventions``).

Every option vocabulary is parsed here, where the request is made (``Engine``, ``Mode``): a bad value
fails before any model is built, and nothing deeper checks a string again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..engines.registry import build_device, capabilities
from ..errors import UsageError
from ..inputs import TensorSpec
from ..options import Engine, Mode
from .feeding import ForwardKwargs, InputData
from .resolve import InputSpec, ModelSpec, Target, resolve, resolve_within_budget


@dataclass(frozen=True)
class Request:
    """A model and how to build, feed and count it. The fields are ``analyze``'s arguments of the
    same names (its docstring says what each means); ``freeze`` and ``train`` are stored as tuples."""

    model: ModelSpec
    input_size: InputSpec = None
    batch: int = 1
    num_classes: int | None = None
    kwargs: dict[str, Any] | str | None = None
    forward_kwargs: ForwardKwargs = None
    input_data: InputData | None = None
    aux: bool = False
    name: str | None = None
    freeze: Sequence[str] = ()
    train: Sequence[str] = ()
    mode: Mode = Mode.eval
    engine: Engine = Engine.fvcore
    memory_budget: int | str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "engine", Engine.parse(self.engine, "--engine"))
        object.__setattr__(self, "mode", Mode.parse(self.mode, "--mode"))
        object.__setattr__(self, "freeze", tuple(self.freeze or ()))
        object.__setattr__(self, "train", tuple(self.train or ()))
        if self.input_data is not None and self.input_size is not None:
            raise UsageError("Give input_size or input_data, not both: input_data's tensors are the inputs.")

    def but(self, **changes: Any) -> Request:
        """This request with ``changes`` (e.g. another ``input_size`` for one point of a sweep)."""
        return replace(self, **changes)

    def resolve(self, device: str | None = None) -> Target:
        """Build (or take) the model and read its inputs, once. ``device=None`` picks the counting
        engine's: the meta device for the meta engine, else a real build only when the weights fit
        the memory budget (``resolve_within_budget``); "meta" or "cpu" build there."""
        arguments: dict[str, Any] = {"input_size": self.input_size if self.input_data is None else self.data_shapes(),
                                     "num_classes": self.num_classes, "kwargs": self.kwargs, "name": self.name}
        if device is None and capabilities(self.engine).real_weights:
            return resolve_within_budget(self.model, self.memory_budget, **arguments)
        return resolve(self.model, device=device or "meta", **arguments)

    @property
    def device(self) -> str:
        """Where the counting engine runs the model: "cpu" for a real trace, else "meta"."""
        return build_device(self.engine)

    def data_shapes(self) -> list[TensorSpec]:
        """Specs of ``input_data``'s tensors (batch dimension dropped), positional then keyword: what a
        failure message shows as the input."""
        import torch

        data = self.input_data
        tensors = [data] if isinstance(data, torch.Tensor) else list(data.values()) if isinstance(data, Mapping) \
            else list(data or ())
        return [TensorSpec(tuple(t.shape[1:]) or (1,)) for t in tensors if isinstance(t, torch.Tensor)] or \
            [TensorSpec((1,))]


def request_of(model: ModelSpec | Request, **options: Any) -> Request:
    """``model`` itself when it is a ``Request`` (the request's own settings stand: ``options`` are
    not read, so give one or the other), else a ``Request`` of ``model`` and ``options``."""
    return model if isinstance(model, Request) else Request(model, **options)
