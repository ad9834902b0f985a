"""The kinds of competency evidence: a registry (hook point ``evidence_source``).

Each source names itself, says what its evidence is called, and describes its records for the
evidence trail: ``describe(source_ids)`` returns, for each id, a title and a link, in one query
for all ids. The service-quality feature connects its own source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import hooks
from app.extensions import db


@dataclass(frozen=True)
class EvidenceSource:
    """A kind of evidence: its name, its label and how to describe and link its records."""

    name: str
    label: object  #: a lazy translated string
    describe: Callable[[list[int]], dict[int, tuple[str, str | None]]]


def _quiz_attempts(ids: list[int]) -> dict[int, tuple[str, str | None]]:
    from app.quizzes.models import Attempt, Quiz

    rows = db.session.execute(
        select(Attempt.id, Quiz.title, Attempt.number)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.id.in_(ids))
    )
    return {
        attempt_id: (f"{title} #{number}", url_for("quizzes.review", attempt_id=attempt_id))
        for attempt_id, title, number in rows
    }


def _course_completions(ids: list[int]) -> dict[int, tuple[str, str | None]]:
    from app.courses.models import Course, Enrolment

    rows = db.session.execute(
        select(Enrolment.id, Course.id, Course.title)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.id.in_(ids))
    )
    return {
        enrolment_id: (title, url_for("courses.learn", course_id=course_id))
        for enrolment_id, course_id, title in rows
    }


def _ratings(ids: list[int]) -> dict[int, tuple[str, str | None]]:
    from app.competencies.models import Evidence
    from app.org.models import User

    rows = db.session.execute(
        select(Evidence.id, User.name)
        .outerjoin(User, User.id == Evidence.author_id)
        .where(Evidence.id.in_(ids))
    )
    return {rating_id: (name or "—", None) for rating_id, name in rows}


BUILT_IN = (
    EvidenceSource("quiz_attempt", _l("Quiz result"), _quiz_attempts),
    EvidenceSource("course_completion", _l("Course completed"), _course_completions),
    EvidenceSource("rating", _l("Rating"), _ratings),
)


def registered() -> dict[str, EvidenceSource]:
    """Source name -> source, for the current app."""
    return {source.name: source for source in hooks.handlers("evidence_source")}


def describe(items: Iterable[tuple[str, int]]) -> dict[tuple[str, int], tuple[str, str | None]]:
    """(source, id) -> (title, link) for the evidence trail: one query per source used."""
    by_source: dict[str, list[int]] = {}
    for source, source_id in items:
        by_source.setdefault(source, []).append(source_id)
    sources = registered()
    found: dict[tuple[str, int], tuple[str, str | None]] = {}
    for source, ids in by_source.items():
        if source in sources:
            for source_id, described in sources[source].describe(sorted(set(ids))).items():
                found[(source, source_id)] = described
    return found


def label(source: str) -> str:
    """How users see a source's name ("Quiz result" …)."""
    found = registered().get(source)
    return str(found.label) if found is not None else source
