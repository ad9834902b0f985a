"""The question as a plain mapping: the one shape that YAML files and the JSON export share.

YAML and JSON differ only in syntax and in how lines are found; reading a question out of a
mapping, checking its common fields and handing the rest to its question type happens here.
"""

from __future__ import annotations

import binascii
import difflib
import mimetypes
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal

from app.bank.qtypes import QTYPES, get_qtype
from app.bank.qtypes.base import (
    DEFAULT_DIFFICULTY,
    DIFFICULTIES,
    STATUSES,
    TEXT_FORMATS,
    DataReader,
    Issue,
    Problem,
    QType,
    QuestionData,
)
from app.bank.qtypes.i18n import _
from app.core.limits import MAX_NAME, MAX_TEXT_BYTES, too_big

#: Keys every question may have, in the order they are written (the type's keys follow
#: source_version). The JSON export and YAML files use the same names.
HEAD_KEYS = (
    "id",
    "qtype",
    "name",
    "category",
    "questiontext",
    "questiontextformat",
    "generalfeedback",
    "generalfeedbackformat",
    "defaultmark",
    "difficulty",
    "competencies",
    "tags",
    "status",
    "source_version",
)
TAIL_KEYS = (
    "penalty",
    "hints",
    "correctfeedback",
    "partiallycorrectfeedback",
    "incorrectfeedback",
    "files",
)
COMMON_KEYS = HEAD_KEYS + TAIL_KEYS
HINT_KEYS = ("text", "format", "shownumcorrect", "clearwrong")
FILE_KEYS = ("name", "path", "mimetype", "content_base64")
MAX_FILE_BYTES = 20 * 1024 * 1024  #: an embedded file larger than this is refused

MAX_ID_LENGTH = 100  # Moodle's idnumber column
#: SkillGrid's limit for names (Moodle's column holds 255): docs/question-format.md, Sizes
MAX_NAME_LENGTH = MAX_NAME
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")

Path = tuple[str | int, ...]
#: path inside the question mapping -> source line (1-based)
Locate = Callable[[Path], int]


def normalise_category(path: str) -> str | None:
    """Return a category path with its names trimmed, or None if a name is empty."""
    names = [name.strip() for name in path.split("/")]
    if not names or any(not name for name in names):
        return None
    return "/".join(names)


def accepted_keys(qtype: QType) -> tuple[str, ...]:
    """The type-specific keys a question of `qtype` may carry (both YAML and JSON shapes)."""
    return (*qtype.keys, *getattr(qtype, "export_keys", ()))


def read_question(
    node: Any, default_category: str | None, locate: Locate
) -> tuple[QuestionData | None, list[tuple[int, str]]]:
    """Read one question mapping; return it (None if anything is wrong) and (line, message)s.

    Every problem is reported, not just the first, so an author can fix a file in one pass.
    """
    reader = DataReader()
    node = reader.mapping(node, ())
    qtype_name = reader.text(node, "qtype", ())
    qtype = QTYPES.get(qtype_name)
    if not qtype_name:
        reader.add(("qtype",), _("'qtype' is missing"))
    elif qtype is None:
        reader.add(
            ("qtype",),
            _("unknown question type '%(qtype)s' (expected one of: %(allowed)s)")
            % {"qtype": qtype_name, "allowed": ", ".join(QTYPES)},
        )
    specific_allowed = accepted_keys(qtype) if qtype else ()
    specific: dict[str, Any] = {}
    for key, value in node.items():
        if key in COMMON_KEYS:
            continue
        if key in specific_allowed:
            specific[key] = value
        elif qtype is not None:  # with an unknown type, the type's keys cannot be judged
            reader.add((str(key),), _unknown_key_message(key, qtype))
    data: dict[str, Any] = {}
    type_issues = []
    if qtype is not None:
        data, type_issues = qtype.parse_dict(specific)
    question = _read_common(reader, node, qtype, default_category)
    if qtype is not None and question.questiontext.strip():
        # A type may keep its answers inside the question text (Cloze): the text says them.
        text, from_text, text_issues = qtype.split_text(
            question.questiontext, question.questiontextformat
        )
        if from_text is not None:
            question.questiontext, data = text, from_text
            type_issues = [*type_issues, *text_issues]
            if node.get("defaultmark") is None:
                question.defaultmark = qtype.default_mark_for(data)
    reader.issues.extend(type_issues)
    if qtype is not None and not type_issues:
        reader.issues.extend(qtype.check(data))
    reader.issues.extend(oversized_texts(data))
    if reader.issues:
        label = question.id or question.name
        prefix = f"[{label}] " if label else ""
        return None, [(locate(issue.path), prefix + issue.message) for issue in reader.issues]
    question.data = data
    question.line = locate(())
    return question, []


class SeenIds:
    """The ids of one file's questions and where each was first used: a repeat is a problem.

    Every format reports a second question with the same id instead of keeping it; a
    spreadsheet counts in rows (`unit="row"`), every other format in lines.
    """

    def __init__(self, filename: str, *, unit: Literal["line", "row"] = "line") -> None:
        self.filename = filename
        self.unit = unit
        self.first_line_of_id: dict[str, int] = {}

    def repeat(
        self, question: QuestionData, line: int, first_line: int | None = None
    ) -> Problem | None:
        """The problem, at `line`, if the question's id was used before; else None, and the id
        is remembered as first used at `first_line` (default `line`)."""
        if question.id is None:
            return None
        if question.id not in self.first_line_of_id:
            self.first_line_of_id[question.id] = line if first_line is None else first_line
            return None
        values = {"id": question.id, "line": self.first_line_of_id[question.id]}
        if self.unit == "row":
            message = _("duplicate id '%(id)s' (first used on row %(line)d)") % values
        else:
            message = _("duplicate id '%(id)s' (first used on line %(line)d)") % values
        return Problem(self.filename, line, message)


def _unknown_key_message(key: Any, qtype: QType) -> str:
    """Name the unknown key and suggest the nearest known one (typos are the usual cause)."""
    known = [*COMMON_KEYS, *accepted_keys(qtype)]
    close = difflib.get_close_matches(str(key), known, n=1)
    if close:
        return _("unknown key '%(key)s' for qtype %(qtype)s (did you mean '%(close)s'?)") % {
            "key": key,
            "qtype": qtype.name,
            "close": close[0],
        }
    return _("unknown key '%(key)s' for qtype %(qtype)s") % {"key": key, "qtype": qtype.name}


def _read_common(
    reader: DataReader, node: Mapping[str, Any], qtype: QType | None, default_category: str | None
) -> QuestionData:
    """Read and check the fields every question type shares."""
    question = QuestionData(qtype=qtype.name if qtype else "", name="")
    question.id = _read_id(reader, node)
    question.name = _required_text(reader, node, "name").strip()
    if len(question.name) > MAX_NAME_LENGTH:
        reader.add(
            ("name",),
            _("'name' is longer than %(n)d characters (it has %(m)d)")
            % {"n": MAX_NAME_LENGTH, "m": len(question.name)},
        )
    category = reader.optional_text(node, "category", ())
    if category is not None:
        question.category = normalise_category(category)
        if question.category is None:
            reader.add(("category",), _("'category' has an empty name between slashes"))
    else:
        question.category = default_category
    question.questiontext = _required_text(reader, node, "questiontext")
    question.questiontextformat = reader.text_format(node, "questiontextformat", ()) or "markdown"
    question.generalfeedback = reader.text(node, "generalfeedback", ())
    question.generalfeedbackformat = reader.text_format(node, "generalfeedbackformat", ())
    default_mark = qtype.default_mark if qtype else 1.0
    question.defaultmark = reader.number(node, "defaultmark", (), default_mark)
    if question.defaultmark < 0:
        reader.add(("defaultmark",), _("'defaultmark' cannot be negative"))
    if qtype is not None and not qtype.is_graded and question.defaultmark != 0:
        reader.add(("defaultmark",), _("a description carries no mark: 'defaultmark' must be 0"))
    question.penalty = reader.number(
        node, "penalty", (), qtype.default_penalty if qtype else question.penalty
    )
    if not 0 <= question.penalty <= 1:
        reader.add(("penalty",), _("'penalty' must be between 0 and 1"))
    difficulty = reader.integer(node, "difficulty", (), DEFAULT_DIFFICULTY)
    if difficulty not in DIFFICULTIES:
        reader.add(("difficulty",), _("'difficulty' must be 1, 2 or 3"))
        difficulty = DEFAULT_DIFFICULTY
    question.difficulty = int(difficulty)
    question.competencies = _read_codes(reader, node)
    question.tags = _read_tags(reader, node)
    status = reader.text(node, "status", (), "draft")
    if status not in STATUSES:
        reader.add(
            ("status",),
            _("'status' must be one of: %(allowed)s") % {"allowed": ", ".join(STATUSES)},
        )
        status = "draft"
    question.status = status
    question.source_version = reader.optional_text(node, "source_version", ())
    question.hints = _read_hints(reader, node)
    for key in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        setattr(question, key, reader.text(node, key, ()))
    question.files = read_files(reader, node)
    texts = ["questiontext", "generalfeedback", *FEEDBACK_KEYS]
    reader.issues.extend(oversized_texts({key: getattr(question, key) for key in texts}))
    reader.issues.extend(oversized_texts({"hints": question.hints}))
    if question.source_version and len(question.source_version) > MAX_NAME_LENGTH:
        reader.add(
            ("source_version",),
            _("'source_version' is longer than %(n)d characters") % {"n": MAX_NAME_LENGTH},
        )
    for name in (question.category or "").split("/"):
        if len(name) > MAX_NAME_LENGTH:
            reader.add(
                ("category",),
                _("a category name is longer than %(n)d characters") % {"n": MAX_NAME_LENGTH},
            )
            break
    return question


#: the combined feedbacks every type may carry
FEEDBACK_KEYS = ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback")


def oversized_texts(value: Any, path: Path = ()) -> list[Issue]:
    """An issue for every text in ``value`` (a mapping, a list, a text) over MAX_TEXT_BYTES:
    question texts, feedbacks, answers, hints and the type's own texts alike."""
    if isinstance(value, str):
        problem = too_big(value, MAX_TEXT_BYTES)
        if problem is None:
            return []
        key = next((str(p) for p in reversed(path) if isinstance(p, str)), "")
        named = _("'%(key)s' is too long") % {"key": key} if key else _("a text is too long")
        return [Issue(path, f"{named}: {problem}")]
    if isinstance(value, Mapping):
        return [i for k, v in value.items() for i in oversized_texts(v, (*path, str(k)))]
    if isinstance(value, list | tuple):
        return [i for n, v in enumerate(value) for i in oversized_texts(v, (*path, n))]
    return []


def _required_text(reader: DataReader, node: Mapping[str, Any], key: str) -> str:
    """Read a text that must not be blank; one message whether it is absent or mistyped."""
    n_issues = len(reader.issues)
    value = reader.text(node, key, ())
    if not value.strip() and len(reader.issues) == n_issues:
        reader.add((key,), _("'%(key)s' is missing") % {"key": key})
    return value


def _read_id(reader: DataReader, node: Mapping[str, Any]) -> str | None:
    """The stable key: optional, but when present short and on one line (Moodle's idnumber)."""
    value = reader.optional_text(node, "id", ())
    if value is None:
        return None
    value = value.strip()
    if not value:
        reader.add(("id",), _("'id' is empty (leave it out, or give a stable key)"))
        return None
    if len(value) > MAX_ID_LENGTH or _CONTROL_CHARS.search(value):
        reader.add(("id",), _("'id' must be one line of at most 100 characters"))
    return value


def _string_list(reader: DataReader, node: Mapping[str, Any], key: str) -> list[tuple[int, str]]:
    """Read a list of short texts as (index, text)."""
    value = node.get(key)
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        reader.add((key,), _("'%(key)s' must be a list, e.g. [A, B]") % {"key": key})
        return []
    items = []
    for index, item in enumerate(value):
        if isinstance(item, str) or (isinstance(item, int) and not isinstance(item, bool)):
            items.append((index, str(item).strip()))
        else:
            reader.add((key, index), _("each entry of '%(key)s' must be text") % {"key": key})
    return items


#: a competency code (the framework's pattern)
COMPETENCY_CODE = re.compile(r"^[A-Z]{1,4}[0-9]{1,3}$")
#: the codes of the competency framework while a caller reads files against it; None: only
#: the pattern is checked (a pure read without a database)
_KNOWN_CODES: ContextVar[frozenset[str] | None] = ContextVar("known_codes", default=None)


@contextmanager
def known_competencies(codes: Iterable[str]) -> Iterator[None]:
    """Within the block, competency codes must be among ``codes`` (the framework table)."""
    token = _KNOWN_CODES.set(frozenset(codes))
    try:
        yield
    finally:
        _KNOWN_CODES.reset(token)


def _read_codes(reader: DataReader, node: Mapping[str, Any]) -> list[str]:
    """Competency codes of the framework, each at most once."""
    codes: list[str] = []
    known = _KNOWN_CODES.get()
    for index, code in _string_list(reader, node, "competencies"):
        if not COMPETENCY_CODE.match(code) or (known is not None and code not in known):
            close = difflib.get_close_matches(code.upper(), sorted(known or ()), n=1)
            hint = (_(" (did you mean '%(code)s'?)") % {"code": close[0]}) if close else ""
            reader.add(
                ("competencies", index),
                _("unknown competency code '%(code)s'") % {"code": code} + hint,
            )
        elif code in codes:
            reader.add(
                ("competencies", index),
                _("competency '%(code)s' is listed twice") % {"code": code},
            )
        else:
            codes.append(code)
    return codes


#: the longest tag question_tag.tag holds (PostgreSQL refuses a longer one at the write)
MAX_TAG_LENGTH = 100


def _read_tags(reader: DataReader, node: Mapping[str, Any]) -> list[str]:
    """Free labels; blank or repeated ones are mistakes worth pointing out."""
    tags: list[str] = []
    for index, tag in _string_list(reader, node, "tags"):
        if not tag:
            reader.add(("tags", index), _("a tag cannot be empty"))
        elif len(tag) > MAX_TAG_LENGTH:
            message = _("a tag is longer than %(n)d characters") % {"n": MAX_TAG_LENGTH}
            reader.add(("tags", index), message)
        elif tag in tags:
            reader.add(("tags", index), _("tag '%(tag)s' is listed twice") % {"tag": tag})
        else:
            tags.append(tag)
    return tags


def _read_hints(reader: DataReader, node: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Hints are texts, or mappings carrying Moodle's per-hint options."""
    value = node.get("hints")
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        reader.add(("hints",), _("'hints' must be a list"))
        return []
    hints = []
    for index, item in enumerate(value):
        path: tuple[str | int, ...] = ("hints", index)
        if isinstance(item, str):
            hints.append({"text": str(item)})
            continue
        if not isinstance(item, Mapping):
            reader.add(path, _("a hint is a text or a mapping with 'text'"))
            continue
        reader.unknown_keys(item, HINT_KEYS, path)
        hint: dict[str, Any] = {"text": reader.text(item, "text", path)}
        fmt = reader.text_format(item, "format", path)
        if fmt is not None:
            hint["format"] = fmt
        for flag in ("shownumcorrect", "clearwrong"):
            if flag in item:
                hint[flag] = reader.boolean(item, flag, path, False)
        hints.append(hint)
    return hints


def file_key(item: Mapping[str, Any]) -> str:
    """Where a file lives inside its question: its path without the leading '/', and its name.

    Texts refer to it as ``@@PLUGINFILE@@/<file_key>``; the database stores it under this key.
    """
    return str(item["path"]).lstrip("/") + str(item["name"])


def split_file_key(key: str) -> tuple[str, str]:
    """The (path, name) of a stored file key: ``"a/b.png"`` -> ``("/a/", "b.png")``."""
    folder, _sep, name = key.rpartition("/")
    return ("/" + folder + "/" if folder else "/"), name


def guess_mimetype(name: str) -> str:
    """The media type of a file, guessed from its name."""
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def read_files(reader: DataReader, node: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Embedded files: ``{name, path, mimetype, content_base64}``, sorted by path and name."""
    files: dict[tuple[str, str], dict[str, Any]] = {}
    for index, item in reader.items(node, "files", ()):
        path: Path = ("files", index)
        reader.unknown_keys(item, FILE_KEYS, path)
        name = reader.text(item, "name", path).strip()
        folder = reader.text(item, "path", path, "/").strip() or "/"
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            reader.add((*path, "name"), _("a file needs a name without '/'"))
            continue
        if not folder.startswith("/") or not folder.endswith("/") or "/../" in folder + "/":
            reader.add((*path, "path"), _("a file path starts and ends with '/', e.g. /images/"))
            continue
        content = reader.text(item, "content_base64", path)
        try:
            size = len(binascii.a2b_base64(content.encode("ascii"), strict_mode=True))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            reader.add(
                (*path, "content_base64"),
                _("the content of file '%(name)s' is not base64") % {"name": name},
            )
            continue
        if size > MAX_FILE_BYTES:
            reader.add(
                (*path, "content_base64"),
                _("file '%(name)s' is larger than 20 MB") % {"name": name},
            )
            continue
        mimetype = reader.text(item, "mimetype", path).strip() or guess_mimetype(name)
        entry = {"name": name, "path": folder, "mimetype": mimetype, "content_base64": content}
        previous = files.get((folder, name))
        if previous is not None and previous["content_base64"] != content:
            reader.add(
                path,
                _("two different files are named '%(name)s'; one question keeps one file of a name")
                % {"name": folder + name},
            )
        files[(folder, name)] = entry
    return [files[key] for key in sorted(files)]


def write_question(
    question: QuestionData,
    *,
    style: Literal["yaml", "json"],
    file_category: str | None = None,
) -> dict[str, Any]:
    """Return `question` as a mapping in the shared key order.

    The JSON style writes every key; the YAML style leaves out what parsing would fill in
    anyway (defaults, the file's own category), so files stay short and diffs small.
    """
    qtype = get_qtype(question.qtype)
    full = style == "json"
    out: dict[str, Any] = {}
    if full or question.id is not None:
        out["id"] = question.id
    out["qtype"] = question.qtype
    out["name"] = question.name
    if full or (question.category is not None and question.category != file_category):
        out["category"] = question.category
    out["questiontext"] = qtype.join_text(
        question.questiontext, question.data, question.questiontextformat
    )
    if full or question.questiontextformat != "markdown":
        out["questiontextformat"] = question.questiontextformat
    out["generalfeedback"] = question.generalfeedback
    if question.generalfeedbackformat is not None:
        out["generalfeedbackformat"] = question.generalfeedbackformat
    out["defaultmark"] = question.defaultmark
    out["difficulty"] = question.difficulty
    out["competencies"] = list(question.competencies)
    out["tags"] = list(question.tags)
    out["status"] = question.status
    if full or question.source_version is not None:
        out["source_version"] = question.source_version
    out.update(qtype.export_dict(question.data) if full else qtype.to_dict(question.data))
    if full or question.penalty != qtype.default_penalty:
        out["penalty"] = question.penalty
    if full or question.hints:
        out["hints"] = [
            dict(hint) if full or set(hint) != {"text"} else hint["text"] for hint in question.hints
        ]
    for key in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        if full or getattr(question, key):
            out[key] = getattr(question, key)
    if question.files:
        out["files"] = [dict(item) for item in question.files]
    return tidy_numbers(out)


def tidy_numbers(value: Any) -> Any:
    """Write whole floats as integers (1 rather than 1.0) throughout a structure."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: tidy_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [tidy_numbers(item) for item in value]
    return value


__all__ = [
    "COMMON_KEYS",
    "TEXT_FORMATS",
    "SeenIds",
    "file_key",
    "guess_mimetype",
    "normalise_category",
    "read_files",
    "split_file_key",
    "read_question",
    "write_question",
]
