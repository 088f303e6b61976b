"""What the design calculators return, and its one description: a ``Comparison`` of one computation's
forms, each counted (``BlockCount``), described as a table (``Comparison.table_data``) with the
sentences that read its rows.

No torch here: the calculators (``calculators.py``, ``efficient.py``) count; this module holds the
counts and puts them in words. Units of every ``BlockCount``:

* ``params``: weight elements only, biases left out, as the tutorials count (5*5*56*125 = 175,000);
* ``params_with_bias``: the same block with a bias on every convolution;
* ``macs``: multiply-accumulates at batch 1, one fused multiply-add = 1 MAC (FLOPs = 2 x MACs);
* ``output_shape``: (C, H, W); ``receptive_field``: (height, width) in input pixels of one output unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..inputs import format_shape
from ..options import Engine
from ..tabular import FLOPS_DEFINITION, MAC_DEFINITION, UNIT_NOTE, Column, TableData, Tabular

Shape3 = tuple[int, int, int]

UNITS = {
    "params": "weight elements, biases left out",
    "params_with_bias": "weight and bias elements, a bias on every convolution",
    "macs": f"multiply-accumulates at batch 1: {MAC_DEFINITION}; {FLOPS_DEFINITION}",
    "receptive_field": "height, width in input pixels of one output unit",
    "savings": "fraction of the baseline's weights / MACs saved (negative: costs more)",
}
ENGINE_NAMES = {
    Engine.fvcore: "fvcore, as 'archstat table'",
    Engine.meta: "the meta engine, on the meta device (block too large to materialise)",
    Engine.torch: "torch's FlopCounterMode, on the meta device",
}
# the description's columns: a form's name and layers, then its numbers, its shape and field, its savings
COLUMNS = (Column("form"), Column("layers"), Column("output shape", "shape"),
           Column("params (weights)", "count", "weight elements"),
           Column("params (with biases)", "count", "weight and bias elements"), Column("MACs", "count", "MACs"),
           Column("field", "field", "pixels"), Column("vs baseline (weights)"), Column("vs baseline (MACs)"))
RIGHT = tuple(c.name for c in COLUMNS[2:])  # every column but form and layers: right-aligned

# Plain-words names for a saving, so "89,068 instead of 175,000" also reads "almost half".
_FRACTIONS = ((1 / 4, "a quarter"), (1 / 3, "a third"), (1 / 2, "half"), (2 / 3, "two thirds"),
              (3 / 4, "three quarters"))


@dataclass(frozen=True)
class BlockCount:
    """Counts of one form (units in the module docstring); ``engine`` is the one that counted its MACs."""

    key: str
    label: str
    layers: str
    params: int
    params_with_bias: int
    macs: int
    output_shape: Shape3
    receptive_field: tuple[int, int]
    engine: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["output_shape"] = list(self.output_shape)
        data["receptive_field"] = list(self.receptive_field)
        return data


@dataclass(frozen=True, repr=False)
class Comparison(Tabular):
    """Counts of every form on one input; savings are measured against the form ``baseline``.

    ``findings`` are the calculator's sentences on what its rows show (a saving in words, forms that
    agree), the first notes under the table; ``extra`` its own json keys (``to_json``)."""

    title: str
    input_shape: Shape3
    baseline: str
    forms: dict[str, BlockCount]
    notes: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def savings(self) -> dict[str, dict[str, float]]:
        """Per other form, the fraction of weights and of MACs it saves (negative: costs more)."""
        base = self.forms[self.baseline]
        return {
            key: {"params": 1 - form.params / base.params, "macs": 1 - form.macs / base.macs}
            for key, form in self.forms.items() if key != self.baseline
        }

    def to_dict(self) -> dict[str, Any]:
        """json form: ``input`` (C, H, W), ``baseline``, a key per form, ``savings`` by form."""
        return {
            "title": self.title,
            "input": list(self.input_shape),
            "baseline": self.baseline,
            **{key: form.to_dict() for key, form in self.forms.items()},
            "savings": self.savings(),
            "notes": list(self.notes),
        }

    def to_json(self) -> dict[str, Any]:
        """What the command's ``--format json`` prints: ``to_dict``, the calculator's own keys
        (``extra``), the ``units`` and the ``summary``, the description's notes."""
        return {**self.to_dict(), **self.extra, "units": UNITS, "summary": list(self.table_data().notes)}

    def csv_rows(self) -> list[dict[str, Any]]:
        """The csv: one row per form, every count, and its saving as a fraction (empty: the baseline)."""
        savings = self.savings()
        return [{**form.to_dict(), "output_shape": format_shape(form.output_shape),
                 "receptive_field": format_shape(form.receptive_field),
                 "saving_params": savings.get(key, {}).get("params"), "saving_macs": savings.get(key, {}).get("macs")}
                for key, form in self.forms.items()]

    def table_data(self) -> TableData:
        """The one description: one row per form (its layers, output shape, weights with and without
        biases, MACs, field, and what it saves against the baseline), the findings, the calculator's
        notes, the input and the units under it."""
        savings = self.savings()
        rows = [[form.label, form.layers, list(form.output_shape), form.params, form.params_with_bias, form.macs,
                 list(form.receptive_field), relative(savings.get(key, {}).get("params")),
                 relative(savings.get(key, {}).get("macs"))] for key, form in self.forms.items()]
        engines = sorted({ENGINE_NAMES[form.engine] for form in self.forms.values()})
        notes = [*self.findings, *self.notes,
                 f"Input {format_shape(self.input_shape)} (CxHxW), batch 1; padding kernel//2. "
                 "'params (weights)' leaves biases out, as the papers' sums do.",
                 f"{UNIT_NOTE} Field: receptive field of one output unit, in input pixels. "
                 f"Counted by: {'; '.join(engines)}."]
        return TableData(self.title, COLUMNS, rows, notes, right=RIGHT)

    def summary(self) -> str:
        return f"<Comparison {self.title}: {', '.join(f.label for f in self.forms.values())}>"

    def saving_line(self, key: str) -> str:
        """'Three 3x3: 44.9% fewer weights than one 7x7 (995,328 instead of 1,806,336: almost half) and
        44.9% fewer MACs (287,649,792 instead of 522,031,104).'"""
        form, base = self.forms[key], self.forms[self.baseline]
        saving = self.savings()[key]
        label = form.label[:1].upper() + form.label[1:]
        words = f": {in_words(saving['params'])}" if saving["params"] >= 0 else ""
        return (f"{label}: {_fewer(saving['params'])} weights than {base.label} "
                f"({form.params:,} instead of {base.params:,}{words}) "
                f"and {_fewer(saving['macs'])} MACs ({form.macs:,} instead of {base.macs:,}).")


def in_words(fraction: float) -> str:
    """0.491 -> 'almost half', 1/3 -> 'a third', 0.28 -> 'just over a quarter', 0.9 -> '90.0%'."""
    value, words = min(_FRACTIONS, key=lambda item: abs(item[0] - fraction))
    gap = fraction - value
    if abs(gap) < 1e-9:
        return words
    if abs(gap) > 0.06:
        return f"{100 * fraction:.1f}%"
    if abs(gap) < 0.005:
        return f"about {words}"
    return f"almost {words}" if gap < 0 else f"just over {words}"


def relative(fraction: float | None) -> str:
    """A saving against the baseline: 'saves 49.1%', 'costs 0.7% more'; None (the baseline itself): 'baseline'."""
    if fraction is None:
        return "baseline"
    if fraction >= 0:
        return f"saves {100 * fraction:.1f}%"
    return f"costs {-100 * fraction:.1f}% more"


def _fewer(fraction: float) -> str:
    return f"{100 * fraction:.1f}% fewer" if fraction >= 0 else f"{-100 * fraction:.1f}% more"
