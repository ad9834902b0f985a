"""Translation for pure modules (parsers, file readers, formulas) that must run without Flask.

Inside a request or app context Flask-Babel translates; outside one (CLI checks, scripts, pure
unit tests) the English source text is returned as it is.
"""


def _(message: str, **params) -> str:
    """Translate ``message`` when Flask-Babel is active, then fill ``%(name)s`` params."""
    try:
        from flask_babel import gettext
    except ImportError:  # the pure core does not depend on Flask being installed
        translated = message
    else:
        try:
            translated = gettext(message)
        except (RuntimeError, KeyError, AttributeError):
            # No app context, or an app without Babel configured: the source text.
            translated = message
    return translated % params if params else translated
