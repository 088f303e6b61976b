"""A user's own model from a spec: importing its code and building it.

A spec is an importable module and attribute (``mypkg.nets:Net``; the current directory is
importable) or a Python file and attribute (``path/to/file.py:Net``; the file's directory is
importable while it loads, so its sibling imports work). The attribute may be an ``nn.Module``
subclass, a factory function returning a module, or a module instance; a dotted attribute
(``nets:Zoo.small``) is followed. Constructor keyword arguments come from ``--kwargs`` as a JSON object.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import io
import json
import os
import sys
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
from torch import nn

from ..errors import AnalysisError, UsageError


def build_user_model(spec: str, kwargs: dict[str, Any]) -> tuple[nn.Module, str]:
    """Import and build the model ``spec`` names: ``(module in eval mode, label)``."""
    target, attr, label = _load(spec)
    return _seeded(target, attr, spec, kwargs), label


def _seeded(target: Any, attr: str, spec: str, kwargs: dict[str, Any]) -> nn.Module:
    """``_instantiate`` with the weights drawn the same on every build, so a forward that branches on
    a value counts the same from the command line and from Python; the caller's random state is
    left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return _instantiate(target, attr, spec, kwargs)


def build_user_model_on_meta(spec: str, kwargs: dict[str, Any]) -> tuple[nn.Module, str, str | None]:
    """Build the model ``spec`` names on the meta device: ``(module in eval mode, label, note)``.

    The constructor runs under ``torch.device("meta")``, so its weights get shapes and no storage: a
    model of 34 GB of weights builds in milliseconds and a few kB. A constructor that needs real
    tensors (``.item()``, ``.tolist()``, a branch on a value) fails there; it is then built normally,
    its weights in memory, and ``note`` says so (``None`` otherwise). An instance defined in the
    user's file was built when it was imported and is returned as it is.
    """
    target, attr, label = _load(spec)
    if isinstance(target, nn.Module):
        return _instantiate(target, attr, spec, kwargs), label, None
    try:
        with torch.device("meta"), warnings.catch_warnings():
            # load_state_dict into meta weights warns that the copy does nothing: true, and no count needs it
            warnings.filterwarnings("ignore", "for .*: copying from a non-meta parameter", UserWarning)
            return _instantiate(target, attr, spec, kwargs), label, None
    except AnalysisError as on_meta:  # bad arguments (UsageError) fail the same way in a normal build
        model = _seeded(target, attr, spec, kwargs)
        return model, label, (f"{label} was built normally, its weights in memory: its constructor needs real "
                              f"tensors, which the meta device does not have ({_reason(on_meta)}).")


def _reason(error: AnalysisError) -> str:
    """The user's error in a few words and the user's own line: ``RuntimeError: ..., at nets.py:12``
    (the innermost frame outside the import system, torch and archstat)."""
    cause = error.__cause__ or error
    own = (str(Path(__file__).parent), str(Path(torch.__file__).parent))
    frames = [f for f in traceback.extract_tb(cause.__traceback__) if "importlib" not in f.filename
              and not f.filename.startswith(own)]
    return _error_line(cause) + (f", at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "")


def _load(spec: str) -> tuple[Any, str, str]:
    """Import what ``spec`` names: ``(its class, factory or instance; the attribute's name; the label)``."""
    source, attr = _split_spec(spec)
    namespace = _import_file(source) if source.endswith(".py") else _import_module(source)
    label = f"{Path(source).name}:{attr}" if source.endswith(".py") else spec.strip()
    return _attribute(namespace, attr, source), attr, label


def is_user_spec(spec: str) -> bool:
    """``module:Attr`` or ``file.py:Attr`` rather than a zoo name."""
    return ":" in spec.strip() or spec.strip().endswith(".py")


def parse_kwargs(text: str | None) -> dict[str, Any]:
    """``--kwargs`` JSON text to a dict; anything but a JSON object is a ``UsageError``."""
    if text is None or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"--kwargs {text!r} is not valid JSON ({error.msg} at character {error.pos}). "
            """Give a JSON object such as '{"num_classes": 2}'."""
        ) from None
    if not isinstance(value, dict):
        raise UsageError(f"--kwargs {text!r} is a JSON {type(value).__name__}; give a JSON object such as "
                         """'{"num_classes": 2}'.""")
    return value


def _split_spec(spec: str) -> tuple[str, str]:
    source, _, attr = spec.strip().rpartition(":")
    if not source or not attr:
        raise UsageError(
            f"Model {spec!r} names no class or factory: give it after a colon, e.g. {spec.rstrip(':')}:Net."
        )
    return source, attr


@contextlib.contextmanager
def _importable(directory: str) -> Iterator[None]:
    """Put ``directory`` first on ``sys.path`` while a user's code is imported, then take it off."""
    sys.path.insert(0, directory)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(directory)


@contextlib.contextmanager
def _users_code(path: str) -> Iterator[io.StringIO]:
    """While a user's file runs its top level or its constructor: ``sys.argv`` is just the file's path (an
    argument parser there sees no archstat options), stdin is empty (``input()`` ends at once instead of
    waiting), and what it prints is kept, never mixed into archstat's json or csv. Everything is restored after.
    """
    printed = io.StringIO()
    saved = sys.argv, sys.stdin
    sys.argv, sys.stdin = [path], io.StringIO("")
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            yield printed
    finally:
        sys.argv, sys.stdin = saved


def _pass_on(printed: io.StringIO) -> None:
    """What a user's file printed while it loaded, passed on to stderr: it is the user's own output, and
    stdout is archstat's result alone."""
    if printed.getvalue():
        sys.stderr.write(printed.getvalue())


def _import_file(source: str) -> ModuleType:
    path = Path(source).expanduser().resolve()
    if not path.is_file():
        raise UsageError(f"Cannot import {source!r}: no such file ({path}). Check the path.")
    name = f"archstat_user_{path.stem}_{abs(hash(str(path)))}"
    if name in sys.modules:  # the same file named twice (archstat compare a.py:A a.py:B)
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"Cannot import {source!r} ({path}): not a Python source file.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    with _importable(str(path.parent)), _users_code(str(path)) as printed:
        try:
            spec.loader.exec_module(module)
        except BaseException as error:  # SystemExit and KeyboardInterrupt too: the file must not end archstat
            del sys.modules[name]
            raise _import_failed(path.name, error, printed.getvalue()) from error
    _pass_on(printed)
    return module


def _import_module(source: str) -> ModuleType:
    with _importable(os.getcwd()), _users_code(source) as printed:
        try:
            module = importlib.import_module(source)
        except ModuleNotFoundError as error:
            if error.name and source.startswith(error.name):  # the module itself is missing
                raise UsageError(
                    f"Cannot import module {source!r}: no module named {error.name!r} in the current "
                    f"directory ({os.getcwd()}) or on the Python path. For a file give path/to/file.py:Class."
                ) from None
            raise _import_failed(source, error, printed.getvalue()) from error
        except BaseException as error:
            raise _import_failed(source, error, printed.getvalue()) from error
    _pass_on(printed)
    return module


def _attribute(namespace: ModuleType, attr: str, source: str) -> Any:
    target: Any = namespace
    for part in attr.split("."):
        if not hasattr(target, part):
            found = ", ".join(_module_names(namespace)) or "none"
            where = getattr(namespace, "__file__", None) or source
            raise UsageError(
                f"{source!r} ({where}) has no attribute {attr!r}. Modules defined there: {found}."
            )
        target = getattr(target, part)
    return target


def _module_names(namespace: ModuleType) -> list[str]:
    """Module classes defined in (not imported into) ``namespace``."""
    return [name for name, value in vars(namespace).items()
            if inspect.isclass(value) and issubclass(value, nn.Module)
            and value.__module__ == namespace.__name__][:8]


def _instantiate(target: Any, attr: str, spec: str, kwargs: dict[str, Any]) -> nn.Module:
    if isinstance(target, nn.Module):
        if kwargs:
            raise UsageError(f"{attr!r} in {spec!r} is already a module instance; drop kwargs (--kwargs).")
        return target.eval()
    if not callable(target) or (inspect.isclass(target) and not issubclass(target, nn.Module)):
        kind = type(target).__name__
        raise UsageError(f"{attr!r} is {'an' if kind[0] in 'aeiou' else 'a'} {kind}, "
                         "not a torch.nn.Module class or factory.")
    missing = _missing_arguments(target, kwargs)
    if missing:
        example = ", ".join(f'"{name}": VALUE' for name in missing)
        them = "them" if len(missing) > 1 else "it"
        raise UsageError(f"Cannot build {attr}: it needs {', '.join(missing)}. Give {them} "
                         f"with --kwargs as JSON, e.g. --kwargs '{{{example}}}' (kwargs={{...}} in Python).")
    try:
        with _users_code(spec) as printed:
            model = target(**kwargs)
    except TypeError as error:
        if _raised_by_call(error):
            raise UsageError(
                f"Cannot build {attr}(**{kwargs}): {error}. Give its arguments with --kwargs as JSON, "
                """e.g. --kwargs '{"num_classes": 2}'."""
            ) from None
        raise AnalysisError(f"Building {attr} failed: {_error_line(error)}{_user_line(error)}") from error
    except Exception as error:
        raise AnalysisError(f"Building {attr} failed: {_error_line(error)}{_user_line(error)}") from error
    except BaseException as error:  # SystemExit or KeyboardInterrupt in a constructor: contained as at import
        raise UsageError(_stopped(f"Building {attr}", error, "")) from error
    _pass_on(printed)
    if not isinstance(model, nn.Module):
        raise UsageError(f"{attr!r} returned {type(model).__name__} {model!r:.40}, not a torch.nn.Module.")
    return model.eval()


def _raised_by_call(error: TypeError) -> bool:
    """A bad-arguments TypeError comes from the call itself: its traceback has no frame inside it."""
    return error.__traceback__ is not None and error.__traceback__.tb_next is None


def _missing_arguments(target: Any, kwargs: dict[str, Any]) -> list[str]:
    """The required parameters of a class or factory that ``kwargs`` does not give (none when its signature
    cannot be read, or it takes ``**kwargs`` it may need)."""
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    required = [p.name for p in signature.parameters.values() if p.default is p.empty
                and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return [name for name in required if name not in kwargs]


def _import_failed(what: str, error: BaseException, printed: str) -> UsageError:
    """One line for a user's file that raised or exited while it was imported (exit code 2: the file, not
    archstat, needs the fix)."""
    return UsageError(_stopped(f"Importing {what}", error, printed))


def _stopped(doing: str, error: BaseException, printed: str) -> str:
    """``Importing nets.py exited with code 3`` or ``... failed: ValueError: bad, at nets.py:12``, with the
    last line the code printed, if any."""
    said = next((line.strip() for line in reversed(printed.splitlines()) if line.strip()), "")
    said = f" (its last output: {said!r})" if said else ""
    if isinstance(error, SystemExit):
        code = error.code if isinstance(error.code, int) or error.code is None else repr(error.code)
        return (f"{doing} exited with code {code or 0}{said}: a model file must not exit or parse arguments when "
                "imported; put that code under if __name__ == '__main__':.")
    frame = _user_frame(error)
    where = f", at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
    return f"{doing} failed: {_error_line(error)}{where}{said}. Fix the file, or run with --debug for the traceback."


def _error_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _user_frame(error: BaseException) -> traceback.FrameSummary | None:
    """The innermost frame of the user's own code (outside the import system and archstat)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "importlib" not in f.filename
              and str(Path(__file__).parent) not in f.filename]
    return frames[-1] if frames else None


def _user_line(error: BaseException) -> str:
    frame = _user_frame(error)
    return f"\n  at {frame.filename}:{frame.lineno}: {(frame.line or '').strip()}" if frame else ""
