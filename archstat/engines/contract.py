"""What every engine returns, and the one way to get an engine by name.

An engine runs a module once on given inputs and measures, per dotted module name ("" is the whole
model, each module including its children):

- MACs by operator (one fused multiply-add = 1 MAC, fvcore's "flop"; FLOPs = 2 x MACs);
- activations: output elements of convolutions and matrix products (fvcore's activation count);
- the operators it has no counter for, with their number of calls: listed, never silently zero;
- output shapes, receptive fields and depth (``archstat.engines.fields``);
- MACs of the backward pass, as torch's ``FlopCounterMode`` counts it (``engines/backward.py``):
  always from the meta pass, so both engines give the same.

Counts are at the batch of the inputs given. A caller asks for what it needs (``Want``): fields and
shapes alone never need a real trace. The implementations:

- ``fvcore`` (``engines/fvcore.py``): fvcore's TorchScript trace of a real forward, the reference;
  a meta pass first gives the fields, the shapes and the memory the trace would need;
- ``meta`` (``engines/meta.py``): the same counts on meta tensors, no weights in memory, no arithmetic;
- ``torch`` (``engines/torch_flops.py``): torch's ``FlopCounterMode`` on meta tensors (its FLOPs / 2),
  MACs of the whole model only (no activations, no per-module split).

A new engine is a class with ``name`` and ``measure`` (the ``Engine`` protocol), added to
``ENGINES`` in ``engines/registry.py``; ``get_engine`` there returns one by name.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Flag, auto
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from torch import Tensor, nn

    from .fields import FieldTrace
    from .shapes import ShapeRecorder


class Want(Flag):
    """What a caller needs from a pass. ``FIELDS`` includes output shapes and depth; ``GRAPH``, given
    with ``FIELDS``, also records the dataflow graph in the same field pass (``FieldTrace.dataflow``,
    ``engines.dataflow``): every engine follows fields on meta tensors where it can, so the graph's
    structure comes from that pass whichever engine counts."""

    COUNTS = auto()
    FIELDS = auto()
    GRAPH = auto()
    ALL = COUNTS | FIELDS


@dataclass
class Counts:
    """Per dotted module name ("" is the whole model); each module includes its children."""

    macs: dict[str, Counter[str]]  # module -> operator -> MACs
    activations: dict[str, int]  # module -> output elements of its convolutions and matrix products
    uncounted: dict[str, Counter[str]]  # module -> operator with no counter -> calls
    # module -> MACs of the backward pass as torch's FlopCounterMode counts it (engines/backward.py),
    # for loss = output.sum() with an input that needs no gradient and frozen weights none either
    backward_macs: dict[str, int] = field(default_factory=dict)
    backward_uncounted: Counter[str] = field(default_factory=Counter)  # calls whose backward no rule counts


@dataclass
class Measurement:
    """One engine's pass over a module.

    ``engine`` names the engine that counted (the fvcore engine hands over to the meta engine above
    the memory budget, and says so in ``notes``). ``counts`` is ``None`` when only fields were asked
    for; ``fields`` is ``None`` when only counts were. ``output_shapes`` are by dotted module name,
    at the inputs' batch; ``peak_activation_bytes`` is the largest total of operator inputs and
    outputs alive at once in a meta pass (``None`` when no meta pass ran).
    """

    engine: str
    counts: Counts | None
    fields: FieldTrace | None
    output_shapes: dict[str, list[int]] = field(default_factory=dict)
    peak_activation_bytes: int | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class LayerRecord:
    """One module's row of a report, each count including the module's children.

    ``params`` counts elements (shared tensors once, auxiliary heads only when asked for); ``macs``
    and ``activations`` are at the report's batch; ``output_shape`` includes the batch. The field
    entries are (height, width) in input pixels (``None`` where no field reaches the module), and
    ``depth`` is the longest chain of convolutions and matrix products from the input to its output.
    """

    name: str
    type: str
    level: int  # 0 for the whole model, 1 for its children, ...
    is_leaf: bool
    output_shape: list[int] | None
    params: int
    trainable_params: int
    macs: int
    activations: int
    receptive_field: list[int] | None = None
    effective_stride: list[int | str] | None = None  # a fraction as text, "1/2"
    field_start: list[int] | None = None
    depth: int | None = None
    backward_macs: int | None = None  # at the report's batch; None unless the report was asked for it


@dataclass(frozen=True)
class Capabilities:
    """What an engine needs and can do: callers ask this (``registry.capabilities``), never its name."""

    real_weights: bool  # runs real tensors: the module needs its weights in memory, on the cpu
    per_module: bool  # counts each module (else the whole model only)
    fields: bool  # follows receptive fields and output shapes
    backward: bool  # counts the backward pass (``Counts.backward_macs``)


class Engine(Protocol):
    """Measures ``module(*inputs)``. ``recorder`` holds shape hooks the caller installed on the module
    (it names the layer a failing forward stopped in); an engine removes them before any pass that
    must not see them. Errors of the user's forward propagate unchanged."""

    name: str

    def measure(self, module: nn.Module, inputs: tuple[Tensor, ...], want: Want,
                recorder: ShapeRecorder) -> Measurement: ...
