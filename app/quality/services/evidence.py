"""Service results as competency evidence: an indicator at or better than its target for two
consecutive periods is ``service_quality`` evidence of level 3 for each of its strength-3
competencies (the level rule's "linked KPIs at target for 2 periods", ``app.quality.streaks``).

Each piece is keyed by the later period's score (``source_id``) and the competency, observed at
the end of that period and valid for the competency's ``validity_months`` like any evidence. When
a later import, correction or upheld contest breaks the condition (a value no longer at target,
a value removed) the piece is withdrawn (``withdrawn_at``, kept on record), and comes back if the
condition holds again. Runs from the ``scores_changed`` hook inside the caller's unit of work and
recomputes the levels of the people whose evidence changed (deferred inside
``levels_recomputed_once``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from app.competencies.models import Evidence
from app.competencies.services.evidence import _recompute_or_defer
from app.core import clock
from app.extensions import db
from app.quality import periods as months
from app.quality import queries_follow as follow
from app.quality import streaks

SOURCE = "service_quality"
#: the level two periods at target support (DOMAIN.md §2.2)
LEVEL = 3


@dataclass
class EvidenceReport:
    """What a synchronisation did."""

    added: int = 0
    withdrawn: int = 0
    restored: int = 0
    people: set[int] = field(default_factory=set)

    @property
    def n_changes(self) -> int:
        """Pieces of evidence added, withdrawn or restored."""
        return self.added + self.withdrawn + self.restored


def end_of(period: str) -> datetime:
    """The last second of a period in the company's zone, as UTC (when its evidence is seen)."""
    start_next = datetime.combine(
        months.first_day(months.shift(period, 1)), time(0), tzinfo=clock.local_zone()
    )
    return start_next.astimezone(UTC) - timedelta(seconds=1)


def sync_evidence(
    user_ids: Iterable[int], later_periods: Iterable[str] | None = None
) -> EvidenceReport:
    """Bring these people's service evidence in line with their values: the streaks whose later
    period is in ``later_periods`` (every period when None). Flushes; never commits."""
    people = sorted(set(user_ids))
    report = EvidenceReport()
    if not people:
        return report
    wanted_later = None if later_periods is None else set(later_periods)
    window = (
        None
        if wanted_later is None
        else sorted(wanted_later | {months.shift(p, -1) for p in wanted_later})
    )
    rows = follow.observation_rows(people, window)
    in_force = follow.plain_parameters(follow.parameters_by_period({row[3] for row in rows}))
    found = streaks.streaks(streaks.judge(rows, in_force), wanted_later)
    links = follow.primary_competencies()
    wanted: dict[tuple[int, int], tuple[streaks.Streak, int, str]] = {}
    for streak in found:
        for competency_id, code, validity in links.get(streak.indicator_id, []):
            wanted[(streak.score_id, competency_id)] = (streak, validity, code)
    existing = {
        (e.source_id, e.competency_id): e for e in follow.service_evidence(people, wanted_later)
    }
    now = clock.now()
    codes: set[str] = set()
    code_of = {cid: code for items in links.values() for cid, code, _v in items}
    for key, evidence in existing.items():
        if key in wanted and evidence.withdrawn_at is not None:
            evidence.withdrawn_at = None
            report.restored += 1
        elif key not in wanted and evidence.withdrawn_at is None:
            evidence.withdrawn_at = now
            report.withdrawn += 1
        else:
            continue
        report.people.add(evidence.user_id)
        codes.add(code_of.get(evidence.competency_id) or evidence.competency.code)
    new_rows = []
    for key, (streak, validity, code) in wanted.items():
        if key in existing:
            continue
        observed = end_of(streak.period)
        new_rows.append(
            {
                "user_id": streak.user_id,
                "competency_id": key[1],
                "source": SOURCE,
                "source_id": streak.score_id,
                "level": LEVEL,
                "observed_at": observed,
                "valid_until": clock.add_months(observed, validity),
                "note": f"{streak.first_period} {streak.period}",
                "created_at": now,
            }
        )
        report.people.add(streak.user_id)
        codes.add(code)
    for start in range(0, len(new_rows), 5000):
        db.session.execute(Evidence.__table__.insert(), new_rows[start : start + 5000])
    report.added = len(new_rows)
    db.session.flush()
    if report.people:
        _recompute_or_defer(sorted(report.people), sorted(codes))
    return report


def sync_all_evidence() -> EvidenceReport:
    """Every person's service evidence over every period (the demo, after a change of links)."""
    return sync_evidence(follow.people_with_scores(), None)
