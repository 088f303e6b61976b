"""pandas, imported on first use: it takes a third of a second, a tenth of a whole ``archstat table``
run, and printing a table never needs it. Modules write::

    if TYPE_CHECKING:
        import pandas as pd
    else:
        from ._lazy import pandas as pd
"""

from __future__ import annotations

import importlib
import types
from typing import Any


class _OnFirstUse(types.ModuleType):
    """Stands for the module of the same name and imports it when an attribute is first asked for."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module(self.__name__), name)


pandas = _OnFirstUse("pandas")
