"""The ``audit`` blueprint; ``create_app`` calls ``register`` to load its views and mount it."""

from flask import Blueprint, Flask

bp = Blueprint("audit", __name__, url_prefix="/audit")


def register(app: Flask) -> None:
    """Load the views (their routes attach to ``bp``), then mount it on ``app``."""
    from app.audit import views  # noqa: F401  (routes register on bp)

    app.register_blueprint(bp)
