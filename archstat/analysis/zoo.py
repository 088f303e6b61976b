"""The whole zoo at its default inputs, measured beside what each paper states. Plain data only."""

from __future__ import annotations

import concurrent.futures
import math
import multiprocessing
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..models import ModelInfo, get_model_info, list_models
from ..tabular import MAC_DEFINITION, Column, TableData
from ..words import human, signed_percent
from .collector import old_objects_frozen
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
        "params": t.params,
        "paper_params": info.paper_params,
        "params_diff": relative_diff(t.trainable_params, info.paper_params),
        "macs": t.macs,
        "paper_macs": info.paper_macs,
        "macs_diff": relative_diff(t.macs, info.paper_macs),
        "activations": t.activations,
        "depth": t.fields.depth if t.fields else None,
        "paper_depth": info.paper_depth,
        "receptive_field": t.fields.receptive_field if t.fields else None,
        "note": info.discrepancy if differs else "",
    }


def zoo_table(
    names: Iterable[str] | None = None, progress: Callable[[str], None] | None = None, engine: str = "fvcore",
    workers: int = 1,
) -> pd.DataFrame:
    """One row per model (all of the zoo by default). ``progress`` is called with each name first.

    ``workers`` above 1 measures the models in that many processes at once (forked from this one, so torch is
    imported once; Linux only, else one process): the models are independent, and the rows come back in order.
    """
    chosen = list(names) if names is not None else list_models()
    with old_objects_frozen():  # a sixth of the CPU time went to rescanning torch's objects
        if workers > 1 and len(chosen) > workers and "fork" in multiprocessing.get_all_start_methods():
            rows = _in_processes(chosen, progress, engine, workers)
        else:
            rows = []
            for name in chosen:
                if progress:
                    progress(name)
                rows.append(zoo_row(get_model_info(name), engine))
    return pd.DataFrame(rows, columns=COLUMNS)


def _row_of(name: str, engine: str) -> dict[str, Any]:
    return zoo_row(get_model_info(name), engine)


def _one_thread() -> None:
    """Each worker computes on one thread: two workers on two cores, not two pools of threads fighting."""
    import torch

    torch.set_num_threads(1)


def _in_processes(names: list[str], progress: Callable[[str], None] | None, engine: str,
                  workers: int) -> list[dict[str, Any]]:
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=_one_thread) as pool:
        # The deepest first (ResNet-1202, 1001-layer pre-activation ResNet: a tenth of the zoo's time each), so
        # that the workers end together; the rows come back in the order asked.
        deepest = sorted(names, key=lambda name: get_model_info(name).paper_depth or 0, reverse=True)
        submitted = {name: pool.submit(_row_of, name, engine) for name in deepest}
        rows = []
        for name, future in ((name, submitted[name]) for name in names):
            if progress:
                progress(name)
            rows.append(future.result())
    return rows


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# ----------------------------------------------------------------------------- the one description

UNITS = (f"params: parameter elements (aux heads excluded); MACs: {MAC_DEFINITION}; "
         "activations: conv/fc output elements; depth: weight layers on the longest path; "
         "field: receptive field of the last spatial feature map, input pixels. "
         "diff: (measured - paper) / paper.")
# A paper's figure is written as the paper states it, in words ("60 M"), and a diff as a signed
# percentage ("+1.6%"): text cells, so no writer gives them digits the paper never had.
TABLE_COLUMNS = (
    Column("model"), Column("input", "shape"), Column("params", "count", "parameter elements"), Column("paper params"),
    Column("diff"), Column("MACs", "count", "MACs"), Column("paper MACs"), Column("MACs diff"),
    Column("activations", "count", "output elements"), Column("depth", "count", "weight layers"),
    Column("paper depth", "count", "weight layers"), Column("field", "field", "pixels"), Column("note"),
)


def table_data(frame: pd.DataFrame) -> TableData:
    """The one description of ``zoo_table``'s rows: one per model, the measured counts in full beside
    the paper's figures in its own words, and the notes each row's mark [n] points to."""
    notes: list[str] = []
    rows = []
    for row in frame.itertuples(index=False):
        if row.note:
            notes.append(row.note)
        rows.append([row.model, list(row.input), int(row.params), _stated(row.paper_params), _diff(row.params_diff),
                     int(row.macs), _stated(row.paper_macs), _diff(row.macs_diff), int(row.activations),
                     _whole(row.depth), _whole(row.paper_depth),
                     None if is_missing(row.receptive_field) else list(row.receptive_field),
                     f"[{len(notes)}]" if row.note else ""])
    marked = ["Where the measured figure differs from the paper's by more than rounding:",
              *(f"[{i}] {note}" for i, note in enumerate(notes, 1))] if notes else []
    return TableData(f"archstat zoo: {len(rows)} models", TABLE_COLUMNS, rows, [UNITS, *marked])


def _stated(value: Any) -> str:
    return "" if is_missing(value) else human(value)


def _diff(value: Any) -> str:
    return "" if is_missing(value) else signed_percent(value)


def _whole(value: Any) -> int | None:
    return None if is_missing(value) else int(value)
