"""The reference zoo: every family, each written from its paper, and the registry they fill.

Importing this package registers every family, those ``archstat.zoo_facts.FAMILIES`` lists (listed
there once, not discovered): read the zoo through it.
"""

from importlib import import_module

from ..zoo_facts import FAMILIES, ModelInfo  # the facts' one record, re-exported beside the registry that binds them
from .registry import (
    build_model,
    get_model_info,
    list_models,
    register_model,
    suggest,
    unknown_model_message,
)

for _family in FAMILIES:  # a family registers its builders when it is imported
    import_module(f"{__name__}.{_family}")

__all__ = ["ModelInfo", "build_model", "get_model_info", "list_models", "register_model", "suggest",
           "unknown_model_message"]
