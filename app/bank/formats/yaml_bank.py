"""SkillGrid's own question format: one YAML file per topic in question_bank/.

Read with ruamel.yaml in round-trip mode: YAML 1.2 (so `no` and `on` stay text) and a line
number for every node, which is how each problem is pinned to the line an author must fix.
Documented in docs/question-format.md.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
)

from app.bank.formats.mapping import SeenIds, normalise_category, read_question, write_question
from app.bank.qtypes.base import Problem, QuestionData
from app.bank.qtypes.i18n import _
from app.core import yamlfile

FILE_KEYS = ("category", "questions")
_FLOW_LISTS = ("competencies", "tags")
# Characters that only survive in a double-quoted scalar with escapes: controls, C1 controls,
# carriage returns and the Unicode line breaks (ruamel would emit some of them raw and read
# them back differently), BOMs and lone surrogates.
_NEEDS_ESCAPES = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]"
)
# A literal block (|) also loses trailing blanks on a line (editors strip them, YAML folds them).
_TRAILING_BLANK = re.compile(r"[ \t]\n|[ \t]\Z")


def parse_yaml(text: str, filename: str) -> tuple[list[QuestionData], list[Problem]]:
    """Read a question file; return its valid questions and every problem found, by line.

    Never raises on bad input. A file with any problem should be rejected as a whole; the
    questions returned are only those that are valid on their own.
    """
    try:
        document = yamlfile.loader().load(text)
    except Exception as exc:  # any loader failure (scanner, parser, reader) is a syntax error
        return [], [Problem(filename, yamlfile.error_line(exc, text), _syntax_message(exc))]
    if document is None:
        return [], [Problem(filename, 1, _("the file is empty: expected 'questions:'"))]
    if not isinstance(document, Mapping):
        return [], [
            Problem(
                filename, yamlfile.line(document), _("expected 'category:' and 'questions:' keys")
            )
        ]
    problems: list[Problem] = []
    for key in document:
        if key not in FILE_KEYS:
            problems.append(
                Problem(
                    filename,
                    yamlfile.key_line(document, key),
                    _("unknown top-level key '%(key)s' (expected 'category' and 'questions')")
                    % {"key": key},
                )
            )
    category = _file_category(document, filename, problems)
    items = document.get("questions")
    if not isinstance(items, list):
        line = yamlfile.key_line(document, "questions") if "questions" in document else 1
        problems.append(Problem(filename, line, _("'questions' must be a list of questions")))
        return [], problems
    questions: list[QuestionData] = []
    seen = SeenIds(filename)
    for index, item in enumerate(items):
        item_line = yamlfile.item_line(items, index)
        question, found = read_question(item, category, _locator(item, item_line))
        problems.extend(Problem(filename, line, message) for line, message in found)
        if question is None:
            continue
        repeat = seen.repeat(question, yamlfile.key_line(item, "id"), question.line or item_line)
        if repeat is not None:
            problems.append(repeat)
            continue
        questions.append(question)
    problems.sort(key=lambda problem: problem.line)
    return questions, problems


def dump_yaml(questions: list[QuestionData], category: str | None = None) -> str:
    """Write questions as a diff-friendly file: block style, `|` for multi-line text, stable
    key order, Chinese as is. A question whose category equals `category` omits it."""
    root = CommentedMap()
    if category is not None:
        root["category"] = category
    root["questions"] = CommentedSeq(
        _styled(write_question(q, style="yaml", file_category=category)) for q in questions
    )
    stream = io.StringIO()
    yamlfile.dumper().dump(root, stream)
    return stream.getvalue()


def _styled(value: Any, key: str | None = None) -> Any:
    """Choose the scalar and collection styles that read best and round-trip exactly."""
    if isinstance(value, dict):
        mapping = CommentedMap()
        for k, v in value.items():
            mapping[k] = _styled(v, k)
        return mapping
    if isinstance(value, list):
        seq = CommentedSeq(_styled(item) for item in value)
        if key in _FLOW_LISTS and all(isinstance(item, str) for item in value):
            seq.fa.set_flow_style()  # competencies: [SV1, BK1] reads as one fact
        return seq
    if isinstance(value, str) and _NEEDS_ESCAPES.search(value):
        return DoubleQuotedScalarString(value)
    if isinstance(value, str) and _is_literal_safe(value):
        return LiteralScalarString(value)
    return value


def _is_literal_safe(text: str) -> bool:
    """Whether a `|` block would give back exactly `text` (a leading blank needs more syntax)."""
    return (
        "\n" in text and not text.startswith((" ", "\t", "\n")) and not _TRAILING_BLANK.search(text)
    )


def _file_category(
    document: Mapping[str, Any], filename: str, problems: list[Problem]
) -> str | None:
    """The default category of the file's questions."""
    value = document.get("category")
    if value is None:
        return None
    category = normalise_category(value) if isinstance(value, str) else None
    if category is None:
        problems.append(
            Problem(
                filename,
                yamlfile.key_line(document, "category"),
                _("'category' must be names joined by '/', none of them empty"),
            )
        )
    return category


def _locator(node: Any, fallback: int):
    """Return a function mapping a path inside `node` to the line of the deepest part found."""

    def locate(path: tuple[str | int, ...]) -> int:
        line = yamlfile.line(node, fallback)
        current = node
        for step in path:
            if isinstance(current, CommentedMap) and step in current:
                line = yamlfile.key_line(current, step)
            elif (
                isinstance(current, CommentedSeq)
                and isinstance(step, int)
                and (0 <= step < len(current))
            ):
                line = yamlfile.item_line(current, step)
            elif isinstance(current, str) and isinstance(step, int):
                # a line within a text: a | or > block starts on the line after its key
                block = isinstance(current, (LiteralScalarString, FoldedScalarString))
                line += step + (1 if block else 0)
                break
            else:
                break
            current = current[step]
        return line

    return locate


def _syntax_message(exc: Exception) -> str:
    """A one-line description of a loader error, without ruamel's source excerpt."""
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    detail = ", ".join(str(part) for part in parts if part)
    if not detail:
        lines = str(exc).strip().splitlines()
        detail = lines[0] if lines else type(exc).__name__
    return _("YAML syntax error: %(detail)s") % {"detail": detail}
