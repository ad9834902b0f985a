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


class LazyText:
    """A message translated each time it is shown, in the language of the request showing it.

    Question types name themselves at import time (``label``, ``help``), long before any request
    says which language to use; ``str()`` translates, as Flask-Babel's ``lazy_gettext`` does.
    """

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return _(self.message)

    def __repr__(self) -> str:
        return f"LazyText({self.message!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyText):
            return self.message == other.message
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.message)


def _l(message: str) -> LazyText:
    """Mark `message` for translation when it is shown (the pure core's ``lazy_gettext``)."""
    return LazyText(message)
