"""What a measurement of ``archstat claims`` found, as plain data: numbers and what they are.

A ``Measured`` holds the value a rule judges, a reading of it (one of the records below, or words for
a structure check: 'conv, LRN, max-pool, ...') and the tables it came from. Nothing here is written
in words: ``archstat.render.claims`` writes every reading and table, with ``archstat.render.words``,
so a number in a claim reads as the same number reads in every other command.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..analysis.report import Report
from ..inputs import Shape

if TYPE_CHECKING:
    import pandas as pd

Value = int | float | bool | str | None


@dataclass(frozen=True)
class Amount:
    """A total of one metric: params (trainable_params, frozen_params, params_with_bias: elements),
    macs, flops, activations (elements), depth (weight layers), receptive_field (a pair, input px), bytes."""

    metric: str
    value: Any


@dataclass(frozen=True)
class Exact:
    """A count from shapes alone, stated to the unit (10^12 weights are written in full and as 10^12)."""

    value: int


@dataclass(frozen=True)
class Ratio:
    """``top`` / ``bottom``, both kept: the claim states the ratio, the reader checks the two."""

    top: float
    bottom: float


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole``; ``unit`` 'B' for bytes, else elements or MACs."""

    part: float
    whole: float
    unit: str = ""


@dataclass(frozen=True)
class Saving:
    """The fraction of the baseline's count a form saves, with the two counts."""

    fraction: float
    mine: int
    base: int


@dataclass(frozen=True)
class Named:
    """A reading that belongs to one layer (the largest convolution, ...)."""

    name: str
    reading: Reading


@dataclass(frozen=True)
class Layers:
    """The layers of one type that ran, in order (the count is what is judged)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Output:
    """A count read off a layer's output (its channels, its plane), with the output's shape (CxHxW)."""

    count: int
    shape: Shape


@dataclass(frozen=True)
class Each:
    """One metric of several models, side by side: context, never judged."""

    values: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Agreement:
    """Whether forms agree, and the distinct (params, MACs) among them, in order."""

    agree: bool
    counts: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Classifier:
    """The fully connected layers before the classifier (``hidden``) and the classifier itself."""

    hidden: tuple[str, ...]
    name: str
    features_in: int
    features_out: int
    params: int


@dataclass(frozen=True)
class Heads:
    """Auxiliary classifier heads, each with its parameters."""

    heads: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Uncalled:
    """Modules holding parameters that the forward never calls, each with its parameters."""

    modules: tuple[tuple[str, int], ...]


Reading = (str | Amount | Exact | Ratio | Share | Saving | Named | Layers | Output | Each | Agreement | Classifier
           | Heads | Uncalled)


@dataclass(frozen=True)
class Evidence:
    """One table behind a measurement, its cells as measured; ``columns`` names those holding counts
    ('integer'), fractions ('percent') or (height, width) pairs ('pair'), for the render layer."""

    title: str
    table: pd.DataFrame
    columns: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LayerCounts:
    """The per-layer table of ``archstat table`` behind a measurement: the report it is drawn from."""

    title: str
    report: Report


Table = Evidence | LayerCounts


@dataclass(frozen=True)
class Measured:
    """A measured ``value``, what it is (``reading``) and the tables it came from."""

    value: Value
    reading: Reading
    evidence: tuple[Table, ...] = ()
