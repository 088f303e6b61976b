"""The two meta passes ``estimate_memory`` runs (``archstat.analysis.memory`` has the method): the
tensors autograd saves for the backward pass, per module, and the peak of the tensors alive during
inference. Each takes a module already on the meta device and meta inputs; nothing here allocates."""

from __future__ import annotations

import weakref
from collections import defaultdict
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from ..engines.meta_device import fast_meta_kernels
from ..engines.recorder import Frame, ModuleRecorder
from ..engines.shapes import ForwardFailure
from ..errors import AnalysisError, ArchstatError
from ..inputs import Shape

INPUT_ROW = "(input)"


def _storage_key(tensor: torch.Tensor) -> int:
    """Identity of the memory a tensor lives in: views and in-place results share it (works on meta)."""
    return tensor.untyped_storage()._cdata


def _weight_keys(model: nn.Module) -> set[int]:
    return {_storage_key(t) for t in (*model.parameters(), *model.buffers())}


class _OutputOwners:
    """Notes which module first returned each storage (children return first), told by the pass's recorder."""

    def __init__(self) -> None:
        self.owner: dict[int, str] = {}
        # Outputs are kept alive until the pass ends, so no storage address is reused for a new tensor
        # (on meta this costs no memory).
        self._outputs: list[torch.Tensor] = []

    def left(self, frame: Frame, output: Any) -> None:
        for tensor in tree_flatten(output)[0]:
            if isinstance(tensor, torch.Tensor):
                self.owner.setdefault(_storage_key(tensor), frame.name)
                self._outputs.append(tensor)


def saved_for_backward(
    model: nn.Module, inputs: list[torch.Tensor], label: str, shapes: list[Shape], attribute: bool = True,
    training: bool = True,
) -> dict[str, int]:
    """Bytes autograd keeps for the backward pass, charged per module (one forward, in training mode unless
    ``training`` is False: BatchNorm on its running statistics, dropout off, as when fine-tuning a frozen
    backbone); ``attribute=False`` charges all to the model: the same total without a hook on every module."""
    weights = _weight_keys(model)
    # storage -> (bytes, module running, the tensor itself: kept alive so no address is reused)
    held: dict[int, tuple[int, str, torch.Tensor]] = {}
    recorder: Any = ModuleRecorder(model) if attribute else _NO_MODULES
    owners = _OutputOwners()
    recorder.listen(leave=owners.left)

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        key = _storage_key(tensor)
        if key not in weights and key not in held:
            held[key] = (tensor.untyped_storage().nbytes(), recorder.current(), tensor)
        return tensor

    was_training = model.training
    model.train(training)
    try:
        with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), \
                fast_meta_kernels():
            output = model(*inputs)
    except Exception as error:
        if not attribute:  # run again with the hooks that say where it failed
            saved_for_backward(model, inputs, label, shapes, attribute=True, training=training)
        raise _on_meta(ForwardFailure.from_error(error, recorder, label, shapes)) from error
    finally:
        recorder.remove()
        model.train(was_training)
    del output
    starts = {_storage_key(i): INPUT_ROW for i in inputs}
    charged: dict[str, int] = defaultdict(int)
    for key, (nbytes, running, _) in held.items():
        charged[starts.get(key) or owners.owner.get(key, running)] += nbytes
    return dict(charged)


class _NoModules:
    """Stands in for the recorder when nothing is charged per module: no hook on any module."""

    stack: list[Any] = []
    model = None

    def current(self) -> str:
        return ""

    def listen(self, enter: Any = None, leave: Any = None) -> None:
        pass

    def remove(self) -> None:
        pass


_NO_MODULES: Any = _NoModules()


def _on_meta(error: ArchstatError) -> ArchstatError:
    """A forward that makes tensors on a fixed device cannot run on meta: say how to fix it."""
    if "meta" in str(error) and isinstance(error, AnalysisError):
        return AnalysisError(f"{error}\n  archstat memory runs the network on PyTorch's meta device "
                             "(no data): create new tensors in forward with device=x.device.")
    return error


class _LiveBytes(TorchDispatchMode):
    """Bytes of the tensors operators created that are still alive; the peak, overall and per module."""

    def __init__(self, skip: set[int], recorder: ModuleRecorder) -> None:
        super().__init__()
        self.skip, self.recorder = skip, recorder
        self.refs: dict[int, int] = {}
        self.nbytes: dict[int, int] = {}
        self.live = self.peak = 0
        self.peaks: dict[str, int] = defaultdict(int)

    def _release(self, key: int) -> None:
        self.refs[key] -= 1
        if not self.refs[key]:
            self.live -= self.nbytes.pop(key)
            del self.refs[key]

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        output = func(*args, **(kwargs or {}))
        for tensor in tree_flatten(output)[0]:
            if not isinstance(tensor, torch.Tensor) or (key := _storage_key(tensor)) in self.skip:
                continue
            if key not in self.refs:
                self.refs[key], self.nbytes[key] = 0, tensor.untyped_storage().nbytes()
                self.live += self.nbytes[key]
            self.refs[key] += 1
            weakref.finalize(tensor, self._release, key)  # freed when the last Python reference goes
        running = self.recorder.current()
        self.peaks[running] = max(self.peaks[running], self.live)
        self.peak = max(self.peak, self.live)
        return output


def inference_peak(
    model: nn.Module, inputs: list[torch.Tensor], label: str, shapes: list[Shape], attribute: bool = True
) -> tuple[int, dict[str, int]]:
    """Peak activation bytes of one inference pass (eval mode, no autograd), the input included;
    per module unless ``attribute=False``."""
    start = sum(i.untyped_storage().nbytes() for i in inputs)
    recorder: Any = ModuleRecorder(model) if attribute else _NO_MODULES
    mode = _LiveBytes(_weight_keys(model), recorder)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), fast_meta_kernels(), mode:  # the stand-in below the counting mode
            model(*inputs)
    except Exception as error:
        if not attribute:
            inference_peak(model, inputs, label, shapes, attribute=True)
        raise _on_meta(ForwardFailure.from_error(error, recorder, label, shapes)) from error
    finally:
        recorder.remove()
        model.train(was_training)
    return start + mode.peak, {name: start + peak for name, peak in mode.peaks.items()}
