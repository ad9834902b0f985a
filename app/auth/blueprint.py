"""The ``auth`` blueprint; ``create_app`` calls ``register`` to load its views and mount it."""

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__)

#: where the parsed sign-in settings live in ``app.extensions``
SETTINGS_KEY = "skillgrid.login"


@bp.record_once
def _load_login_settings(state) -> None:
    """Check the sign-in configuration at start-up (a clear error, not a 500 at first login)."""
    from app.auth.oidc import init_oidc
    from app.auth.settings import load_login_settings

    settings = load_login_settings(state.app.config)
    state.app.extensions[SETTINGS_KEY] = settings
    if settings.oidc is not None:
        init_oidc(state.app, settings.oidc)


def register(app: Flask) -> None:
    """Load the modules whose routes and commands attach to ``bp``, then mount it on ``app``."""
    from app.auth import cli, views  # noqa: F401  (routes and commands register on bp)

    app.register_blueprint(bp)
