"""The reference zoo. Importing this package registers every family module in it."""

import pkgutil
from importlib import import_module

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        import_module(f"{__name__}.{_module.name}")
