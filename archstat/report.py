"""The result of an analysis: plain data (a DataFrame and totals). Nothing here prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

UNITS = {
    "params": "parameter elements (auxiliary heads excluded unless --aux)",
    "macs": "multiply-accumulates: one fused multiply-add = 1 MAC (fvcore's 'flop')",
    "flops": "floating-point operations = 2 x MACs",
    "activations": "output elements of convolutions and fully connected layers (fvcore's activation count)",
}

LAYER_KEYS = ["name", "type", "output_shape", "params", "trainable_params", "macs", "activations"]


@dataclass
class Report:
    """Per-module counts (``layers``, one row per module, each including its children) and totals."""

    model: str
    input_shape: list[tuple[int, ...]]
    engine: str
    aux: bool
    layers: pd.DataFrame
    totals: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # one line each, e.g. why another engine ran

    def rows(self, depth: int | None = None) -> pd.DataFrame:
        """Rows that partition the network: leaves, or modules at ``depth`` with deeper ones folded in.

        A container that holds parameters or runs counted operators itself (outside its children)
        gets an extra row named ``<name> (own)`` so that the rows always add up to the totals.
        """
        frame = self.layers
        if depth is None:
            shown = frame.is_leaf
        else:
            shown = (frame.level == depth) | (frame.is_leaf & (frame.level < depth))
        keep = frame[shown & (frame.output_shape.notna() | (frame.params > 0))]
        own = self._own_rows(frame[~frame.is_leaf & ((depth is None) | (frame.level < (depth or 0)))])
        merged = pd.concat([keep, own]) if len(own) else keep
        order = {name: i for i, name in enumerate(frame.name)}
        key = merged.name.str.replace(" (own)", "", regex=False).replace("(model)", "").map(order)
        return merged.assign(_order=key).sort_values("_order", kind="stable").drop(columns="_order")

    def _own_rows(self, parents: pd.DataFrame) -> pd.DataFrame:
        frame = self.layers
        parent_of = frame.name.str.rsplit(".", n=1).str[0].where(frame.level > 1, "").where(frame.level > 0, None)
        rows = []
        for _, parent in parents.iterrows():
            children = frame[(parent_of == parent["name"]) & (frame.level == parent["level"] + 1)]
            own = {col: parent[col] - children[col].sum()
                   for col in ("params", "trainable_params", "macs", "activations")}
            if own["params"] > 0 or own["macs"] > 0:
                label = parent["name"] or "(model)"
                rows.append({**parent.to_dict(), **own, "name": f"{label} (own)", "is_leaf": True})
        return pd.DataFrame(rows, columns=frame.columns)

    def to_dict(self, depth: int | None = None) -> dict[str, Any]:
        """The json form: ``model``, ``input`` [N, C, H, W], ``engine``, ``units``, ``totals``, ``notes``,
        ``layers``."""
        layers = self.rows(depth)
        data: dict[str, Any] = {
            "model": self.model,
            "input": list(self.input_shape[0]),
            "engine": self.engine,
            "aux": self.aux,
            "units": UNITS,
            "totals": self.totals,
            "notes": self.notes,
            "layers": [_plain(row) for row in layers[_layer_keys(layers)].to_dict("records")],
        }
        if len(self.input_shape) > 1:
            data["inputs"] = [list(shape) for shape in self.input_shape]
        return data


def _layer_keys(frame: pd.DataFrame) -> list[str]:
    return LAYER_KEYS + [c for c in frame.columns if c not in LAYER_KEYS and c not in ("level", "is_leaf")]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """numpy scalars and NaN to plain Python values, so the dict serialises as json."""
    out = {}
    for key, value in row.items():
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float) and value != value:
            value = None
        out[key] = value
    return out
