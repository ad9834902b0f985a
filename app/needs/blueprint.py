"""The ``needs`` blueprint; ``create_app`` calls ``register`` to load its views and mount it."""

from flask import Blueprint, Flask

bp = Blueprint("needs", __name__, url_prefix="/needs")


def register(app: Flask) -> None:
    """Load the modules whose routes attach to ``bp``, then mount it on ``app``."""
    from app.needs import views  # noqa: F401  (routes register on bp)

    app.register_blueprint(bp)
