"""Subcommands beyond ``table`` and ``list``. Each module adds its commands to ``archstat.cli.app``
when imported; every module here is imported by ``archstat.cli``."""

import pkgutil
from importlib import import_module

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        import_module(f"{__name__}.{_module.name}")
