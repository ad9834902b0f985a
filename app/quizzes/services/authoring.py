"""Use cases of authoring: a quiz's settings, its fixed and random slots, and its audience.

Every change writes an audit row in the same unit of work. Attempts already started keep the
questions they froze, so none of this touches an attempt.
"""

from flask_babel import gettext as _

from app.bank.models import Category
from app.bank.queries import question_by_key
from app.competencies.queries import known_codes
from app.core import clock
from app.core.audit import record_audit
from app.core.limits import MAX_NAME, MAX_TEXT_BYTES, too_big
from app.core.uow import transaction
from app.extensions import db
from app.quizzes import queries
from app.quizzes.models import (
    GRADING_METHODS,
    REVIEW_ITEMS,
    REVIEW_TIMES,
    Quiz,
    QuizAudience,
    QuizSlot,
)
from app.quizzes.services.errors import QuizError

MAX_TIME_LIMIT_MINUTES = 600

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


def check_window(settings: dict) -> None:
    """Refuse a time limit out of range or a close before the open (quizzes and overrides)."""
    limit = settings.get("time_limit_minutes")
    if limit is not None and not 1 <= limit <= MAX_TIME_LIMIT_MINUTES:
        raise QuizError(
            _("The time limit must be between 1 and %(n)d minutes.", n=MAX_TIME_LIMIT_MINUTES)
        )
    opens, closes = settings.get("open_at"), settings.get("close_at")
    if opens and closes and closes <= opens:
        raise QuizError(_("The quiz must close after it opens."))


def _check_settings(settings: dict) -> None:
    check_window(settings)
    if len(settings.get("title") or "") > MAX_NAME:
        raise QuizError(_("A quiz title has at most %(n)d characters.", n=MAX_NAME))
    problem = too_big(settings.get("description"), MAX_TEXT_BYTES)
    if problem is not None:
        raise QuizError(_("The description is too long. %(why)s", why=problem))
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


def check_publishable(quiz: Quiz) -> None:
    """Refuse to publish a quiz while a fixed slot holds a question that is not ready (a
    draft, or retired), naming each: staff must never meet an unchecked question."""
    unready = queries.unready_fixed_questions(quiz)
    if unready:
        names = "; ".join(f"{v.name} ({v.question.key})" for v in unready)
        raise QuizError(
            _(
                "The quiz cannot be published yet: these questions are not ready: %(names)s. "
                "Mark them ready in the question bank (or remove them), then publish.",
                names=names,
            )
        )


def _quiz_snapshot(quiz: Quiz) -> dict:
    values = {name: getattr(quiz, name) for name in QUIZ_FIELDS}
    for name in ("open_at", "close_at"):
        values[name] = values[name].isoformat() if values[name] else None
    return values


@transaction
def create_quiz(actor, **settings) -> Quiz:
    """Create a quiz (unpublished unless said otherwise)."""
    if not (settings.get("title") or "").strip():
        raise QuizError(_("A quiz needs a title."))
    _check_settings(settings)
    quiz = Quiz(created_by_id=getattr(actor, "id", None), **settings)
    db.session.add(quiz)
    db.session.flush()
    record_audit(actor, "quiz.create", quiz, None, _quiz_snapshot(quiz))
    return quiz


@transaction
def update_quiz(actor, quiz: Quiz, **settings) -> Quiz:
    """Change a quiz's settings (attempts already started keep their frozen questions)."""
    merged = {**_quiz_snapshot(quiz), **settings}
    merged["open_at"] = settings.get("open_at", quiz.open_at)
    merged["close_at"] = settings.get("close_at", quiz.close_at)
    _check_settings(merged)
    if settings.get("is_published") and not quiz.is_published:
        check_publishable(quiz)
    before = _quiz_snapshot(quiz)
    for name, value in settings.items():
        setattr(quiz, name, value)
    quiz.updated_at = clock.now()
    record_audit(actor, "quiz.update", quiz, before, _quiz_snapshot(quiz))
    return quiz


# --- slots --------------------------------------------------------------------------------


def _next_slot_number(quiz: Quiz) -> int:
    return max((slot.number for slot in quiz.slots), default=0) + 1


def _check_mark(mark: float) -> None:
    if mark is None or mark < 0:
        raise QuizError(_("A mark cannot be negative."))


@transaction
def add_fixed_slot(actor, quiz: Quiz, question_key: str, mark: float | None = None) -> QuizSlot:
    """Add one fixed question (by its stable key); the mark defaults to its default mark."""
    question = question_by_key(question_key.strip())
    if question is None:
        raise QuizError(_("No question has the id %(key)s.", key=question_key))
    if question.status == "retired":
        raise QuizError(_("Question %(key)s is retired.", key=question_key))
    if any(s.kind == "fixed" and s.question_id == question.id for s in quiz.slots):
        raise QuizError(_("Question %(key)s is already in this quiz.", key=question_key))
    if mark is None:
        mark = queries.latest_version(question).defaultmark
    _check_mark(mark)
    slot = QuizSlot(number=_next_slot_number(quiz), kind="fixed", question=question, mark=mark)
    quiz.slots.append(slot)
    quiz.updated_at = clock.now()
    db.session.flush()
    record_audit(
        actor, "quiz.slot.add", quiz, None, {"slot": slot.number, "question": question.key}
    )
    return slot


@transaction
def add_fixed_slots(actor, quiz: Quiz, keys: list[str]) -> tuple[list[QuizSlot], list[str]]:
    """Add several questions at once (the builder's "add selected"): (slots added, why each
    refused key was refused); each key is checked as ``add_fixed_slot`` checks one."""
    wanted = list(dict.fromkeys(key.strip() for key in keys if key and key.strip()))
    if not wanted:
        raise QuizError(_("Select at least one question."))
    added: list[QuizSlot] = []
    refused: list[str] = []
    for key in wanted:
        try:
            added.append(add_fixed_slot(actor, quiz, key))
        except QuizError as exc:  # refused before anything was written
            refused.append(str(exc))
    return added, refused


@transaction
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
    if competency and competency not in known_codes(active_only=True):
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
        available = queries.count_candidates(slot)
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
    return slot


def _renumber(ordered: list[QuizSlot]) -> None:
    """Number the slots 1..n in this order, in two passes so the unique (quiz, number) holds."""
    for number, slot in enumerate(ordered, start=1):
        slot.number = -number
    db.session.flush()
    for slot in ordered:
        slot.number = -slot.number


@transaction
def remove_slot(actor, quiz: Quiz, slot: QuizSlot) -> None:
    """Remove a slot and renumber the rest."""
    quiz.slots.remove(slot)
    db.session.flush()
    _renumber(sorted(quiz.slots, key=lambda s: s.number))
    quiz.updated_at = clock.now()
    record_audit(actor, "quiz.slot.remove", quiz, {"slot": slot.number}, None)


@transaction
def move_slot(actor, quiz: Quiz, slot: QuizSlot, offset: int) -> None:
    """Move a slot up (-1) or down (+1)."""
    ordered = sorted(quiz.slots, key=lambda s: s.number)
    index = ordered.index(slot)
    target = index + offset
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(ordered)
    quiz.updated_at = clock.now()


# --- audience -----------------------------------------------------------------------------


@transaction
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
