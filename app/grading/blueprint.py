"""The ``grading`` blueprint; ``create_app`` calls ``register`` to load its views and mount it."""

from flask import Blueprint, Flask

bp = Blueprint("grading", __name__, url_prefix="/grading")


def register_hooks(hooks) -> None:
    """Tell a person when a manual mark completes their grade."""
    from app.grading import services
    from app.notify.services import NoticeKind, register_kind

    register_kind(
        hooks,
        NoticeKind("quiz.graded", services.grade_is_final_subject, services.grade_is_final_body),
    )
    hooks.connect("attempt_graded", services.notify_grade_is_final)


def register(app: Flask) -> None:
    """Load the modules whose routes and commands attach to ``bp``, then mount it on ``app``."""
    from app.grading import views  # noqa: F401  (routes and commands register on bp)

    app.register_blueprint(bp)
