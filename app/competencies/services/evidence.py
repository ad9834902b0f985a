"""Competency evidence and levels: ratings, course completions, and keeping every person's
current level up to date as evidence arrives and expires.

Levels are stored in ``competency_level`` (the matrix reads them); ``recompute`` runs the level
rule for some people and competencies in a few queries per 500 people and writes the results.
Hook handlers here run inside the caller's unit of work (a finished attempt, a completed course).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.competencies import evidence_read as read
from app.competencies.models import Competency, CompetencyLevel, Evidence
from app.competencies.rule import current_level
from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.permissions import Role, has_role, manages
from app.core.uow import transaction
from app.extensions import db
from app.quizzes.models import AttemptCompetencyResult

MAX_COMMENT = 4000


class RatingRefused(DomainError):
    """A rating could not be recorded."""


# --- keeping levels current ----------------------------------------------------------------


def _next_change(quiz, rows, now: datetime) -> datetime | None:
    """When the evidence of a cell changes: the first expiry or start still ahead."""
    moments = [r.valid_until for r in quiz] + [e.valid_until for e in rows]
    moments += [r.observed_at for r in quiz] + [e.observed_at for e in rows]
    ahead = [m for m in moments if m > now]
    return min(ahead) if ahead else None


def recompute(
    user_ids: Iterable[int], codes: Iterable[str] | None = None, *, now: datetime | None = None
) -> int:
    """Run the level rule for these people (and competencies) and store the levels.

    A few queries per 500 people whatever the number of competencies; flushes, never commits
    (the caller's unit of work owns it). Returns the number of levels written.
    """
    now = now or clock.now()
    ids = sorted({int(i) for i in user_ids})
    codes = None if codes is None else sorted(set(codes))
    competencies = {
        code: cid
        for code, cid in db.session.execute(select(Competency.code, Competency.id)).all()
        if codes is None or code in codes
    }
    written = 0
    for chunk in read.chunks(ids):
        quiz = read.quiz_results(chunk, codes)
        stored = read.other_evidence(chunk, codes)
        statement = delete(CompetencyLevel).where(CompetencyLevel.user_id.in_(chunk))
        if codes is not None:
            statement = statement.where(
                CompetencyLevel.competency_id.in_(list(competencies.values()))
            )
        db.session.execute(statement.execution_options(synchronize_session=False))
        rows = []
        for user_id, code in sorted(set(quiz) | set(stored)):
            if code not in competencies:
                continue
            results = quiz.get((user_id, code), [])
            evidence = stored.get((user_id, code), [])
            outcome = current_level(results, [read.as_rule_evidence(e) for e in evidence], now=now)
            rows.append(
                {
                    "user_id": user_id,
                    "competency_id": competencies[code],
                    "level": outcome.level,
                    "computed_at": now,
                    "next_change_at": _next_change(results, evidence, now),
                }
            )
        if rows:
            db.session.execute(CompetencyLevel.__table__.insert(), rows)
        written += len(rows)
    return written


_DEFERRED = "competencies.deferred_people"


def _recompute_or_defer(user_ids: list[int], codes: list[str]) -> None:
    deferred = db.session.info.get(_DEFERRED)
    if deferred is not None:
        deferred.update(user_ids)
    else:
        recompute(user_ids, codes)


@contextmanager
def levels_recomputed_once(now: datetime | None = None) -> Iterator[None]:
    """Within the block evidence hooks only note whose levels changed; those people are
    recomputed once at its end (bulk loads: the demo history, generated data)."""
    info = db.session.info
    info[_DEFERRED] = set()
    try:
        yield
        people = info.pop(_DEFERRED)
        if people:
            recompute(people, now=now)
    finally:
        info.pop(_DEFERRED, None)


def attempt_results_changed(attempt) -> None:
    """Hook: an attempt was finished, graded or regraded: recompute its person's levels."""
    if attempt.is_preview or attempt.user_id is None:
        return
    codes = db.session.scalars(
        select(AttemptCompetencyResult.code)
        .where(AttemptCompetencyResult.attempt_id == attempt.id)
        .distinct()
    ).all()
    if codes:
        _recompute_or_defer([attempt.user_id], codes)


def course_completed(enrolment) -> None:
    """Hook: a completed course supports min(its target level, 2) of each competency it develops."""
    if enrolment.completed_at is None:
        return
    course = enrolment.course
    targets = dict(course.competencies)
    if not targets:
        return
    competencies = {
        c.code: c
        for c in db.session.scalars(select(Competency).where(Competency.code.in_(list(targets))))
    }
    have = set(
        db.session.scalars(
            select(Evidence.competency_id).where(
                Evidence.source == "course_completion", Evidence.source_id == enrolment.id
            )
        )
    )
    for code, target in targets.items():
        competency = competencies.get(code)
        if competency is None or competency.id in have:
            continue
        db.session.add(
            Evidence(
                user_id=enrolment.user_id,
                competency_id=competency.id,
                source="course_completion",
                source_id=enrolment.id,
                level=min(int(target), 2),
                observed_at=enrolment.completed_at,
                valid_until=clock.add_months(enrolment.completed_at, competency.validity_months),
                note=course.title[:200],
            )
        )
    db.session.flush()
    _recompute_or_defer([enrolment.user_id], list(targets))


# --- ratings -------------------------------------------------------------------------------


def rater_role(actor, person) -> str | None:
    """As what ``actor`` may rate ``person``: hr, trainer or manager (None: may not rate)."""
    if actor is None or getattr(actor, "id", None) == person.id:
        return None
    if has_role(actor, Role.HR):
        return "hr"
    if has_role(actor, Role.TRAINER):
        return "trainer"
    if manages(actor, person):
        return "manager"
    return None


@transaction
def record_rating(actor, person, competency: Competency, level: int, comment: str) -> Evidence:
    """A trainer, HR or the person's manager rates the person's level as seen on the job."""
    role = rater_role(actor, person)
    if role is None:
        raise RatingRefused(_("Only trainers, HR and the person's managers may rate them."))
    if competency.is_retired:
        raise RatingRefused(_("%(code)s is retired.", code=competency.code))
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
        raise RatingRefused(_("A rating is a level from 1 to 5."))
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise RatingRefused(_("A comment has at most %(n)d characters.", n=MAX_COMMENT))
    now = clock.now()
    rating = Evidence(
        user_id=person.id,
        competency_id=competency.id,
        source="rating",
        source_id=0,
        level=level,
        observed_at=now,
        valid_until=clock.add_months(now, competency.validity_months),
        author_id=actor.id,
        rater_role=role,
        note=comment,
    )
    db.session.add(rating)
    db.session.flush()
    rating.source_id = rating.id
    record_audit(
        actor,
        "competency.rating",
        rating,
        None,
        {"person": person.employee_no, "code": competency.code, "level": level, "as": role},
    )
    recompute([person.id], [competency.code], now=now)
    return rating


# --- the daily refresh ---------------------------------------------------------------------


@dataclass
class RefreshReport:
    """What a refresh did."""

    completions_added: int = 0
    levels_recomputed: int = 0
    people: int = 0


@transaction
def refresh(*, everyone: bool = False, now: datetime | None = None) -> RefreshReport:
    """Recompute the levels whose evidence expired or started to count since (idempotent).

    ``everyone`` recomputes every person with evidence (after a rule or framework change).
    Also adds the course-completion evidence of completions that have none yet.
    """
    now = now or clock.now()
    report = RefreshReport()
    for enrolment in read.completions_without_evidence():
        course_completed(enrolment)
        report.completions_added += 1
    if everyone:
        people = read.people_with_evidence()
    else:
        people = set(
            db.session.scalars(
                select(CompetencyLevel.user_id)
                .where(CompetencyLevel.next_change_at <= now)
                .distinct()
            )
        )
    report.people = len(people)
    report.levels_recomputed = recompute(people, now=now) if people else 0
    return report


def recompute_all(now: datetime | None = None) -> int:
    """Recompute every level of every person with evidence (no commit)."""
    people = read.people_with_evidence()
    return recompute(people, now=now) if people else 0


def current_levels(person_ids: list[int]) -> dict[tuple[int, str], int | None]:
    """(user id, code) -> stored current level (one query per 500 people)."""
    found: dict[tuple[int, str], int | None] = {}
    for chunk in read.chunks(sorted(set(person_ids))):
        rows = db.session.execute(
            select(CompetencyLevel.user_id, Competency.code, CompetencyLevel.level)
            .join(Competency, Competency.id == CompetencyLevel.competency_id)
            .where(CompetencyLevel.user_id.in_(chunk))
        )
        for user_id, code, level in rows:
            found[(user_id, code)] = level
    return found
