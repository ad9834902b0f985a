"""Training needs from service results (DOMAIN.md §3.3 steps 3–6): pure functions.

For one person and period:

- an indicator is *weak* when its score is below 80 (gates carry no weight and are left to the
  gate rule of the service-quality feature);
- a weak indicator whose primary competencies (strength 3; for an indicator without any, its
  strongest links) the person already meets at the required level is *flagged*: a probable
  process, system or staffing cause for the manager, not a reason to send the person to training;
- every other weak indicator adds to the need of each competency it links to:
  ``need(c) = Σ wᵢ · (100 − sᵢ)/100 · strength(i, c)/3``;
- the gap ``g(c) = max(0, required − current)``, no evidence counting as the full requirement;
- the priority ``P(c) = need(c) · (1 + g(c))``; the top three competencies (priority > 0) are the
  needs, each with the published courses that develop it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

WEAK_BELOW = 80.0
TOP = 3


@dataclass(frozen=True)
class IndicatorScore:
    """One indicator of the person in the period: its score, weight and competency links."""

    code: str
    score: float
    weight: float | None
    #: competency code -> strength 1–3
    links: Mapping[str, int]


@dataclass
class Need:
    """A competency the person needs training in, and why."""

    code: str
    need: float
    gap: int
    priority: float
    #: (indicator code, score) of the weak indicators behind the need, weakest first
    because: list[tuple[str, float]] = field(default_factory=list)


@dataclass(frozen=True)
class Flag:
    """A weak indicator whose primary competencies are met: probably not a training matter."""

    indicator: str
    score: float
    #: the primary competencies, all at or above the required level
    met: tuple[str, ...]


def gap(required: int | None, current: int | None) -> int:
    """Levels missing: max(0, required − current); no evidence counts as the full requirement."""
    if required is None:
        return 0
    return max(0, required - (current or 0))


def primary_links(links: Mapping[str, int]) -> tuple[str, ...]:
    """The strength-3 links, or the strongest ones when an indicator has none of strength 3."""
    if not links:
        return ()
    strongest = max(links.values())
    return tuple(sorted(code for code, strength in links.items() if strength == strongest))


def training_needs(
    indicators: Sequence[IndicatorScore],
    required: Mapping[str, int],
    current: Mapping[str, int | None],
    *,
    top: int = TOP,
) -> tuple[list[Need], list[Flag]]:
    """The person's top needs (priority > 0, highest first) and the flagged weak indicators."""
    needs: dict[str, Need] = {}
    flags: list[Flag] = []
    weak = sorted(
        (i for i in indicators if i.weight and i.score < WEAK_BELOW), key=lambda i: i.score
    )
    for indicator in weak:
        primary = primary_links(indicator.links)
        if primary and all(gap(required.get(c), current.get(c)) == 0 for c in primary):
            flags.append(Flag(indicator.code, indicator.score, primary))
            continue
        for code, strength in indicator.links.items():
            contribution = indicator.weight * (100 - indicator.score) / 100 * strength / 3
            item = needs.get(code)
            if item is None:
                item = needs[code] = Need(code, 0.0, gap(required.get(code), current.get(code)), 0)
            item.need += contribution
            item.because.append((indicator.code, indicator.score))
    for item in needs.values():
        item.priority = item.need * (1 + item.gap)
    ranked = sorted(
        (n for n in needs.values() if n.priority > 0), key=lambda n: (-n.priority, n.code)
    )
    return ranked[:top], flags


def average_scores(periods: Sequence[Sequence[IndicatorScore]]) -> list[IndicatorScore]:
    """Each indicator's mean score over the periods it has a score in (the latest weight and
    links): the "average of the last three months" option."""
    by_code: dict[str, list[IndicatorScore]] = {}
    for period in periods:
        for item in period:
            by_code.setdefault(item.code, []).append(item)
    return [
        IndicatorScore(
            code,
            sum(i.score for i in items) / len(items),
            items[-1].weight,
            items[-1].links,
        )
        for code, items in sorted(by_code.items())
    ]
