"""``archstat claims`` in words: every reading of a measurement, every table behind one, every note.

``archstat.claims`` measures and judges and returns plain data (``claims.readings``); this module is
where those numbers become text, through ``render.words`` like every other command's. Inside a
sentence a claim writes prefixed numbers compactly ('1.58G', '61.0M') and percentages under 10% with
two decimals ('1.45%'): a claim often turns on the second digit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
from ..tabular import Column, TableData, cell_text
from .words import human, integer, pair_text, percent, times


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


# an Evidence table's kinds of cell: a count, a fraction (a claim turns on its second digit: written
# as a claim writes it, '1.45%'), a (height, width) pair
_KINDS = {"integer": "count", "percent": "text", "pair": "field"}


def _evidence_cell(value: Any, kind: str | None) -> Any:
    if value is None or value != value:  # None or NaN: an empty cell
        return None
    if kind == "integer":
        return int(value)
    if kind == "percent":
        return _percent(value)
    if kind == "pair":
        return list(value)
    return value.item() if hasattr(value, "item") else value


def evidence_table(item: Table) -> TableData:
    """One table behind a measurement, described; a report as the rows of ``archstat table`` that
    hold weights or MACs."""
    if isinstance(item, LayerCounts):
        data = item.report.table_data(None)
        records = item.report.row_records(None)
        kept = [row for row, r in zip(data.rows, records, strict=True) if r["params"] or r["macs"]]
        return TableData(item.title, data.columns, kept)
    assert isinstance(item, Evidence)
    kinds = [item.columns.get(str(c)) for c in item.table.columns]
    columns = [Column(str(c), _KINDS[k] if k else "text") for c, k in zip(item.table.columns, kinds, strict=True)]
    rows = [[_evidence_cell(v, k) for v, k in zip(row, kinds, strict=True)]
            for row in item.table.itertuples(index=False)]
    return TableData(item.title, columns, rows)


def evidence_tables(result: ClaimResult) -> list[TableData]:
    """Every table behind a claim's parts, each once (two parts often read one report), described."""
    seen: dict[str, Table] = {}
    for r in result.parts:
        for item in r.measured.evidence:
            seen.setdefault(item.title, item)
    return [evidence_table(item) for item in seen.values()]


def written_rows(table: TableData) -> list[dict[str, Any]]:
    """A table's rows keyed by column, the json of an explained claim's evidence: counts, shapes and
    fields as their cells read ('885,120'), text as it came (a name, a document's stated 224)."""
    return [{name: v if c.kind == "text" else cell_text(v, c)  # type: ignore[union-attr]
             for name, c, v in zip(table.names, table.columns, row, strict=True)} for row in table.rows]


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


# ----------------------------------------------------------------------------- the descriptions

SUMMARY_TITLE = "Claims in the source documents and the papers that followed them, measured"
VERDICT_STYLES = {"verdict": {"holds": "green", "roughly": "yellow", "does not hold": "bold red",
                              "not checkable": "dim"}}
SUMMARY_COLUMNS = tuple(Column(name) for name in
                        ("id", "from", "source", "the source says", "claimed", "measured", "verdict", "note"))
PARTS_COLUMNS = tuple(Column(name) for name in
                      ("the source says", "claimed", "read as", "measured how", "measured", "verdict"))


def summary_table(results: list[WrittenClaim]) -> TableData:
    """The one description of a run of claims: one row per claim, what its source says and what was
    measured, the verdict; the verdicts counted, every source and the verdict rules as notes."""
    from ..claims.catalogue import CATALOGUE
    from ..claims.rules import VERDICTS
    from ..tabular import MAC_SENTENCE

    rows = [[r.claim.id, r.source.kind, r.claim.source, f"{r.claim.quote} ({r.claim.english})", r.claimed,
             r.measured, r.verdict, r.note] for r in results]
    counts = {v: sum(r.verdict == v for r in results) for v in VERDICTS}
    sources = [f"{key}: {source.cite()} ({source.file})" for key, source in CATALOGUE.sources.items()]
    notes = [f"{len(results)} claims: {', '.join(f'{n} {v}' for v, n in counts.items() if n)}.", *sources,
             f"Verdict rules: docs/claims-method.md. {MAC_SENTENCE}"]
    return TableData(SUMMARY_TITLE, SUMMARY_COLUMNS, rows, notes, styles=VERDICT_STYLES)


def explained_tables(result: WrittenClaim) -> list[TableData]:
    """One claim explained, described: its parts (what each says, how it is read and measured, and its
    verdict) under the claim's source and words, then every table its measurements came from."""
    c = result.claim
    rows = [[r.part.says, claimed_text(r.part.claimed),
             f"{r.part.rule}: {RULES[r.part.rule].tolerance}" if r.part.rule != "info" else "context",
             r.part.measure.describe, text, r.verdict or "-"]
            for r, text in zip(result.parts, result.texts, strict=True)]
    notes = [f"{label}: {value}" for label, value in (
        ("source", f"{result.source.cite()} ({result.source.file})"), ("says", c.quote), ("in English", c.english),
        ("note", result.note)) if value]
    parts = TableData(f"{c.id}: {result.verdict}. What is claimed and what is measured", PARTS_COLUMNS, rows,
                      notes, styles=VERDICT_STYLES)
    return [parts, *evidence_tables(result.result)]
