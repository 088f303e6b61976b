"""``archstat separable``: one convolution's job done the efficient networks' ways, counted side by side.

A standard k x k convolution ``cin`` -> ``cout`` against MobileNet's depthwise-separable
convolution, MobileNetV2's inverted residual (expansion t) and SqueezeNet's fire module, on one
input; counts and units as every ``Comparison`` of ``archstat.design.calculators`` (weights without
biases, MACs at batch 1: one fused multiply-add = 1 MAC; FLOPs = 2 x MACs).

MobileNet's Section 3.1 gives the separable form's cost relative to the standard one as
1/N + 1/k^2 (N = ``cout``): the ratio standard / separable is its inverse, for weights and MACs
alike (every layer of both runs on the same output grid), between 8 and 9 for 3x3 kernels and N
from 72 upwards.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from ..errors import UsageError
from ..tabular import TableData, Tabular
from . import blocks, mobile_blocks
from .calculators import MAX_CHANNELS, MAX_SIDE, Engine, Form, _kernel, _positive, compare
from .comparison import UNITS, Comparison

MAX_EXPANSION = 64


@dataclass(frozen=True, repr=False)
class Separable(Tabular):
    """The comparison, the fire module's widths and MobileNet's predicted ratio 1 / (1/N + 1/k^2);
    described as its comparison is, the ratios among the findings (``separable`` puts them there)."""

    comparison: Comparison
    squeeze: int
    expand: tuple[int, int]
    predicted_ratio: Fraction
    cout: int = 0  # N and k of the predicted ratio
    kernel: int = 0

    def ratios(self) -> dict[str, dict[str, float]]:
        """Per form other than the standard convolution: standard / form, for weights and MACs
        (above 1: the form is that many times cheaper)."""
        forms, base = self.comparison.forms, self.comparison.forms[self.comparison.baseline]
        return {key: {"params": base.params / form.params, "macs": base.macs / form.macs}
                for key, form in forms.items() if key != self.comparison.baseline}

    def to_dict(self) -> dict[str, Any]:
        return {**self.comparison.to_dict(), "ratios": self.ratios(),
                "predicted_separable_ratio": float(self.predicted_ratio),
                "fire_widths": {"squeeze": self.squeeze, "expand1x1": self.expand[0], "expand_kxk": self.expand[1]}}

    def to_json(self) -> dict[str, Any]:
        """What ``archstat separable --format json`` prints: ``to_dict``, the ``units`` and the ``summary``."""
        return {**self.to_dict(), "units": UNITS, "summary": list(self.table_data().notes)}

    def table_data(self) -> TableData:
        return self.comparison.table_data()

    def csv_rows(self) -> list[dict[str, Any]]:
        return self.comparison.csv_rows()

    def summary(self) -> str:
        return self.comparison.summary()

    def _findings(self) -> tuple[str, ...]:
        """Each form's saving, standard / form for weights and MACs, and MobileNet's predicted ratio."""
        comparison, ratios = self.comparison, self.ratios()
        sep = ratios["separable"]
        each = "; ".join(f"{comparison.forms[key].label}: {ratio['params']:.3f}x / {ratio['macs']:.3f}x"
                         for key, ratio in ratios.items())
        return (*(comparison.saving_line(key) for key in ratios),
                f"Standard / form, weights / MACs: {each}.",
                f"Standard / depthwise-separable = {sep['macs']:.3f}; MobileNet's 1 / (1/N + 1/k^2) with "
                f"N = {self.cout}, k = {self.kernel}: {float(self.predicted_ratio):.3f}.")


def separable_ratio(cout: int, kernel: int) -> Fraction:
    """MobileNet's Eq. (5) inverted: standard / depthwise-separable = 1 / (1/N + 1/k^2), exactly."""
    return 1 / (Fraction(1, cout) + Fraction(1, kernel * kernel))


def separable(cin: int, cout: int, kernel: int = 3, hw: int = 56, expansion: int = 6,
              squeeze: int | None = None, engine: Engine = "auto") -> Separable:
    """A standard ``kernel`` x ``kernel`` convolution ``cin`` -> ``cout`` on a ``hw`` x ``hw`` input,
    against a depthwise-separable convolution, an inverted residual of ``expansion`` t and a fire
    module (squeeze to ``squeeze`` channels, by default ``cout`` / 8 as SqueezeNet's squeeze ratio
    0.125; half the outputs from 1x1 filters, half from k x k ones, as its 50% of 3x3 filters).
    Stride 1, padding ``kernel // 2``: every form keeps the grid."""
    _positive("--in", cin, MAX_CHANNELS, "channels", 32)
    _positive("--out", cout, MAX_CHANNELS, "channels", 64)
    _positive("--size", hw, MAX_SIDE, "pixels", 56)
    _kernel("--k", kernel, hw)
    _positive("--t", expansion, MAX_EXPANSION, "times the input channels", 6)
    if cin * expansion > MAX_CHANNELS:
        raise UsageError(f"--in {cin} x --t {expansion} = {cin * expansion:,} expanded channels is above "
                         f"archstat's limit of {MAX_CHANNELS:,}; give a smaller --t or --in.")
    if cout < 2:
        raise UsageError(f"--out {cout} leaves the fire module no room for both 1x1 and {kernel}x{kernel} "
                    "filters; give --out 2 or more.")
    squeeze = max(1, cout // 8) if squeeze is None else _positive("--squeeze", squeeze, MAX_CHANNELS, "channels", 8)
    e1, e3 = cout // 2, cout - cout // 2
    k, mid = f"{kernel}x{kernel}", cin * expansion
    residual = ", + input" if cin == cout else ""
    forms = [
        Form("standard", f"standard {k}", f"{k} conv {cin}->{cout}",
             lambda bias: blocks.ConvAct(cin, cout, kernel, bias=bias)),
        Form("separable", f"depthwise-separable {k}", f"{k} depthwise {cin}, 1x1 conv {cin}->{cout}",
             lambda bias: mobile_blocks.depthwise_separable(cin, cout, kernel, bias=bias)),
        Form("inverted_residual", f"inverted residual, t = {expansion}",
             f"1x1 conv {cin}->{mid}, {k} depthwise {mid}, 1x1 conv {mid}->{cout}{residual}",
             lambda bias: mobile_blocks.InvertedResidual(cin, cout, kernel, expansion, bias=bias)),
        Form("fire", f"fire module, squeeze {squeeze}",
             f"1x1 conv {cin}->{squeeze}, then 1x1 {squeeze}->{e1} and {k} {squeeze}->{e3}, concatenated",
             lambda bias: mobile_blocks.Fire(cin, squeeze, e1, e3, kernel, bias=bias)),
    ]
    notes = ("Additions and concatenations are not multiply-adds: not counted.",)
    title = f"Standard {k} convolution {cin}->{cout} vs the efficient networks' forms"
    comparison = compare(title, (cin, hw, hw), forms, "standard", notes, engine)
    result = Separable(comparison, squeeze, (e1, e3), separable_ratio(cout, kernel), cout, kernel)
    return replace(result, comparison=replace(comparison, findings=result._findings()))
