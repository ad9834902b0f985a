"""The ``bench`` blueprint: the two ceiling endpoints, mounted only when BENCH_ENDPOINTS is set."""

from flask import Blueprint, Flask

bp = Blueprint("bench", __name__, url_prefix="/bench")


def register(app: Flask) -> None:
    """Load the ceiling views and mount them on ``app`` (create_app does so in bench only)."""
    from app.bench import views  # noqa: F401  (routes register on bp)

    app.register_blueprint(bp)
