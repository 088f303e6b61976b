"""Each module's output shape, recorded in a counting pass, and the module a failing forward died in."""

from __future__ import annotations

import re
import sysconfig
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import AnalysisError, ArchstatError, InputSizeError
from ..inputs import Shape, format_shape
from .recorder import Frame, ModuleRecorder

_SIZE_ERRORS = re.compile(
    r"too small|can't be greater than actual input|smaller than kernel|non-positive|"
    r"Calculated output size|should be at most half|negative dimension|Expected .* to be at least",
    re.IGNORECASE,
)
# torch, archstat itself, installed packages and Python's own library (contextlib's frames are no user's line)
_LIBRARY_DIRS = (str(Path(torch.__file__).parent), str(Path(__file__).parent.parent), "site-packages",
                 sysconfig.get_paths()["stdlib"])


def _first_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for item in value:
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


class ShapeRecorder(ModuleRecorder):
    """The recorder of a counting pass (``engines.recorder``) that also keeps each module's output
    shape by dotted name."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__(model)
        self.output_shapes: dict[str, list[int]] = {}
        self.listen(leave=self._record)

    def _record(self, frame: Frame, output: Any) -> None:
        tensor = _first_tensor(output)
        if tensor is not None:
            self.output_shapes[frame.name] = [int(d) for d in tensor.shape]


def _user_frame(error: BaseException) -> str | None:
    """The innermost traceback frame outside torch, archstat and installed packages: the user's line."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not any(part in f.filename for part in _LIBRARY_DIRS)]
    if not frames:
        return None
    frame = frames[-1]
    return f"{frame.filename}:{frame.lineno} in {frame.name}: {(frame.line or '').strip()}"


def _wants_token_ids(module: nn.Module, detail: str) -> bool:
    """Whether an embedding layer refused its input for not being integer indices (a float input, the
    default of ``--input 128``)."""
    return isinstance(module, (nn.Embedding, nn.EmbeddingBag)) and "indices" in detail


class ForwardFailure:
    """Turns an exception raised inside ``forward`` into an ``ArchstatError`` that says where."""

    @staticmethod
    def from_error(
        error: BaseException, recorder: ModuleRecorder, label: str, shapes: list[Shape],
        smallest: Callable[[], int | None] | None = None,
    ) -> ArchstatError:
        if isinstance(error, ArchstatError):
            cause = error.__cause__  # the field tracer's own wrapping of a too-small input: answered as below
            if not (isinstance(error, AnalysisError) and cause is not None and _SIZE_ERRORS.search(str(cause))):
                return error
            error = cause
        smallest = smallest or partial(_smallest_on_meta, recorder, shapes)
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        where = ""
        if recorder.stack:  # the module that raised is still on it
            innermost = recorder.stack[-1]
            tensor = _first_tensor(innermost.args)
            shape = [int(d) for d in tensor.shape] if tensor is not None else None
            name, module = innermost.name, innermost.module
            shown = format_shape(shape[1:]) if shape else "?"
            where = f" in layer '{name or '(model)'}' ({type(module).__name__}) with input {shown}"
            detail = _width_mismatch(module, shape) or detail
        given = ", ".join(format_shape(s) for s in shapes)
        if _SIZE_ERRORS.search(detail):
            minimum = smallest() if smallest else None
            hint = (f" The smallest input that works is {minimum}x{minimum}: give input_size {minimum} "
                    f"(--input {minimum}) or larger." if minimum else " Give a larger input_size (--input).")
            return InputSizeError(f"Input {given} is too small for {label}: the feature map vanishes{where}.{hint}")
        message = f"{label}: forward failed{where}: {detail}"
        if recorder.stack and _wants_token_ids(recorder.stack[-1].module, detail):
            ids = f"{format_shape(shapes[0]) if len(shapes) == 1 else shown}:int64"
            message = f"{message.rstrip('.')}. Give integer token ids: --input {ids} (input_size='{ids}' in Python)."
        frame = _user_frame(error)
        if frame:
            message += f"\n  at {frame}"
        return AnalysisError(message)


def _width_mismatch(module: nn.Module, shape: list[int] | None) -> str | None:
    """The layer's own account of a width it cannot take, in the same words on every engine and device
    (torch's CPU and meta kernels word a failed product differently): None when that is not the failure."""
    if not shape:
        return None
    if isinstance(module, nn.Linear) and module.in_features and shape[-1] != module.in_features:
        return f"it takes {module.in_features} features in the last dimension, got {shape[-1]}"
    if isinstance(module, nn.modules.conv._ConvNd) and module.in_channels:
        batched = len(shape) == len(module.kernel_size) + 2
        channels = shape[1 if batched else 0]
        if channels != module.in_channels:
            return f"it takes {module.in_channels} input channels, got {channels}"
    return None


def _smallest_on_meta(recorder: ModuleRecorder, shapes: list[Shape]) -> int | None:
    """``smallest_working_side`` of the failing model itself when its weights are on the meta device
    already (a caller with real weights passes its own ``smallest``, run on a meta copy)."""
    model = getattr(recorder, "model", None)
    if model is None or len(shapes) != 1 or len(shapes[0]) < 3 \
            or any(p.device.type != "meta" for p in model.parameters()):
        return None
    return smallest_working_side(model, shapes[0], failing=max(shapes[0][-2:]))


def smallest_working_side(meta: nn.Module, shape: Shape, failing: int, limit: int = 4096) -> int | None:
    """Smallest square side at which ``meta`` (a model on the meta device) runs: no memory, no arithmetic.

    Assumes that if a side runs, every larger one up to the first side found running does (true of
    convolution and pooling stacks, and of a fixed-size classifier's narrow band).
    """

    def runs(side: int) -> bool:
        try:
            with torch.no_grad():
                meta(torch.empty((1, *shape[:-2], side, side), device="meta"))
            return True
        except Exception:
            return False

    # Up by half each time, not doubling: a net with a fixed-size classifier (LeNet-5) runs only in a narrow
    # band of sides (32 to 35), which doubling from 31 would jump over.
    low, high = failing, failing + 1
    while not runs(high):
        low, high = high, high + max(1, high // 2)
        if high > limit:
            return None
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if runs(middle) else (middle, high)
    return high
