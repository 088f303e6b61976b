"""One recorder per forward pass: the module running, told to whoever listens.

Every pass archstat runs over a network wants to know which module is running when an operator
is called: the counts charge it to that module and its ancestors, the field tracer names it in a
warning, the dataflow graph groups ops by it, the call log hands it to each peer tool's rules,
memory charges saved bytes to it, and a failed forward names it. ``ModuleRecorder`` installs one
pre- and one post-forward hook on each distinct module, once, and keeps the stack of ``Frame``\\ s
(name, module, depth, the call's arguments, which call of that module it is, and its place in the
order calls began). Passes that need more than the stack (output shapes, each module's output
field, the call log's entries) ``listen`` for enters and leaves.

- A module registered under several names (shared) runs under its first dotted name, as fvcore's
  scopes name it; one called more than once gets a frame per call (``Frame.call`` counts from 1).
- A pass begins when the model itself is entered (or any recorded module while none runs): the
  stack and the call numbers start again, so one recorder serves several passes (the torch engine
  counts, then follows fields), also after a pass that raised.
- A forward that raises leaves its frames on the stack: ``stack[-1]`` is where it failed (frames of
  a call that raised and was caught by a module above are dropped when that module returns).
- TorchScript modules take no Python hooks (torch refuses them): a scripted part runs inside its
  parent's frame, unrecorded; ``analysis.value_reads.refuse_scripted_parts`` refuses such a model
  before a counting pass, with one line saying why.
- ``remove`` (or leaving the ``with`` block) takes every hook off: the module is left as it came,
  also when installing failed half-way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

import torch
from torch import nn


class Frame(NamedTuple):
    """One running module call: dotted ``name`` ("" the model), the ``module``, ``depth`` in the module
    tree (0 the model), its positional ``args``, ``call`` (1 for its first call in this pass) and
    ``started`` (how many calls began before it in this pass)."""

    name: str
    module: nn.Module
    depth: int
    args: Any
    call: int
    started: int


R = TypeVar("R", bound="ModuleRecorder")
Enter = Callable[[Frame], None]
Leave = Callable[[Frame, Any], None]  # the frame and the module's output


def canonical_names(model: nn.Module) -> dict[nn.Module, str]:
    """Each distinct submodule and its first dotted name: a shared module counts under that one."""
    names: dict[nn.Module, str] = {}
    for name, sub in model.named_modules(remove_duplicate=False):
        names.setdefault(sub, name)
    return names


class ModuleRecorder:
    """Hooks on every module of ``model`` keeping ``stack``, the modules running, innermost last."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.stack: list[Frame] = []
        self.calls: dict[nn.Module, int] = {}  # module -> calls begun in this pass
        self.started = 0  # calls begun in this pass
        self._enters: list[Enter] = []
        self._leaves: list[Leave] = []
        self._handles: list[Any] = []
        try:
            for module, name in canonical_names(model).items():
                if not isinstance(module, torch.jit.ScriptModule):  # torch refuses hooks on them
                    self._install(module, name, name.count(".") + 1 if name else 0)
        except BaseException:
            self.remove()
            raise

    def _install(self, module: nn.Module, name: str, depth: int) -> None:
        stack, calls, enters, leaves = self.stack, self.calls, self._enters, self._leaves
        is_model = module is self.model

        def enter(_module: nn.Module, args: Any) -> None:
            # A new pass: the model starts (a pass that raised may have left frames), or nothing runs.
            if is_model or not stack:
                stack.clear()
                calls.clear()
                self.started = 0
            call = calls[module] = calls.get(module, 0) + 1
            frame = Frame(name, module, depth, args, call, self.started)
            self.started += 1
            stack.append(frame)
            for listener in enters:
                listener(frame)

        def leave(_module: nn.Module, args: Any, output: Any) -> None:
            # Frames above this module's own belong to calls that raised inside it and were caught there.
            while stack and stack[-1].module is not module:
                stack.pop()
            frame = stack.pop() if stack else Frame(name, module, depth, args, 0, -1)
            for listener in leaves:
                listener(frame, output)

        self._handles += [module.register_forward_pre_hook(enter), module.register_forward_hook(leave)]

    def current(self) -> str:
        """The dotted name of the innermost module running ("" the model, or none running)."""
        return self.stack[-1].name if self.stack else ""

    def running(self) -> tuple[str, ...]:
        """The dotted names of the modules running, outermost first."""
        return tuple(frame.name for frame in self.stack)

    def listen(self, enter: Enter | None = None, leave: Leave | None = None) -> None:
        """Have ``enter(frame)`` called as each module begins and ``leave(frame, output)`` as it returns
        (the frame already off the stack), for as long as the recorder lives; listeners are told in the
        order they began listening."""
        if enter is not None:
            self._enters.append(enter)
        if leave is not None:
            self._leaves.append(leave)

    @contextmanager
    def listening(self, enter: Enter | None = None, leave: Leave | None = None) -> Iterator[None]:
        """``listen`` inside the block only."""
        self.listen(enter, leave)
        try:
            yield
        finally:
            if enter is not None:
                self._enters.remove(enter)
            if leave is not None:
                self._leaves.remove(leave)

    def remove(self) -> None:
        """Take every hook off the model (idempotent)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __enter__(self: R) -> R:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.remove()


@contextmanager
def recording(model: nn.Module, recorder: ModuleRecorder | None = None) -> Iterator[ModuleRecorder]:
    """``recorder`` when a caller's pass already records ``model``, else a new one, removed on exit."""
    if recorder is not None:
        yield recorder
        return
    with ModuleRecorder(model) as made:
        yield made
