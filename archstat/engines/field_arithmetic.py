"""Receptive-field arithmetic: what a field is and how window ops, resampling and merges change it.

Unit: input pixels. Per spatial axis ((height, width); (depth, height, width) for volumes; a 1-d
signal sits on the width with height 1) every feature map carries:

* ``size``  r: how many input pixels the field of one unit spans (its theoretical receptive field);
* ``stride`` j: the distance in input pixels between the fields of neighbouring units (the "jump");
  a fraction (``Fraction(1, 2)``) once upsampling puts several units on one input pixel;
* ``start`` s: the input coordinate of the first pixel of unit 0's field, negative when padding
  reaches outside the image.

The input starts at r = 1, j = 1, s = 0. A window op (convolution, pooling) with kernel k, stride t,
left padding p and dilation d maps them to ``r + d(k-1)j``, ``j t`` and ``s - p j``; ``ceil_mode``
only appends a unit at the far end and so changes none of the three. Where paths meet (add, cat,
mul) the field is the union of the incoming ones.

Upsampling (transposed convolutions, nearest / linear / cubic interpolation, pixel shuffle, fold)
makes neighbouring units see different spans: a stride-2 transposed 3x3 convolution's even outputs
see two input units, its odd ones one. Such an axis is followed exactly as a periodic table
(``Phases``): over one period of P units, the first and last input pixel each unit sees; the next
period is the same table moved by J pixels. ``size`` is then the largest span over the units,
``stride`` is J / P, ``start`` unit 0's first pixel. Interpolation is followed by its exact
coordinate map (rational arithmetic) and includes a neighbour only where its weight is not zero;
the clamping at the image border is left out, as padding is (fields are those of interior units).
``archstat.engines.fields`` follows these through the ops a forward runs; this module holds the
records and the arithmetic, and no torch dispatch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from torch import Tensor

Pair = tuple[int, ...]  # one integer per spatial axis (the name predates volumes)
Stride = int | Fraction
# Above this many units in one period an axis is not followed (a 224 -> 225 resize has 225): the
# field is reported absent, with a note, rather than approximated.
MAX_PERIOD = 4096


@dataclass(frozen=True)
class Phases:
    """One spatial axis whose units do not all see equal spans, over one period of its units.

    Unit ``q * P + r`` (P = ``len(low)``) sees input pixels ``low[r] + q * jump`` to
    ``high[r] + q * jump``; ``None`` where that unit sees no input pixel at all (a transposed
    convolution whose stride exceeds its kernel leaves units that only hold the bias).
    """

    jump: int
    low: tuple[int | None, ...]
    high: tuple[int | None, ...]

    @property
    def period(self) -> int:
        return len(self.low)

    def first(self, unit: int) -> int | None:
        q, r = divmod(unit, self.period)
        low = self.low[r]
        return None if low is None else low + q * self.jump

    def last(self, unit: int) -> int | None:
        q, r = divmod(unit, self.period)
        high = self.high[r]
        return None if high is None else high + q * self.jump

    def size(self) -> int:
        return max((h - lo + 1 for lo, h in zip(self.low, self.high, strict=True) if lo is not None
                    and h is not None), default=0)

    def stride(self) -> Stride:
        step = Fraction(self.jump, self.period)
        return int(step) if step.denominator == 1 else step

    def start(self) -> int:
        return next((lo - r * self.jump // self.period for r, lo in enumerate(self.low) if lo is not None), 0)

    def reduced(self) -> Phases:
        """The same axis over its shortest period."""
        p = self.period
        for q in range(1, p):
            if p % q or (self.jump * q) % p:
                continue
            move = self.jump * q // p
            if all(_moved(self.low[r], move) == self.low[r + q] and _moved(self.high[r], move) == self.high[r + q]
                   for r in range(p - q)):
                return Phases(move, self.low[:q], self.high[:q])
        return self


def _moved(value: int | None, by: int) -> int | None:
    return None if value is None else value + by


@dataclass(frozen=True)
class Field:
    """Theoretical receptive field of a feature map, in input pixels, per spatial axis.

    ``size``: extent of one unit's field (the largest over the units where they differ);
    ``stride``: jump between neighbouring units' fields (an int, or a ``Fraction`` below 1 after
    upsampling); ``start``: input coordinate where unit 0's field begins (negative inside the
    padding). Unit (i, k) sees rows ``start[0] + i*stride[0]`` to that plus ``size[0] - 1``, likewise
    columns, on every axis whose ``phases`` entry is None; an axis with a ``Phases`` entry is
    described exactly by it. ``phases`` is None when no axis needs one.
    """

    size: Pair
    stride: tuple[Stride, ...]
    start: Pair
    phases: tuple[Phases | None, ...] | None = None

    def centre2(self) -> Pair:
        """Twice the centre of unit 0's field (integers, so centres compare exactly)."""
        return tuple(2 * s + r - 1 for s, r in zip(self.start, self.size, strict=True))

    def stride_values(self) -> list[int | str]:
        """The effective stride per axis for json, csv and tables: an int, or a fraction as its text
        ("1/2": two units per input pixel after one 2x upsampling), exact either way."""
        return [j if isinstance(j, int) else str(j) for j in self.stride]

    def axes(self) -> list[Phases]:
        """Every axis as a ``Phases`` table (period 1 for an evenly strided one)."""
        given = self.phases or (None,) * len(self.size)
        return [p if p is not None else Phases(int(j), (s,), (s + r - 1,))
                for p, r, j, s in zip(given, self.size, self.stride, self.start, strict=True)]

    @staticmethod
    def of(axes: list[Phases]) -> Field | None:
        """The field whose axes are ``axes``; None when one of them is too long to follow."""
        reduced = [a.reduced() for a in axes]
        if any(a.period > MAX_PERIOD for a in reduced):
            return None
        phases = tuple(None if a.period == 1 else a for a in reduced)
        return Field(tuple(a.size() for a in reduced), tuple(a.stride() for a in reduced),
                     tuple(a.start() for a in reduced), phases if any(phases) else None)


@dataclass(frozen=True)
class TensorInfo:
    """What is known about one tensor: its field, its depth, the latest spatial field upstream;
    ``unknown``, the operator after which no field can be given (everything downstream inherits
    it); ``blocks``, set on ``F.unfold``'s output, whose last axis is a flattened grid of blocks."""

    field: Field | None
    depth: int
    last: Field | None
    unknown: str | None = None
    blocks: Blocks | None = None


@dataclass(frozen=True)
class Blocks:
    """``F.unfold``'s output, (N, C*k*k, L): the windows of a grid of blocks, flattened into L.

    ``grid``: the blocks' rows and columns; ``window``: (kernel, stride, padding, dilation) per
    axis; ``source``: the field before the unfold while each channel still holds one kernel
    position (then ``F.fold`` with the same kernel puts each value back where it came from), None
    once a product has mixed the channels (then every channel of a block reads its whole window).
    """

    grid: tuple[int, ...]
    window: tuple[tuple[int, int, int, int], ...]
    source: Field | None


def upstream(inputs: list[tuple[Tensor, TensorInfo]]) -> Field | None:
    """The union of the latest spatial fields the inputs depend on (``final``'s candidate)."""
    present = [i.field or i.last for _, i in inputs]
    fields = [f for f in present if f is not None]
    return union(fields) if fields else None


def tensors_in(obj: Any) -> Iterator[Tensor]:
    """Every tensor in ``obj``: a tensor, or lists, tuples and dicts of them, in order. Collected
    into a list by plain calls: the meta pass asks this several times per operator, and nested
    generators cost four times as much."""
    found: list[Tensor] = []
    _collect(obj, found)
    return iter(found)


def _collect(obj: Any, found: list[Tensor]) -> None:
    if isinstance(obj, Tensor):
        found.append(obj)
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            _collect(item, found)
    elif isinstance(obj, dict):
        for item in obj.values():
            _collect(item, found)


Taps = Callable[[int], list[int]]


def resampled(axis: Phases, taps: Taps, advance: int, every: int) -> Phases:
    """The axis after an op whose output unit ``o`` reads input units ``taps(o)``, where
    ``taps(o + every)`` is ``taps(o)`` moved by ``advance``: a window op reads ``every = 1`` unit
    ahead per ``advance = stride``; a 2x upsampling moves ``advance = 1`` input unit per ``every = 2``."""
    low: list[int | None] = []
    high: list[int | None] = []
    for unit in range(every * axis.period):
        firsts = [f for i in taps(unit) if (f := axis.first(i)) is not None]
        lasts = [h for i in taps(unit) if (h := axis.last(i)) is not None]
        low.append(min(firsts) if firsts else None)
        high.append(max(lasts) if lasts else None)
    return Phases(advance * axis.jump, tuple(low), tuple(high)).reduced()


def refold_taps(unfolded: tuple[int, int, int, int], folded: tuple[int, int, int, int]) -> tuple[Taps, int, int]:
    """``F.fold`` (window ``folded``) of blocks an ``F.unfold`` (window ``unfolded``) cut, channels
    unmixed: output o takes kernel position m of block l where o = l*t - p + d*m, and that value
    came from input unit l*t' - p' + d'*m."""
    k, t, p, d = folded
    _, t2, p2, d2 = unfolded

    def taps(o: int) -> list[int]:
        return [(o + p - d * m) // t * t2 - p2 + d2 * m for m in range(k) if (o + p - d * m) % t == 0]
    return taps, t2, t


def window_taps(kernel: int, stride: int, pad: int, dilation: int) -> tuple[Taps, int, int]:
    """A convolution or pooling window: unit o reads o*t - p + d*m for m < k."""
    return (lambda o: [o * stride - pad + dilation * m for m in range(kernel)]), stride, 1


def transposed_taps(kernel: int, stride: int, pad: int, dilation: int) -> tuple[Taps, int, int]:
    """A transposed convolution (and ``fold``): input unit i adds into outputs i*t - p + d*m, so
    output o reads every i with o + p - d*m = i*t for some m < k (none, where the stride leaves a gap)."""
    def taps(o: int) -> list[int]:
        return [(o + pad - dilation * m) // stride for m in range(kernel) if (o + pad - dilation * m) % stride == 0]
    return taps, 1, stride


def interpolation_taps(mode: str, scale: Fraction, align_corners: bool) -> tuple[Taps, int, int]:
    """Interpolation from input units to output units ``scale`` input units apart (input / output).

    Source coordinate of output o: ``o * scale`` with align_corners, else ``(o + 1/2) * scale - 1/2``
    (linear, cubic), ``floor(o * scale)`` (nearest), ``floor((o + 1/2) * scale)`` (nearest-exact).
    Linear reads the two neighbours of a fractional coordinate, cubic four, each with a non-zero
    weight; a whole coordinate reads its own unit alone (the others' weights are exactly 0).
    """
    def source(o: int) -> Fraction:
        if mode == "nearest":
            return Fraction(math.floor(o * scale))
        if mode == "nearest-exact":
            return Fraction(math.floor((o + Fraction(1, 2)) * scale))
        return o * scale if align_corners else (o + Fraction(1, 2)) * scale - Fraction(1, 2)

    reach = {"nearest": 0, "nearest-exact": 0, "linear": 1, "cubic": 2}[mode]

    def taps(o: int) -> list[int]:
        coordinate = source(o)
        base = math.floor(coordinate)
        if coordinate == base:
            return [base]
        return list(range(base - reach + 1, base + reach + 1))

    # the map repeats after `every` outputs, `advance` inputs on: scale = advance / every
    return taps, scale.numerator, scale.denominator


INPUT_FIELD = Field(size=(1, 1), stride=(1, 1), start=(0, 0))


def input_field(axes: int) -> Field:
    """The input's own field: one pixel per unit, on ``max(axes, 2)`` axes."""
    n = max(axes, 2)
    return Field((1,) * n, (1,) * n, (0,) * n)


def moved_by(f: Field, taps: list[tuple[Taps, int, int] | None]) -> Field | None:
    """``f`` after an op given per axis by its taps (None: the axis is left alone)."""
    axes = [a if t is None else resampled(a, *t) for a, t in zip(f.axes(), taps, strict=True)]
    return Field.of(axes)


def after_window(f: Field, kernel: Pair, stride: Pair, pad: Pair, dilation: Pair) -> Field:
    """Field after a window op; all arguments per axis, padding on the leading side."""
    if f.phases is None:
        return Field(
            size=tuple(r + d * (k - 1) * j for r, d, k, j in zip(f.size, dilation, kernel, f.stride, strict=True)),
            stride=tuple(j * t for j, t in zip(f.stride, stride, strict=True)),
            start=tuple(s - p * j for s, p, j in zip(f.start, pad, f.stride, strict=True)),
        )
    moved = moved_by(f, [window_taps(*w) for w in zip(kernel, stride, pad, dilation, strict=True)])
    assert moved is not None  # a window never lengthens a period
    return moved


def union(fields: list[Field]) -> Field:
    """The smallest field holding every one of ``fields``, unit by unit. Where the jumps differ the
    larger wins and only unit 0 is held exactly (such merges are flagged by the tracer)."""
    if all(f.phases is None for f in fields) or len({f.stride for f in fields}) > 1:
        n = len(fields[0].size)
        start = tuple(min(f.start[a] for f in fields) for a in range(n))
        end = tuple(max(f.start[a] + f.size[a] for f in fields) for a in range(n))
        stride = tuple(max(f.stride[a] for f in fields) for a in range(n))
        return Field(tuple(e - s for e, s in zip(end, start, strict=True)), stride, start)
    per_axis = zip(*(f.axes() for f in fields), strict=True)
    merged = Field.of([_union_axis(list(axes)) for axes in per_axis])
    assert merged is not None
    return merged


def _union_axis(axes: list[Phases]) -> Phases:
    """Unit by unit, the span holding every axis's span, over a common period (equal strides)."""
    step = max(Fraction(a.jump, a.period) for a in axes)
    period = math.lcm(*(a.period for a in axes))
    lows = [[a.first(u) for a in axes] for u in range(period)]
    highs = [[a.last(u) for a in axes] for u in range(period)]
    low = tuple(min((v for v in row if v is not None), default=None) for row in lows)
    high = tuple(max((v for v in row if v is not None), default=None) for row in highs)
    return Phases(int(step * period), low, high).reduced()
