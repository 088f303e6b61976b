"""The engines by name: ``get_engine("meta")`` returns an implementation of ``contract.Engine``.

The names are ``options.Engine``'s members, the one engine vocabulary (the command line's ``--engine``
choices, the library's ``engine=``); each has its factory and its capabilities here. Each engine is
imported on first use: fvcore alone takes 0.1 s, and a meta pass never needs it.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import UsageError
from ..options import Engine as EngineName
from .contract import Capabilities, Engine


def _fvcore(memory_budget: int | str | None) -> Engine:
    from .fvcore import FvcoreEngine

    return FvcoreEngine(memory_budget)


def _meta(memory_budget: int | str | None) -> Engine:
    from .meta import MetaEngine

    return MetaEngine()


def _torch(memory_budget: int | str | None) -> Engine:
    from .torch_flops import TorchFlopsEngine

    return TorchFlopsEngine()


ENGINES: dict[EngineName, Callable[[int | str | None], Engine]] = {
    EngineName.fvcore: _fvcore, EngineName.meta: _meta, EngineName.torch: _torch}
# Declared here, beside each factory, so that asking costs no import (fvcore alone takes 0.1 s).
CAPABILITIES: dict[EngineName, Capabilities] = {
    # fvcore's real trace counts; a meta pass beside it gives fields, shapes and the backward
    EngineName.fvcore: Capabilities(real_weights=True, per_module=True, fields=True, backward=True),
    EngineName.meta: Capabilities(real_weights=False, per_module=True, fields=True, backward=True),
    # FlopCounterMode on meta tensors: the whole model only
    EngineName.torch: Capabilities(real_weights=False, per_module=False, fields=True, backward=False),
}


def capabilities(name: EngineName | str) -> Capabilities:
    """What the engine called ``name`` needs and can do."""
    return CAPABILITIES[_known(name)]


def build_device(name: EngineName | str) -> str:
    """Where a model counted by engine ``name`` is built: "cpu" for a real trace, else "meta"."""
    return "cpu" if capabilities(name).real_weights else "meta"


def require_per_module(name: EngineName | str, why: str) -> None:
    """A ``UsageError`` unless engine ``name`` counts each module; ``why`` says what needs it ("diff
    matches layers")."""
    if not capabilities(name).per_module:
        able = " or ".join(str(engine) for engine, can in CAPABILITIES.items() if can.per_module)
        raise UsageError(f"--engine {name} counts the whole model only, and {why}: give --engine {able}.")


def _known(name: EngineName | str) -> EngineName:
    """``name`` as a member of the vocabulary, else a ``UsageError`` naming the choices."""
    return EngineName.parse(name, "--engine")


def get_engine(name: EngineName | str, memory_budget: int | str | None = None) -> Engine:
    """The engine called ``name``; ``memory_budget`` (bytes or text such as "8G") caps a real trace."""
    return ENGINES[_known(name)](memory_budget)
