"""The ``ops`` blueprint: commands only (``flask ops ...``), no pages; ``create_app`` mounts it."""

from flask import Blueprint, Flask

bp = Blueprint("ops", __name__, cli_group="ops")


def register(app: Flask) -> None:
    """Load the commands that attach to ``bp``, then mount it on ``app``."""
    from app.ops import cli  # noqa: F401  (commands register on bp)

    app.register_blueprint(bp)
