"""``archstat claims`` in words: every reading of a measurement, every table behind one, every note.

``archstat.claims`` measures and judges and returns plain data (``claims.readings``); this module is
where those numbers become text, through ``render.words`` like every other command's. Inside a
sentence a claim writes prefixed numbers compactly ('1.58G', '61.0M') and percentages under 10% with
two decimals ('1.45%'): a claim often turns on the second digit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..claims.readings import (
    Agreement,
    Amount,
    Classifier,
    Each,
    Evidence,
    Exact,
    Heads,
    LayerCounts,
    Layers,
    Named,
    Output,
    Ratio,
    Reading,
    Saving,
    Share,
    Table,
    Uncalled,
)
from ..claims.rules import FAILS, ROUGHLY, RULES, Claim, ClaimResult, PartResult, Source
from ..inputs import format_shape
from .tables import terminal_cell
from .words import human, integer, pair_text, percent, times

if TYPE_CHECKING:
    import pandas as pd
else:
    from .._lazy import pandas as pd


def _short(value: float) -> str:
    return human(value, compact=True)


def _percent(fraction: float) -> str:
    return percent(fraction, digits_below_10=2)


# ----------------------------------------------------------------------------- readings


_UNITS = {"macs": " MACs", "flops": " FLOPs", "activations": " activations"}


def _amount(amount: Amount) -> str:
    metric, value = amount.metric, amount.value
    if metric == "depth":
        return f"{value} weight layers"
    if metric == "receptive_field":
        return f"{pair_text(value)} px"
    if metric == "bytes":
        return f"{integer(value)} bytes ({human(value, 'B', compact=True)})"
    unit = _UNITS.get(metric, "")
    return f"{integer(value)}{unit} ({_short(value)})" if value >= 1000 else f"{integer(value)}{unit}"


def _exact(exact: Exact) -> str:
    """In full, and as a power of ten when it is one above 1000: '1,000,000,000,000 (10^12)'."""
    power = len(str(exact.value)) - 1
    return integer(exact.value) + (f" (10^{power})" if exact.value == 10**power and power > 3 else "")


def _share(share: Share) -> str:
    part, whole = ((_short(share.part) + share.unit, _short(share.whole) + share.unit) if share.unit
                   else (integer(share.part), integer(share.whole)))
    return f"{_percent(share.part / share.whole)} ({part} of {whole})"


def _layers(layers: Layers) -> str:
    names = layers.names
    shown = ", ".join(names) if len(names) <= 5 else f"{names[0]} ... {names[-1]}"
    return f"{len(names)} ({shown})" if names else "0"


def _classifier(found: Classifier) -> str:
    if found.hidden:
        return f"{len(found.hidden)} ({', '.join(found.hidden)})"
    return (f"0: the only fully connected layer is {found.name}, the classifier "
            f"({found.features_in} -> {found.features_out}, {integer(found.params)} params)")


_WRITERS: dict[type, Callable[[Any], str]] = {
    Amount: _amount,
    Exact: _exact,
    Ratio: lambda r: f"{times(r.top / r.bottom)} ({_short(r.top)} / {_short(r.bottom)})",
    Share: _share,
    Saving: lambda s: f"saves {_percent(s.fraction)} ({integer(s.mine)} instead of {integer(s.base)})",
    Named: lambda n: f"{n.name}: {words(n.reading)}",
    Layers: _layers,
    Output: lambda o: f"{integer(o.count)} (output {format_shape(o.shape)})",
    Each: lambda e: ", ".join(f"{model} {_short(value)}" for model, value in e.values),
    Agreement: lambda a: ("identical: " if a.agree else "different: ") + "; ".join(
        f"{integer(p)} params, {integer(m)} MACs" for p, m in a.counts),
    Classifier: _classifier,
    Heads: lambda h: f"{len(h.heads)} (" + "; ".join(f"{n}: {integer(p)} params" for n, p in h.heads) + ")",
    Uncalled: lambda u: ", ".join(f"{n} ({integer(p)} params)" for n, p in u.modules) or "none",
}


def words(reading: Reading) -> str:
    """A measurement's reading in words; a structure check's own words as they are."""
    return reading if isinstance(reading, str) else _WRITERS[type(reading)](reading)


def claimed_text(value: Any) -> str:
    """A claimed value as the table shows it: 175000 -> '175,000', 0.05 -> '0.05', True -> 'yes'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) and float(value).is_integer():
        return integer(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


# ----------------------------------------------------------------------------- the tables behind a measurement


_CELLS: dict[str, Callable[[Any], str]] = {"integer": integer, "percent": _percent, "pair": pair_text}


def evidence_table(item: Table) -> pd.DataFrame:
    """One table behind a measurement, its cells written; a report as the rows of ``archstat table``
    that hold weights or MACs."""
    if isinstance(item, LayerCounts):
        data = item.report.table_data(None)
        kept = [[terminal_cell(v, c) for v, c in zip(row, data.columns, strict=True)]
                for row, r in zip(data.rows, item.report.row_records(None), strict=True) if r["params"] or r["macs"]]
        return pd.DataFrame(kept, columns=data.names)
    assert isinstance(item, Evidence)
    table = item.table.copy()
    for column, kind in item.columns.items():
        table[column] = table[column].map(_CELLS[kind])
    return table


def evidence_tables(result: ClaimResult) -> list[tuple[str, pd.DataFrame]]:
    """Every table behind a claim's parts, each once (two parts often read one report), written."""
    seen: dict[str, Table] = {}
    for r in result.parts:
        for item in r.measured.evidence:
            seen.setdefault(item.title, item)
    return [(title, evidence_table(item)) for title, item in seen.items()]


# ----------------------------------------------------------------------------- a claim in words


@dataclass(frozen=True)
class WrittenClaim:
    """A ``ClaimResult`` and its words: what each part measured (``texts``) and the claim's ``note``."""

    result: ClaimResult
    texts: tuple[str, ...]
    note: str

    @property
    def claim(self) -> Claim:
        return self.result.claim

    @property
    def source(self) -> Source:
        return self.result.source

    @property
    def parts(self) -> tuple[PartResult, ...]:
        return self.result.parts

    @property
    def verdict(self) -> str:
        return self.result.verdict

    @property
    def claimed(self) -> str:
        return "; ".join(r.part.says for r in self.parts if r.verdict is not None) or "-"

    @property
    def measured(self) -> str:
        judged = [t for r, t in zip(self.parts, self.texts, strict=True) if r.verdict is not None] or self.texts
        return "; ".join(judged) or "not measured"

    def to_dict(self) -> dict[str, Any]:
        """json: ``id``, ``source``, ``quote``, ``claimed``, ``measured``, ``verdict``, ``note`` and ``parts``."""
        return {
            "id": self.claim.id, "source": self.source.cite(), "file": self.source.file,
            "quote": self.claim.quote, "quote_en": self.claim.english, "claimed": self.claimed,
            "measured": self.measured, "verdict": self.verdict, "note": self.note,
            "parts": [{
                "says": r.part.says, "claimed": _plain(r.part.claimed), "rule": r.part.rule,
                "tolerance": RULES[r.part.rule].tolerance, "how": r.part.measure.describe,
                "measured": text, "measured_value": _plain(r.measured.value), "verdict": r.verdict,
            } for r, text in zip(self.parts, self.texts, strict=True)],
        }


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, so the json encoder takes them."""
    return value.item() if hasattr(value, "item") else value


def write(result: ClaimResult) -> WrittenClaim:
    """``result`` in words: each part's reading, then the note that names them."""
    texts = tuple(words(r.measured.reading) for r in result.parts)
    return WrittenClaim(result, texts, _note(result, texts))


def _note(result: ClaimResult, texts: tuple[str, ...]) -> str:
    """``why`` (when the claim does not hold) then ``note``, with ``{key}`` filled by measured values."""
    claim, pairs = result.claim, list(zip(result.parts, texts, strict=True))
    values = {r.part.key: text for r, text in pairs if r.part.key}
    failing = result.verdict in (ROUGHLY, FAILS)
    if failing and not claim.why:  # no reason written (a model changed under the catalogue): say what differs
        why = "; ".join(f"{r.part.says}: measured {text} ({RULES[r.part.rule].tolerance})"
                        for r, text in pairs if r.verdict in (ROUGHLY, FAILS)) + "."
    else:
        why = claim.why.format_map(values) if failing else ""
    return " ".join(t for t in (why, claim.note.format_map(values), claim.uncheckable) if t)
