"""Read side of competency evidence: the rule's inputs for many people in a few queries, and a
person's competencies computed live with the evidence behind each level.

Quiz evidence is read from the quiz engine's ``attempt_competency_result`` rows (finished,
graded, not previews); other evidence from ``competency_evidence`` (not withdrawn).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.competencies import queries
from app.competencies.models import Competency, Evidence
from app.competencies.rule import Evidence as RuleEvidence
from app.competencies.rule import LevelResult, QuizResult, current_level
from app.core import clock
from app.extensions import db
from app.quizzes.models import Attempt, AttemptCompetencyResult

#: how many people one batch of queries covers (keeps every IN list bounded)
CHUNK = 500


def chunks(ids: list[int], size: int = CHUNK):
    """``ids`` in slices of at most ``size``."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def quiz_results(user_ids: list[int], codes: Iterable[str] | None = None):
    """(user id, code) -> [QuizResult] for finished, graded, real attempts (one query)."""
    validity = dict(db.session.execute(select(Competency.code, Competency.validity_months)).all())
    query = (
        select(
            Attempt.user_id,
            Attempt.id,
            Attempt.finished_at,
            AttemptCompetencyResult.code,
            AttemptCompetencyResult.difficulty,
            AttemptCompetencyResult.earned,
            AttemptCompetencyResult.available,
            AttemptCompetencyResult.n_questions,
        )
        .join(Attempt, Attempt.id == AttemptCompetencyResult.attempt_id)
        .where(
            Attempt.user_id.in_(user_ids),
            Attempt.state == "finished",
            Attempt.is_preview.is_(False),
            Attempt.needs_grading.is_(False),
            Attempt.finished_at.is_not(None),
        )
    )
    if codes is not None:
        query = query.where(AttemptCompetencyResult.code.in_(list(codes)))
    found: dict[tuple[int, str], list[QuizResult]] = defaultdict(list)
    for user_id, attempt_id, at, code, difficulty, earned, available, n in db.session.execute(
        query
    ):
        months = validity.get(code)
        if months is None:
            continue  # a code no longer in the framework
        found[(user_id, code)].append(
            QuizResult(
                attempt_id, difficulty, earned, available, n, at, clock.add_months(at, months)
            )
        )
    return found


def other_evidence(user_ids: list[int], codes: Iterable[str] | None = None):
    """(user id, code) -> [Evidence rows] not withdrawn (one query)."""
    query = (
        select(Evidence, Competency.code)
        .join(Competency, Competency.id == Evidence.competency_id)
        .where(Evidence.user_id.in_(user_ids), Evidence.withdrawn_at.is_(None))
    )
    if codes is not None:
        query = query.where(Competency.code.in_(list(codes)))
    found: dict[tuple[int, str], list[Evidence]] = defaultdict(list)
    for row, code in db.session.execute(query):
        found[(row.user_id, code)].append(row)
    return found


def as_rule_evidence(row: Evidence) -> RuleEvidence:
    """A stored evidence row as the rule reads it."""
    return RuleEvidence(
        row.source,
        row.source_id or row.id,
        row.level,
        row.observed_at,
        row.valid_until,
        row.rater_role,
    )


@dataclass
class CompetencyState:
    """One competency of one person: required and current level with the evidence behind it."""

    competency: Competency
    required: int | None
    result: LevelResult
    #: every stored evidence row of the person for this competency (valid or not)
    rows: list[Evidence]
    #: every quiz result of the person for this competency (valid or not)
    quiz: list[QuizResult]

    @property
    def current(self) -> int | None:
        """The current level (None without evidence that reaches level 1)."""
        return self.result.level

    @property
    def gap(self) -> int:
        """How many levels below the requirement (no evidence counts as the full requirement)."""
        if self.required is None:
            return 0
        return max(0, self.required - (self.current or 0))


def person_states(person, now: datetime | None = None) -> list[CompetencyState]:
    """Every active competency of ``person``: required, current, evidence (five queries)."""
    now = now or clock.now()
    required = queries.required_levels(clock.local_today(now)).get(person.job_role_id, {})
    quiz = quiz_results([person.id])
    stored = other_evidence([person.id])
    states = []
    for competency in queries.active_competencies():
        rows = stored.get((person.id, competency.code), [])
        results = quiz.get((person.id, competency.code), [])
        outcome = current_level(results, [as_rule_evidence(r) for r in rows], now=now)
        states.append(
            CompetencyState(competency, required.get(competency.code), outcome, rows, results)
        )
    return states


def people_with_evidence() -> set[int]:
    """Everyone with a graded quiz result or a stored piece of evidence (two queries)."""
    people = set(
        db.session.scalars(
            select(Attempt.user_id)
            .join(AttemptCompetencyResult, AttemptCompetencyResult.attempt_id == Attempt.id)
            .where(Attempt.state == "finished", Attempt.is_preview.is_(False))
            .distinct()
        )
    )
    people |= set(db.session.scalars(select(Evidence.user_id).distinct()))
    return people


def completions_without_evidence() -> list:
    """Completed enrolments of courses with competencies that have no completion evidence yet."""
    from app.courses.models import CourseCompetency, Enrolment

    has_evidence = select(Evidence.source_id).where(Evidence.source == "course_completion")
    with_competencies = select(CourseCompetency.course_id)
    return list(
        db.session.scalars(
            select(Enrolment).where(
                Enrolment.completed_at.is_not(None),
                Enrolment.course_id.in_(with_competencies),
                Enrolment.id.not_in(has_evidence),
            )
        )
    )
