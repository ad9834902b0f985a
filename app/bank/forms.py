"""Forms of the trainers' bank pages: authoring every question type, bulk actions, import.

The authoring form holds every field a question can have; the page shows those of the
question's type (its ``form_layout``). Rows of answers, units, items and hints are FieldLists.
Turning the form into a question and back is in ``app/bank/form_data.py``.
"""

from __future__ import annotations

import math
import os
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
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
from app.bank.qtypes import QType
from app.bank.qtypes.base import FRACTION_OPTIONS, FRACTION_TOLERANCE
from app.competencies.queries import competency_choices

#: the repeating parts of a question, in the order they appear on the form
ROW_LISTS = ("answers", "units", "subquestions", "hints")

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
#: a share of the mark, from 0 to 1 (penalties)
_SHARE_INPUT = {**_NUMBER_INPUT, "min": "0", "max": "1"}


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
        render_kw=_SHARE_INPUT,
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
        choices=[],  # the framework's, set by prepare()
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
        render_kw=_SHARE_INPUT,
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
    """Give every answer row the grade options of ``qtype``, and the competency list."""
    form.competencies.choices = competency_choices(keep=tuple(form.competencies.data or ()))
    for entry in form.answers.entries:
        entry.form.fraction.choices = fraction_choices(
            qtype.allow_negative, entry.form.fraction.data
        )


def row_template(list_name: str, qtype: QType) -> Form:
    """A row of ``list_name`` named with the placeholder index __index__ (for the script)."""
    row_class = {"answers": AnswerRow, "units": UnitRow, "subquestions": PairRow}.get(
        list_name, HintRow
    )
    row = row_class(prefix=f"{list_name}-__index__-", data=blank_row(list_name))
    if list_name == "answers":
        row.fraction.choices = fraction_choices(qtype.allow_negative)
    return row


# --- other forms --------------------------------------------------------------------------


class BulkForm(FlaskForm):
    """What to do with the questions ticked in the list."""

    bulk_action = SelectField(
        _l("With the selected questions"),
        choices=[
            SelectChoice("", _l("Choose an action…")),
            SelectChoice("move", _l("Move to category")),
            SelectChoice("ready", _l("Mark ready")),
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
            SelectChoice(
                name, f"{name} ({', '.join(spec.extensions)})" if spec.extensions else name
            )
            for name, spec in FORMATS.items()
        ]


class ConfirmQuestionImportForm(FlaskForm):
    """Carries the checked file back (base64) for the real import; it is checked again."""

    filename = HiddenField(validators=[DataRequired()])
    payload = HiddenField(validators=[DataRequired()])
    format = HiddenField()
    category = HiddenField()
    #: the ids the preview showed for questions without one, so the import stores exactly those
    keys = HiddenField()
    submit = SubmitField(_l("Import now"))


class TryForm(FlaskForm):
    """A try of a question: the version tried and the seed of its choice order."""

    version = HiddenField()
    seed = HiddenField()
    submit = SubmitField(_l("Check my answer"))
