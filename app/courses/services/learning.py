"""Learning: enrolling in an open course, progress on lessons, quizzes and offline sessions,
and completing a course (which issues its certificate)."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core import clock, hooks
from app.core.audit import record_audit
from app.core.uow import transaction
from app.courses import queries
from app.courses.dates import add_months
from app.courses.models import Activity, ActivityProgress, Course, Enrolment
from app.courses.services.applying import open_next_cycle
from app.courses.services.certificates import issue_certificate
from app.courses.services.errors import CourseError
from app.courses.services.notices import course_notice
from app.extensions import db
from app.notify.services import add_notices
from app.org.models import User


@transaction
def self_enrol(user: User, course: Course) -> Enrolment:
    """Enrol in an open, published course (or return the current enrolment)."""
    enrolment = queries.current_enrolment(user, course)
    if enrolment is not None and enrolment.withdrawn_at is None:
        return enrolment
    if not (course.is_published and course.is_open):
        raise CourseError(_("This course is not open for enrolment."))
    if enrolment is not None:
        enrolment.withdrawn_at = None
        enrolment.source = "self"
    else:
        enrolment = Enrolment(
            user_id=user.id, course=course, source="self", assigned_at=clock.now()
        )
        db.session.add(enrolment)
    return enrolment


def _learning_enrolment(user: User, course: Course, now: datetime) -> Enrolment:
    """The enrolment a learner's action counts towards; an expired one opens its next cycle."""
    enrolment = queries.current_enrolment(user, course)
    if enrolment is None or enrolment.withdrawn_at is not None:
        raise CourseError(_("You are not enrolled in this course."))
    if (
        enrolment.completed_at is not None
        and enrolment.expires_at is not None
        and enrolment.expires_at <= now
    ):
        enrolment = open_next_cycle(enrolment, None, now)
        db.session.flush()
        add_notices(
            [course_notice(enrolment, "course.recertify", due_on=enrolment.due_on.isoformat())]
        )
    return enrolment


def record_progress(
    enrolment: Enrolment,
    activity: Activity,
    status: str,
    at: datetime,
    recorded_by: User | None = None,
) -> None:
    """Set a learner's status on ``activity``; complete the course after the last one.

    A step of the use cases below (and of the demo seeder): it runs in their unit of work.
    """
    progress = db.session.scalar(
        select(ActivityProgress).where(
            ActivityProgress.enrolment_id == enrolment.id,
            ActivityProgress.activity_id == activity.id,
        )
    )
    if progress is None:
        progress = ActivityProgress(enrolment=enrolment, activity=activity, status=status)
        db.session.add(progress)
    done = status == activity.done_status
    if progress.done_at is not None and not done and activity.kind == "quiz":
        return  # a failed retake never undoes a pass
    progress.status = status
    progress.done_at = (progress.done_at or at) if done else None
    progress.updated_at = clock.now()
    progress.recorded_by_id = getattr(recorded_by, "id", None)
    if enrolment.started_at is None:
        enrolment.started_at = at
    db.session.flush()
    _check_completion(enrolment)


def _check_completion(enrolment: Enrolment) -> bool:
    """Complete ``enrolment`` (and issue its certificate) once every counted activity is done."""
    if enrolment.completed_at is not None or enrolment.withdrawn_at is not None:
        return False
    course = enrolment.course
    counted = [a for a in course.activities if course.counts_for_completion(a)]
    if not counted:
        return False
    done_at = dict(
        db.session.execute(
            select(ActivityProgress.activity_id, ActivityProgress.done_at).where(
                ActivityProgress.enrolment_id == enrolment.id,
                ActivityProgress.done_at.is_not(None),
            )
        ).all()
    )
    if any(a.id not in done_at for a in counted):
        return False
    completed_at = max(done_at[a.id] for a in counted)
    enrolment.completed_at = completed_at
    enrolment.hours_earned = course.credit_hours
    if enrolment.recert_months:
        enrolment.expires_at = add_months(completed_at, enrolment.recert_months)
    if enrolment.started_at is None:
        enrolment.started_at = completed_at
    issue_certificate(enrolment)
    record_audit(
        None,
        "enrolment.complete",
        enrolment,
        None,
        {"completed_at": completed_at.isoformat(), "course_id": course.id},
    )
    db.session.flush()
    # other features follow completions (competency evidence)
    hooks.fire("course_completed", enrolment)
    return True


def reevaluate_course(course: Course) -> None:
    """After a course changed, complete unfinished enrolments that now meet its rule."""
    for enrolment in db.session.scalars(
        select(Enrolment).where(
            Enrolment.course_id == course.id,
            Enrolment.superseded_at.is_(None),
            Enrolment.completed_at.is_(None),
            Enrolment.withdrawn_at.is_(None),
            Enrolment.started_at.is_not(None),
        )
    ):
        _check_completion(enrolment)


@transaction
def mark_lesson_viewed(user: User, activity: Activity) -> Enrolment:
    """The learner has read a lesson (or seen a quiz/session page: lessons only count)."""
    if activity.kind != "lesson" or activity.retired_at is not None:
        raise CourseError(_("Only a lesson can be marked as read."))
    now = clock.now()
    enrolment = _learning_enrolment(user, activity.course, now)
    record_progress(enrolment, activity, "viewed", now)
    return enrolment


@transaction
def record_quiz_result(user: User, quiz_id: int, passed: bool, at: datetime) -> list[Enrolment]:
    """The quiz engine reports a finished attempt; quiz activities using that quiz count a pass.

    Every current enrolment of ``user`` whose course has a live quiz activity for ``quiz_id``
    records "passed" or "failed" (a later fail never undoes a pass) and may complete. Returns the
    enrolments touched.
    """
    activities = db.session.scalars(
        select(Activity)
        .join(Course, Course.id == Activity.course_id)
        .where(
            Activity.kind == "quiz",
            Activity.quiz_id == quiz_id,
            Activity.retired_at.is_(None),
            Course.status == "published",
        )
        .options(joinedload(Activity.course))
    ).all()
    touched = []
    now = clock.now()
    for activity in activities:
        enrolment = queries.current_enrolment(user, activity.course)
        if enrolment is None or enrolment.withdrawn_at is not None:
            continue
        enrolment = _learning_enrolment(user, activity.course, now)
        record_progress(enrolment, activity, "passed" if passed else "failed", at)
        touched.append(enrolment)
    return touched


@transaction
def record_attendance(
    actor: User | None, activity: Activity, attended_ids: set[int], absent_ids: set[int]
) -> int:
    """A trainer records who attended an offline session (and who did not); returns changes."""
    if activity.kind != "session":
        raise CourseError(_("Attendance is recorded for offline sessions only."))
    if attended_ids & absent_ids:
        raise CourseError(_("Someone cannot be both present and absent."))
    enrolments = db.session.scalars(
        select(Enrolment).where(
            Enrolment.course_id == activity.course_id,
            Enrolment.superseded_at.is_(None),
            Enrolment.withdrawn_at.is_(None),
            Enrolment.user_id.in_(attended_ids | absent_ids),
        )
    ).all()
    at = activity.starts_at or clock.now()
    for enrolment in enrolments:
        status = "attended" if enrolment.user_id in attended_ids else "absent"
        record_progress(enrolment, activity, status, at, recorded_by=actor)
    record_audit(
        actor,
        "course.attendance",
        activity,
        None,
        {"attended": sorted(attended_ids), "absent": sorted(absent_ids)},
    )
    return len(enrolments)
