"""The engines by name: ``get_engine("meta")`` returns an implementation of ``contract.Engine``.

Each is imported on first use: fvcore alone takes 0.1 s, and a meta pass never needs it.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import UsageError
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


ENGINES: dict[str, Callable[[int | str | None], Engine]] = {"fvcore": _fvcore, "meta": _meta, "torch": _torch}
# Declared here, beside each factory, so that asking costs no import (fvcore alone takes 0.1 s).
CAPABILITIES: dict[str, Capabilities] = {
    # fvcore's real trace counts; a meta pass beside it gives fields, shapes and the backward
    "fvcore": Capabilities(real_weights=True, per_module=True, fields=True, backward=True),
    "meta": Capabilities(real_weights=False, per_module=True, fields=True, backward=True),
    # FlopCounterMode on meta tensors: the whole model only
    "torch": Capabilities(real_weights=False, per_module=False, fields=True, backward=False),
}


def capabilities(name: str) -> Capabilities:
    """What the engine called ``name`` needs and can do."""
    _known(str(name))
    return CAPABILITIES[str(name)]


def build_device(name: str) -> str:
    """Where a model counted by engine ``name`` is built: "cpu" for a real trace, else "meta"."""
    return "cpu" if capabilities(name).real_weights else "meta"


def _known(key: str) -> None:
    if key not in ENGINES:
        raise UsageError(f"--engine {key!r} is not one of {', '.join(ENGINES)}.")


def get_engine(name: str, memory_budget: int | str | None = None) -> Engine:
    """The engine called ``name``; ``memory_budget`` (bytes or text such as "8G") caps a real trace."""
    key = str(name)
    _known(key)
    return ENGINES[key](memory_budget)
