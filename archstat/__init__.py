"""archstat: exact parameter, multiply-add and receptive-field accounting for classic CNNs.

The public names load on first use (PEP 562): ``import archstat`` is cheap, and torch is imported
only when ``analyze``, the zoo or a report is first asked for, so the command line answers
``--help``, ``--version`` and shell completion without it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# The one place the version is written: pyproject.toml reads it from here (setuptools' attr, read
# without importing). Asking importlib.metadata instead costs 35 ms of every --help and TAB press.
__version__ = "0.1.0"

if TYPE_CHECKING:
    from .analysis.counting import analyze
    from .analysis.memory import estimate_memory
    from .analysis.report import Report
    from .analysis.request import Request
    from .analysis.totals import Totals
    from .errors import ArchstatError, UnknownModelError, UsageError
    from .models import ModelInfo, build_model, get_model_info, list_models, register_model

# public name -> the module that defines it
_HOMES = {
    "analyze": ".analysis.counting",
    "estimate_memory": ".analysis.memory",
    "Report": ".analysis.report",
    "Request": ".analysis.request",
    "Totals": ".analysis.totals",
    "ArchstatError": ".errors",
    "UnknownModelError": ".errors",
    "UsageError": ".errors",
    "ModelInfo": ".models",
    "build_model": ".models",
    "get_model_info": ".models",
    "list_models": ".models",
    "register_model": ".models",
}

__all__ = [
    "ArchstatError", "ModelInfo", "Report", "Request", "Totals", "UnknownModelError", "UsageError", "__version__",
    "analyze",
    "build_model", "estimate_memory", "get_model_info", "list_models", "register_model",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value  # looked up once: later reads do not come back here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
