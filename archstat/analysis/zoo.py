"""The whole zoo at its default inputs, measured beside what each paper states. Plain data only."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..models import ModelInfo, get_model_info, list_models
from .counting import analyze

if TYPE_CHECKING:
    import pandas as pd
else:
    from .._lazy import pandas as pd

COLUMNS = [
    "model", "input", "params", "paper_params", "params_diff", "macs", "paper_macs", "macs_diff",
    "activations", "depth", "paper_depth", "receptive_field", "note",
]


def rounding(stated: float) -> float:
    """Half a unit of the last significant digit a figure is stated to: 138e6 -> 0.5e6, 1.5e9 -> 0.05e9.

    An exact count (a figure with no trailing zeros, such as 25,557,032) gets 0.5: it must match.
    """
    if stated == 0:
        return 0.5
    exponent = Decimal(repr(float(stated))).normalize().as_tuple().exponent
    return 0.5 * 10.0 ** max(int(exponent), 0) if isinstance(exponent, int) else 0.5


def relative_diff(measured: float, stated: float | None) -> float | None:
    return None if stated is None else (measured - stated) / stated


def beyond_rounding(measured: float, stated: float | None) -> bool:
    return stated is not None and abs(measured - stated) > rounding(stated)


def zoo_row(info: ModelInfo, engine: str = "fvcore") -> dict[str, Any]:
    """Measure one model at its default input and set it beside the paper's figures."""
    report = analyze(info.name, engine=engine)
    t = report.totals
    depth = t.fields.depth if t.fields else 0
    differs = any(beyond_rounding(m, s) for m, s in (
        (t.trainable_params, info.paper_params), (t.macs, info.paper_macs), (depth, info.paper_depth),
    ))
    return {
        "model": info.name,
        "input": list(info.input_size),
        "params": t["params"],
        "paper_params": info.paper_params,
        "params_diff": relative_diff(t["trainable_params"], info.paper_params),
        "macs": t["macs"],
        "paper_macs": info.paper_macs,
        "macs_diff": relative_diff(t["macs"], info.paper_macs),
        "activations": t["activations"],
        "depth": t.get("depth"),
        "paper_depth": info.paper_depth,
        "receptive_field": t.get("receptive_field"),
        "note": info.discrepancy if differs else "",
    }


def zoo_table(
    names: Iterable[str] | None = None, progress: Callable[[str], None] | None = None, engine: str = "fvcore"
) -> pd.DataFrame:
    """One row per model (all of the zoo by default). ``progress`` is called with each name first."""
    rows = []
    for name in names if names is not None else list_models():
        if progress:
            progress(name)
        rows.append(zoo_row(get_model_info(name), engine))
    return pd.DataFrame(rows, columns=COLUMNS)


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
