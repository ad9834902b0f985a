"""Notifications: in-app notices and their emails (Flask-Mailman), sent by ``flask notify``."""

from flask import Blueprint
from flask_mailman import Mail

bp = Blueprint("notify", __name__, cli_group="notify")


@bp.record_once
def _init_mail(state) -> None:
    """Bind Flask-Mailman; an empty MAIL_BACKEND picks locmem (tests), smtp or console."""
    app = state.app
    Mail().init_app(app)
    backend = app.config.get("MAIL_BACKEND") or (
        "locmem" if app.testing else "smtp" if app.config.get("MAIL_SERVER") else "console"
    )
    app.extensions["mailman"].backend = backend


from app.notify import cli, models, views  # noqa: E402,F401  (routes and commands register on bp)
