"""The documented maximum size of every free-text field, in one place.

Forms, imports and the API check the same numbers (docs/question-format.md, docs/api.md), so a
5 MB question text is refused with a clear message wherever it comes from instead of making a
page that never finishes loading. Names count characters; texts count UTF-8 bytes (a Chinese
character is three), as a database or a browser measures them.
"""

from app.core.gettext import _

#: names and titles: question, quiz, course, activity and category names (characters)
MAX_NAME = 200
#: question texts: the text, every feedback, answers, hints, grader information; quiz and
#: course descriptions and lesson texts (UTF-8 bytes)
MAX_TEXT_BYTES = 64 * 1024
#: comments: a grader's comment, a regrade's reason, a note with a rating (UTF-8 bytes)
MAX_COMMENT_BYTES = 4 * 1024
#: an essay answer (UTF-8 bytes)
MAX_ESSAY_BYTES = 64 * 1024


def size_of(text: str | None) -> int:
    """The size of a text in UTF-8 bytes."""
    return len((text or "").encode("utf-8"))


def readable_size(n_bytes: int) -> str:
    """A size as people say it: "64 KB", "5.2 MB", "900 bytes"."""
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.1f} MB"
    if n_bytes >= 1024:
        return f"{n_bytes / 1024:.0f} KB" if n_bytes % 1024 == 0 else f"{n_bytes / 1024:.1f} KB"
    return f"{n_bytes} bytes"


def too_big(text: str | None, limit: int) -> str | None:
    """Why ``text`` is refused (over ``limit`` UTF-8 bytes), in words; None when it fits."""
    size = size_of(text)
    if size <= limit:
        return None
    return _(
        "At most %(limit)s; this text is %(size)s.",
        limit=readable_size(limit),
        size=readable_size(size),
    )
