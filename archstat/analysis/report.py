"""The result of an analysis: plain data (per-module records and totals). Nothing here prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..engines.contract import LayerRecord
from ..inputs import format_shape
from ..tabular import FLOPS_DEFINITION, MAC_SHORT, UNIT_NOTE, Column, TableData, Tabular
from ..words import human, pair_text
from .totals import BackwardTotals, FieldTotals, Totals

if TYPE_CHECKING:
    import pandas as pd

    from ..engines.dataflow import Dataflow

FIELD_NOTE = ("Receptive field and effective stride in input pixels (height x width); start: input coordinate "
              "where the first output unit's field begins (negative inside the padding). Theoretical field: "
              "every input pixel that can influence the unit.")
NOT_APPLICABLE = "not applicable"  # the field of a network with no spatial operator (a sequence model)
LAYER_KEYS = ["name", "type", "output_shape", "params", "trainable_params", "macs", "activations"]


@dataclass(repr=False)  # the repr is Tabular's: one line, and the whole table in a notebook
class Report(Tabular):
    """Per-module counts (``records``, one ``LayerRecord`` per module, each including its children)
    and totals.

    Two DataFrames: ``layers`` partitions the network (one row per leaf layer, plus an ``(own)`` row for
    what a container holds or runs outside its children), so each numeric column sums to its total;
    ``modules`` is the module tree (the root and every container, each including its children).
    ``rows(depth)`` folds the partition at a depth; ``row_records()`` gives its rows as plain dicts,
    which is all a printed table needs (pandas takes a third of a second to import)."""

    model: str
    input_shape: list[tuple[int, ...]]
    engine: str
    aux: bool
    records: list[LayerRecord]
    totals: Totals  # typed parts (``totals.macs``); ``to_dict()`` gives the json keys
    notes: list[str] = field(default_factory=list)  # one line each, e.g. why another engine ran
    # The graph the forward executed, when ``analyze`` was asked for it (``Want.GRAPH``).
    dataflow: Dataflow | None = field(default=None, repr=False, compare=False)
    mode: str = "eval"  # the mode the network was counted in (options.Mode)
    input_dtypes: list[str] = field(default_factory=list)  # one per input_shape; empty: all float32

    @cached_property
    def layers(self) -> pd.DataFrame:
        """One row per leaf layer, plus the ``(own)`` rows of ``row_records()``: ``layers.macs.sum()``
        is ``totals.macs``, and so for params, trainable params, activations (and backward MACs)."""
        return _frame(self.row_records())

    @cached_property
    def modules(self) -> pd.DataFrame:
        """One row per module (the root first, as level 0), each including its children: the tree,
        whose columns do not sum to the totals (a container repeats its children)."""
        return _frame([asdict(r) for r in self.records])

    def rows(self, depth: int | None = None) -> pd.DataFrame:
        """``row_records(depth)`` as a DataFrame."""
        return _frame(self.row_records(depth))

    def row_records(self, depth: int | None = None) -> list[dict[str, Any]]:
        """Rows that partition the network: leaves, or modules at ``depth`` with deeper ones folded in.

        A container that holds parameters or runs counted operators itself (outside its children),
        such as a residual block's functional addition or a class token, gets an extra row named
        ``<name> (own)`` so that the rows always add up to the totals. Where children share a
        parameter tensor (a tied embedding), which the totals count once, a row named
        ``<name> (shared, counted once)`` takes the repeats back out, with negative parameters.
        """
        def shown(row: LayerRecord) -> bool:
            if depth is None:
                return row.is_leaf
            return row.level == depth or (row.is_leaf and row.level < depth)

        keep = [r for r in self.records if shown(r) and (r.output_shape is not None or r.params or r.macs)]
        parents = [r for r in self.records if not r.is_leaf and (depth is None or r.level < depth)]
        order = {row.name: i for i, row in enumerate(self.records)}
        merged = [(order[r.name], 0, r) for r in keep] + [(order[n], 1, r) for n, r in self._own_rows(parents)]
        return [asdict(row) for *_, row in sorted(merged, key=lambda item: item[:2])]

    def _own_rows(self, parents: list[LayerRecord]) -> list[tuple[str, LayerRecord]]:
        """(parent's name, its "(own)" row) for each parent holding counts outside its children."""
        children: dict[str, list[LayerRecord]] = {}
        for row in self.records[1:]:
            children.setdefault(row.name.rsplit(".", 1)[0] if row.level > 1 else "", []).append(row)
        own_rows = []
        for parent in parents:
            below = children.get(parent.name, [])
            columns = _ADDITIVE if parent.backward_macs is None else (*_ADDITIVE, "backward_macs")
            own = {col: getattr(parent, col) - sum(getattr(child, col) for child in below) for col in columns}
            if any(own.values()):
                kind = "shared, counted once" if own["params"] < 0 else "own"
                label = f"{parent.name or '(model)'} ({kind})"
                own_rows.append((parent.name, replace(parent, **own, name=label, is_leaf=True)))
        return own_rows

    def table_data(self, depth: int | None = None, fields_only: bool = False) -> TableData:
        """The report as a table, the one description every output writes (``archstat table``, a
        notebook, ``to_latex()``): the rows of ``row_records(depth)`` (leaves, or modules at ``depth``)
        with their shares of the totals, the total row, and the totals in words as notes.
        ``fields_only`` (``archstat rf``): each row's field, stride, start and depth, no counts."""
        t = self.totals
        trainable = bool(t.frozen_params)  # fine-tuning: say which layers train
        # a report of counts without fields shows none, one of fields alone (``Want.FIELDS``) no counts
        fields, backward, counts = t.fields is not None, t.backward is not None, t.counts is not None
        if fields_only:
            return self._fields_table(depth)
        columns = [Column("layer"), Column("type"), Column("output shape", "shape"), Column("params", "count"),
                   Column("% params", "share", "%"), *([Column("trainable", "count")] if trainable else []),
                   *([Column("MACs", "count", "MACs"), Column("% MACs", "share", "%")] if counts else []),
                   *([Column("backward MACs", "count", "MACs")] if backward else []),
                   *([Column("activations", "count")] if counts else []),
                   *([Column("field", "field", "pixels"), Column("stride", "field", "pixels")] if fields else [])]
        applicable = t.fields is None or t.fields.field_applicable  # a sequence model has no receptive field

        def field_cells(r: dict[str, Any]) -> list[Any]:
            return [r["receptive_field"], r["effective_stride"]] if applicable else [NOT_APPLICABLE] * 2

        rows = []
        for r in self.row_records(depth):
            # a module with parameters but no output was defined and never called by forward
            shape = r["output_shape"] if isinstance(r["output_shape"], list) else "not called"
            rows.append([r["name"], r["type"], shape, r["params"], _share(r["params"], t.params),
                         *([r["trainable_params"]] if trainable else []),
                         *([r["macs"], _share(r["macs"], t.macs)] if counts else []),
                         *([r["backward_macs"] or 0] if backward else []), *([r["activations"]] if counts else []),
                         *(field_cells(r) if fields else [])])
        total = ["total", "", "", t.params, _share(t.params, t.params),
                 *([t.trainable_params] if trainable else []),
                 *([t.macs, _share(t.macs, t.macs)] if counts else []),
                 *([t.backward.backward_macs] if t.backward is not None else []),
                 *([t.activations] if counts else []),
                 *(field_cells({"receptive_field": t.fields.receptive_field,
                                "effective_stride": t.fields.effective_stride}) if t.fields is not None else [])]
        return TableData(f"{self.model}: per-layer counts", columns, rows, self.total_lines(), total=total)

    def _fields_table(self, depth: int | None) -> TableData:
        """A report of fields alone, described: each row's field, effective stride and start (input
        pixels, height x width) and its depth in weight layers; the summary and conventions as notes."""
        f = self._fields()
        applicable = f.field_applicable
        columns = [Column("layer"), Column("type"), Column("output shape", "shape"),
                   *(Column(name, "field", "pixels") for name in ("field", "stride", "start")),
                   Column("depth", "count")]
        rows = []
        for r in self.row_records(depth):
            parts = [r[k] for k in ("receptive_field", "effective_stride", "field_start")] if applicable \
                else [NOT_APPLICABLE] * 3
            rows.append([r["name"], r["type"], r["output_shape"], *parts, r["depth"]])
        notes = [self.field_summary(), FIELD_NOTE, f"Counted in {self.mode} mode.", *f.field_notes]
        return TableData(f"{self.model}: receptive fields ({self.mode} mode)", columns, rows, notes)

    def field_summary(self) -> str:
        """The last spatial feature map's field, stride and start, and the depth, in one sentence."""
        f = self._fields()
        if not f.field_applicable:
            return (f"{self.model}: receptive field and effective stride not applicable (no spatial operator ran: "
                    f"a sequence or token model). Depth: {f.depth} weight layers (recurrent layers and "
                    "attention's projections included).")
        if not f.receptive_field:
            return f"{self.model} has no spatial feature map. Depth: {f.depth} weight layers."
        return (f"{self.model}: the last spatial feature map sees {pair_text(f.receptive_field)} input pixels, "
                f"effective stride {pair_text(f.effective_stride)}, starting at {pair_text(f.field_start)}; "
                f"depth {f.depth} weight layers on the longest path.")

    def _fields(self) -> FieldTotals:
        if self.totals.fields is None:
            raise ValueError(f"{self.model}: no receptive fields were traced (the analysis asked for counts only).")
        return self.totals.fields

    def total_lines(self) -> list[str]:
        """The totals in words, the input, engine and mode, the MAC convention, what was not counted."""
        t, f = self.totals, self.totals.fields
        counts = (f"; {t.macs:,} MACs ({human(t.macs, 'MACs')} = {human(t.flops, 'FLOPs')}); "
                  f"{t.activations:,} activations." if t.counts is not None else ".")
        lines = [
            f"Total: {t.params:,} params ({human(t.params)}), of which {t.trainable_params:,} "
            f"trainable{counts}",
            f"Input {self.input_text()}; engine: {self.engine}; {self.mode} mode; "
            f"auxiliary heads {'included' if self.aux else 'excluded'}.",
            UNIT_NOTE,
        ]
        if t.backward is not None:
            lines.insert(1, _backward_line(t.macs, t.backward))
        if f is not None and not f.field_applicable:
            lines.insert(1, f"Receptive field: {NOT_APPLICABLE} (no spatial operator ran: a sequence or token model); "
                            f"depth: {f.depth} weight layers on the longest path (recurrent layers and attention's "
                            "projections included).")
        elif f is not None and f.receptive_field:
            lines.insert(1, f"Receptive field of the last spatial feature map: {pair_text(f.receptive_field)} "
                            f"input pixels, effective stride {pair_text(f.effective_stride)}; depth: {f.depth} "
                            "weight layers on the longest path.")
        lines += [f"Field note: {note}" for note in (f.field_notes if f is not None else [])]
        if t.counts is not None and t.counts.uncounted_ops:
            lines.append("Not counted (fvcore's conventions have no MAC formula for them): "
                         + ", ".join(t.counts.uncounted_ops) + ".")
        return lines

    def input_text(self) -> str:
        """``1x3x224x224 (NxCxHxW)`` for images; any other shape with its batch first (``1x128 int64``)."""
        dtypes = self.input_dtypes or ["float32"] * len(self.input_shape)
        shapes = [format_shape(s) + (f" {d}" if d != "float32" else "")
                  for s, d in zip(self.input_shape, dtypes, strict=False)]
        images = all(len(s) == 4 for s in self.input_shape)
        return " + ".join(shapes) + (" (NxCxHxW)" if images else " (batch first)")

    def summary(self) -> str:
        """'<Report alexnet: input 1x3x227x227, 60,965,224 params, 723,821,600 MACs (...), 22 layers>'."""
        t = self.totals
        macs = f", {t.macs:,} MACs ({MAC_SHORT}; {FLOPS_DEFINITION})" if t.counts is not None else ""
        inputs = " + ".join(format_shape(s) for s in self.input_shape)
        return (f"<Report {self.model}: input {inputs}, {t.params:,} params{macs}, "
                f"{len(self.row_records())} layers, engine {self.engine}>")

    def to_dict(self, depth: int | None = None) -> dict[str, Any]:
        """The json form: ``model``, ``input`` [N, C, H, W], ``engine``, ``mode``, ``units``, ``totals``, ``notes``,
        ``layers``."""
        data: dict[str, Any] = {
            "model": self.model,
            "input": list(self.input_shape[0]),
            "engine": self.engine,
            "mode": self.mode,
            "aux": self.aux,
            "units": self.totals.units(),
            "totals": self.totals.to_dict(),
            "notes": self.notes,
            "layers": [{key: row[key] for key in _layer_keys(row)} for row in self.row_records(depth)],
        }
        if len(self.input_shape) > 1:
            data["inputs"] = [list(shape) for shape in self.input_shape]
        if any(dtype != "float32" for dtype in self.input_dtypes):
            data["input_dtypes"] = self.input_dtypes
        return data


def _share(part: float, whole: float) -> float | None:
    """``part`` in % of ``whole`` (None when the whole is zero: nothing to share)."""
    return 100 * part / whole if whole else None  # in this order: the digits every table has shown


def _backward_line(forward_macs: int, b: BackwardTotals) -> str:
    """The backward pass and the training step in one sentence, with the backward/forward ratio."""
    ratio = f"{b.backward_macs / forward_macs:.2f}x the forward" if forward_macs else "no forward MACs"
    left_out = f" (leaves out {', '.join(b.backward_uncounted_ops)})" if b.backward_uncounted_ops else ""
    return (f"Backward: {b.backward_macs:,} MACs ({human(b.backward_macs, 'MACs')}, {ratio}; torch's "
            f"FlopCounterMode convention{left_out}); training step (forward + backward): "
            f"{b.training_step_macs:,} MACs ({human(b.training_step_macs, 'MACs')}).")


_ADDITIVE = ("params", "trainable_params", "macs", "activations")
_OBJECT_COLUMNS = ("depth", "backward_macs")  # ints and None: kept as objects, not turned into floats and NaN


def _layer_keys(row: dict[str, Any]) -> list[str]:
    """The json keys of a row: backward MACs only when the report was asked for them."""
    skip = ("level", "is_leaf", *(["backward_macs"] if row.get("backward_macs") is None else []))
    return LAYER_KEYS + [c for c in row if c not in LAYER_KEYS and c not in skip]


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas

    frame = pandas.DataFrame(records, columns=list(LayerRecord.__dataclass_fields__))
    for column in _OBJECT_COLUMNS:
        if column in frame:
            frame[column] = pandas.Series([r[column] for r in records], dtype=object)
    return frame
