"""Receptive-field arithmetic: what a field is and how window ops and merges change it.

Unit: input pixels. Per spatial axis (height, width) every feature map carries three integers:

* ``size``  r: how many input pixels the field of one unit spans (its theoretical receptive field);
* ``stride`` j: the distance in input pixels between the fields of neighbouring units (the "jump");
* ``start`` s: the input coordinate of the first pixel of unit 0's field, negative when padding
  reaches outside the image.

The input starts at r = 1, j = 1, s = 0. A window op (convolution, pooling) with kernel k, stride t,
left padding p and dilation d maps them to ``r + d(k-1)j``, ``j t`` and ``s - p j``; ``ceil_mode``
only appends a unit at the far end and so changes none of the three. Where paths meet (add, cat,
mul) the field is the union of the incoming ones. ``archstat.engines.fields`` follows these through
the ops a forward runs; this module holds the records and the arithmetic, and no torch dispatch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from torch import Tensor

if TYPE_CHECKING:
    from .dataflow import Dataflow

Pair = tuple[int, int]


@dataclass(frozen=True)
class Field:
    """Theoretical receptive field of a feature map, in input pixels, as (height, width).

    ``size``: extent of one unit's field; ``stride``: jump between neighbouring units' fields;
    ``start``: input coordinate where unit 0's field begins (negative inside the padding).
    Unit (i, k) sees rows ``start[0] + i*stride[0]`` to that plus ``size[0] - 1``, likewise columns.
    """

    size: Pair
    stride: Pair
    start: Pair

    def centre2(self) -> Pair:
        """Twice the centre of unit 0's field (integers, so centres compare exactly)."""
        return (2 * self.start[0] + self.size[0] - 1, 2 * self.start[1] + self.size[1] - 1)


@dataclass
class FieldTrace:
    """What ``trace_fields`` found.

    ``by_module``: dotted module name -> field of its output (``None``: no spatial field, e.g. after
    global pooling or flattening); modules that never ran are absent. ``depth_by_module``: weight
    layers on the longest path from the input to that module's output. ``final``: field of the last
    spatial feature map the output depends on. ``depth``: weight layers on the longest path from the
    input to the model's output. ``merges``: merges of misaligned paths (module name and reason).
    ``warnings``: ops the trace could not follow, approximations made. ``dataflow``: the graph the
    forward executed (``engines.dataflow``), when it was asked for (``Want.GRAPH``).
    """

    by_module: dict[str, Field | None] = field(default_factory=dict)
    depth_by_module: dict[str, int] = field(default_factory=dict)
    final: Field | None = None
    depth: int = 0
    merges: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dataflow: Dataflow | None = None


@dataclass(frozen=True)
class TensorInfo:
    """What is known about one tensor: its field, its depth, the latest spatial field upstream."""

    field: Field | None
    depth: int
    last: Field | None


INPUT_FIELD = Field(size=(1, 1), stride=(1, 1), start=(0, 0))


def after_window(f: Field, kernel: Pair, stride: Pair, pad: Pair, dilation: Pair) -> Field:
    """Field after a window op; all arguments per (height, width), padding on the leading side."""
    return Field(
        size=(f.size[0] + dilation[0] * (kernel[0] - 1) * f.stride[0],
              f.size[1] + dilation[1] * (kernel[1] - 1) * f.stride[1]),
        stride=(f.stride[0] * stride[0], f.stride[1] * stride[1]),
        start=(f.start[0] - pad[0] * f.stride[0], f.start[1] - pad[1] * f.stride[1]),
    )


def union(fields: list[Field]) -> Field:
    """The smallest field holding every one of ``fields`` (unit 0 of each); the larger jump wins."""
    start = (min(f.start[0] for f in fields), min(f.start[1] for f in fields))
    end = (max(f.start[0] + f.size[0] for f in fields), max(f.start[1] + f.size[1] for f in fields))
    stride = (max(f.stride[0] for f in fields), max(f.stride[1] for f in fields))
    return Field(size=(end[0] - start[0], end[1] - start[1]), stride=stride, start=start)


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
