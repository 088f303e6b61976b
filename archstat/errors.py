"""Exceptions archstat raises. The CLI turns each into one line on stderr and an exit code."""

from __future__ import annotations


class ArchstatError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with: 2 for bad usage, 1 for a failed analysis."""

    exit_code = 1


class UsageError(ArchstatError):
    """The user asked for something that cannot be: a bad value, name or combination of options."""

    exit_code = 2


class UnknownModelError(UsageError):
    """A model name that is not in the registry."""


class InputSizeError(UsageError):
    """An input shape that is malformed, or too small for the network."""


class AnalysisError(ArchstatError):
    """Building or tracing the network failed."""


class UnsupportedModelError(ArchstatError):
    """A model archstat cannot follow (a TorchScript submodule; a forward reading values where no
    real trace can run): one line saying why and what to do instead."""


class ValueReadError(AnalysisError):
    """The forward reads tensor values (``.item()``, a branch on a value), which a meta pass cannot.
    ``detail``: what it read and where, in a few words."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message)
        self.detail = detail
