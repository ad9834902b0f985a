"""The ``reports`` blueprint; ``create_app`` calls ``register`` to load its views and mount it."""

from flask import Blueprint, Flask

from app.core.seed import DemoSeeder

bp = Blueprint("reports", __name__, url_prefix="/reports", cli_group="reports")


def register_hooks(hooks) -> None:
    """Mark a quiz's statistics stale when its attempts change; flag weak questions in the bank;
    compute the demo quizzes' statistics."""
    from app.reports import labels, services

    for point in ("attempt_finished", "attempt_graded", "attempt_regraded"):
        hooks.connect(point, services.attempt_changed)
    hooks.connect("question_flags", labels.question_flags)
    # after every seeder that makes attempts
    hooks.connect("demo_seeder", DemoSeeder(90, "quiz statistics", services.seed_statistics))


@bp.record_once
def _report_words(state) -> None:
    """The reports' words and number formats as one template global (``rw.share(x)``), so the
    home page's dashboard cards see them too."""
    from app.reports import words

    state.app.jinja_env.globals["rw"] = words


@bp.app_template_global("dashboard_home")
def _dashboard_home(user):
    """The dashboard of everything ``user`` sees for the current month (HR, admins and
    managers; None for others), for the home page."""
    from app.core.permissions import can_view_people
    from app.reports import dashboard, month

    if not can_view_people(user):
        return None
    return dashboard.build(user, None, month.resolve(None), with_children=False)


def register(app: Flask) -> None:
    """Load the modules whose routes and commands attach to ``bp``, then mount it on ``app``."""
    from app.reports import (  # noqa: F401  (routes and commands register on bp)
        cli,
        views,
        views_dashboard,
        views_results,
    )

    app.register_blueprint(bp)
