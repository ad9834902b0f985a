"""Translation hook for the pure question-bank core.

The core runs inside the web app (where Flask-Babel translates) and outside it (CLI checks,
tests, scripts), so it must never require an app context.
"""


def _(message: str) -> str:
    """Translate `message` with Flask-Babel when an app context is active, else return it as is."""
    try:
        from flask_babel import gettext
    except ImportError:  # the pure core does not depend on Flask being installed
        return message
    try:
        return gettext(message)
    except (RuntimeError, KeyError, AttributeError):
        # No app context, or an app without Babel configured: fall back to the source text.
        return message
