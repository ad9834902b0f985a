"""GIFT's lexical layer, shared by the reader and the writer: escapes, `[format]` tags, the
`[id:]`/`[tag:]` comment tokens, question names and the cutting of answers into pieces."""

from __future__ import annotations

import re

from app.bank.formats.moodle_common import category_from_path as moodle_category_from_path
from app.bank.qtypes.base import TEXT_FORMATS

#: PHP's trim(): Moodle trims with it, so full-width spaces survive as they do there
TRIM = " \t\n\r\0\x0b"
#: Unicode noncharacters stand in for escaped characters while a block is cut up (Moodle uses
#: "&&058;"-style strings, which could clash with real text; these never occur in real text)
_ESCAPED = {
    ":": "\ufdd0",
    "#": "\ufdd1",
    "=": "\ufdd2",
    "{": "\ufdd3",
    "}": "\ufdd4",
    "~": "\ufdd5",
}
_NEWLINE = "\ufdd6"
_BACKSLASH = "\ufdd7"
PLACEHOLDERS = re.compile("[\ufdd0-\ufdd7]")
_RESTORE = {v: k for k, v in _ESCAPED.items()} | {_NEWLINE: "\n"}
_RESTORE_TABLE = str.maketrans(_RESTORE)

WEIGHT = re.compile(r"%-*[0-9]{1,2}\.?[0-9]*%")
_TAG_TOKEN = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])+)\]")
_ID_TOKEN = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_HTML_TAG = re.compile(r"<[^>]*>")
SPACES = re.compile(r"\s+")

DEFAULT_NAME = "Question name"  # Moodle's get_string('questionname', 'question')
MAX_NAME_LENGTH = 255
#: create_default_question_name shortens the question text to this many characters
DEFAULT_NAME_LENGTH = 80


def extract_id_and_tags(comment: str) -> tuple[str, list[str]]:
    """Moodle's extract_idnumber_and_tags_from_comment: the first `[id:]` and every `[tag:]`."""
    tags = [
        tag
        for tag in (
            m.group(1).replace("\\]", "]").strip(TRIM) for m in _TAG_TOKEN.finditer(comment)
        )
        if tag
    ]
    found = _ID_TOKEN.search(comment)
    return (found.group(1).replace("\\]", "]").strip(TRIM) if found else ""), tags


def category_from_path(path: str) -> str | None:
    """A `$CATEGORY:` path as SkillGrid names it: `$course$/top/A/B` -> "A/B"; root -> None.

    A doubled `//` is Moodle's slash inside a name; SkillGrid separates names with `/`, so it
    becomes a full-width ／ instead. Names are trimmed as PHP's trim() does.
    """
    return moodle_category_from_path(path, TRIM)


def escape_pre(text: str) -> str:
    """Moodle's escapedchar_pre: `\\\\` is a backslash, `\\:` etc. become placeholders."""
    text = text.replace("\\\\", _BACKSLASH)
    for char, placeholder in _ESCAPED.items():
        text = text.replace("\\" + char, placeholder)
    return text.replace("\\n", _NEWLINE).replace(_BACKSLASH, "\\")


def escape_post(text: str) -> str:
    """Moodle's escapedchar_post: placeholders back to their characters."""
    return text.translate(_RESTORE_TABLE)


def with_format(text: str, default: str) -> tuple[str, str]:
    """Moodle's parse_text_with_format: a leading [html] etc. sets the piece's format."""
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in TEXT_FORMATS:
            fmt = text[1:end]
            text = text[end + 1 :]
    return escape_post(text).strip(TRIM), fmt


def split_at(text: str, separators: str, keep: str = "") -> list[tuple[str, int]]:
    """Cut `text` before each separator: (piece, offset). Separators in `keep` stay at the
    start of their piece (Moodle's `str_replace("=", "~=")` then `explode("~")`)."""
    pieces: list[tuple[str, int]] = []
    start = 0
    for index, char in enumerate(text):
        if char in separators:
            pieces.append((text[start:index], start))
            start = index if char in keep else index + 1
    pieces.append((text[start:], start))
    return pieces


def drop_empty_first(pieces: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Moodle trims the first piece and drops it when empty (a leading `=` or `~`)."""
    if pieces and not pieces[0][0].strip(TRIM):
        return pieces[1:]
    return pieces


def strip_with_offset(text: str, offset: int) -> tuple[str, int]:
    """Trim `text`, moving its offset past what was cut from the front."""
    stripped = text.lstrip(TRIM)
    return stripped.rstrip(TRIM), offset + len(text) - len(stripped)


def clean_name(name: str) -> str:
    """Moodle's clean_question_name: tags removed, trimmed, and shortened by shorten_text
    (ever shorter, 251, 241, … characters) while it is longer than 255 characters."""
    name = _HTML_TAG.sub("", name).strip(TRIM)
    trim_length = MAX_NAME_LENGTH - 4
    while len(name) > MAX_NAME_LENGTH and trim_length > 0:
        name = shorten_text(name, trim_length)
        trim_length -= 10
    return name


def default_name(questiontext: str) -> str:
    """Moodle's create_default_question_name: clean_question_name(shorten_text(text, 80)), or
    "Question name" when that comes out empty."""
    return clean_name(shorten_text(questiontext, DEFAULT_NAME_LENGTH)) or DEFAULT_NAME


#: Moodle's shorten_text counts an HTML entity as one character
_ENTITY = re.compile(r"&[0-9a-z]{2,8};|&#[0-9]{1,7};|&#x[0-9a-f]{1,6};", re.I)
_TAG_AND_TEXT = re.compile(r"(<.+?>)?([^<>]*)", re.S)


def shorten_text(text: str, ideal: int = 30, ending: str = "...") -> str:
    """Moodle's shorten_text (lib/moodlelib.php) with $exact = false, for names.

    Tags do not count, an entity counts as one character and the ending counts too; the cut
    falls after the last space or full stop before the limit (so a space stays before the
    ending), or after any CJK character, else at the limit. Tags left open are not closed:
    every caller strips tags afterwards.
    """
    if len(re.sub(r"<.*?>", "", text)) <= ideal:
        return text
    total = len(ending)
    truncated = ""
    for match in _TAG_AND_TEXT.finditer(text):
        tag, piece = match.group(1), match.group(2)
        if tag:
            truncated += tag
        length = len(_ENTITY.sub(" ", piece))
        if total + length > ideal:
            left = ideal - total
            entities = 0
            for entity in _ENTITY.finditer(piece):
                if entity.start() + 1 - entities <= left:
                    left -= 1
                    entities += len(entity.group(0))
                else:
                    break
            limit = left + entities
            breakpos = limit
            while breakpos > 0:
                char = piece[breakpos : breakpos + 1]
                if char in (".", " ") or len(char.encode("utf-8")) > 2:
                    breakpos += 1
                    break
                breakpos -= 1
            if breakpos == 0 or breakpos > limit:
                breakpos = limit
            truncated += piece[:breakpos]
            break
        truncated += piece
        total += length
        if total >= ideal:
            break
    return truncated + ending
