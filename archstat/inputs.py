"""Parsing and checking input shapes given as text (``3x224x224``, ``224``, ``128:int64``) or tuples.

An input spec is a shape without the batch dimension and, after a colon, a dtype
(``options.InputDtype``; default float32): ``3x224x224``, ``128:int64`` (128 token ids).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import InputSizeError
from .options import InputDtype

Shape = tuple[int, ...]

_MAX_SIDE = 65_536


def parse_input(text: str, default: Shape) -> Shape:
    """``CxHxW`` gives the whole shape; a single number ``S`` keeps the default channels, H = W = S."""
    value = text.strip().lower()
    if not re.fullmatch(r"-?\d+(x-?\d+)*", value):
        raise InputSizeError(
            f"--input {text!r} is not a shape. Give CxHxW such as 3x224x224, or one side such as 224."
        )
    dims = tuple(int(part) for part in value.split("x"))
    if len(dims) == 1:
        dims = (*default[:-2], dims[0], dims[0])
    elif len(dims) != len(default):
        raise InputSizeError(
            f"--input {text!r} has {len(dims)} dimensions; this model takes {len(default)} "
            f"({format_shape(default)}). Give CxHxW such as 3x224x224, or one side such as 224."
        )
    return check_shape(dims, shown=text)


@dataclass(frozen=True)
class TensorSpec:
    """One example input: its shape without the batch dimension and its dtype."""

    shape: Shape
    dtype: InputDtype = InputDtype.float32

    def __str__(self) -> str:
        text = format_shape(self.shape)
        return text if self.dtype is InputDtype.float32 else f"{text}:{self.dtype}"


def split_dtype(text: str) -> tuple[str, InputDtype]:
    """``"128:int64"`` -> (``"128"``, int64); without a colon the dtype is float32."""
    shape, colon, dtype = text.strip().partition(":")
    if not colon:
        return shape, InputDtype.float32
    return shape.strip(), InputDtype.parse(dtype.strip().lower(), f"--input {text!r}: dtype")


def check_shape(dims: Sequence[int], shown: str | None = None) -> Shape:
    """Every dimension a positive integer no larger than 65,536; returns the shape as a tuple."""
    label = shown if shown is not None else format_shape(dims)
    for dim in dims:
        if not isinstance(dim, int) or isinstance(dim, bool) or dim < 1:
            raise InputSizeError(
                f"--input {label!r}: every dimension must be a positive integer, got {dim!r}. "
                "Give CxHxW such as 3x224x224."
            )
        if dim > _MAX_SIDE:
            raise InputSizeError(
                f"--input {label!r}: {dim} is larger than archstat's limit of {_MAX_SIDE}. "
                "Give a smaller input."
            )
    return tuple(dims)


def format_shape(dims: Sequence[int | str]) -> str:
    """The one way archstat writes a shape or a field: its numbers joined by 'x', (1, 3, 224, 224) ->
    '1x3x224x224' (a part given as text, such as a stride of '1/2' a pixel, as it is)."""
    return "x".join(str(d) for d in dims)
