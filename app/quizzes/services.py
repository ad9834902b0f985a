"""Use cases of quizzes and attempts: authoring, starting, saving, submitting, grading.

The attempt row is the serialisation point. Every save and the submit begin with a conditional
``UPDATE attempt ... WHERE state = 'in_progress'``: it locks the row (PostgreSQL) or takes the
write lock (SQLite), so a save and a submit of the same attempt never interleave, a save after the
finish is refused, and two submits grade once (the loser reads what the winner wrote).
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.bank.models import Category, Question, QuestionCompetency, QuestionTag, QuestionVersion
from app.bank.qtypes import COMPETENCY_CODES, QTYPES
from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.permissions import Role, has_role
from app.extensions import db
from app.org.models import Department
from app.quizzes.models import (
    GRADING_METHODS,
    REVIEW_ITEMS,
    REVIEW_TIMES,
    Attempt,
    AttemptCompetencyResult,
    AttemptSlot,
    Quiz,
    QuizAudience,
    QuizOverride,
    QuizSlot,
    ResponseStep,
)

#: how long after finishing the "immediately" review options apply (Moodle: 2 minutes)
IMMEDIATE_REVIEW = timedelta(minutes=2)
MAX_TIME_LIMIT_MINUTES = 600


class QuizError(DomainError):
    """A quiz use case refused."""


class AttemptClosed(QuizError):
    """The attempt is no longer in progress (finished, or past its deadline)."""


# --- who may take a quiz ------------------------------------------------------------------

#: extra access rules registered by other features (e.g. courses: enrolled learners);
#: each is ``hook(user) -> Select`` of the quiz ids the user may take
ACCESS_HOOKS: list = []


def register_access_hook(hook) -> None:
    """Register ``hook(user) -> select(quiz ids)`` granting access beyond the quiz's audience."""
    if hook not in ACCESS_HOOKS:
        ACCESS_HOOKS.append(hook)


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
    for hook in ACCESS_HOOKS:
        query = query.union(hook(user))
    return query


def in_audience(user, quiz: Quiz) -> bool:
    """True when ``user`` may take ``quiz`` (departments with subtrees, roles, people, hooks)."""
    ids = accessible_quiz_ids(user).subquery()
    return bool(
        db.session.scalar(select(func.count()).select_from(ids).where(ids.c.quiz_id == quiz.id))
    )


def can_author(user) -> bool:
    """Trainers and admins build quizzes."""
    return has_role(user, Role.TRAINER, Role.ADMIN)


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


def set_override(actor, quiz: Quiz, *, user=None, department=None, **fields) -> QuizOverride:
    """Create or replace the override of one person or department (empty fields: no change)."""
    if (user is None) == (department is None):
        raise QuizError(_("An override is for one person or one department."))
    limit = fields.get("time_limit_minutes")
    if limit is not None and not 1 <= limit <= MAX_TIME_LIMIT_MINUTES:
        raise QuizError(
            _("The time limit must be between 1 and %(n)d minutes.", n=MAX_TIME_LIMIT_MINUTES)
        )
    opens, closes = fields.get("open_at"), fields.get("close_at")
    if opens and closes and closes <= opens:
        raise QuizError(_("The quiz must close after it opens."))
    target = (
        QuizOverride.user_id == user.id
        if user is not None
        else QuizOverride.department_id == department.id
    )
    row = db.session.scalar(select(QuizOverride).where(QuizOverride.quiz_id == quiz.id, target))
    before = _override_snapshot(row) if row else None
    if row is None:
        row = QuizOverride(
            quiz_id=quiz.id,
            user_id=user.id if user is not None else None,
            department_id=department.id if department is not None else None,
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(row)
    for name in OVERRIDE_FIELDS:
        setattr(row, name, fields.get(name))
    db.session.flush()
    record_audit(actor, "quiz.override", quiz, before, _override_snapshot(row))
    db.session.commit()
    return row


def delete_override(actor, quiz: Quiz, row: QuizOverride) -> None:
    """Remove an override."""
    before = _override_snapshot(row)
    db.session.delete(row)
    record_audit(actor, "quiz.override.delete", quiz, before, None)
    db.session.commit()


def _override_snapshot(row: QuizOverride) -> dict:
    values = {
        "user_id": row.user_id,
        "department_id": row.department_id,
        "time_limit_minutes": row.time_limit_minutes,
        "attempts_allowed": row.attempts_allowed,
    }
    for name in ("open_at", "close_at"):
        value = getattr(row, name)
        values[name] = value.isoformat() if value else None
    return values


# --- authoring ----------------------------------------------------------------------------


def _check_settings(settings: dict) -> None:
    limit = settings.get("time_limit_minutes")
    if limit is not None and not 1 <= limit <= MAX_TIME_LIMIT_MINUTES:
        raise QuizError(
            _("The time limit must be between 1 and %(n)d minutes.", n=MAX_TIME_LIMIT_MINUTES)
        )
    opens, closes = settings.get("open_at"), settings.get("close_at")
    if opens and closes and closes <= opens:
        raise QuizError(_("The quiz must close after it opens."))
    if settings.get("grading_method", "highest") not in GRADING_METHODS:
        raise QuizError(_("Unknown grading method."))
    max_grade = settings.get("max_grade", 100.0)
    if max_grade <= 0:
        raise QuizError(_("The maximum grade must be above 0."))
    pass_mark = settings.get("pass_mark", 0.0)
    if pass_mark is not None and not 0 <= pass_mark <= max_grade:
        raise QuizError(_("The pass mark must be between 0 and the maximum grade."))
    review = settings.get("review_options")
    if review is not None and (
        set(review) - set(REVIEW_TIMES)
        or any(set(items) - set(REVIEW_ITEMS) for items in review.values())
    ):
        raise QuizError(_("Unknown review option."))


QUIZ_FIELDS = (
    "title",
    "description",
    "is_published",
    "questions_per_page",
    "shuffle_questions",
    "shuffle_choices",
    "open_at",
    "close_at",
    "time_limit_minutes",
    "attempts_allowed",
    "grading_method",
    "max_grade",
    "pass_mark",
    "review_options",
)


def _quiz_snapshot(quiz: Quiz) -> dict:
    values = {name: getattr(quiz, name) for name in QUIZ_FIELDS}
    for name in ("open_at", "close_at"):
        values[name] = values[name].isoformat() if values[name] else None
    return values


def create_quiz(actor, **settings) -> Quiz:
    """Create a quiz (unpublished unless said otherwise)."""
    if not (settings.get("title") or "").strip():
        raise QuizError(_("A quiz needs a title."))
    _check_settings(settings)
    quiz = Quiz(created_by_id=getattr(actor, "id", None), **settings)
    db.session.add(quiz)
    db.session.flush()
    record_audit(actor, "quiz.create", quiz, None, _quiz_snapshot(quiz))
    db.session.commit()
    return quiz


def update_quiz(actor, quiz: Quiz, **settings) -> Quiz:
    """Change a quiz's settings (attempts already started keep their frozen questions)."""
    merged = {**_quiz_snapshot(quiz), **settings}
    merged["open_at"] = settings.get("open_at", quiz.open_at)
    merged["close_at"] = settings.get("close_at", quiz.close_at)
    _check_settings(merged)
    before = _quiz_snapshot(quiz)
    for name, value in settings.items():
        setattr(quiz, name, value)
    quiz.updated_at = clock.now()
    record_audit(actor, "quiz.update", quiz, before, _quiz_snapshot(quiz))
    db.session.commit()
    return quiz


def _next_slot_number(quiz: Quiz) -> int:
    return max((slot.number for slot in quiz.slots), default=0) + 1


def add_fixed_slot(actor, quiz: Quiz, question_key: str, mark: float | None = None) -> QuizSlot:
    """Add one fixed question (by its stable key); the mark defaults to its default mark."""
    question = db.session.scalar(select(Question).where(Question.key == question_key.strip()))
    if question is None:
        raise QuizError(_("No question has the id %(key)s.", key=question_key))
    if question.status == "retired":
        raise QuizError(_("Question %(key)s is retired.", key=question_key))
    if any(s.kind == "fixed" and s.question_id == question.id for s in quiz.slots):
        raise QuizError(_("Question %(key)s is already in this quiz.", key=question_key))
    if mark is None:
        latest = db.session.scalar(
            select(QuestionVersion).where(
                QuestionVersion.question_id == question.id,
                QuestionVersion.number == question.latest_number,
            )
        )
        mark = latest.defaultmark
    _check_mark(mark)
    slot = QuizSlot(number=_next_slot_number(quiz), kind="fixed", question=question, mark=mark)
    quiz.slots.append(slot)
    quiz.updated_at = clock.now()
    db.session.flush()
    record_audit(
        actor, "quiz.slot.add", quiz, None, {"slot": slot.number, "question": question.key}
    )
    db.session.commit()
    return slot


def _check_mark(mark: float) -> None:
    if mark is None or mark < 0:
        raise QuizError(_("A mark cannot be negative."))


def add_random_slot(
    actor,
    quiz: Quiz,
    category: Category,
    *,
    draw_count: int = 1,
    include_subcategories: bool = True,
    competency: str | None = None,
    difficulty: int | None = None,
    tag: str | None = None,
    mark: float = 1.0,
) -> QuizSlot:
    """Add "N random questions from a category" with optional competency/difficulty/tag filters."""
    if draw_count < 1:
        raise QuizError(_("Draw at least one question."))
    if competency and competency not in COMPETENCY_CODES:
        raise QuizError(_("Unknown competency %(code)s.", code=competency))
    if difficulty is not None and difficulty not in (1, 2, 3):
        raise QuizError(_("The difficulty must be 1, 2 or 3."))
    _check_mark(mark)
    slot = QuizSlot(
        number=_next_slot_number(quiz),
        kind="random",
        category=category,
        include_subcategories=include_subcategories,
        draw_count=draw_count,
        competency=competency or None,
        difficulty=difficulty,
        tag=(tag or "").strip() or None,
        mark=mark,
    )
    with db.session.no_autoflush:
        available = count_candidates(slot)
    if available < draw_count:
        raise QuizError(
            _(
                "Only %(n)d ready questions match; the slot needs %(k)d.",
                n=available,
                k=draw_count,
            )
        )
    quiz.slots.append(slot)
    quiz.updated_at = clock.now()
    db.session.flush()
    record_audit(
        actor,
        "quiz.slot.add",
        quiz,
        None,
        {"slot": slot.number, "random": category.full_name, "count": draw_count},
    )
    db.session.commit()
    return slot


def remove_slot(actor, quiz: Quiz, slot: QuizSlot) -> None:
    """Remove a slot and renumber the rest."""
    quiz.slots.remove(slot)
    db.session.flush()
    for number, other in enumerate(sorted(quiz.slots, key=lambda s: s.number), start=1):
        other.number = -number  # two passes: the unique (quiz, number) must hold throughout
    db.session.flush()
    for other in quiz.slots:
        other.number = -other.number
    quiz.updated_at = clock.now()
    record_audit(actor, "quiz.slot.remove", quiz, {"slot": slot.number}, None)
    db.session.commit()


def move_slot(actor, quiz: Quiz, slot: QuizSlot, offset: int) -> None:
    """Move a slot up (-1) or down (+1)."""
    ordered = sorted(quiz.slots, key=lambda s: s.number)
    index = ordered.index(slot)
    target = index + offset
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for number, other in enumerate(ordered, start=1):
        other.number = -number
    db.session.flush()
    for other in ordered:
        other.number = -other.number
    quiz.updated_at = clock.now()
    db.session.commit()


def set_audience(actor, quiz: Quiz, *, department_ids=(), job_role_ids=(), user_ids=()) -> None:
    """Replace who may take the quiz."""
    before = sorted(_audience_labels(quiz))
    quiz.audience = (
        [QuizAudience(department_id=i) for i in sorted(set(department_ids))]
        + [QuizAudience(job_role_id=i) for i in sorted(set(job_role_ids))]
        + [QuizAudience(user_id=i) for i in sorted(set(user_ids))]
    )
    db.session.flush()
    record_audit(
        actor,
        "quiz.audience",
        quiz,
        {"audience": before},
        {"audience": sorted(_audience_labels(quiz))},
    )
    db.session.commit()


def _audience_labels(quiz: Quiz) -> list[str]:
    labels = []
    for entry in quiz.audience:
        if entry.department_id:
            labels.append(f"department:{entry.department_id}")
        elif entry.job_role_id:
            labels.append(f"job_role:{entry.job_role_id}")
        else:
            labels.append(f"user:{entry.user_id}")
    return labels


# --- drawing questions --------------------------------------------------------------------


def _latest_ready_versions(slot: QuizSlot):
    """Select the latest version of every ready question a random slot may draw."""
    category = slot.category
    query = (
        select(QuestionVersion)
        .join(Question, QuestionVersion.question_id == Question.id)
        .join(Category, Question.category_id == Category.id)
        .where(
            QuestionVersion.number == Question.latest_number,
            Question.status == "ready",
            QuestionVersion.qtype != "description",
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


def _draw(quiz: Quiz, rng: random.Random) -> list[tuple[QuizSlot, QuestionVersion]]:
    """The versions for a new attempt: fixed slots first claim their questions, then random
    slots draw without repeating any question of the attempt."""
    chosen: dict[int, list[QuestionVersion]] = {}
    used: set[int] = set()
    fixed = [s for s in quiz.slots if s.kind == "fixed"]
    if fixed:
        latest = {
            v.question_id: v
            for v in db.session.scalars(
                select(QuestionVersion)
                .join(Question, QuestionVersion.question_id == Question.id)
                .where(
                    Question.id.in_([s.question_id for s in fixed]),
                    QuestionVersion.number == Question.latest_number,
                )
            )
        }
        for slot in fixed:
            chosen[slot.id] = [latest[slot.question_id]]
            used.add(slot.question_id)
    for slot in (s for s in quiz.slots if s.kind == "random"):
        pool = [
            v
            for v in db.session.scalars(_latest_ready_versions(slot).order_by(QuestionVersion.id))
            if v.question_id not in used
        ]
        if len(pool) < slot.draw_count:
            raise QuizError(
                _(
                    "Slot %(n)d cannot draw %(k)d questions: only %(m)d are available.",
                    n=slot.number,
                    k=slot.draw_count,
                    m=len(pool),
                )
            )
        picked = rng.sample(pool, slot.draw_count)
        used.update(v.question_id for v in picked)
        chosen[slot.id] = picked
    return [(slot, version) for slot in quiz.slots for version in chosen[slot.id]]


# --- attempts -----------------------------------------------------------------------------


def grace() -> timedelta:
    """How late a save may arrive after the deadline (network, clock skew)."""
    return timedelta(seconds=current_app.config.get("QUIZ_GRACE_SECONDS", 30))


def cutoff(attempt: Attempt) -> datetime | None:
    """The last moment a save is accepted (deadline + grace), None without a deadline."""
    return attempt.deadline_at + grace() if attempt.deadline_at else None


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


def start_attempt(user, quiz: Quiz, *, preview: bool = False) -> tuple[Attempt, bool]:
    """Start or resume ``user``'s attempt; returns (attempt, started). Freezes the questions."""
    now = clock.now()
    existing = in_progress_attempt(user, quiz, preview=preview)
    if existing is not None and not finish_if_overdue(existing):
        return existing, False
    if preview:
        if not can_author(user):
            raise QuizError(_("Only trainers can preview a quiz."))
        # A preview never counts; the previous preview is replaced.
        old = db.session.scalars(
            select(Attempt).where(
                Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.is_preview
            )
        ).all()
        for attempt in old:
            db.session.delete(attempt)
        db.session.flush()
        number = 0
    else:
        settings = effective_settings(quiz, user)
        if not is_open(quiz, now, settings):
            raise QuizError(_("This quiz is not open."))
        if not in_audience(user, quiz):
            raise QuizError(_("This quiz is not open to you."))
        used = attempts_used(user, quiz)
        if attempts_left(quiz, used, settings) == 0:
            raise QuizError(_("You have no attempts left."))
        number = used + 1
    if not quiz.slots:
        raise QuizError(_("This quiz has no questions yet."))
    rng = random.SystemRandom()
    drawn = _draw(quiz, rng)
    if quiz.shuffle_questions:
        rng.shuffle(drawn)
    if preview:
        settings = Settings.of(quiz)
    deadline = None
    if settings.time_limit_minutes:
        deadline = now + timedelta(minutes=settings.time_limit_minutes)
    if settings.close_at is not None and not preview:
        deadline = min(deadline, settings.close_at) if deadline else settings.close_at
    attempt = Attempt(
        quiz=quiz,
        user_id=user.id,
        number=number,
        is_preview=preview,
        started_at=now,
        deadline_at=deadline,
        max_mark=quiz.max_grade,
        raw_max=sum(slot.mark for slot, _v in drawn),
    )
    per_page = quiz.questions_per_page
    for index, (slot, version) in enumerate(drawn):
        qtype = QTYPES[version.qtype]
        attempt.slots.append(
            AttemptSlot(
                number=index + 1,
                page=index // per_page + 1 if per_page else 1,
                quiz_slot_id=slot.id,
                question_version_id=version.id,
                max_mark=slot.mark if qtype.is_graded else 0.0,
                choice_order=qtype.choice_order(version.data, quiz.shuffle_choices, rng),
            )
        )
    attempt.raw_max = sum(s.max_mark for s in attempt.slots)
    db.session.add(attempt)
    try:
        db.session.commit()
    except IntegrityError:
        # Two starts raced (two tabs, a double click): the other one won; resume it.
        db.session.rollback()
        existing = in_progress_attempt(user, quiz, preview=preview)
        if existing is None:
            raise
        return existing, False
    return attempt, True


def latest_steps(attempt: Attempt, until: datetime | None = None) -> dict[int, ResponseStep]:
    """The current step of each slot (highest sequence), among steps saved by ``until`` if given."""
    conditions = [AttemptSlot.attempt_id == attempt.id]
    if until is not None:
        conditions.append(ResponseStep.saved_at <= until)
    newest = (
        select(ResponseStep.attempt_slot_id, func.max(ResponseStep.seq).label("seq"))
        .join(AttemptSlot, ResponseStep.attempt_slot_id == AttemptSlot.id)
        .where(*conditions)
        .group_by(ResponseStep.attempt_slot_id)
        .subquery()
    )
    steps = db.session.scalars(
        select(ResponseStep).join(
            newest,
            (ResponseStep.attempt_slot_id == newest.c.attempt_slot_id)
            & (ResponseStep.seq == newest.c.seq),
        )
    )
    return {step.attempt_slot_id: step for step in steps}


def current_responses(attempt: Attempt) -> dict[int, object]:
    """Slot number -> the saved response (slots never answered are absent)."""
    steps = latest_steps(attempt)
    return {slot.number: steps[slot.id].value for slot in attempt.slots if slot.id in steps}


@dataclass
class SaveResult:
    """What a save did."""

    applied: bool
    saved_at: datetime
    seq: int


def _now_ms(now: datetime) -> int:
    return int(now.timestamp() * 1000)


def attempt_slot(attempt: Attempt, slot_number: int) -> AttemptSlot:
    """One slot of an attempt with its question version (one query), or QuizError."""
    slot = db.session.scalar(
        select(AttemptSlot)
        .where(AttemptSlot.attempt_id == attempt.id, AttemptSlot.number == slot_number)
        .options(joinedload(AttemptSlot.version).selectinload(QuestionVersion.competency_rows))
    )
    if slot is None:
        raise QuizError(_("This attempt has no question %(n)d.", n=slot_number))
    return slot


def save_response(
    attempt: Attempt, slot_number: int | AttemptSlot, response, seq: int | None = None
) -> SaveResult:
    """Store a normalised response for one slot; an older sequence never overwrites a newer one.

    Raises AttemptClosed after the finish or past deadline + grace (finishing it first).
    """
    now = clock.now()
    slot = (
        slot_number if isinstance(slot_number, AttemptSlot) else attempt_slot(attempt, slot_number)
    )
    limit = cutoff(attempt)
    if attempt.state == "in_progress" and limit is not None and now > limit:
        finish_if_overdue(attempt)
        raise AttemptClosed(_("Time is up: answers can no longer be saved."))
    locked = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == "in_progress")
        .values(last_saved_at=now)
        .execution_options(synchronize_session=False)
    )
    if locked.rowcount != 1:
        db.session.rollback()
        raise AttemptClosed(_("This attempt has been submitted: answers can no longer be saved."))
    newest = db.session.execute(
        select(ResponseStep.seq, ResponseStep.saved_at)
        .where(ResponseStep.attempt_slot_id == slot.id)
        .order_by(ResponseStep.seq.desc())
        .limit(1)
    ).first()
    if seq is None:
        seq = max(_now_ms(now), (newest.seq + 1) if newest else 0)
    if newest is not None and seq <= newest.seq:
        db.session.rollback()
        return SaveResult(applied=False, saved_at=newest.saved_at, seq=newest.seq)
    db.session.add(ResponseStep(attempt_slot_id=slot.id, seq=seq, value=response, saved_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same sequence arrived twice (a retry): already stored
        return SaveResult(applied=False, saved_at=now, seq=seq)
    return SaveResult(applied=True, saved_at=now, seq=seq)


def finish_if_overdue(attempt: Attempt) -> bool:
    """Finish an attempt past deadline + grace with the answers saved in time; True if it did."""
    limit = cutoff(attempt)
    if attempt.state != "in_progress" or limit is None or clock.now() <= limit:
        return False
    _finish(attempt, until=limit)
    return True


def submit_attempt(attempt: Attempt) -> Attempt:
    """Finish and grade the attempt; idempotent (a second submit changes nothing)."""
    limit = cutoff(attempt)
    if attempt.state == "in_progress" and limit is not None and clock.now() > limit:
        _finish(attempt, until=limit)
    else:
        _finish(attempt, until=None)
    db.session.refresh(attempt)
    return attempt


def _finish(attempt: Attempt, until: datetime | None) -> bool:
    """One conditional update in_progress → finished, then grading in the same transaction."""
    now = clock.now()
    # An overdue attempt ends at its deadline, not when someone noticed.
    finished_at = min(now, attempt.deadline_at) if until is not None else now
    won = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == "in_progress")
        .values(state="finished", finished_at=finished_at)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        db.session.rollback()
        return False
    db.session.refresh(attempt)
    _grade(attempt, latest_steps(attempt, until))
    db.session.commit()
    _after_finish(attempt)
    return True


#: callbacks run after an attempt is finished and graded (e.g. course progress)
FINISH_HOOKS: list = []


def register_finish_hook(hook) -> None:
    """Register ``hook(attempt)``, called after an attempt is finished (its grade committed)."""
    if hook not in FINISH_HOOKS:
        FINISH_HOOKS.append(hook)


def _after_finish(attempt: Attempt) -> None:
    if attempt.is_preview:
        return
    for hook in FINISH_HOOKS:
        hook(attempt)


def _grade(attempt: Attempt, steps: dict[int, ResponseStep]) -> None:
    """Grade every slot from its current response and total the attempt (pure per slot)."""
    versions = {
        v.id: v
        for v in db.session.scalars(
            select(QuestionVersion).where(
                QuestionVersion.id.in_([s.question_version_id for s in attempt.slots])
            )
        )
    }
    for slot in attempt.slots:
        version = versions[slot.question_version_id]
        qtype = QTYPES[version.qtype]
        step = steps.get(slot.id)
        response = step.value if step is not None else None
        if not qtype.is_graded:
            slot.fraction, slot.mark, slot.needs_grading = None, None, False
        elif qtype.is_manually_graded:
            slot.needs_grading = response is not None and slot.mark is None
            if response is None:
                slot.fraction, slot.mark = 0.0, 0.0
        else:
            fraction = qtype.grade(version.data, response)
            slot.fraction = fraction
            slot.mark = fraction * slot.max_mark
            slot.needs_grading = False
    total_attempt(attempt)
    write_competency_results(attempt, versions)


def total_attempt(attempt: Attempt) -> None:
    """Sum slot marks, scale to the quiz maximum, decide pass/fail (None while grading waits)."""
    attempt.needs_grading = any(s.needs_grading for s in attempt.slots)
    attempt.raw_mark = sum(s.mark or 0.0 for s in attempt.slots)
    if attempt.needs_grading:
        attempt.mark, attempt.passed = None, None
        return
    scale = attempt.max_mark / attempt.raw_max if attempt.raw_max else 0.0
    attempt.mark = round(attempt.raw_mark * scale, 5)
    attempt.passed = attempt.mark >= attempt.quiz.pass_mark - 1e-9


def write_competency_results(attempt: Attempt, versions: dict | None = None) -> None:
    """Rewrite the attempt's marks earned/available per competency code and difficulty."""
    if versions is None:
        versions = {
            v.id: v
            for v in db.session.scalars(
                select(QuestionVersion).where(
                    QuestionVersion.id.in_([s.question_version_id for s in attempt.slots])
                )
            )
        }
    db.session.execute(
        delete(AttemptCompetencyResult).where(AttemptCompetencyResult.attempt_id == attempt.id)
    )
    totals: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for slot in attempt.slots:
        version = versions[slot.question_version_id]
        if not slot.max_mark:
            continue
        for code in version.competencies:
            row = totals[(code, version.difficulty)]
            row[0] += slot.mark or 0.0
            row[1] += slot.max_mark
            row[2] += 1
    for (code, difficulty), (earned, available, n) in totals.items():
        db.session.add(
            AttemptCompetencyResult(
                attempt_id=attempt.id,
                code=code,
                difficulty=difficulty,
                earned=earned,
                available=available,
                n_questions=n,
            )
        )


def finish_overdue_attempts() -> int:
    """Finish every attempt past deadline + grace (for cron, on one node); returns how many."""
    limit = clock.now() - grace()
    ids = db.session.scalars(
        select(Attempt.id).where(Attempt.state == "in_progress", Attempt.deadline_at < limit)
    ).all()
    finished = 0
    for attempt_id in ids:
        attempt = db.session.get(Attempt, attempt_id)
        if attempt is not None and finish_if_overdue(attempt):
            finished += 1
    return finished


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


def departments_by_ids(ids) -> list[Department]:
    """Departments with these ids (for audience forms)."""
    if not ids:
        return []
    return db.session.scalars(select(Department).where(Department.id.in_(ids))).all()


def search_questions(text: str, limit: int = 20) -> list[QuestionVersion]:
    """Latest versions whose key or name matches ``text`` (for adding fixed slots)."""
    like = f"%{text.strip()}%"
    return db.session.scalars(
        select(QuestionVersion)
        .join(Question, QuestionVersion.question_id == Question.id)
        .where(
            QuestionVersion.number == Question.latest_number,
            Question.status != "retired",
            or_(Question.key.ilike(like), QuestionVersion.name.ilike(like)),
        )
        .order_by(Question.key)
        .limit(limit)
    ).all()
