"""Models a pass cannot follow as they are, and what ``analyze`` does about them.

- A forward that reads tensor values (``.item()``, ``if x.sum() > 0``) cannot run on meta tensors,
  which hold no values. Asked for the meta engine, ``analyze`` says so in one note and counts from
  a real trace instead (the fvcore engine), where the model's weights are real; where they are
  not (a model given or built on the meta device), one line says what to do.
- A TorchScript submodule inside a Python model (``self.part = torch.jit.script(...)``) runs no
  Python hooks, which every pass needs to know which module runs: refused in one line. A model
  scripted whole is counted whole (``counting._measure_scripted``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..errors import AnalysisError, UnsupportedModelError, ValueReadError
from .report import Report


def value_read(error: AnalysisError) -> ValueReadError:
    """The meta pass's failure on a value read, as a ``ValueReadError`` (same message)."""
    lines = str(error).splitlines()
    detail = lines[0].rsplit(": ", 1)[-1].strip()
    at = next((line.strip()[3:].split(" in ")[0] for line in lines[1:] if line.strip().startswith("at ")), "")
    return ValueReadError("\n".join(lines[:2]) + "\n  The meta engine runs the network without data; "
                          "a forward that reads tensor values needs the fvcore engine (--engine fvcore).",
                          f"{detail}{f' at {at}' if at else ''}")


def with_real_trace(error: ValueReadError, trace: Callable[[], Report]) -> Report:
    """The report of ``trace()`` (the same analysis with the fvcore engine), with one note; one line
    when that cannot run either (weights on the meta device)."""
    try:
        report = trace()
    except AnalysisError as again:
        raise UnsupportedModelError(
            f"The forward reads tensor values ({error.detail}), which the meta engine cannot, and no real "
            f"trace can run either ({str(again).splitlines()[0]}): give the model with its weights, "
            "with engine='fvcore' (--engine fvcore).") from again
    report.notes.insert(0, f"The meta engine cannot read tensor values ({error.detail}): counted from a real "
                           "trace instead (engine fvcore).")
    return report


def refuse_scripted_parts(module: nn.Module, label: str) -> None:
    """One line for a Python model holding a TorchScript submodule (see the module docstring)."""
    scripted = next((name for name, sub in module.named_modules()
                     if name and isinstance(sub, torch.jit.ScriptModule)), None)
    if scripted is not None and not isinstance(module, torch.jit.ScriptModule):
        raise UnsupportedModelError(
            f"{label}: its submodule '{scripted}' is a TorchScript module (torch.jit.script), which runs no "
            "Python hooks, so archstat cannot see which layer runs inside it. Analyse the model with that "
            "part before torch.jit.script, or script the whole model to have it counted whole.")
