"""A question's history: which fields changed between versions, and two versions side by side."""

import difflib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from app.bank.formats.mapping import tidy_numbers
from app.bank.models import QuestionVersion
from app.bank.services.versions import VERSION_FIELDS, changed_version_fields, normalised


@dataclass
class FieldDiff:
    """One field of two versions side by side: (op, text) pieces, op = same | del | ins."""

    name: str
    changed: bool
    left: list[tuple[str, str]]
    right: list[tuple[str, str]]


def changed_fields(older: QuestionVersion, newer: QuestionVersion) -> list[str]:
    """The versioned fields that differ between two versions of a question; a change of the
    type-specific ``data`` is named by the type's keys that changed (answers, units…)."""
    a, b = _as_written(older), _as_written(newer)
    names = changed_version_fields(a, b)
    if "data" in names and older.qtype == newer.qtype:
        qtype = newer.qtype_impl
        old, new = qtype.to_dict(a.data), qtype.to_dict(b.data)
        keys = [
            key
            for key in dict.fromkeys([*old, *new])
            if normalised(old.get(key)) != normalised(new.get(key))
        ]
        position = names.index("data")
        names[position : position + 1] = keys
    return names


def compare_versions(
    left: QuestionVersion, right: QuestionVersion, words: Mapping | None = None
) -> list[FieldDiff]:
    """Every versioned field of two versions as text, the type's data key by key, with the
    characters (or, for long texts, lines) that differ marked by difflib.

    ``words`` names what the texts would otherwise show as a file's keys and values: the keys
    inside an answer or a unit ("fraction") and true/false, so a trainer reads words."""
    words = words or {}
    a, b = _display_fields(left, words), _display_fields(right, words)
    diffs = []
    for name in list(dict.fromkeys([*a, *b])):
        old, new = a.get(name, ""), b.get(name, "")
        if old == new:
            diffs.append(FieldDiff(name, False, [("same", old)], [("same", new)]))
        else:
            pieces_old, pieces_new = _marked(old, new)
            diffs.append(FieldDiff(name, True, pieces_old, pieces_new))
    return diffs


def _display_fields(version: QuestionVersion, words: Mapping) -> dict[str, str]:
    """A version's fields as plain text, the ``data`` part expanded into the type's keys."""
    data = _as_written(version)
    out = {}
    for name in VERSION_FIELDS:
        if name == "data":
            qtype = version.qtype_impl
            for key, value in qtype.to_dict(data.data or {}).items():
                out[key] = _as_text(tidy_numbers(value), words)
        elif name == "files":
            # A file as its name, type and a short digest of its content, never its bytes.
            out[name] = "\n".join(
                f"{item['path']}{item['name']} ({item['mimetype']}, "
                + hashlib.sha256(item["content_base64"].encode("ascii")).hexdigest()[:12]
                + ")"
                for item in getattr(data, name) or []
            )
        else:
            out[name] = _as_text(tidy_numbers(getattr(data, name)), words)
    return out


def _as_written(version: QuestionVersion):
    """A version as files write it: answers a type keeps inside its text (Cloze's blanks) are
    put back there, so that a change of them shows as a change of the text."""
    data = version.to_data()
    data.questiontext = version.qtype_impl.join_text(
        data.questiontext, data.data or {}, data.questiontextformat
    )
    return data


def _as_text(value, words: Mapping) -> str:
    """A field value as readable text: lists one item per line, mappings as ``a | b``, keys
    and true/false in ``words`` where it names them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(words.get(value, "true" if value else "false"))
    if isinstance(value, dict):
        return " | ".join(f"{words.get(k, k)}: {_as_text(v, words)}" for k, v in value.items())
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return ", ".join(value)
        return "\n".join(_as_text(item, words) for item in value)
    return str(value)


def _marked(old: str, new: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """difflib opcodes as pieces for each side; characters for short texts, lines beyond."""
    by_lines = len(old) + len(new) > 20_000
    a = old.splitlines(keepends=True) if by_lines else old
    b = new.splitlines(keepends=True) if by_lines else new
    left: list[tuple[str, str]] = []
    right: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        piece_a, piece_b = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            left.append(("same", piece_a))
            right.append(("same", piece_b))
            continue
        if piece_a:
            left.append(("del", piece_a))
        if piece_b:
            right.append(("ins", piece_b))
    return left, right
