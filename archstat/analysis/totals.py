"""Typed totals: what a ``Report`` (and a ``MemoryReport``) adds up to, in named parts.

A part is ``None`` when it was not measured (``Want.FIELDS`` counts no MACs; ``backward`` is asked
for). Each field's unit is in its metadata (``unit_of``). ``to_dict()`` gives the flat json keys
archstat has always written, in the same order; reading a total by its key (``totals["macs"]``)
still works, as a read-only mapping over those keys, for code written against the old dict.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

_MAC = "multiply-accumulates: one fused multiply-add = 1 MAC (fvcore's 'flop')"


def _unit(text: str) -> Any:
    return field(metadata={"unit": text})


class _Flat(Mapping[str, Any]):
    """Read-only access by json key to a dataclass's ``to_dict()``: ``t["macs"]``, ``"macs" in t``."""

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())


@dataclass(frozen=True)
class CountTotals:
    """The forward pass's counts at the report's batch."""

    macs: int = _unit(_MAC)
    flops: int = _unit("floating-point operations = 2 x MACs")
    activations: int = _unit("output elements of convolutions and fully connected layers "
                             "(fvcore's activation count)")
    by_operator: dict[str, int] = field(default_factory=dict)  # MACs per operator, sorted by name
    uncounted_ops: list[str] = field(default_factory=list)  # operators no rule counts: listed, never zero


@dataclass(frozen=True)
class FieldTotals:
    """The receptive field of the network's output (input pixels, HxW) and its depth in weight layers."""

    receptive_field: list[int] | None
    effective_stride: list[int | str] | None  # a side no operator strides reads as text (field_arithmetic)
    field_start: list[float] | None
    depth: int | None
    field_applicable: bool = True  # False: no spatial operator ran (a sequence or token model)
    field_notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BackwardTotals:
    """The backward pass of ``loss = output.sum(); loss.backward()`` at the report's batch."""

    backward_macs: int = _unit(
        "MACs of the backward pass as torch's FlopCounterMode counts it (gradient products of "
        "convolutions and matrix products; input needs no gradient, frozen weights none)")
    training_step_macs: int = _unit("forward MACs + backward MACs")
    backward_uncounted_ops: list[str] = field(default_factory=list)


@dataclass(frozen=True, eq=False)  # equality is Mapping's: equal to another Totals or to its dict
class MemoryTotals(_Flat):
    """Bytes a forward and a training step hold (``estimate_memory``; docs/memory.md)."""

    params: int
    trainable_params: int
    weights: int
    gradients: int
    optimizer_state: int
    saved_activations: int
    training: int  # weights + gradients + optimizer state + saved activations
    inference_activations: int  # the activations alive at once, at the forward's peak
    inference: int  # weights + inference_activations

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, eq=False)  # equality is Mapping's: equal to another Totals or to its dict
class Totals(_Flat):
    """Parameters (elements, shared tensors once, auxiliary heads only with ``aux``) and the parts
    that were measured: ``counts`` (forward MACs, activations), ``fields``, ``backward``."""

    params: int = _unit("parameter elements (auxiliary heads excluded unless --aux)")
    trainable_params: int = 0
    frozen_params: int = 0
    counts: CountTotals | None = None
    fields: FieldTotals | None = None
    backward: BackwardTotals | None = None

    @property
    def macs(self) -> int:
        """Forward MACs; a ``ValueError`` when they were not counted (``Want.FIELDS``)."""
        return self._counts.macs

    @property
    def flops(self) -> int:
        return self._counts.flops

    @property
    def activations(self) -> int:
        return self._counts.activations

    @property
    def _counts(self) -> CountTotals:
        if self.counts is None:
            raise ValueError("MACs and activations were not counted (the analysis asked for fields only).")
        return self.counts

    def to_dict(self) -> dict[str, Any]:
        """The json ``totals``: flat keys, parts that were not measured left out."""
        flat = {"params": self.params, "trainable_params": self.trainable_params, "frozen_params": self.frozen_params}
        for part in (self.counts, self.fields, self.backward):
            if part is not None:
                flat.update({f.name: getattr(part, f.name) for f in fields(part)})
        return flat

    def units(self) -> dict[str, str]:
        """The json ``units``: params and the forward counts' units always, the backward's when measured."""
        parts: list[type] = [Totals, CountTotals, *([BackwardTotals] if self.backward is not None else [])]
        return {f.name: f.metadata["unit"] for part in parts for f in fields(part) if "unit" in f.metadata}


def unit_of(part: type, name: str) -> str | None:
    """The unit a totals field carries in its metadata, if any."""
    return next((f.metadata.get("unit") for f in fields(part) if f.name == name), None)
