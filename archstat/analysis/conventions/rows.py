"""One row per counting convention: what the tool calls its number, the number from archstat's own
call log, its difference from archstat's MACs, and that difference as line items.

The rules per tool are in ``torchinfo_rules``, ``ptflops_rules``, ``thop_rules`` and
``dispatch_rules``; the printed figures in ``published``. Nothing here runs a tool.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ...engines.extra_counters import EXTENSION_OPS
from .ledger import CONV, ITEMS, LINEAR, Tally


@dataclass(frozen=True)
class Convention:
    """A tool's way of counting: its key, the call, the version whose rules archstat follows, the
    tool's own word and unit for the number, the FLOPs per MAC of that unit, and why it differs."""

    key: str
    tool: str
    version: str
    word: str
    why: str


@dataclass
class ConventionRow:
    """One convention applied to one network. ``value`` is in the tool's unit (``None`` where no
    figure exists or archstat cannot reproduce the tool, ``status`` says why); ``difference`` is
    ``value`` minus archstat's MACs and ``items`` splits it; the same for parameters. ``actual``
    and ``actual_params`` are what the tool itself printed (``--run``), or why it did not."""

    convention: Convention
    value: int | None
    difference: int | None = None
    items: list[tuple[str, int]] = field(default_factory=list)
    params: int | None = None
    params_difference: int | None = None
    params_items: list[tuple[str, int]] = field(default_factory=list)
    status: str = ""
    actual: Any = None
    actual_params: Any = None

    def to_dict(self) -> dict[str, Any]:
        c = self.convention
        return {
            "key": c.key, "tool": c.tool, "version": c.version, "word": c.word, "value": self.value,
            "difference_from_archstat_macs": self.difference, "items": dict(self.items), "params": self.params,
            "params_difference": self.params_difference, "params_items": dict(self.params_items),
            "status": self.status, "why": c.why, "actual": _plain(self.actual),
            "actual_params": _plain(self.actual_params),
        }


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (int, float)) else str(value)


def fvcore_row(convention: Convention, macs: int, by_operator: dict[str, int], params: int) -> ConventionRow:
    """fvcore's own number: archstat's MACs less the operators fvcore has no counter for, which
    archstat counts by its own rules (attention, ``baddbmm``, recurrent layers: ``extra_counters``)
    and fvcore's ``total()`` leaves at 0; each such operator is a line item of the difference."""
    own = sorted((op, n) for op, n in by_operator.items() if op in EXTENSION_OPS and n)
    items = [(f"{op} (archstat's own rule; fvcore has no counter for it)", -n) for op, n in own]
    difference = sum(n for _, n in items)
    return ConventionRow(convention, macs + difference, difference, items, params=params, params_difference=0)


def tally_row(convention: Convention, tally: Tally, reference: Counter[str], params: int,
              params_items: list[tuple[str, int]], remainder: str) -> ConventionRow:
    """The row of a tool counted from the call log, against archstat's ledger ``reference``; the
    parameter difference is ``params_items`` and what they leave of it, named ``remainder``."""
    items = [(item, tally.ledger[item] - reference[item]) for item in ITEMS]
    if tally.per_mac != 1:
        items.append((f"x{tally.per_mac}: FLOPs count the multiply and the add", (tally.per_mac - 1)
                      * sum(tally.ledger.values())))
    row = ConventionRow(convention, tally.total, tally.total - sum(reference.values()),
                        [(label, n) for label, n in items if n])
    if tally.params is not None:
        row.params, row.params_difference = tally.params, tally.params - params
        row.params_items = _with_remainder(params_items, tally.params - params, remainder)
    return row


def printed_row(convention: Convention, value: int, reference: Counter[str], remainder: str,
                params: int | None = None, params_reference: int = 0,
                params_items: list[tuple[str, int]] | None = None) -> ConventionRow:
    """A printed figure that counts convolutions and linear layers only: archstat's other items
    come off, and what is left is the figure's rounding (or its layout), named by ``remainder``."""
    core = reference[CONV] + reference[LINEAR]
    items = [(item, -reference[item]) for item in ITEMS if item not in (CONV, LINEAR) and reference[item]]
    items.append((remainder, value - core))
    row = ConventionRow(convention, value, value - sum(reference.values()), [(k, n) for k, n in items if n])
    if params is not None:
        row.params, row.params_difference = params, params - params_reference
        row.params_items = _with_remainder(params_items or [], params - params_reference, "the figure's rounding")
    return row


def _with_remainder(items: list[tuple[str, int]], total: int, label: str) -> list[tuple[str, int]]:
    """``items`` that are not zero, and what they leave of ``total`` under ``label``."""
    kept = [(k, n) for k, n in items if n]
    rest = total - sum(n for _, n in kept)
    return [*kept, (label, rest)] if rest else kept
