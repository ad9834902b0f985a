"""The ``courses`` blueprint; ``create_app`` calls ``register`` to load its views and mount it."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from app.core.seed import DemoSeeder

bp = Blueprint("courses", __name__, cli_group="courses")

#: how each enrolment status is shown (label, Bootstrap colour)
STATUS_LABELS = {
    "not_started": (_l("Not started"), "secondary"),
    # a course under way is 学习中, an attempt under way 作答中: the context tells them apart
    "in_progress": (lazy_pgettext("course", "In progress"), "info"),
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
    from app.core.i18n import format_date

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


def register_hooks(hooks) -> None:
    """Courses follow people and quiz results, open course quizzes to learners, send notices."""
    from app.courses import queries, services
    from app.notify.services import register_kind

    hooks.connect("users_changed", services.apply_rules_for_users)
    hooks.connect("quiz_access", queries.course_quiz_ids)
    hooks.connect("attempt_finished", services.quiz_attempt_finished)
    hooks.connect("attempt_graded", services.quiz_attempt_finished)
    register_kind(hooks, *services.NOTICE_KINDS)
    hooks.connect("notice_producer", services.due_course_notices)
    hooks.connect("demo_seeder", DemoSeeder(30, "courses", services.seed_courses))


def register(app: Flask) -> None:
    """Load the modules whose routes and commands attach to ``bp``, then mount it on ``app``."""
    from app.courses import cli, views, views_manage, views_team  # noqa: F401  (routes, commands)

    app.register_blueprint(bp)
