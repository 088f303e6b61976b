"""How much memory a real trace needs, and how much it may take (``--memory-budget``)."""

from __future__ import annotations

import os

import torch
from torch import nn
from torch.nn.parameter import is_lazy

from ..errors import UsageError

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
BUDGET_ENV = "ARCHSTAT_MEMORY_BUDGET"


def weight_bytes(module: nn.Module) -> int:
    """Bytes of the parameters and buffers of ``module``, each shared tensor once; a lazy module's
    weights (``nn.LazyLinear``) have no size before their first forward and count 0."""
    tensors = {id(t): t for t in _sized(module)}
    return sum(t.numel() * t.element_size() for t in tensors.values())


def weights_on_meta(module: nn.Module) -> bool:
    """Whether ``module`` holds weights without data (built on the meta device): no real pass can run it."""
    return any(t.is_meta for t in _sized(module))


def has_lazy_weights(module: nn.Module) -> bool:
    """Whether some weights of ``module`` wait for a first forward to get their shape."""
    return any(is_lazy(t) for t in (*module.parameters(), *module.buffers()))


def _sized(module: nn.Module) -> list[torch.Tensor]:
    return [t for t in (*module.parameters(), *module.buffers()) if not is_lazy(t)]


def trace_bytes(module: nn.Module, peak_activation_bytes: int) -> int:
    """Estimated memory of fvcore's real trace beyond the interpreter and libraries: the weights
    plus twice the largest total of activations alive at once in the meta pass.

    Twice, because the real pass holds more than the live tensors: the tracer keeps some values,
    kernels take workspaces and the allocator keeps freed blocks. Measured increases of resident
    memory run from 0.2x to 4x of the live peak (DenseNet's growing concatenations are the worst
    case); docs/engines.md has the table.
    """
    return weight_bytes(module) + 2 * peak_activation_bytes


def parse_size(text: str, source: str = "--memory-budget") -> int:
    """``8G``, ``512M``, ``1.5GiB``, ``2000000`` -> bytes (K, M, G, T are powers of 1024)."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1:] if value[-1:] in _UNITS else ""
    number = value[: len(value) - len(unit)].strip()
    try:
        size = float(number) * _UNITS[unit]
    except ValueError:
        size = -1
    if not size > 0 or size != size or size == float("inf"):
        raise UsageError(f"{source} {text!r} is not a size. Give one such as 8G, 512M or 1.5G.")
    return int(size)


def available_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (Linux), else free physical pages; None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_budget(value: int | str | None = None) -> tuple[int | None, str]:
    """Bytes a real trace may take and where that figure comes from: ``value`` (bytes or text such
    as ``8G``), else the ``ARCHSTAT_MEMORY_BUDGET`` environment variable, else half the available
    RAM. ``(None, ...)`` when none of these is known: no limit."""
    if value is not None:
        return parse_size(str(value)), "--memory-budget"
    if os.environ.get(BUDGET_ENV):
        return parse_size(os.environ[BUDGET_ENV], BUDGET_ENV), BUDGET_ENV
    available = available_bytes()
    return (available // 2 if available else None), "half the available RAM"
