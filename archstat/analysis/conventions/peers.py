"""The peer tools themselves, run on a module for ``archstat conventions --run``.

Every import of torchinfo, ptflops and thop is inside these functions (fvcore's is in
``engines.fvcore``), so archstat never needs
them: a tool that is not installed answers ``NOT_INSTALLED``, one that fails on the model answers
a one-line ``Failed``. Each call runs one real forward of the module as the tool does it (in eval
mode; the tools set it) on inputs of the shapes given, on the module's device.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from ...inputs import InputDtype, TensorSpec
from ..feeding import make_tensor
from ..hub import make_torchvision_importable

NOT_INSTALLED = "not installed"


@dataclass
class Failed:
    """A tool that raised on the model: its error in one line."""

    message: str

    def __str__(self) -> str:
        return f"failed: {self.message}"


Outcome = tuple[float, float | None] | str | Failed  # (number, params), NOT_INSTALLED or a failure


def installed(distribution: str) -> str | None:
    """The installed version of ``distribution``, or None."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


Shapes = Sequence[tuple[int, ...] | TensorSpec]  # without the batch; a spec carries its dtype too


def _inputs(module: nn.Module, shapes: Shapes) -> tuple[Tensor, ...]:
    """Zeros at batch 1 on the module's device, of each spec's dtype (float32 for a bare shape):
    integer zeros are valid token ids for an embedding."""
    device = str(next((p.device for p in module.parameters()), torch.device("cpu")))
    return tuple(make_tensor(s if isinstance(s, TensorSpec) else TensorSpec(tuple(s)), device) for s in shapes)


def _shape(spec: tuple[int, ...] | TensorSpec) -> tuple[int, ...]:
    return tuple(spec.shape if isinstance(spec, TensorSpec) else spec)


def _guarded(run: Callable[[], tuple[float, float | None]]) -> Outcome:
    """Run one tool quietly (they print); an exception becomes a ``Failed``."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return run()
    except Exception as error:  # the tool's own errors, of any kind, are the answer
        return Failed(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:200])


def run_torchinfo(module: nn.Module, shapes: Shapes) -> Outcome:
    if installed("torchinfo") is None:
        return NOT_INSTALLED

    def run() -> tuple[float, float | None]:
        from torchinfo import summary

        stats = summary(module, input_data=list(_inputs(module, shapes)), verbose=0)
        return stats.total_mult_adds, stats.total_params

    return _guarded(run)


def run_ptflops(module: nn.Module, shapes: Shapes, backend: str) -> Outcome:
    if installed("ptflops") is None:
        return NOT_INSTALLED

    def run() -> tuple[float, float | None]:
        make_torchvision_importable()  # ptflops imports torchvision and timm where they are installed
        from ptflops import get_model_complexity_info

        spec = shapes[0]
        # ptflops makes a float input of the parameters' dtype; an integer spec (token ids) needs its own
        made = isinstance(spec, TensorSpec) and spec.dtype is not InputDtype.float32
        macs, params = get_model_complexity_info(module, _shape(spec), as_strings=False, backend=backend,
                                                 print_per_layer_stat=False,
                                                 input_constructor=(lambda _: _inputs(module, [spec])[0]) if made
                                                 else None)
        if macs is None:
            raise RuntimeError("ptflops returned None (its forward raised)")
        return macs, params

    return _guarded(run)


def run_thop(module: nn.Module, shapes: Shapes, thop: Any = None) -> Outcome:
    """thop's ``profile``; ``thop`` is the imported package to use (default: the installed one)."""
    if thop is None and installed("thop") is None and installed("ultralytics-thop") is None:
        return NOT_INSTALLED

    def run() -> tuple[float, float | None]:
        profile = thop.profile if thop is not None else importlib.import_module("thop").profile
        macs, params = profile(module, inputs=_inputs(module, shapes), verbose=False)
        return macs, params

    return _guarded(run)


def run_fvcore(module: nn.Module, shapes: Shapes) -> Outcome:
    """fvcore's own ``FlopCountAnalysis(model, x).total()`` (a dependency: always installed)."""
    def run() -> tuple[float, float | None]:
        from ...engines.fvcore import fvcore_total

        return fvcore_total(module, _inputs(module, shapes)), None

    return _guarded(run)


def run_flop_counter(module: nn.Module, shapes: Shapes) -> Outcome:
    def run() -> tuple[float, float | None]:
        from torch.utils.flop_counter import FlopCounterMode

        with FlopCounterMode(display=False) as counter:
            module(*_inputs(module, shapes))
        return counter.get_total_flops(), None

    return _guarded(run)
