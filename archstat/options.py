"""Every option vocabulary archstat takes, in one place, each validated once where it enters.

The command line declares its options with these enums; the library accepts the enum or its
value as text (``engine="meta"``) and turns text into the enum with ``parse``, which names the
bad value and the valid ones in a ``UsageError``. Nothing deeper checks strings against dicts.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from .errors import UsageError

E = TypeVar("E", bound="Choice")


class Choice(str, Enum):
    """A closed vocabulary whose members are their own text (``Engine.meta == "meta"``)."""

    @classmethod
    def parse(cls: type[E], value: E | str, option: str) -> E:
        """``value`` as a member of ``cls``; ``option`` names it in the error ("--engine")."""
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(member.value for member in cls)
            raise UsageError(f"{option} {value!r} is not one of {choices}.") from None

    def __str__(self) -> str:
        return self.value


class Engine(Choice):
    """How the counts are made (docs/engines.md): the one engine vocabulary. Each member has its factory
    and its capabilities in ``engines/registry.py`` (a test holds the two to the same names)."""

    fvcore = "fvcore"  # a real forward pass traced by fvcore: the reference
    meta = "meta"  # the same conventions on meta tensors: no weights in memory, no arithmetic
    torch = "torch"  # torch's FlopCounterMode on meta tensors (FLOPs / 2): the whole model's MACs only


class OutputFormat(Choice):
    """What a command writes: a table for terminals, or a machine format with no colour or markup."""

    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"
    latex = "latex"  # a booktabs table for a paper (docs/latex.md)
    html = "html"  # a <table> with caption and notes, for a page (docs/output.md)


class Metric(Choice):
    """A count ``compare`` ranks networks by."""

    params = "params"
    macs = "macs"
    flops = "flops"
    activations = "activations"
    depth = "depth"
    receptive_field = "receptive_field"
    memory = "memory"


class PlotMetric(Choice):
    """A per-layer count ``plot`` draws."""

    params = "params"
    macs = "macs"
    activations = "activations"
    receptive_field = "receptive_field"


class Dtype(Choice):
    """The number format of weights and activations in ``memory``."""

    fp32 = "fp32"
    fp16 = "fp16"
    bf16 = "bf16"


class Optimizer(Choice):
    """The optimizer whose state ``memory`` adds (SGD keeps none, momentum one, Adam two per weight)."""

    sgd = "sgd"
    momentum = "momentum"
    adam = "adam"


class Mode(Choice):
    """The mode a network is counted in: eval (the default, as deployed) or train (BatchNorm uses the
    batch's statistics, dropout is active). The module's own mode is restored after the analysis."""

    eval = "eval"
    train = "train"


class PictureFormat(Choice):
    """What ``plot`` draws into: a picture matplotlib writes."""

    png = "png"
    svg = "svg"
    pdf = "pdf"


class GraphFormat(Choice):
    """What ``graph`` writes: text written by archstat (dot, mermaid, html with the picture inline) or
    a picture drawn by Graphviz (svg, png)."""

    dot = "dot"
    mermaid = "mermaid"
    svg = "svg"
    png = "png"
    html = "html"


class GraphColor(Choice):
    """The count that shades ``graph``'s nodes: each node's share of the whole."""

    macs = "macs"
    params = "params"
    memory = "memory"  # bytes of the node's output feature map
    field = "field"  # receptive field against the input's side


class InputDtype(Choice):
    """The dtype of an example input (``--input 128:int64``): floats are zeros, integers zeros (a valid
    index for every embedding), bools False."""

    float32 = "float32"
    float64 = "float64"
    float16 = "float16"
    bfloat16 = "bfloat16"
    int64 = "int64"
    int32 = "int32"
    int16 = "int16"
    int8 = "int8"
    uint8 = "uint8"
    bool = "bool"
