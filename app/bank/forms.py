"""Forms of the trainers' bank pages: authoring every question type, bulk actions, import.

An authored question is checked by the same code as a YAML file: the form is turned into the
mapping a YAML question would be (`question_node`) and read by `formats.mapping.read_question`,
so a trainer sees the messages a file author would, each placed on the field it is about.
Rows of answers, units, items and hints are FieldLists; `apply_row_action` adds, moves and
removes rows on the submitted data when the page runs without its script.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.bank.formats import FORMATS
from app.bank.formats.mapping import read_question
from app.bank.qtypes import COMPETENCY_CODES, QType, QuestionData
from app.bank.qtypes.base import FRACTION_OPTIONS, FRACTION_TOLERANCE

#: the repeating parts of a question, in the order they appear on the form
ROW_LISTS = ("answers", "units", "subquestions", "hints")
#: blank rows a new question starts with, per list (Moodle offers a few empty ones too)
START_ROWS = {"answers": 4, "units": 1, "subquestions": 4, "hints": 0}
START_ROWS_BY_TYPE = {"shortanswer": {"answers": 3}, "numerical": {"answers": 2}}
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

QTYPE_LABELS = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "truefalse": _l("True/false"),
    "shortanswer": _l("Short answer"),
    "numerical": _l("Numerical"),
    "matching": _l("Matching"),
    "essay": _l("Essay"),
    "description": _l("Description"),
}

#: what each type is and the rules its answers must follow, shown above its fields
QTYPE_HELP = {
    "single": _l(
        "Staff choose one answer. Give at least 2 answers; the best must be worth 100%. "
        "A wrong answer may carry a negative grade (the question never scores below 0)."
    ),
    "multiple": _l(
        "Staff tick any number of answers. The positive grades must add up to 100%; give "
        "wrong answers negative grades so that ticking everything does not pay."
    ),
    "truefalse": _l("Staff say whether the statement is true. Choose the right answer."),
    "shortanswer": _l(
        "Staff type a word or phrase. The first answer that matches decides the grade; * "
        "matches any characters. At least one answer must be worth 100%."
    ),
    "numerical": _l(
        "Staff type a number. The first answer whose range (value ± tolerance) holds it "
        "decides the grade; * accepts any number. A tolerance cannot be negative. The first "
        "unit is the base unit (multiplier 1)."
    ),
    "matching": _l(
        "Staff pair each item with an answer. Give at least 2 items and 3 answers; an answer "
        "with an empty item is a distractor."
    ),
    "essay": _l(
        "Staff write a text that a trainer marks. The grader information guides the marking "
        "and is never shown to staff."
    ),
    "description": _l("Text shown between questions: nothing to answer and no mark."),
}

STATUS_LABELS = {"draft": _l("Draft"), "ready": _l("Ready"), "retired": _l("Retired")}

#: names of the versioned fields and of the types' keys, for the history's comparison
FIELD_LABELS = {
    "qtype": _l("Type"),
    "name": _l("Question name"),
    "questiontext": _l("Question text"),
    "questiontextformat": _l("Text format"),
    "generalfeedback": _l("General feedback"),
    "generalfeedbackformat": _l("General feedback format"),
    "defaultmark": _l("Default mark"),
    "penalty": _l("Penalty for each extra try"),
    "difficulty": _l("Difficulty"),
    "competencies": _l("Competencies"),
    "source_version": _l("Rule version"),
    "hints": _l("Hints"),
    "correctfeedback": _l("For any correct response"),
    "partiallycorrectfeedback": _l("For any partially correct response"),
    "incorrectfeedback": _l("For any incorrect response"),
    "answers": _l("Answers"),
    "shuffleanswers": _l("Shuffle the choices"),
    "answernumbering": _l("Number the choices"),
    "shownumcorrect": _l("Show the number of correct responses"),
    "correct": _l("Correct answer"),
    "truefeedback": _l("Feedback for the response True"),
    "falsefeedback": _l("Feedback for the response False"),
    "usecase": _l("Case matters"),
    "units": _l("Units"),
    "unitgradingtype": _l("Unit grading"),
    "unitpenalty": _l("Unit penalty"),
    "subquestions": _l("Items and answers"),
    "responseformat": _l("Response format"),
    "responserequired": _l("Require text"),
    "responsefieldlines": _l("Input box size (lines)"),
    "attachments": _l("Attachments"),
    "attachmentsrequired": _l("Attachments required"),
    "minwordlimit": _l("Minimum word count"),
    "maxwordlimit": _l("Maximum word count"),
    "graderinfo": _l("Information for graders"),
    "graderinfoformat": _l("Grader information format"),
    "responsetemplate": _l("Response template"),
    "files": _l("Embedded files"),
    "data": _l("Answers and settings"),
    "status": _l("Status"),
    "tags": _l("Tags"),
    "category": _l("Category"),
    "key": _l("Stable id"),
    "version": _l("Version"),
}

TEXT_FORMAT_CHOICES = [
    SelectChoice("markdown", "Markdown"),
    SelectChoice("html", "HTML"),
    SelectChoice("plain", _l("Plain text")),
    SelectChoice("moodle", _l("Moodle auto-format")),
]


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (rendered as one fieldset by the forms macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# --- grades -------------------------------------------------------------------------------


def fraction_value(fraction: float) -> str:
    """The option value of a grade: the fraction as written in files (1, 0.5, 0.3333333)."""
    text = f"{fraction:.7f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def fraction_label(fraction: float) -> str:
    """A grade as Moodle shows it: 100%, 83.33333%, -50%."""
    return f"{fraction * 100:.7g}%"


def fraction_choices(allow_negative: bool, extra: str | None = None) -> list[SelectChoice]:
    """Moodle's grade options, best first; negatives only where the type allows them."""
    positive = [f for f in FRACTION_OPTIONS if f > 0]
    values = positive + [0.0] + ([-f for f in reversed(positive)] if allow_negative else [])
    choices = [SelectChoice(fraction_value(f), fraction_label(f)) for f in values]
    if extra and extra not in {choice.value for choice in choices}:
        choices.append(SelectChoice(extra, extra))  # a stored value off the list stays visible
    return choices


def nearest_fraction(fraction: float) -> str:
    """The option value for a stored fraction (grade options are rounded to 7 places)."""
    for option in FRACTION_OPTIONS:
        if abs(abs(fraction) - option) <= FRACTION_TOLERANCE:
            return fraction_value(math.copysign(option, fraction))
    return fraction_value(fraction)


# --- the authoring form -------------------------------------------------------------------


class AnswerRow(Form):
    """One answer: its text, grade and feedback (numerical answers also have a tolerance)."""

    text = TextAreaField(_l("Answer"), render_kw={"rows": 1})
    fraction = SelectField(_l("Grade"), validate_choice=False)
    tolerance = StringField(
        _l("Tolerance (±)"), render_kw={"type": "number", "step": "any", "min": "0"}
    )
    feedback = TextAreaField(_l("Feedback for this answer"), render_kw={"rows": 1})
    format = HiddenField()
    feedbackformat = HiddenField()


class UnitRow(Form):
    """One unit of a numerical question and what a value in it is multiplied by."""

    unit = StringField(_l("Unit"))
    multiplier = StringField(_l("Multiplier"), render_kw={"type": "number", "step": "any"})


class PairRow(Form):
    """One matching item and its answer; an empty item makes the answer a distractor."""

    text = TextAreaField(_l("Item"), render_kw={"rows": 1})
    answer = StringField(_l("Matching answer"))
    format = HiddenField()


class HintRow(Form):
    """One hint with Moodle's options for interactive behaviour."""

    text = TextAreaField(_l("Hint"), render_kw={"rows": 1})
    shownumcorrect = BooleanField(_l("Show the number of correct responses"))
    clearwrong = BooleanField(_l("Clear incorrect responses"))
    format = HiddenField()


_NUMBER_INPUT = {"type": "number", "step": "any"}


class QuestionForm(FlaskForm):
    """Every field a question can have; the page shows those of the question's type."""

    key = StringField(
        _l("Stable id"),
        description=_l(
            "Optional. Leave it empty to get one (q-…). It links the question across files: "
            "GIFT [id:] and Moodle idnumber."
        ),
    )
    name = StringField(
        _l("Question name"),
        description=_l("A short title for finding the question; staff do not see it."),
    )
    category = StringField(
        _l("Category"),
        description=_l("Names from the root joined by '/'. A new path creates the category."),
        render_kw={"list": "category-paths", "autocomplete": "off"},
    )
    questiontext = TextAreaField(
        _l("Question text"), render_kw={"rows": 6, "data-preview": "questiontext-preview"}
    )
    questiontextformat = SelectField(
        _l("Text format"),
        choices=TEXT_FORMAT_CHOICES,
        description=_l("Applies to every text of the question: answers, feedback and hints."),
    )
    generalfeedback = TextAreaField(
        _l("General feedback"),
        description=_l("Shown to everyone after answering: explain the rule and name its version."),
        render_kw={"rows": 3, "data-preview": "generalfeedback-preview"},
    )
    generalfeedbackformat = HiddenField()
    defaultmark = StringField(
        _l("Default mark"),
        description=_l("The mark of the question in a quiz; 0 or more."),
        render_kw={**_NUMBER_INPUT, "min": "0"},
    )
    penalty = StringField(
        _l("Penalty for each extra try"),
        description=_l("From 0 to 1, as in Moodle (0.3333333 = a third of the mark)."),
        render_kw={**_NUMBER_INPUT, "min": "0", "max": "1"},
    )
    difficulty = SelectField(
        _l("Difficulty"),
        choices=[
            SelectChoice("1", _l("1 – easy")),
            SelectChoice("2", _l("2 – medium")),
            SelectChoice("3", _l("3 – hard")),
        ],
        validate_choice=False,
    )
    competencies = MultiCheckboxField(
        _l("Competencies"),
        choices=[SelectChoice(code, code) for code in COMPETENCY_CODES],
        validate_choice=False,
    )
    tags = StringField(
        _l("Tags"),
        description=_l("Labels for finding questions, separated by commas."),
        render_kw={"list": "tag-names", "autocomplete": "off"},
    )
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("draft", _l("Draft")),
            SelectChoice("ready", _l("Ready")),
            SelectChoice("retired", _l("Retired")),
        ],
        validate_choice=False,
        description=_l("Only ready questions are drawn into quizzes."),
    )
    source_version = StringField(
        _l("Rule version"),
        description=_l("The version of the rule or standard the question tests."),
    )
    correctfeedback = TextAreaField(_l("For any correct response"), render_kw={"rows": 1})
    partiallycorrectfeedback = TextAreaField(
        _l("For any partially correct response"), render_kw={"rows": 1}
    )
    incorrectfeedback = TextAreaField(_l("For any incorrect response"), render_kw={"rows": 1})

    # single, multiple, matching
    shuffleanswers = BooleanField(_l("Shuffle the choices"), default=True)
    answernumbering = SelectField(
        _l("Number the choices"),
        choices=[
            SelectChoice("abc", "a., b., c."),
            SelectChoice("ABCD", "A., B., C."),
            SelectChoice("123", "1., 2., 3."),
            SelectChoice("iii", "i., ii., iii."),
            SelectChoice("IIII", "I., II., III."),
            SelectChoice("none", _l("No numbering")),
        ],
        validate_choice=False,
    )
    shownumcorrect = BooleanField(_l("Show the number of correct responses"))
    # truefalse
    correct = RadioField(
        _l("Correct answer"),
        choices=[SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))],
        validate_choice=False,
    )
    truefeedback = TextAreaField(_l("Feedback for the response True"), render_kw={"rows": 1})
    falsefeedback = TextAreaField(_l("Feedback for the response False"), render_kw={"rows": 1})
    # shortanswer
    usecase = BooleanField(
        _l("Case matters"), description=_l("When ticked, 'abc' does not match 'ABC'.")
    )
    # numerical
    unitgradingtype = SelectField(
        _l("Unit grading"),
        choices=[
            SelectChoice("0", _l("Not graded: the number alone counts")),
            SelectChoice("1", _l("Graded: a missing or unknown unit costs the unit penalty")),
        ],
        validate_choice=False,
    )
    unitpenalty = StringField(
        _l("Unit penalty"),
        description=_l("The share of the mark lost for a wrong unit, from 0 to 1."),
        render_kw={**_NUMBER_INPUT, "min": "0", "max": "1"},
    )
    # essay
    responseformat = SelectField(
        _l("Response format"),
        choices=[
            SelectChoice("editor", _l("Text editor")),
            SelectChoice("editorfilepicker", _l("Text editor with file picker")),
            SelectChoice("plain", _l("Plain text")),
            SelectChoice("monospaced", _l("Plain text, monospaced font")),
            SelectChoice("noinline", _l("No online text")),
        ],
        validate_choice=False,
    )
    responserequired = BooleanField(_l("Require text"), default=True)
    responsefieldlines = StringField(
        _l("Input box size (lines)"), render_kw={**_NUMBER_INPUT, "min": "1", "max": "100"}
    )
    attachments = HiddenField()
    attachmentsrequired = HiddenField()
    minwordlimit = StringField(_l("Minimum word count"), render_kw={**_NUMBER_INPUT, "min": "0"})
    maxwordlimit = StringField(_l("Maximum word count"), render_kw={**_NUMBER_INPUT, "min": "0"})
    graderinfo = TextAreaField(
        _l("Information for graders"),
        description=_l("The marking scheme; shown to trainers only."),
        render_kw={"rows": 3},
    )
    graderinfoformat = HiddenField()
    responsetemplate = TextAreaField(
        _l("Response template"),
        description=_l("Text the answer box starts with."),
        render_kw={"rows": 2},
    )

    answers = FieldList(FormField(AnswerRow))
    units = FieldList(FormField(UnitRow))
    subquestions = FieldList(FormField(PairRow))
    hints = FieldList(FormField(HintRow))
    #: the version an edit started from (a save on top of a newer one is refused)
    base_version = HiddenField()


def blank_row(list_name: str) -> dict[str, Any]:
    """The data of an empty row; answers start at grade 0, never at the first option."""
    return {"fraction": "0"} if list_name == "answers" else {}


def prepare(form: QuestionForm, qtype: QType) -> None:
    """Give every answer row the grade options of ``qtype``."""
    allow_negative = bool(getattr(qtype, "allow_negative", False))
    for entry in form.answers.entries:
        entry.form.fraction.choices = fraction_choices(allow_negative, entry.form.fraction.data)


def row_template(list_name: str, qtype: QType) -> Form:
    """A row of ``list_name`` named with the placeholder index __index__ (for the script)."""
    row_class = {"answers": AnswerRow, "units": UnitRow, "subquestions": PairRow}.get(
        list_name, HintRow
    )
    row = row_class(prefix=f"{list_name}-__index__-", data=blank_row(list_name))
    if list_name == "answers":
        row.fraction.choices = fraction_choices(bool(getattr(qtype, "allow_negative", False)))
    return row


def new_question_data(qtype: QType, category: str) -> dict[str, Any]:
    """The starting values of a new question of ``qtype`` (Moodle's defaults)."""
    starts = {**START_ROWS, **START_ROWS_BY_TYPE.get(qtype.name, {})}
    data: dict[str, Any] = {
        "category": category,
        "questiontextformat": "markdown",
        "defaultmark": _number_text(qtype.default_mark),
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
        if list_name in qtype.keys or list_name == "hints":
            data[list_name] = [blank_row(list_name) for _i in range(starts[list_name])]
    return data


def version_form_data(data: QuestionData, qtype: QType, number: int) -> dict[str, Any]:
    """The form values of a saved version (what a trainer edits)."""
    out: dict[str, Any] = {
        "name": data.name,
        "category": data.category or "",
        "questiontext": data.questiontext,
        "questiontextformat": data.questiontextformat,
        "generalfeedback": data.generalfeedback,
        "generalfeedbackformat": data.generalfeedbackformat or "",
        "defaultmark": _number_text(data.defaultmark),
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
        errors.setdefault(str(where), []).append(message)
    if question is not None:
        question.line = None
    return question, errors


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
    index = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else -1
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


# --- other forms --------------------------------------------------------------------------


class BulkForm(FlaskForm):
    """What to do with the questions ticked in the list."""

    bulk_action = SelectField(
        _l("With the selected questions"),
        choices=[
            SelectChoice("", _l("Choose an action…")),
            SelectChoice("move", _l("Move to category")),
            SelectChoice("retire", _l("Retire")),
            SelectChoice("tag", _l("Add tag")),
            SelectChoice("untag", _l("Remove tag")),
        ],
        validate_choice=False,
    )
    bulk_category = StringField(
        _l("Target category"),
        description=_l("For a move: names joined by '/'."),
        render_kw={"list": "category-paths", "autocomplete": "off"},
    )
    bulk_tag = StringField(
        _l("Tag"),
        description=_l("For adding or removing a tag."),
        render_kw={"list": "tag-names", "autocomplete": "off"},
    )
    next = HiddenField()
    submit = SubmitField(_l("Apply"))


def _known_file_type(form, field) -> None:
    """The upload's extension must belong to a registered format unless one is chosen."""
    if form.format.data and form.format.data != "auto":
        return
    upload = field.data
    extension = os.path.splitext(getattr(upload, "filename", "") or "")[1].lower()
    known = [ext for spec in FORMATS.values() for ext in spec.extensions]
    if extension not in known:
        raise ValidationError(
            _(
                "Use a file of one of these types: %(allowed)s, or choose its format.",
                allowed=", ".join(known),
            )
        )


class ImportQuestionsForm(FlaskForm):
    """Upload a question file for a dry run."""

    file = FileField(
        _l("Question file"),
        validators=[FileRequired(message=_l("Choose a file to upload.")), _known_file_type],
    )
    format = SelectField(_l("Format"), validate_choice=False)
    category = StringField(
        _l("Put under category (optional)"),
        description=_l(
            "Prefixed to the categories in the file; a file without categories goes here."
        ),
        render_kw={"list": "category-paths", "autocomplete": "off"},
        validators=[Optional()],
    )
    submit = SubmitField(_l("Check the file"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Read the registry now, not at import: formats may register later.
        self.format.choices = [SelectChoice("auto", _l("From the file name"))] + [
            SelectChoice(name, f"{name} ({', '.join(spec.extensions)})")
            for name, spec in FORMATS.items()
        ]


class ConfirmQuestionImportForm(FlaskForm):
    """Carries the checked file back (base64) for the real import; it is checked again."""

    filename = HiddenField(validators=[DataRequired()])
    payload = HiddenField(validators=[DataRequired()])
    format = HiddenField()
    category = HiddenField()
    submit = SubmitField(_l("Import now"))


class TryForm(FlaskForm):
    """A try of a question: the version tried and the seed of its choice order."""

    version = HiddenField()
    seed = HiddenField()
    submit = SubmitField(_l("Check my answer"))
