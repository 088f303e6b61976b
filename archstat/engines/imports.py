"""Stand-ins that keep a meta pass from importing ``torch._dynamo`` and sympy (about 1.2 s together).

The stand-ins answer only what torch's meta kernels ask of them with plain ints and bools; anything
else loads the real module, which from then on answers every import.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def _stand_in(module_name: str, functions: dict[str, Any]) -> Iterator[None]:
    """Answer imports of ``module_name`` from ``functions`` until exit; any other attribute loads
    the real module, which from then on answers every import. Does nothing if it is loaded already."""
    if module_name in sys.modules:
        yield
        return
    def load(name: str) -> Any:
        if name.startswith("__"):  # the import system asks for __path__ and others: not the real module's
            raise AttributeError(name)
        return getattr(_real_module(module_name), name)

    stand_in = types.ModuleType(module_name)
    vars(stand_in).update(functions, __getattr__=load, __stand_in__=True)
    sys.modules[module_name] = stand_in
    try:
        yield
    finally:
        if sys.modules.get(module_name) is stand_in:
            del sys.modules[module_name]


def _real_module(module_name: str) -> types.ModuleType:
    if getattr(sys.modules.get(module_name), "__stand_in__", False):
        del sys.modules[module_name]
    return importlib.import_module(module_name)


@contextmanager
def light_imports() -> Iterator[None]:
    """Keep a meta pass from importing torch._dynamo and sympy: together about 1 s, more than the pass.

    Many of torch's meta kernels are Python functions wrapped by ``torch._compile._disable_dynamo``,
    whose first call imports ``torch._dynamo`` only to mark the kernel "not for torch.compile".
    Nothing is compiled during the pass, so a stand-in answers ``disable(fn) -> fn``; the marks it
    left are removed on exit, so later calls take torch's own path.

    Their shape checks (``torch._check``) import ``torch.fx.experimental.symbolic_shapes``, and with
    it sympy, for helpers such as ``expect_true`` and ``sym_eq`` that on plain Python bools and ints
    (all a pass with concrete shapes gives them) return the value or compare it. The stand-ins do
    exactly that and hand anything else (a symbolic size) to the real helper. Type promotion imports
    sympy only to ask whether an argument is a ``sympy.Basic``: while sympy is not loaded, none is.
    """
    marked: list[Any] = []

    def disable(fn: Any, recursive: bool = True, wrapping: bool = True) -> Any:
        marked.append(fn)
        return fn

    with _stand_in("torch._dynamo", {"disable": disable}), \
            _stand_in(_SYMBOLIC_SHAPES, _plain_symbolic_helpers()), \
            _stand_in("sympy", {"Basic": type("Basic", (), {})}):
        try:
            yield
        finally:
            for fn in marked:
                if getattr(fn, "__dynamo_disable", None) is fn:
                    delattr(fn, "__dynamo_disable")


_SYMBOLIC_SHAPES = "torch.fx.experimental.symbolic_shapes"


def _plain_symbolic_helpers() -> dict[str, Any]:
    """``torch.fx.experimental.symbolic_shapes``' helpers the meta kernels call, as they behave on
    plain values: ``bool`` where the helper takes a condition, ``int``/``bool`` or a list or tuple
    of them where it takes a size. Any other argument goes to the real helper."""
    def is_bool(value: Any) -> bool:
        return type(value) is bool

    def is_size(value: Any) -> bool:
        items = value if isinstance(value, (list, tuple)) else [value]
        return all(type(item) in (bool, int) for item in items)

    def sym_eq(x: Any, y: Any) -> bool:
        sequences = isinstance(x, (list, tuple)), isinstance(y, (list, tuple))
        if sequences[0] != sequences[1]:
            raise AssertionError(f"unexpected sym_eq between {type(x)} {type(y)}")
        return tuple(x) == tuple(y) if sequences[0] else x == y

    answers: dict[str, tuple[Any, Any]] = {
        **{name: (is_bool, lambda a: a) for name in (
            "expect_true", "guard_or_false", "guard_or_true", "guard_size_oblivious", "statically_known_true")},
        "sym_and": (is_bool, lambda *conditions: all(conditions)),
        "sym_or": (is_bool, lambda *conditions: any(conditions)),
        "sym_eq": (is_size, sym_eq),
        "is_nested_int": (is_size, lambda value: False),
        "has_guarding_hint": (is_size, lambda value: True),
        "guarding_hint_or_throw": (is_size, lambda value: value),
    }

    def helper(name: str, plain: Any, answer: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if not kwargs and all(map(plain, args)):
                return answer(*args)
            return getattr(_real_module(_SYMBOLIC_SHAPES), name)(*args, **kwargs)
        return call

    return {name: helper(name, plain, answer) for name, (plain, answer) in answers.items()}
