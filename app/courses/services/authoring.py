"""Authoring: creating, changing and publishing courses, and their lessons, quizzes and
offline sessions. A published course keeps its learners' progress through every change."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.competencies.queries import known_codes
from app.core import clock
from app.core.audit import record_audit
from app.core.uow import transaction
from app.courses import queries
from app.courses.models import (
    ACTIVITY_KINDS,
    COMPLETION_RULES,
    Activity,
    ActivityProgress,
    Course,
    CourseCompetency,
)
from app.courses.services.applying import apply_rules
from app.courses.services.errors import CourseError
from app.courses.services.learning import reevaluate_course
from app.courses.services.quiz_link import check_quiz_is_free
from app.extensions import db
from app.org.models import User


def _course_snapshot(course: Course) -> dict:
    return {
        "title": course.title,
        "category": course.category,
        "credit_hours": course.credit_hours,
        "status": course.status,
        "is_open": course.is_open,
        "completion_rule": course.completion_rule,
        "competencies": course.competencies,
    }


def _check_course_fields(title: str, credit_hours: float, completion_rule: str) -> None:
    if not (title or "").strip():
        raise CourseError(_("A course needs a title."))
    if credit_hours is None or credit_hours < 0:
        raise CourseError(_("Credit hours cannot be negative."))
    if completion_rule not in COMPLETION_RULES:
        raise CourseError(_("Unknown completion rule."))


def _set_competencies(course: Course, competencies: dict[str, int]) -> None:
    known = known_codes()
    for code, level in competencies.items():
        if code not in known:
            raise CourseError(_("Unknown competency code %(code)s.", code=code))
        if not 1 <= int(level) <= 5:
            raise CourseError(_("A competency level is between 1 and 5."))
    current = {row.code: row for row in course.competency_rows}
    rows = []
    for code, level in sorted(competencies.items()):
        row = current.get(code) or CourseCompetency(code=code)
        row.level = int(level)
        rows.append(row)
    course.competency_rows = rows


@transaction
def create_course(
    actor: User | None,
    *,
    title: str,
    summary: str = "",
    category: str = "",
    credit_hours: float = 0.0,
    competencies: dict[str, int] | None = None,
    is_open: bool = False,
    completion_rule: str = "all",
) -> Course:
    """Create a draft course."""
    _check_course_fields(title, credit_hours, completion_rule)
    course = Course(
        title=title.strip(),
        summary=summary or "",
        category=(category or "").strip(),
        credit_hours=float(credit_hours),
        is_open=is_open,
        completion_rule=completion_rule,
        created_by_id=getattr(actor, "id", None),
    )
    _set_competencies(course, competencies or {})
    db.session.add(course)
    db.session.flush()
    record_audit(actor, "course.create", course, None, _course_snapshot(course))
    return course


@transaction
def update_course(actor: User | None, course: Course, **changes) -> Course:
    """Change a course's description, credit hours, competencies or completion rule.

    A published course keeps its learners' progress: completions stay completed.
    """
    before = _course_snapshot(course)
    competencies = changes.pop("competencies", None)
    allowed = {"title", "summary", "category", "credit_hours", "is_open", "completion_rule"}
    unknown = set(changes) - allowed
    if unknown:
        raise CourseError(_("Unknown course fields: %(names)s", names=", ".join(sorted(unknown))))
    _check_course_fields(
        changes.get("title", course.title),
        changes.get("credit_hours", course.credit_hours),
        changes.get("completion_rule", course.completion_rule),
    )
    for key, value in changes.items():
        if isinstance(value, str) and key != "summary":
            value = value.strip()
        setattr(course, key, value)
    if competencies is not None:
        _set_competencies(course, competencies)
    course.updated_at = clock.now()
    after = _course_snapshot(course)
    if after != before:
        record_audit(actor, "course.update", course, before, after)
    db.session.flush()
    if course.is_published:
        reevaluate_course(course)
    return course


@transaction
def publish_course(actor: User | None, course: Course) -> Course:
    """Publish a draft course and assign it by its rules; it needs an activity that counts."""
    if course.status == "published":
        return course
    if not any(course.counts_for_completion(a) for a in course.activities):
        raise CourseError(_("Add at least one activity that counts for completion first."))
    course.status = "published"
    course.published_at = clock.now()
    record_audit(actor, "course.publish", course, {"status": "draft"}, {"status": "published"})
    db.session.flush()
    apply_rules(queries.active_rules(course_id=course.id), clock.now())
    return course


def _check_activity_fields(kind, title, quiz_id, starts_at, ends_at) -> None:
    if kind not in ACTIVITY_KINDS:
        raise CourseError(_("Unknown activity kind."))
    if not (title or "").strip():
        raise CourseError(_("An activity needs a title."))
    if kind == "quiz" and not quiz_id:
        raise CourseError(_("A quiz activity needs a quiz."))
    if kind == "session" and starts_at is None:
        raise CourseError(_("An offline session needs a start time."))
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise CourseError(_("A session cannot end before it starts."))


@transaction
def add_activity(
    actor: User | None,
    course: Course,
    *,
    kind: str,
    title: str,
    body: str = "",
    quiz_id: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    place: str | None = None,
    is_required: bool = True,
) -> Activity:
    """Append a lesson, quiz or offline session to a course."""
    _check_activity_fields(kind, title, quiz_id, starts_at, ends_at)
    if kind == "quiz":
        check_quiz_is_free(course, quiz_id)
    position = max((a.position for a in course.activities), default=0) + 1
    activity = Activity(
        course=course,
        position=position,
        kind=kind,
        title=title.strip(),
        body=body or "",
        quiz_id=quiz_id if kind == "quiz" else None,
        starts_at=starts_at if kind == "session" else None,
        ends_at=ends_at if kind == "session" else None,
        place=(place or "").strip() or None if kind == "session" else None,
        is_required=is_required,
    )
    db.session.add(activity)
    course.updated_at = clock.now()
    db.session.flush()
    record_audit(actor, "course.activity.add", course, None, {"activity": activity.id})
    return activity


@transaction
def update_activity(actor: User | None, activity: Activity, **changes) -> Activity:
    """Change an activity's title, text, quiz, session details or whether it is required."""
    allowed = {"title", "body", "quiz_id", "starts_at", "ends_at", "place", "is_required"}
    unknown = set(changes) - allowed
    if unknown:
        raise CourseError(_("Unknown activity fields: %(names)s", names=", ".join(sorted(unknown))))
    merged = {
        key: changes.get(key, getattr(activity, key))
        for key in ("title", "quiz_id", "starts_at", "ends_at")
    }
    _check_activity_fields(activity.kind, **merged)
    if activity.kind == "quiz":
        check_quiz_is_free(activity.course, merged["quiz_id"])
    for key, value in changes.items():
        setattr(activity, key, value)
    activity.course.updated_at = clock.now()
    db.session.flush()
    if activity.course.is_published:
        reevaluate_course(activity.course)
    return activity


@transaction
def move_activity(actor: User | None, activity: Activity, offset: int) -> None:
    """Move an activity up (-1) or down (+1) among the course's live activities."""
    live = activity.course.live_activities
    index = live.index(activity)
    other = index + offset
    if 0 <= other < len(live):
        for position, item in enumerate(live, start=1):
            item.position = position
        live[index].position, live[other].position = live[other].position, live[index].position
        activity.course.updated_at = clock.now()


@transaction
def retire_activity(actor: User | None, activity: Activity) -> None:
    """Remove an activity: deleted from a draft, retired (progress kept) from a published course."""
    course = activity.course
    has_progress = db.session.scalar(
        select(func.count(ActivityProgress.id)).where(ActivityProgress.activity_id == activity.id)
    )
    if course.status == "draft" and not has_progress:
        course.activities.remove(activity)
        db.session.delete(activity)
    else:
        activity.retired_at = clock.now()
    course.updated_at = clock.now()
    record_audit(actor, "course.activity.remove", course, {"activity": activity.id}, None)
    db.session.flush()
    if course.is_published:
        reevaluate_course(course)
