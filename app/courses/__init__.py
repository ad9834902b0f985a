"""Courses: authoring, assignment by rule, progress, certificates, hours and dashboards."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("courses", __name__, cli_group="courses")

#: how each enrolment status is shown (label, Bootstrap colour)
STATUS_LABELS = {
    "not_started": (_l("Not started"), "secondary"),
    "in_progress": (_l("In progress"), "info"),
    "overdue": (_l("Overdue"), "danger"),
    "completed": (_l("Completed"), "success"),
    "expiring_soon": (_l("Expiring soon"), "warning"),
    "expired": (_l("Expired"), "dark"),
    "withdrawn": (_l("Withdrawn"), "light"),
}
KIND_LABELS = {
    "lesson": _l("Lesson"),
    "quiz": _l("Quiz"),
    "session": _l("Offline session"),
}
PROGRESS_LABELS = {
    "viewed": _l("Read"),
    "passed": _l("Passed"),
    "failed": _l("Not passed yet"),
    "attended": _l("Attended"),
    "absent": _l("Absent"),
}


@bp.record_once
def _course_labels(state) -> None:
    """Labels as template globals, so imported macros see them too."""
    from flask_babel import format_date

    state.app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        KIND_LABELS=KIND_LABELS,
        PROGRESS_LABELS=PROGRESS_LABELS,
        format_date=format_date,
    )


@bp.app_template_global("learning_summary")
def _learning_summary(user) -> dict[str, int]:
    """Counts of ``user``'s current assignments per status, for the home page."""
    from app.courses.queries import learner_summary

    return learner_summary(user)


from app.courses import cli, models, views  # noqa: E402,F401  (routes and commands register on bp)
