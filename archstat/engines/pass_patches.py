"""Settings of torch the meta engine's pass changes while it runs, each restored on exit.

- ``no_value_checks``: ``torch.distributions`` checks its arguments' values (a scale above 0),
  which meta tensors do not have; off, so a forward returning a distribution is counted.
- ``opaque_functions``: a custom ``torch.autograd.Function`` is one ``prim::PythonOp`` to fvcore's
  trace (``PythonOp.CrossMapLRN2d``), which it lists and does not look inside; the pass records it
  the same way, as one call under that name, and not the operators its ``forward`` runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from torch.autograd.function import Function


@contextmanager
def no_value_checks() -> Iterator[None]:
    from torch.distributions import Distribution

    checking = Distribution._validate_args
    Distribution.set_default_validate_args(False)
    try:
        yield
    finally:
        Distribution.set_default_validate_args(checking)


class _Opaque:
    """How deep the pass is inside custom Functions (the operators in there are not recorded)."""

    depth = 0


OPAQUE = _Opaque()


@contextmanager
def opaque_functions(record: Callable[[str, tuple[Any, ...], dict[str, Any], Any], None]) -> Iterator[None]:
    """While active, ``SomeFunction.apply(...)`` runs as usual and then ``record("PythonOp.SomeFunction",
    args, kwargs, out)`` is called once, the calls inside it hidden (``OPAQUE.depth`` > 0)."""
    original = Function.__dict__["apply"]

    def apply(cls: type[Function], *args: Any, **kwargs: Any) -> Any:
        OPAQUE.depth += 1
        try:
            out = original.__func__(cls, *args, **kwargs)
        finally:
            OPAQUE.depth -= 1
        if not OPAQUE.depth:
            record(f"PythonOp.{cls.__name__}", args, kwargs, out)
        return out

    Function.apply = classmethod(apply)  # type: ignore[assignment,method-assign]
    try:
        yield
    finally:
        Function.apply = original  # type: ignore[method-assign]
