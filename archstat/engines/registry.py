"""The engines by name: ``get_engine("meta")`` returns an implementation of ``contract.Engine``.

Each is imported on first use: fvcore alone takes 0.1 s, and a meta pass never needs it.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import UsageError
from .contract import Engine


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


def get_engine(name: str, memory_budget: int | str | None = None) -> Engine:
    """The engine called ``name``; ``memory_budget`` (bytes or text such as "8G") caps a real trace."""
    key = str(name)
    if key not in ENGINES:
        raise UsageError(f"--engine {key!r} is not one of {', '.join(ENGINES)}.")
    return ENGINES[key](memory_budget)
