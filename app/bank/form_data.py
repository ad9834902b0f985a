"""Between the authoring form and a question: starting values, a saved version's values, reading
a submitted form, placing its messages and the row buttons.

An authored question is checked by the same code as a YAML file: the form is turned into the
mapping a YAML question would be (`question_node`) and read by `formats.mapping.read_question`,
so a trainer sees the messages a file author would, each placed on the field it is about.
`apply_row_action` adds, moves and removes rows on the submitted data when the page runs
without its script.
"""

from __future__ import annotations

import math
import re
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import FieldList

from app.bank.formats.mapping import read_question
from app.bank.forms import (
    FIELD_LABELS,
    ROW_LISTS,
    AnswerRow,
    HintRow,
    PairRow,
    QuestionForm,
    UnitRow,
    blank_row,
    nearest_fraction,
)
from app.bank.qtypes import QType, QuestionData

#: rows added by the "more" buttons when the page runs without its script
MORE_ROWS = 2

_BOOLEAN_KEYS = ("shuffleanswers", "shownumcorrect", "usecase", "responserequired")
_NUMBER_KEYS = (
    "unitpenalty",
    "unitgradingtype",
    "responsefieldlines",
    "attachments",
    "attachmentsrequired",
    "minwordlimit",
    "maxwordlimit",
)
_TEXT_FORMAT_KEYS = ("graderinfoformat",)
_TAG_SEPARATORS = re.compile(r"[,，、;；]")
_ROW_KEY = re.compile(r"^(answers|units|subquestions|hints)-(\d+)-(.+)$")


# --- the form's starting values -----------------------------------------------------------


def new_question_data(qtype: QType, category: str) -> dict[str, Any]:
    """The starting values of a new question of ``qtype`` (Moodle's defaults)."""
    data: dict[str, Any] = {
        "category": category,
        "questiontextformat": "markdown",
        # left empty where the text gives the mark (Cloze: the sum of the blanks' weights)
        "defaultmark": "" if qtype.answers_in_text else _number_text(qtype.default_mark),
        "penalty": _number_text(qtype.default_penalty),
        "difficulty": "2",
        "status": "draft",
        "shuffleanswers": True,
        "answernumbering": "abc",
        "responseformat": "editor",
        "responserequired": True,
        "responsefieldlines": "15",
        "attachments": "0",
        "attachmentsrequired": "0",
        "unitgradingtype": "0",
        "unitpenalty": "0.1",
    }
    for list_name in ROW_LISTS:
        if list_name in qtype.keys:
            count = qtype.start_rows.get(list_name, 0)
            data[list_name] = [blank_row(list_name) for _i in range(count)]
    data["hints"] = []  # hint rows only when the author asks for them
    return data


def version_form_data(data: QuestionData, qtype: QType, number: int) -> dict[str, Any]:
    """The form values of a saved version (what a trainer edits)."""
    out: dict[str, Any] = {
        "name": data.name,
        "category": data.category or "",
        # a Cloze question's blanks are edited inside its text, as files write them
        "questiontext": qtype.join_text(data.questiontext, data.data, data.questiontextformat),
        "questiontextformat": data.questiontextformat,
        "generalfeedback": data.generalfeedback,
        "generalfeedbackformat": data.generalfeedbackformat or "",
        "defaultmark": _mark_text(data, qtype),
        "penalty": _number_text(data.penalty),
        "difficulty": str(data.difficulty),
        "competencies": list(data.competencies),
        "tags": ", ".join(data.tags),
        "status": data.status,
        "source_version": data.source_version or "",
        "correctfeedback": data.correctfeedback,
        "partiallycorrectfeedback": data.partiallycorrectfeedback,
        "incorrectfeedback": data.incorrectfeedback,
        "hints": [
            {
                "text": hint.get("text", ""),
                "shownumcorrect": bool(hint.get("shownumcorrect")),
                "clearwrong": bool(hint.get("clearwrong")),
                "format": hint.get("format", ""),
            }
            for hint in data.hints
        ],
        "base_version": str(number),
    }
    for key, value in qtype.to_dict(data.data).items():
        if key == "answers":
            out[key] = [
                {
                    "text": answer["text"],
                    "fraction": nearest_fraction(float(answer["fraction"])),
                    "tolerance": _number_text(answer.get("tolerance")),
                    "feedback": answer.get("feedback", ""),
                    "format": answer.get("format", ""),
                    "feedbackformat": answer.get("feedbackformat", ""),
                }
                for answer in value
            ]
        elif key == "units":
            out[key] = [
                {"unit": u["unit"], "multiplier": _number_text(u["multiplier"])} for u in value
            ]
        elif key == "subquestions":
            out[key] = [
                {"text": s["text"], "answer": s["answer"], "format": s.get("format", "")}
                for s in value
            ]
        elif key == "correct":
            out[key] = "true" if value else "false"
        elif isinstance(value, bool):
            out[key] = value
        elif isinstance(value, int | float):
            out[key] = _number_text(value)
        else:
            out[key] = "" if value is None else value
    return out


def _mark_text(data: QuestionData, qtype: QType) -> str:
    """The mark as typed back; empty where the text gives it and it was not changed, so that
    changing the blanks changes it too."""
    if qtype.answers_in_text and data.defaultmark == qtype.default_mark_for(data.data):
        return ""
    return _number_text(data.defaultmark)


def _number_text(value: Any) -> str:
    """A number as typed back into a field: 1 rather than 1.0, nothing for None."""
    if value is None:
        return ""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


# --- reading the form the way a YAML question is read --------------------------------------


def typed_text(value: Any) -> str:
    """Form text with the browser's CRLF line ends made LF (as files have them)."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")


def _number(value: Any) -> Any:
    """A typed number as a float; None when blank; the text itself when it is no number.

    The text is passed on so the reader says "'x' must be a number", as for a file.
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _put(node: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` unless the value is None (the reader's default applies then)."""
    if value is not None:
        node[key] = value


def question_node(
    form: QuestionForm, qtype: QType, key: str | None
) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The question as the mapping a YAML file would hold, and which form row each item of
    a list came from (blank rows are left out)."""
    node: dict[str, Any] = {"qtype": qtype.name}
    if key:
        node["id"] = key
    node["name"] = form.name.data or ""
    node["category"] = (form.category.data or "").strip() or "Default"
    node["questiontext"] = typed_text(form.questiontext.data)
    node["questiontextformat"] = form.questiontextformat.data or "markdown"
    node["generalfeedback"] = typed_text(form.generalfeedback.data)
    _put(node, "generalfeedbackformat", form.generalfeedbackformat.data or None)
    _put(node, "defaultmark", _number(form.defaultmark.data))
    _put(node, "penalty", _number(form.penalty.data))
    _put(node, "difficulty", _number(form.difficulty.data))
    node["competencies"] = list(form.competencies.data or [])
    node["tags"] = [t.strip() for t in _TAG_SEPARATORS.split(form.tags.data or "") if t.strip()]
    node["status"] = form.status.data or "draft"
    _put(node, "source_version", (form.source_version.data or "").strip() or None)
    for name in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        node[name] = typed_text(form[name].data)
    rows: dict[str, list[int]] = {}
    node["hints"] = _rows(form.hints, rows, "hints", _hint_item)
    for name in qtype.keys:
        if name in ("answers", "units", "subquestions"):
            read = {"answers": _answer_item, "units": _unit_item, "subquestions": _pair_item}
            node[name] = _rows(form[name], rows, name, read[name])
        elif name == "correct":
            if form.correct.data in ("true", "false"):
                node["correct"] = form.correct.data == "true"
        elif name in _BOOLEAN_KEYS:
            node[name] = bool(form[name].data)
        elif name in _NUMBER_KEYS:
            _put(node, name, _number(form[name].data))
        elif name in _TEXT_FORMAT_KEYS:
            _put(node, name, form[name].data or None)
        else:
            node[name] = typed_text(form[name].data)
    return node, rows


def _rows(field: FieldList, rows: dict[str, list[int]], name: str, read) -> list[dict]:
    """The non-blank rows of a list as mappings, noting the form index of each."""
    items, kept = [], []
    for index, entry in enumerate(field.entries):
        item = read(entry.form)
        if item is not None:
            items.append(item)
            kept.append(index)
    rows[name] = kept
    return items


def _answer_item(row: AnswerRow) -> dict[str, Any] | None:
    text, feedback = typed_text(row.text.data), typed_text(row.feedback.data)
    fraction = _number(row.fraction.data)
    tolerance = _number(row.tolerance.data)
    if not text.strip() and not feedback.strip() and not fraction and tolerance is None:
        return None
    item: dict[str, Any] = {"text": text, "fraction": fraction or 0.0, "feedback": feedback}
    _put(item, "tolerance", tolerance)
    _put(item, "format", row.format.data or None)
    _put(item, "feedbackformat", row.feedbackformat.data or None)
    return item


def _unit_item(row: UnitRow) -> dict[str, Any] | None:
    unit, multiplier = (row.unit.data or "").strip(), _number(row.multiplier.data)
    if not unit and multiplier is None:
        return None
    item: dict[str, Any] = {"unit": unit}
    _put(item, "multiplier", multiplier)
    return item


def _pair_item(row: PairRow) -> dict[str, Any] | None:
    text, answer = typed_text(row.text.data), (row.answer.data or "")
    if not text.strip() and not answer.strip():
        return None
    item: dict[str, Any] = {"text": text, "answer": answer}
    _put(item, "format", row.format.data or None)
    return item


def _hint_item(row: HintRow) -> dict[str, Any] | None:
    text = typed_text(row.text.data)
    if not text.strip():
        return None
    item: dict[str, Any] = {"text": text}
    _put(item, "format", row.format.data or None)
    # Only set options are written: a plain hint stays {text}, as in the files.
    for flag in ("shownumcorrect", "clearwrong"):
        if row[flag].data:
            item[flag] = True
    return item


def read_question_form(
    form: QuestionForm, qtype: QType, key: str | None
) -> tuple[QuestionData | None, dict[str, list[str]]]:
    """Read the form with the YAML reader: the question, or messages keyed by field id.

    A message about a whole list is keyed by the list ("answers"), about a row by the row
    ("answers-2"), about the question as such by "".
    """
    node, rows = question_node(form, qtype, key)

    def locate(path: tuple) -> str:
        if not path:
            return "correct" if "correct" in qtype.keys else ""
        head = str(path[0])
        index = path[1] if len(path) > 1 and isinstance(path[1], int) else None
        if head in rows and index is not None and index < len(rows[head]):
            row_id = f"{head}-{rows[head][index]}"
            return f"{row_id}-{path[2]}" if len(path) > 2 else row_id
        return head

    question, found = read_question(node, None, locate)
    label = (key or "").strip() or node["name"].strip()
    prefix = f"[{label}] " if label else ""
    errors: dict[str, list[str]] = {}
    for where, message in found:
        if prefix and message.startswith(prefix):
            message = message[len(prefix) :]
        errors.setdefault(str(where), []).append(_in_words(form, str(where), message))
    if question is not None:
        question.line = None
    return question, errors


_QUOTED_KEY = re.compile(r"(['\"“])([a-z_]+)(['\"”])")


def _in_words(form: QuestionForm, where: str, message: str) -> str:
    """The message with the file keys it quotes ('name', “fraction”) named as the form names
    them: a trainer sees the field's label, never the key a YAML file would use."""

    row = _ROW_KEY.match(where)
    base = f"{row.group(1)}-{row.group(2)}-" if row else (where + "-" if "-" in where else "")

    def label(match: re.Match[str]) -> str:
        key = match.group(2)
        field = _field_by_id(form, base + key)
        text = str(field.label.text) if field is not None else FIELD_LABELS.get(key)
        if text is None:
            return match.group(0)
        return f"{match.group(1)}{text}{match.group(3)}"

    return _QUOTED_KEY.sub(label, message)


def field_errors(form: QuestionForm) -> list[tuple[str, str, list[str]]]:
    """(field id, label, messages) of every field with messages, rows included, in order."""
    found = []
    for field in form:
        if field.type == "FieldList":
            for entry in field.entries:
                for sub in entry.form:
                    if sub.errors:
                        found.append((sub.id, str(sub.label.text), list(sub.errors)))
        elif field.errors:
            found.append((field.id, str(field.label.text), list(field.errors)))
    return found


def place_errors(form: QuestionForm, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Put each message on its field; return those about lists, rows or the whole question."""
    left: dict[str, list[str]] = {}
    for where, messages in errors.items():
        target = _field_by_id(form, where)
        if target is None:
            left.setdefault(where, []).extend(messages)
        else:
            target.errors = [*target.errors, *messages]
    return left


def _field_by_id(form: QuestionForm, field_id: str):
    """The field rendered with ``field_id``, if there is one."""
    match = _ROW_KEY.match(field_id)
    if match:
        name, index, sub = match.group(1), int(match.group(2)), match.group(3)
        entries = form[name].entries
        if index < len(entries) and sub in entries[index].form:
            return entries[index].form[sub]
        return None
    if field_id and field_id not in ROW_LISTS and field_id in form:
        return form[field_id]
    return None


# --- row actions (the page's buttons work without its script) -----------------------------


def apply_row_action(formdata: MultiDict) -> tuple[MultiDict, tuple[str, str, int] | None]:
    """Apply an add/up/down/remove button to the submitted rows; return the new data and the
    action as (verb, list, index), or None when the form was submitted to be saved."""
    raw = formdata.get("row_action", "")
    data = MultiDict([(k, v) for k, v in formdata.items(multi=True) if k != "row_action"])
    if not raw:
        return data, None
    parts = raw.split(":")
    if (
        len(parts) < 2
        or parts[0] not in ("add", "up", "down", "remove")
        or parts[1] not in ROW_LISTS
    ):
        return data, ("preview", "", 0)  # re-render only: never save on an unknown button
    verb, name = parts[0], parts[1]
    digits = parts[2] if len(parts) > 2 else ""
    index = int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 10 else -1
    order = sorted(
        {int(m.group(2)) for k in data if (m := _ROW_KEY.match(k)) and m.group(1) == name}
    )
    if verb in ("up", "down", "remove") and index in order:
        position = order.index(index)
        if verb == "remove":
            order.pop(position)
        else:
            other = position - 1 if verb == "up" else position + 1
            if 0 <= other < len(order):
                order[position], order[other] = order[other], order[position]
    return _renumbered(data, name, order), (verb, name, index)


def _renumbered(data: MultiDict, name: str, order: list[int]) -> MultiDict:
    """Rename the rows of ``name`` 0, 1, 2… in ``order`` (rows left out are dropped)."""
    new_index = {old: new for new, old in enumerate(order)}
    out = MultiDict()
    for key, value in data.items(multi=True):
        match = _ROW_KEY.match(key)
        if match and match.group(1) == name:
            old = int(match.group(2))
            if old in new_index:
                out.add(f"{name}-{new_index[old]}-{match.group(3)}", value)
        else:
            out.add(key, value)
    return out


def add_rows(form: QuestionForm, name: str, count: int = MORE_ROWS) -> None:
    """Append empty rows to the list ``name``."""
    for _i in range(count):
        form[name].append_entry(blank_row(name))
