"""What a user names, checked without torch: zoo names, their own models' specs, ``model@SIZE``.

The command line checks every model it is given here before it imports torch (about 1.5 s), so a misspelt
name is answered as fast as ``--help``; the library resolves names through the same functions, so both give
the same line. Zoo names are read from the zoo's torch-free facts (``archstat/zoo_facts/``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path

from .errors import UnknownModelError, UsageError
from .zoo_facts import names

# resnet18@3x64x64, bert@128:int64: a model with its own input (the text after @ as --input takes it)
_AT = re.compile(r"^(?P<spec>.+)@(?P<input>\d+(?:x\d+)*(?::\w+)?)$")
_SHOWN_PREFIXED = 6  # names that start with what was typed, shown in a hint before "and N more"
OWN_MODEL_HINT = "For your own model give module:Class or path/to/file.py:Class."


def is_user_spec(spec: str) -> bool:
    """``module:Attr`` or ``file.py:Attr`` rather than a zoo name."""
    return ":" in spec.strip() or spec.strip().endswith(".py")


def zoo_name(name: str, known: Sequence[str] | None = None) -> str | None:
    """The registered name ``name`` means, matched case-insensitively (``ResNet50`` is ``resnet50``), or None.
    ``known``: the names to match (default: the zoo catalogue's)."""
    known = names() if known is None else known
    if name in known:
        return name
    return next((n for n in known if n.lower() == name.lower()), None)


def suggest(name: str, known: Sequence[str] | None = None) -> list[str]:
    """Registered names ``name`` may have been meant as, best first: close spellings (difflib ratio at least
    0.6, case ignored), then every name that starts with it (``densenet``: 121, 169, 201 and 264), in the
    order of ``known`` (default: the zoo catalogue's, natural order)."""
    known = names() if known is None else known
    lowered = {n.lower(): n for n in known}
    close = [lowered[n] for n in difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)]
    prefixed = [n for n in known if n.lower().startswith(name.lower()) and n not in close]
    return close + prefixed


def unknown_model_message(name: str, known: Sequence[str] | None = None) -> str:
    """The one-line error for an unregistered ``name``: ``suggest``'s hints and what to run next."""
    hints = suggest(name, known)
    shown = hints[:3 + _SHOWN_PREFIXED]
    more = f" and {len(hints) - len(shown)} more (archstat list '{name.lower()}*')" if len(hints) > len(shown) else ""
    hint = f" Did you mean: {', '.join(shown)}{more}?" if hints else ""
    return f"Unknown model {name!r}.{hint} See 'archstat list'."


def check_zoo_name(name: str) -> str:
    """``name`` as registered (case-insensitively); an ``UnknownModelError`` naming the near names otherwise."""
    found = zoo_name(name)
    if found is None:
        raise UnknownModelError(f"{unknown_model_message(name)} {OWN_MODEL_HINT}")
    return found


def split_input(text: str) -> tuple[str, str | None]:
    """``inception_v3@299`` -> (``inception_v3``, ``299``): a model with its own input size, which may
    carry a dtype as ``--input`` does (``bert@128:int64`` -> (``bert``, ``128:int64``)). Text after an @
    that is no size is refused (a user's ``file.py:Class`` may hold no @ of its own)."""
    text = text.strip()
    match = _AT.match(text)
    if match:
        return match["spec"], match["input"]
    if "@" in text:
        spec, _, after = text.rpartition("@")
        raise UsageError(f"{text!r}: {after!r} after @ is no input size. Give a side or a shape after the @, "
                         f"e.g. {spec}@224, {spec}@3x224x224 or {spec}@128:int64.")
    return text, None


def check_model(text: str, at_size: bool = False) -> str:
    """A model as the command line was given it, checked before torch is imported: a zoo name comes back as
    registered (``ResNet50`` -> ``resnet50``), a user's file must exist; ``at_size`` allows ``model@SIZE``."""
    spec, size = split_input(text) if at_size else (text.strip(), None)
    if is_user_spec(spec):
        source = spec.rpartition(":")[0] if ":" in spec else spec
        if source.endswith(".py") and not Path(source).expanduser().is_file():
            raise UsageError(f"Cannot import {source!r}: no such file ({Path(source).expanduser().resolve()}). "
                             "Check the path.")
        return text
    name = check_zoo_name(spec)
    return f"{name}@{size}" if size else name
