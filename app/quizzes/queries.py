"""Read-side queries of quizzes: who may take a quiz and with which settings, what a random slot
can draw, an attempt's saved responses, what its review shows, and the authoring lists.

Nothing here writes; the services (``app.quizzes.services``) build on these reads.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import g, has_request_context
from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.bank.models import Category, Question, QuestionCompetency, QuestionTag, QuestionVersion
from app.bank.qtypes import QTYPES
from app.core import clock, hooks
from app.extensions import db
from app.org.models import Department, User
from app.quizzes.models import (
    REVIEW_ITEMS,
    Attempt,
    AttemptSlot,
    Quiz,
    QuizAudience,
    QuizOverride,
    QuizSlot,
    ResponseStep,
)

#: how long after finishing the "immediately" review options apply (Moodle: 2 minutes)
IMMEDIATE_REVIEW = timedelta(minutes=2)

# --- who may take a quiz ------------------------------------------------------------------


def accessible_quiz_ids(user):
    """Select the ids of the quizzes whose audience includes ``user`` (one SQL statement)."""
    conditions = [QuizAudience.user_id == user.id]
    if user.job_role_id is not None:
        conditions.append(QuizAudience.job_role_id == user.job_role_id)
    if user.department is not None:
        # The user's department lies in the subtree of an audience department.
        conditions.append(
            QuizAudience.department_id.in_(
                select(Department.id).where(
                    literal(user.department.path).startswith(Department.path)
                )
            )
        )
    query = select(QuizAudience.quiz_id).where(or_(*conditions))
    # Other features open quizzes too (courses: to enrolled learners).
    for extra in hooks.fire("quiz_access", user):
        query = query.union(extra)
    return query


def in_audience(user, quiz: Quiz) -> bool:
    """True when ``user`` may take ``quiz`` (departments with subtrees, roles, people, hooks).

    Asked once per request: a start checks it in the loader and again in the service, and on
    exam day hundreds of starts arrive at once."""
    known = g.setdefault("quiz_audience", {}) if has_request_context() else {}
    key = (user.id, quiz.id)
    if key not in known:
        ids = accessible_quiz_ids(user).subquery()
        known[key] = bool(
            db.session.scalar(select(func.count()).select_from(ids).where(ids.c.quiz_id == quiz.id))
        )
    return known[key]


def attempts_used(user, quiz: Quiz) -> int:
    """Real (non-preview) attempts ``user`` has started on ``quiz``."""
    return db.session.scalar(
        select(func.count(Attempt.id)).where(
            Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.is_preview.is_(False)
        )
    )


@dataclass(frozen=True)
class Settings:
    """The times, limit and attempts that apply to one person (after overrides)."""

    open_at: datetime | None
    close_at: datetime | None
    time_limit_minutes: int | None
    attempts_allowed: int

    @classmethod
    def of(cls, quiz: Quiz) -> "Settings":
        """The quiz's own settings."""
        return cls(quiz.open_at, quiz.close_at, quiz.time_limit_minutes, quiz.attempts_allowed)


OVERRIDE_FIELDS = ("open_at", "close_at", "time_limit_minutes", "attempts_allowed")


def overrides_for(user, quiz_ids) -> dict[int, list[QuizOverride]]:
    """The overrides touching ``user`` (theirs, or their department's and its parents'), by quiz."""
    conditions = [QuizOverride.user_id == user.id]
    if user.department is not None:
        ancestors = select(Department.id).where(
            literal(user.department.path).startswith(Department.path)
        )
        conditions.append(QuizOverride.department_id.in_(ancestors))
    rows = db.session.scalars(
        select(QuizOverride)
        .where(QuizOverride.quiz_id.in_(list(quiz_ids)), or_(*conditions))
        .options(joinedload(QuizOverride.department))
    ).all()
    found: dict[int, list[QuizOverride]] = defaultdict(list)
    for row in rows:
        found[row.quiz_id].append(row)
    return found


def effective_settings(quiz: Quiz, user, overrides: list | None = None) -> Settings:
    """The quiz's settings for ``user``: person over department (deepest first) over quiz."""
    if overrides is None:
        overrides = overrides_for(user, [quiz.id]).get(quiz.id, [])
    values = {name: getattr(quiz, name) for name in OVERRIDE_FIELDS}

    def weight(row):
        return (1, 0) if row.user_id else (0, row.department.path.count("/"))

    for row in sorted(overrides, key=weight):
        for name in OVERRIDE_FIELDS:
            if getattr(row, name) is not None:
                values[name] = getattr(row, name)
    return Settings(**values)


def attempts_left(quiz: Quiz, used: int, settings: Settings | None = None) -> int | None:
    """Attempts still allowed after ``used`` (None = unlimited)."""
    allowed = (settings or Settings.of(quiz)).attempts_allowed
    if allowed == 0:
        return None
    return max(0, allowed - used)


def is_open(quiz: Quiz, now: datetime, settings: Settings | None = None) -> bool:
    """Published and within its (possibly overridden) open/close times."""
    settings = settings or Settings.of(quiz)
    return (
        quiz.is_published
        and (settings.open_at is None or now >= settings.open_at)
        and (settings.close_at is None or now < settings.close_at)
    )


def overrides_of(quiz: Quiz) -> list[QuizOverride]:
    """Every override of ``quiz``, oldest first (the overrides page)."""
    return db.session.scalars(
        select(QuizOverride).where(QuizOverride.quiz_id == quiz.id).order_by(QuizOverride.id)
    ).all()


def available_quizzes(user, now) -> list[dict]:
    """Published quizzes open to ``user`` that have not closed for them, with attempts left.

    Overrides apply (a person's or department's extra time or later close); two queries.
    """
    used = (
        select(
            Attempt.quiz_id,
            func.count(Attempt.id).label("used"),
            func.max(Attempt.id).filter(Attempt.state == "in_progress").label("open_id"),
        )
        .where(Attempt.user_id == user.id, Attempt.is_preview.is_(False))
        .group_by(Attempt.quiz_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Quiz, func.coalesce(used.c.used, 0), used.c.open_id)
        .outerjoin(used, used.c.quiz_id == Quiz.id)
        .where(Quiz.id.in_(accessible_quiz_ids(user)), Quiz.is_published.is_(True))
        .order_by(Quiz.title)
    ).all()
    overrides = overrides_for(user, [quiz.id for quiz, _u, _o in rows]) if rows else {}
    found = []
    for quiz, n_used, open_id in rows:
        settings = effective_settings(quiz, user, overrides.get(quiz.id, []))
        if settings.close_at is not None and settings.close_at <= now:
            continue
        found.append(
            {
                "quiz": quiz,
                "settings": settings,
                "used": n_used,
                "left": attempts_left(quiz, n_used, settings),
                "in_progress_id": open_id,
                "not_yet_open": settings.open_at is not None and now < settings.open_at,
            }
        )
    far = now.replace(year=9999)
    return sorted(found, key=lambda row: (row["settings"].close_at or far, row["quiz"].title))


# --- authoring ----------------------------------------------------------------------------


def authoring_list() -> list[tuple[Quiz, int, int]]:
    """Every quiz with its number of slots and of real attempts (one query)."""
    slots = (
        select(QuizSlot.quiz_id, func.count(QuizSlot.id).label("n"))
        .group_by(QuizSlot.quiz_id)
        .subquery()
    )
    attempts = (
        select(Attempt.quiz_id, func.count(Attempt.id).label("n"))
        .where(Attempt.is_preview.is_(False))
        .group_by(Attempt.quiz_id)
        .subquery()
    )
    return db.session.execute(
        select(Quiz, func.coalesce(slots.c.n, 0), func.coalesce(attempts.c.n, 0))
        .outerjoin(slots, slots.c.quiz_id == Quiz.id)
        .outerjoin(attempts, attempts.c.quiz_id == Quiz.id)
        .order_by(Quiz.updated_at.desc())
    ).all()


def categories_by_name() -> list[Category]:
    """Every bank category ordered by its full name (the random-slot form)."""
    return db.session.scalars(select(Category).order_by(Category.full_name)).all()


def people_by_employee_no(numbers) -> list[User]:
    """The people with these employee numbers (unknown numbers are simply absent)."""
    return db.session.scalars(select(User).where(User.employee_no.in_(list(numbers)))).all()


def latest_version(question: Question) -> QuestionVersion:
    """The question's newest version."""
    return db.session.scalar(
        select(QuestionVersion).where(
            QuestionVersion.question_id == question.id,
            QuestionVersion.number == question.latest_number,
        )
    )


def search_questions(
    text: str = "", category: Category | None = None, limit: int = 50
) -> list[QuestionVersion]:
    """Latest versions of the questions not retired whose key or name holds ``text`` (every
    one when it is empty), in ``category`` and its subcategories if given: the quiz builder's
    search, so a trainer adds questions by clicking."""
    query = (
        select(QuestionVersion)
        .join(Question, QuestionVersion.question_id == Question.id)
        .where(QuestionVersion.number == Question.latest_number, Question.status != "retired")
        .options(joinedload(QuestionVersion.question))
    )
    if text.strip():
        like = f"%{text.strip()}%"
        query = query.where(or_(Question.key.ilike(like), QuestionVersion.name.ilike(like)))
    if category is not None:
        query = query.join(Category, Question.category_id == Category.id).where(
            Category.path.startswith(category.path)
        )
    return db.session.scalars(query.order_by(Question.key).limit(limit)).all()


def fixed_slot_versions(quiz: Quiz) -> dict[int, QuestionVersion]:
    """Question id -> the latest version of each fixed slot's question (the slot list shows
    its name, type, competencies and difficulty; one query)."""
    ids = [slot.question_id for slot in quiz.slots if slot.kind == "fixed"]
    return latest_versions_of(ids) if ids else {}


def unready_fixed_questions(quiz: Quiz) -> list[QuestionVersion]:
    """The latest versions of the fixed slots' questions that are not ready (drafts, retired):
    a quiz is published only once there are none."""
    unready = [
        s.question_id for s in quiz.slots if s.kind == "fixed" and s.question.status != "ready"
    ]
    latest = latest_versions_of(unready) if unready else {}
    return [latest[question_id] for question_id in unready if question_id in latest]


# --- drawing questions --------------------------------------------------------------------


def _latest_ready_versions(slot: QuizSlot, *columns):
    """Select the latest version of every ready question a random slot may draw (or only
    ``columns`` of those versions)."""
    category = slot.category
    query = (
        select(*(columns or (QuestionVersion,)))
        .select_from(QuestionVersion)
        .join(Question, QuestionVersion.question_id == Question.id)
        .join(Category, Question.category_id == Category.id)
        .where(
            QuestionVersion.number == Question.latest_number,
            Question.status == "ready",
            QuestionVersion.qtype.in_([n for n, q in QTYPES.items() if q.is_drawable]),
        )
    )
    if slot.include_subcategories:
        query = query.where(Category.path.startswith(category.path))
    else:
        query = query.where(Category.id == category.id)
    if slot.competency:
        query = query.where(
            QuestionVersion.id.in_(
                select(QuestionCompetency.version_id).where(
                    QuestionCompetency.code == slot.competency
                )
            )
        )
    if slot.difficulty:
        query = query.where(QuestionVersion.difficulty == slot.difficulty)
    if slot.tag:
        query = query.where(
            Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag == slot.tag))
        )
    return query


def count_candidates(slot: QuizSlot) -> int:
    """How many questions a random slot can draw from now."""
    return db.session.scalar(
        select(func.count()).select_from(_latest_ready_versions(slot).subquery())
    )


def random_pool(slot: QuizSlot) -> list[tuple[int, int]]:
    """(version id, question id) of every version a random slot may draw now, in a stable
    order: ids only, so a large pool costs one light query; the drawn few are loaded after."""
    query = _latest_ready_versions(slot, QuestionVersion.id, QuestionVersion.question_id)
    return [tuple(row) for row in db.session.execute(query.order_by(QuestionVersion.id))]


def versions_by_id(version_ids) -> dict[int, QuestionVersion]:
    """Version id -> the question version, for these ids (one query)."""
    ids = list(version_ids)
    if not ids:
        return {}
    return {
        v.id: v
        for v in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(ids)))
    }


def latest_versions_of(question_ids) -> dict[int, QuestionVersion]:
    """Question id -> its latest version, for these questions (one query)."""
    return {
        v.question_id: v
        for v in db.session.scalars(
            select(QuestionVersion)
            .join(Question, QuestionVersion.question_id == Question.id)
            .where(
                Question.id.in_(list(question_ids)),
                QuestionVersion.number == Question.latest_number,
            )
        )
    }


# --- attempts -----------------------------------------------------------------------------


def my_attempts(user, quiz: Quiz) -> list[Attempt]:
    """The person's attempts at a quiz, newest first."""
    return db.session.scalars(
        select(Attempt)
        .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)
        .order_by(Attempt.is_preview, Attempt.number.desc())
    ).all()


def attempt_with_versions(attempt_id: int) -> Attempt | None:
    """An attempt with its slots and their question versions loaded (a fixed number of queries)."""
    return db.session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .options(
            selectinload(Attempt.slots)
            .selectinload(AttemptSlot.version)
            .selectinload(QuestionVersion.competency_rows)
        )
    )


def attempt_and_slot(
    attempt_id: int, slot_number: int
) -> tuple[Attempt, AttemptSlot | None] | None:
    """An attempt and its slot ``slot_number`` with the slot's question version, in one query
    (the autosave's read: it needs nothing else); None when there is no such attempt."""
    row = db.session.execute(
        select(Attempt, AttemptSlot)
        .outerjoin(
            AttemptSlot,
            (AttemptSlot.attempt_id == Attempt.id) & (AttemptSlot.number == slot_number),
        )
        .where(Attempt.id == attempt_id)
        .options(joinedload(AttemptSlot.version).lazyload(QuestionVersion.competency_rows))
    ).first()
    return None if row is None else (row[0], row[1])


def in_progress_attempt(user, quiz: Quiz, *, preview: bool = False) -> Attempt | None:
    """The user's attempt in progress on ``quiz``, if any."""
    return db.session.scalar(
        select(Attempt).where(
            Attempt.quiz_id == quiz.id,
            Attempt.user_id == user.id,
            Attempt.state == "in_progress",
            Attempt.is_preview.is_(preview),
        )
    )


def _newest_seq(*conditions):
    """Subquery: the highest sequence per slot among the steps meeting ``conditions``."""
    return (
        select(ResponseStep.attempt_slot_id, func.max(ResponseStep.seq).label("seq"))
        .join(AttemptSlot, ResponseStep.attempt_slot_id == AttemptSlot.id)
        .where(*conditions)
        .group_by(ResponseStep.attempt_slot_id)
        .subquery()
    )


def _is_newest(newest):
    return (ResponseStep.attempt_slot_id == newest.c.attempt_slot_id) & (
        ResponseStep.seq == newest.c.seq
    )


def latest_steps(attempt: Attempt, until: datetime | None = None) -> dict[int, ResponseStep]:
    """The current step of each slot (highest sequence), among steps saved by ``until`` if given."""
    conditions = [AttemptSlot.attempt_id == attempt.id]
    if until is not None:
        conditions.append(ResponseStep.saved_at <= until)
    newest = _newest_seq(*conditions)
    steps = db.session.scalars(select(ResponseStep).join(newest, _is_newest(newest)))
    return {step.attempt_slot_id: step for step in steps}


def current_responses(attempt: Attempt) -> dict[int, object]:
    """Slot number -> the saved response (slots never answered are absent)."""
    steps = latest_steps(attempt)
    return {slot.number: steps[slot.id].value for slot in attempt.slots if slot.id in steps}


def current_values(slot_ids) -> dict[int, object]:
    """Slot id -> its saved response, for many slots of any attempts (one query)."""
    if not slot_ids:
        return {}
    newest = _newest_seq(ResponseStep.attempt_slot_id.in_(list(slot_ids)))
    return dict(
        db.session.execute(
            select(ResponseStep.attempt_slot_id, ResponseStep.value).join(
                newest, _is_newest(newest)
            )
        ).all()
    )


# --- review -------------------------------------------------------------------------------


def review_time(quiz: Quiz, attempt: Attempt, now: datetime) -> str:
    """Which review column applies now: immediately, open (later, while open) or closed."""
    if quiz.close_at is not None and now >= quiz.close_at:
        return "closed"
    if attempt.finished_at is not None and now - attempt.finished_at <= IMMEDIATE_REVIEW:
        return "immediately"
    return "open"


def review_allows(quiz: Quiz, attempt: Attempt, now: datetime | None = None) -> set[str]:
    """What the person may see of a finished attempt now: marks, correct, feedback."""
    if attempt.state != "finished":
        return set()
    if attempt.is_preview:
        return set(REVIEW_ITEMS)
    options = quiz.review_options or {}
    return set(options.get(review_time(quiz, attempt, now or clock.now()), ()))


def quiz_grade(quiz: Quiz, user) -> float | None:
    """The person's grade for the quiz by its grading method (None before a graded attempt)."""
    marks = (
        db.session.execute(
            select(Attempt.mark)
            .where(
                Attempt.quiz_id == quiz.id,
                Attempt.user_id == user.id,
                Attempt.is_preview.is_(False),
                Attempt.state == "finished",
                Attempt.mark.is_not(None),
            )
            .order_by(Attempt.number)
        )
        .scalars()
        .all()
    )
    if not marks:
        return None
    return {
        "highest": max(marks),
        "average": sum(marks) / len(marks),
        "first": marks[0],
        "last": marks[-1],
    }[quiz.grading_method]


def has_met_version(user, version_id: int) -> bool:
    """True when ``version_id`` is a question version of one of ``user``'s attempts (to answer
    or to review): its embedded files are theirs to see."""
    return (
        db.session.scalar(
            select(AttemptSlot.id)
            .join(Attempt, AttemptSlot.attempt_id == Attempt.id)
            .where(Attempt.user_id == user.id, AttemptSlot.question_version_id == version_id)
            .limit(1)
        )
        is not None
    )
