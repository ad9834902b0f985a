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


#: English dates and times read one way on every page, email and notice ("Mar 20, 2026",
#: "Mar 20, 2026, 14:05"); Chinese keeps its own style ("2026年3月20日").
ENGLISH_DATE = "MMM d, y"
ENGLISH_DATETIME = "MMM d, y, HH:mm"
#: the CLDR widths a caller may ask for; any other format is an explicit pattern, kept as is
_WIDTHS = (None, "short", "medium", "long", "full")


def _english() -> bool:
    from flask_babel import get_locale

    locale = get_locale()
    return locale is not None and locale.language == "en"


def format_date(value=None, format: str | None = None) -> str:
    """A date as users read it: in English always ``ENGLISH_DATE``, in Chinese the locale's
    medium style (or the width asked for); an explicit pattern is used as given."""
    from flask_babel import format_date as babel_format_date

    if format in _WIDTHS and _english():
        return babel_format_date(value, ENGLISH_DATE)
    return babel_format_date(value, format or "medium")


def format_datetime(value=None, format: str | None = None) -> str:
    """A moment in the company's zone as users read it: in English always ``ENGLISH_DATETIME``,
    in Chinese the locale's medium style (or the width asked for); an explicit pattern such as
    ``HH:mm:ss`` is used as given."""
    from flask_babel import format_datetime as babel_format_datetime

    if format in _WIDTHS and _english():
        return babel_format_datetime(value, ENGLISH_DATETIME)
    return babel_format_datetime(value, format or "medium")
