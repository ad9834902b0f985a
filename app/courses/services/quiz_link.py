"""The link to the quiz engine: a quiz belongs to at most one course, and a finished, graded
attempt counts for the quiz activities of the learner's courses (``attempt_finished`` and
``attempt_graded`` hooks; ``quiz_access`` is answered by ``queries.course_quiz_ids``)."""

from flask_babel import gettext as _
from sqlalchemy import select

from app.courses.models import Activity, Course
from app.courses.services.errors import CourseError
from app.courses.services.learning import record_quiz_result
from app.extensions import db


def check_quiz_is_free(course: Course, quiz_id: int) -> None:
    """A quiz belongs to at most one course: refuse one another course's activity uses."""
    other = db.session.scalar(
        select(Course.title)
        .join(Activity, Activity.course_id == Course.id)
        .where(
            Activity.kind == "quiz",
            Activity.quiz_id == quiz_id,
            Activity.retired_at.is_(None),
            Course.id != course.id,
        )
        .limit(1)
    )
    if other is not None:
        raise CourseError(_("This quiz already belongs to the course %(title)s.", title=other))


def quiz_attempt_finished(attempt) -> None:
    """A finished, graded attempt counts for the quiz activities of the person's courses."""
    if attempt.is_preview or attempt.needs_grading or attempt.passed is None:
        return
    record_quiz_result(attempt.user, attempt.quiz_id, bool(attempt.passed), attempt.finished_at)
