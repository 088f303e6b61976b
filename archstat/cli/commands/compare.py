"""`archstat compare`: several networks side by side, each as a ratio of the first.

The measuring and the one description are ``archstat.analysis.compare``; this module parses and emits.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from ...options import Metric
from ..checks import model_args
from ..engine_choice import meta_unless_asked
from ..errors import reports_errors
from ..options import DEFAULT_FORMAT, FormatOpt, ModelOptions, complete_model, model_options
from ..output import Result, emit, text_output
from ..progress import steps

MetricOpt = Annotated[
    Metric | None, typer.Option("--metric", "-m", help="Compare on one metric; default: all.")
]


@reports_errors
@text_output
@model_options(defaults={"engine": None})  # None: meta, with a note (engine_choice)
def compare(
    models: Annotated[list[str], typer.Argument(metavar="MODEL",
        help="Two or more models: zoo names or your own (file.py:Class); NAME@299 gives one its own input.",
        show_default=False, autocompletion=complete_model, callback=model_args)],
    metric: MetricOpt = None,
    format: FormatOpt = DEFAULT_FORMAT,
    *,
    options: ModelOptions,
) -> None:
    """Models side by side: each value and its ratio to the first model's.

    Example: archstat compare vgg16 googlenet --metric params
    """
    from ..._lazy import pandas as pd
    from ...analysis.compare import compare_models

    engine = meta_unless_asked(options.engine)
    with steps(len(models)) as start:
        comparison = compare_models(models, metric=metric, request=replace(options, engine=engine).request(""),
                                    progress=start)
    emit(Result(json=comparison.to_dict, csv=lambda: pd.DataFrame(comparison.csv_rows()),
                description=comparison.table_data), format)
