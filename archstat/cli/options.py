"""The options commands share, declared once with ``Annotated`` (Typer reads them from the signature).

Nothing here imports torch: ``--help`` and shell completion build every command from these.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ..options import Dtype, Engine, Mode, Optimizer, OutputFormat
from .checks import model_arg

if TYPE_CHECKING:
    from ..analysis.request import Request

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_FORMAT = OutputFormat.table  # what every command writes unless --format says otherwise
DEFAULT_ENGINE = Engine.fvcore
DEFAULT_MODE = Mode.eval


def complete_model(incomplete: str) -> list[str]:
    """Shell completion of a MODEL: the zoo's names that start with what was typed, read from the
    zoo's facts as data (the registry itself would import torch, about 2 s on every TAB press)."""
    from ..zoo_facts import names

    return [name for name in names() if name.startswith(incomplete)]


ModelArg = Annotated[str, typer.Argument(
    help="A zoo model name (see 'archstat list'), or your own: pkg.module:Class or path/to/file.py:Class.",
    show_default=False, autocompletion=complete_model, metavar="MODEL", callback=model_arg,
)]
InputOpt = Annotated[list[str] | None, typer.Option(
    "--input", "-i", metavar="SHAPE[:DTYPE]",
    help="Input shape without the batch: CxHxW (3x224x224), one side (224), or with a dtype (128:int64, zeros). "
    "Default: the zoo model's. Repeat once per forward argument.",
)]
ModeOpt = Annotated[Mode, typer.Option(
    "--mode", help="Count in eval mode (as deployed) or train mode (BatchNorm on batch statistics, dropout on).",
)]
ForwardKwargsOpt = Annotated[str | None, typer.Option(
    "--forward-kwargs", metavar="JSON",
    help="""Keyword arguments of forward as a JSON object; a shape string is a zero tensor, e.g. """
    """'{"mask": "1x16:bool", "scale": 0.5}'.""",
)]
BatchOpt = Annotated[int, typer.Option("--batch", "-b", metavar="N", help="Batch size N; counts scale with it.")]
ClassesOpt = Annotated[
    int | None,
    typer.Option("--num-classes", "-k", help="Width of the classifier. Default: the paper's (1000 for ImageNet)."),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
# what ``--format`` becomes on a command with --output (``output.text_output``): None lets the suffix choose
FormatBySuffixOpt = Annotated[OutputFormat | None, typer.Option(
    "--format", "-f", show_default=False,
    help="Output format. Default: what --output's suffix names (.json .csv .md .tex .html), else table.")]
AuxOpt = Annotated[bool, typer.Option("--aux", help="Include auxiliary classifier heads (GoogLeNet, Inception-v3).")]
DepthOpt = Annotated[
    int | None, typer.Option("--depth", "-d", min=1, metavar="N",
                             help="Fold modules more than N levels deep into their parents.")
]
KwargsOpt = Annotated[str | None, typer.Option(
    "--kwargs", metavar="JSON",
    help="""Your model's constructor arguments as a JSON object, e.g. '{"num_classes": 2}'.""",
)]
FreezeOpt = Annotated[list[str] | None, typer.Option(
    "--freeze", metavar="PATTERN", help="Freeze modules matching this glob (e.g. 'layer1', 'features.*'). Repeatable.",
)]
TrainOpt = Annotated[list[str] | None, typer.Option(
    "--train", metavar="PATTERN",
    help="Train only modules matching this glob (e.g. 'fc'); the rest is frozen. Repeatable.",
)]
EngineOpt = Annotated[Engine, typer.Option(
    "--engine", "-e", help="fvcore traces a real forward pass; meta counts the same way without running one "
    "(fast at any input size); torch: torch's FlopCounterMode, the whole model's MACs only.",
)]
BudgetOpt = Annotated[str | None, typer.Option(
    "--memory-budget", metavar="SIZE", show_default=False,
    help="Most memory fvcore's trace may take (8G, 512M); above it the meta engine counts instead. "
    "Default: $ARCHSTAT_MEMORY_BUDGET, else half the available RAM.",
)]
RunOpt = Annotated[bool, typer.Option(
    "--run", help="Also run the installed tools (torchinfo, ptflops, thop, torch) and show their own numbers.")]
OutputOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", show_default=False,
    help="Write the result to this file instead of stdout ('-': stdout); its suffix names the format when "
    "--format is not given. A regular file is replaced atomically, a device or pipe written through.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Let --output overwrite an existing regular file.")]
BackwardOpt = Annotated[bool, typer.Option(
    "--backward", help="Add the backward pass's MACs per layer and the training step's total (torch's "
    "FlopCounterMode convention: gradient products of convolutions and matrix products).",
)]
DtypeOpt = Annotated[Dtype, typer.Option("--dtype", help="Number format of weights and activations.")]
OptimizerOpt = Annotated[Optimizer, typer.Option(
    "--optimizer", help="Optimizer state per trainable parameter: sgd none, momentum 1 copy, adam 2 copies.",
)]


# --- the model options: one request, the same on every command that takes a model ------------------------

MODEL_OPTIONS: dict[str, tuple[Any, Any]] = {  # parameter name: (its option, its default)
    "input": (InputOpt, None),
    "batch": (BatchOpt, 1),
    "num_classes": (ClassesOpt, None),
    "kwargs": (KwargsOpt, None),
    "forward_kwargs": (ForwardKwargsOpt, None),
    "aux": (AuxOpt, False),
    "freeze": (FreezeOpt, None),
    "train": (TrainOpt, None),
    "mode": (ModeOpt, DEFAULT_MODE),
    "engine": (EngineOpt, DEFAULT_ENGINE),
    "memory_budget": (BudgetOpt, None),
}


@dataclass(frozen=True)
class ModelOptions:
    """The model options as one command line gave them (torch-free: ``--help`` builds from them).
    ``request(model)`` turns them into the library's ``Request``, imported only then."""

    input: list[str] | None = None
    batch: int = 1
    num_classes: int | None = None
    kwargs: str | None = None
    forward_kwargs: str | None = None
    aux: bool = False
    freeze: list[str] | None = None
    train: list[str] | None = None
    mode: Mode = DEFAULT_MODE
    engine: Engine = DEFAULT_ENGINE
    memory_budget: str | None = None

    def request(self, model: str) -> Request:
        """The one ``Request`` every library function takes, for ``model``."""
        from ..analysis.request import Request

        return Request(model, input_size=self.input or None, batch=self.batch, num_classes=self.num_classes,
                       kwargs=self.kwargs, forward_kwargs=self.forward_kwargs, aux=self.aux,
                       freeze=self.freeze or (), train=self.train or (), mode=self.mode, engine=self.engine,
                       memory_budget=self.memory_budget)


# Where a model option cannot apply to a command, declared here once with the reason, which the command's
# --help and docs/options.md print. ``model_options`` leaves these out (the option is then "No such option",
# never taken and ignored, or the command's own option of that name stands); tests/test_request.py checks every
# command that takes a MODEL against MODEL_OPTIONS minus these, and that each entry is still true.
NOT_TAKEN: dict[str, dict[str, str]] = {  # command: {model option: why it does not apply there}
    "memory": {
        "engine": "the bytes come from memory's own two passes on the meta device (saved tensors, live "
        "tensors), not from a counting engine",
        "memory_budget": "nothing is built for real: the network runs on the meta device only",
    },
    "sweep": {
        "input": "--sizes and --channels give the input of every point",
        "batch": "its own --batch takes a list of batch sizes (1,8,32), one row each",
    },
    "conventions": {
        "batch": "the table compares per-sample counts, as the papers, torchvision's table and ptflops (which "
        "divides by its batch) print them; 'archstat table MODEL --batch N' scales archstat's",
    },
    "speed": {
        "train": "its own --train times a training step; --freeze names what that step leaves untrained",
        "mode": "the forward pass is priced as deployed (eval mode), a --train step in train mode",
        "engine": "the times are priced from the operators of one meta pass, whose MACs are the meta "
        "engine's",
        "memory_budget": "no fvcore trace runs: the prediction uses the meta device, --measure a real build",
    },
}


def not_taken_help(command: str) -> str:
    """The paragraph a command's --help ends with: the model options it does not take, and why."""
    skipped = NOT_TAKEN.get(command, {})
    flags = {name: _flag(option) for name, (option, _) in MODEL_OPTIONS.items()}
    lines = [f"{flags[name]}: {why}." for name, why in skipped.items()]  # a paragraph each: click wraps them
    return "\n\n".join(["Model options that differ here from the other commands, and why:", *lines]) \
        if lines else ""


def _flag(option: Any) -> str:
    """``--input`` of ``InputOpt``: an option's long name, read from its ``Annotated`` declaration."""
    info = option.__metadata__[0]  # typer keeps the first declaration as the option's "default"
    return next(d for d in (info.default, *(info.param_decls or ())) if isinstance(d, str) and d.startswith("--"))


def model_options(*, defaults: dict[str, Any] | None = None) -> Callable[[F], F]:
    """Give a command every model option (``MODEL_OPTIONS``), declared here once, and hand them to it
    as one ``ModelOptions`` in its parameter ``options``. The options ``NOT_TAKEN`` names for the command
    (its function's name) are left out and its help says why; ``defaults`` changes a default (sweep counts
    with the meta engine). They follow the command's arguments, in this order."""
    def decorate(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        own = [p for name, p in signature.parameters.items() if name != "options"]
        skip = NOT_TAKEN.get(command.__name__, {})
        chosen = {name: (option, (defaults or {}).get(name, default))
                  for name, (option, default) in MODEL_OPTIONS.items() if name not in skip}
        added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=option)
                 for name, (option, default) in chosen.items()]
        cut = next((i for i, p in enumerate(own) if p.default is not inspect.Parameter.empty), len(own))
        positional, keyword_only = own[:cut], [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own[cut:]]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            given = {name: kwargs.pop(name) for name in chosen if name in kwargs}
            return command(*args, options=ModelOptions(**{**(defaults or {}), **given}), **kwargs)

        wrapper.__signature__ = signature.replace(parameters=[*positional, *added, *keyword_only])  # type: ignore[attr-defined]
        if skip:
            wrapper.__doc__ = f"{inspect.cleandoc(command.__doc__ or '')}\n\n{not_taken_help(command.__name__)}"
        return wrapper  # type: ignore[return-value]
    return decorate


# An --engine whose default depends on the command (cli/engine_choice.py): None when not given.
ChosenEngineOpt = Annotated[Engine | None, typer.Option(
    "--engine", "-e", show_default=False,
    help="fvcore traces a real forward pass; meta counts the same way without running one (fast at any input "
    "size); torch: torch's FlopCounterMode, the whole model's MACs only. Default: meta for this command, "
    "with a note.",
)]
