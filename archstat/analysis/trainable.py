"""Which parameters train: ``--freeze`` and ``--train`` globs on module names, undone after the count."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence

from torch import nn

from ..errors import UsageError


def mark_trainable(
    model: nn.Module, *, freeze: Sequence[str] = (), train: Sequence[str] = ()
) -> Callable[[], None]:
    """Set ``requires_grad`` as ``--freeze`` / ``--train`` ask, in place; returns a function that undoes it.

    Patterns are shell globs on dotted module names; a pattern naming a module covers everything
    inside it (``fc`` matches ``fc.weight``, ``layer4`` matches ``layer4.0.conv1.bias``). A pattern
    without a dot matches at any depth (``fc`` is also ``classifier.fc``); a dotted one from the top. With
    ``train`` patterns only the matching parts stay trainable; ``freeze`` patterns freeze what they
    match. Neither ever unfreezes: a parameter the model itself froze stays frozen.
    """
    _check_patterns(model, freeze, train)
    changed = []
    for name, param in model.named_parameters():
        keeps = not train or any(_covers(p, name) for p in train)
        if param.requires_grad and (not keeps or any(_covers(p, name) for p in freeze)):
            param.requires_grad_(False)
            changed.append(param)

    def undo() -> None:
        for param in changed:
            param.requires_grad_(True)

    return undo


def _check_patterns(model: nn.Module, freeze: Sequence[str], train: Sequence[str]) -> None:
    """A pattern that matches nothing is a typo: say so, and show what the names look like."""
    names = [name for name, _ in model.named_modules()]
    known = names + [name for name, _ in model.named_parameters()]
    for option, patterns in (("--train", train), ("--freeze", freeze)):
        for pattern in patterns:
            if not any(_covers(pattern, name) for name in known):
                children = [n for n, _ in model.named_children()]
                shown = ", ".join(children[:10]) + (", ..." if len(children) > 10 else "") or "(none)"
                raise UsageError(
                    f"{option} {pattern!r} matches no module of this model. Its top-level modules: {shown}. "
                    "See them all with 'archstat table MODEL'."
                )


def _covers(pattern: str, name: str) -> bool:
    """``pattern`` matches ``name`` or one of its ancestors (``fc`` covers ``fc.weight``).

    As in ``.gitignore``: a pattern without a dot matches a module at any depth (``fc`` matches
    ``classifier.fc``), a dotted one matches from the top (``layer4.0`` is only that block).
    """
    parts = name.split(".")
    if "." not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in parts)
    return any(fnmatch.fnmatchcase(".".join(parts[:i]), pattern) for i in range(1, len(parts) + 1))
