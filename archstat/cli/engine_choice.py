"""Which engine a command counts on when ``--engine`` is not given.

The meta engine's numbers equal fvcore's on every zoo model (tests/test_engines.py), at a fraction of the
time: the whole zoo in seconds where fvcore's traces take minutes. So the commands that count many models
(``zoo``, ``claims``, ``compare``) count on it by default, saying so once; ``table`` and the other
one-model commands keep fvcore, the reference, except for a network so deep that its trace would take long.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..options import Engine
from .output import note

DEEP_NET_LAYERS = 200  # modules with weights above which table's default counts on meta (ResNet-152: 156; -1202: 1,202)
META_NOTE = ("counted on the meta engine (no forward run), whose numbers equal fvcore's on every zoo model "
             "(tests/test_engines.py); --engine fvcore runs fvcore's trace instead.")


def meta_unless_asked(given: Engine | None) -> Engine:
    """``given``, else the meta engine, with one note saying so."""
    if given is not None:
        return given
    note(META_NOTE)
    return Engine.meta


@contextmanager
def fvcore_unless_deep(given: Engine | None) -> Iterator[Engine]:
    """``given``, else fvcore with deep networks counted on meta (``engines.fvcore.deep_nets_on_meta``)."""
    if given is not None:
        yield given
        return
    from ..engines.fvcore import deep_nets_on_meta

    with deep_nets_on_meta(DEEP_NET_LAYERS):
        yield Engine.fvcore
