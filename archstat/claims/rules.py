"""Claims, verdict rules and verdicts for ``archstat claims``; the catalogue itself is ``archstat.claims``.

A ``Claim`` is one statement of a source document, split into ``Part`` s: each part is a figure the
document gives (``claimed``), the rule its words imply (``rule``, a key of ``RULES``) and the
``Measure`` that measures it. A part's verdict is ``holds`` (within the rule's tolerance),
``roughly`` (outside it but within a factor of 2 for a figure, or the right direction for
"several times") or ``does not hold``; ``info`` parts are shown and never judged. A claim's verdict
is its weakest part's; a claim architecture cannot check is ``not checkable``, with the reason.
Results are data; ``archstat.render.claims`` writes them, the claim's note included.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .measure import Measure, Session
from .readings import Measured, Value

HOLDS, ROUGHLY, FAILS, UNCHECKABLE = "holds", "roughly", "does not hold", "not checkable"
VERDICTS = (HOLDS, ROUGHLY, FAILS, UNCHECKABLE)
_ORDER = {HOLDS: 2, ROUGHLY: 1, FAILS: 0}


def _factor_2(measured: Any, claimed: Any) -> bool:
    """Same sign and within a factor of 2: the right order, the wrong figure."""
    if isinstance(measured, bool) or not isinstance(measured, (int, float)) or not claimed:
        return False
    ratio = measured / claimed
    return 0.5 <= ratio <= 2


def _within(fraction: float) -> Callable[[Any, Any], bool]:
    # the small slack keeps a value exactly on the edge (3.45 for "about 3") inside despite rounding
    return lambda measured, claimed: abs(measured - claimed) <= fraction * abs(claimed) * (1 + 1e-9)


def _equal(measured: Any, claimed: Any) -> bool:
    if isinstance(measured, float) or isinstance(claimed, float):
        return math.isclose(measured, claimed, rel_tol=1e-9)
    return bool(measured == claimed)


@dataclass(frozen=True)
class Rule:
    """How the words of a claim are read: which measured values hold, and which are 'roughly' right."""

    key: str
    words: str
    tolerance: str
    holds: Callable[[Any, Any], bool]
    roughly: Callable[[Any, Any], bool] | None = None


# The one table of verdict rules (docs/claims-method.md explains each, with examples).
RULES: dict[str, Rule] = {rule.key: rule for rule in (
    Rule("exact", 'an exact figure or a piece of arithmetic: "175,000", "16 layers", "32x32x12"',
         "equal", _equal, _factor_2),
    Rule("about", '"about", "左右", "大约"', "within ±15%", _within(0.15), _factor_2),
    Rule("round", 'a round figure without a hedge word: "6000萬個參數", "15億次"', "within ±10%",
         _within(0.10), _factor_2),
    Rule("almost_half", '"almost half", "快一半"', "from 40% up to (not including) 50%",
         lambda m, c: 0.40 <= m < 0.50, lambda m, c: 0.20 <= m < 1.0),
    Rule("almost", '"almost 90%", "幾乎占據了...90%"', "from 5 points below the figure up to it",
         lambda m, c: c - 0.05 <= m <= c, _factor_2),
    Rule("several", '"several times", "好几倍"', "a ratio of 2 or more", lambda m, c: m >= c,
         lambda m, c: m > 1),
    Rule("under", '"under", "less than", "都不到"', "strictly below the figure", lambda m, c: m < c),
    Rule("at_most_about", '"about X or less", "左右甚至更小"', "at most the figure + 15%",
         lambda m, c: m <= 1.15 * c),
    Rule("more", '"more than", "多", "更慢", "突破"', "strictly above the figure", lambda m, c: m > c),
    Rule("less", '"fewer than", "更少", "低", "降低"', "strictly below the figure", lambda m, c: m < c),
    Rule("least", '"runs fastest" of several settings timed here', "the first setting's time / the least "
         "of the others at most 1; roughly: at most 1.05 (a tie within a shared CPU's run-to-run spread)",
         lambda m, c: m <= c, lambda m, c: m <= 1.05 * c),
    Rule("true", 'a statement about structure: "replaces", "equivalent", "runs"', "the check passes",
         lambda m, c: m is True),
    Rule("info", "context the document does not state: shown, never judged", "", lambda m, c: True),
)}


def judge(rule: Rule, measured: Value, claimed: Value) -> str | None:
    """The verdict of one part (None for an ``info`` part)."""
    if rule.key == "info":
        return None
    if rule.holds(measured, claimed):
        return HOLDS
    return ROUGHLY if rule.roughly is not None and rule.roughly(measured, claimed) else FAILS


@dataclass(frozen=True)
class Part:
    """One figure of a claim: the document's figure in words (``says``), as a value (``claimed``),
    the rule its words imply, and how it is measured. ``key`` names it in the claim's notes."""

    says: str
    claimed: Value
    rule: str
    measure: Measure
    key: str = ""

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown rule {self.rule!r}; rules are {', '.join(RULES)}")


@dataclass(frozen=True)
class Source:
    """A source: its file, its title (the file's first line, verbatim) and, where that line is not a
    title, what the page is (``known_as``). ``kind`` says what it is: one of the five ``document`` s, or a
    ``paper`` that followed them (its ``file`` then the arXiv id, ``known_as`` its authors and year)."""

    file: str
    title: str
    known_as: str = ""
    kind: str = "document"

    def cite(self) -> str:
        return f"{self.title} [{self.known_as}]" if self.known_as else self.title


@dataclass(frozen=True)
class Claim:
    """A statement of a document: ``quote`` in its own words, ``english`` a rendering, its parts.

    ``note`` is always shown; ``why`` is shown when the verdict is not ``holds``. Both may name a
    part's measured value as ``{key}``. ``uncheckable`` gives the reason a claim cannot be checked
    from architecture (an accuracy, a competition result).
    """

    id: str
    source: str
    quote: str
    english: str
    parts: tuple[Part, ...] = ()
    note: str = ""
    why: str = ""
    uncheckable: str = ""


@dataclass(frozen=True)
class PartResult:
    part: Part
    measured: Measured
    verdict: str | None


@dataclass(frozen=True)
class ClaimResult:
    """A claim measured: every part's value and verdict, and the claim's verdict."""

    claim: Claim
    source: Source
    parts: tuple[PartResult, ...]
    verdict: str


def evaluate(claim: Claim, source: Source, session: Session) -> ClaimResult:
    """Measure every part of ``claim`` in ``session`` and give the verdicts."""
    return judged(claim, source, measure_parts(claim, session))


def measure_parts(claim: Claim, session: Session) -> tuple[Measured, ...]:
    """What each part of ``claim`` measures, in ``session``: plain data (``claims.parallel`` sends it
    between processes)."""
    return tuple(part.measure.run(session) for part in claim.parts)


def judged(claim: Claim, source: Source, measured: tuple[Measured, ...]) -> ClaimResult:
    """The verdicts of ``claim``'s parts on what they measured (``measure_parts``), and the claim's."""
    results = [PartResult(part, m, judge(RULES[part.rule], m.value, part.claimed))
               for part, m in zip(claim.parts, measured, strict=True)]
    verdicts = [r.verdict for r in results if r.verdict is not None]
    if claim.uncheckable or not verdicts:
        verdict = UNCHECKABLE
    else:
        verdict = min(verdicts, key=_ORDER.__getitem__)
    return ClaimResult(claim, source, tuple(results), verdict)


@dataclass
class Catalogue:
    """The claims and their sources, in id order; ``select`` resolves ids the user typed."""

    sources: dict[str, Source]
    claims: list[Claim] = field(default_factory=list)

    def ids(self) -> list[str]:
        return [c.id for c in self.claims]

    def get(self, claim_id: str) -> Claim | None:
        wanted = claim_id.strip().lower()
        wanted = f"c{int(wanted.lstrip('c')):02d}" if wanted.lstrip("c").isdigit() else wanted
        return next((c for c in self.claims if c.id == wanted), None)
