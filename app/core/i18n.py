"""Language choice: the user's preference, then the session, then Accept-Language."""

from flask import current_app, has_request_context, request, session
from flask_login import current_user

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    """Pick zh_CN or en for this request (English outside requests, for the CLI)."""
    if not has_request_context():
        return current_app.config.get("CLI_LOCALE", "en")
    languages = current_app.config["LANGUAGES"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    if session.get("locale") in languages:
        return session["locale"]
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    if best is None:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return "en" if best == "en" else "zh_CN"
