"""The JSON export: a list of questions with the same keys as the YAML files.

The key contract is documented in docs/question-format.md. `parse_json` reads the same shape
back, so an export can be imported again; problems carry the line of the question's object.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
from collections.abc import Mapping
from typing import Any

from app.bank.formats.mapping import SeenIds, read_question, write_question
from app.bank.qtypes.base import Problem, QuestionData
from app.bank.qtypes.i18n import _


def dump_json(questions: list[QuestionData]) -> str:
    """Write questions as a JSON list (UTF-8 text as is, indented by 2, newline at the end)."""
    payload = [write_question(q, style="json") for q in questions]
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def parse_json(text: str, filename: str) -> tuple[list[QuestionData], list[Problem]]:
    """Read an export back; return its valid questions and every problem, never raising.

    As with YAML, a file with any problem should be rejected as a whole.
    """
    try:
        document = _LineDecoder(text).decode(text)
    except json.JSONDecodeError as exc:
        return [], [
            Problem(filename, exc.lineno, _("JSON syntax error: %(msg)s") % {"msg": exc.msg})
        ]
    except (RecursionError, ValueError) as exc:
        return [], [Problem(filename, 1, _("JSON syntax error: %(msg)s") % {"msg": exc})]
    if not isinstance(document, list):
        return [], [Problem(filename, 1, _("expected a list of questions"))]
    problems: list[Problem] = []
    questions: list[QuestionData] = []
    seen = SeenIds(filename)
    for item in document:
        item_line = getattr(item, "line", 1)
        if isinstance(item, _LineDict):
            for key in item.duplicates:
                problems.append(
                    Problem(filename, item_line, _("key '%(key)s' appears twice") % {"key": key})
                )
        question, found = read_question(item, None, _locator(item, item_line))
        problems.extend(Problem(filename, line, message) for line, message in found)
        if question is None:
            continue
        repeat = seen.repeat(question, item_line)
        if repeat is not None:
            problems.append(repeat)
            continue
        questions.append(question)
    problems.sort(key=lambda problem: problem.line)
    return questions, problems


class _LineDict(dict):
    """A JSON object that remembers the line it starts on and any repeated keys."""

    line: int = 1
    duplicates: list[str]


def _pairs_to_dict(pairs: list[tuple[str, Any]]) -> _LineDict:
    """Build an object, noting repeated keys that json would silently overwrite."""
    result = _LineDict()
    result.duplicates = []
    for key, value in pairs:
        if key in result:
            result.duplicates.append(key)
        result[key] = value
    return result


class _LineDecoder(json.JSONDecoder):
    """json's own parser, with the pure-Python scanner so each object learns its line."""

    def __init__(self, text: str):
        super().__init__(object_pairs_hook=_pairs_to_dict)
        newlines = [i for i, char in enumerate(text) if char == "\n"]

        def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):
            obj, end = json.decoder.JSONObject(
                s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo
            )
            start = s_and_end[1] - 1  # the offset of "{"
            if isinstance(obj, _LineDict):
                obj.line = bisect.bisect_right(newlines, start) + 1
            return obj, end

        self.parse_object = parse_object
        self.scan_once = json.scanner.py_make_scanner(self)


def _locator(node: Any, fallback: int):
    """Map a path inside a question to the line of the deepest JSON object on it."""

    def locate(path: tuple[str | int, ...]) -> int:
        line = getattr(node, "line", fallback)
        current: Any = node
        for step in path:
            in_mapping = isinstance(current, Mapping) and step in current
            in_list = isinstance(current, list) and isinstance(step, int)
            if not in_mapping and not (in_list and 0 <= step < len(current)):
                break
            current = current[step]
            line = getattr(current, "line", line)
        return line

    return locate
