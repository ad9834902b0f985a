"""The ``home`` blueprint; ``create_app`` calls ``register`` to load its views and mount it."""

from flask import Blueprint, Flask

bp = Blueprint("home", __name__)


def register(app: Flask) -> None:
    """Load the modules whose routes and commands attach to ``bp``, then mount it on ``app``."""
    from app.home import views  # noqa: F401  (routes and commands register on bp)

    app.register_blueprint(bp)
