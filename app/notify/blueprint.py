"""The ``notify`` blueprint; ``create_app`` calls ``register`` to load its views and mount it."""

from flask import Blueprint, Flask

bp = Blueprint("notify", __name__, cli_group="notify")


@bp.record_once
def _init_mail(state) -> None:
    """Bind Flask-Mailman; an empty MAIL_BACKEND picks locmem (tests), smtp or console."""
    from app.extensions import mail

    app = state.app
    mail.init_app(app)
    backend = app.config.get("MAIL_BACKEND") or (
        "locmem" if app.testing else "smtp" if app.config.get("MAIL_SERVER") else "console"
    )
    app.extensions["mailman"].backend = backend


def register(app: Flask) -> None:
    """Load the modules whose routes and commands attach to ``bp``, then mount it on ``app``."""
    from app.notify import cli, views  # noqa: F401  (routes and commands register on bp)

    app.register_blueprint(bp)
