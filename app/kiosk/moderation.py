"""Which comments wait for HR before anyone reads them (pure).

A comment is **held** when it is empty of content (only spaces, punctuation or one character
repeated: "。。。", "aaaaaa") or contains a word of HR's list (case-insensitive). Held comments
are shown to nobody but HR until HR shows or removes them; the stars count either way, so a word
list never decides a person's K01.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

MAX_COMMENT = 500


def _content(text: str) -> str:
    """The letters and digits of ``text`` (punctuation, symbols and spaces dropped)."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in ("L", "N"))


def normalise(text: str) -> str:
    """NFKC-folded, lower-case text: full-width letters match their half-width words."""
    return unicodedata.normalize("NFKC", text).casefold()


def hold_reason(comment: str, words: Iterable[str]) -> str | None:
    """Why ``comment`` is held ("empty" or the word found), or None to show it. An absent
    comment (nothing typed) is not held: there is nothing to read."""
    comment = (comment or "").strip()
    if not comment:
        return None
    content = _content(normalise(comment))
    if len(set(content)) <= 1:
        return "empty"
    folded = normalise(comment)
    squeezed = "".join(folded.split())
    for word in words:
        needle = normalise(word).strip()
        if needle and (needle in folded or "".join(needle.split()) in squeezed):
            return needle
    return None


def satisfaction(satisfied: int, total: int) -> float | None:
    """K01: satisfied ratings (4–5 stars) ÷ all ratings × 100, two decimals; None without any."""
    if total <= 0:
        return None
    return round(satisfied * 100.0 / total, 2)
