"""Forms of the course pages: courses, activities, files, rules, attendance and quotas."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.bank.qtypes import COMPETENCY_CODES

COMPETENCY_ITEM = re.compile(r"^([A-Z]{2}\d)\s*[:=]\s*([1-5])$")


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def parse_competencies(text: str) -> dict[str, int]:
    """Read "SV1:3, BK1:2" into {"SV1": 3, "BK1": 2}; raise ValueError on a bad item."""
    result = {}
    for item in re.split(r"[,;\s]+", (text or "").strip().upper()):
        if not item:
            continue
        match = COMPETENCY_ITEM.match(item)
        if match is None or match.group(1) not in COMPETENCY_CODES:
            raise ValueError(item)
        result[match.group(1)] = int(match.group(2))
    return result


def format_competencies(competencies: dict[str, int]) -> str:
    """The inverse of parse_competencies."""
    return ", ".join(f"{code}:{level}" for code, level in sorted(competencies.items()))


class CourseForm(FlaskForm):
    """Create or edit a course."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=5000)])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=100)])
    credit_hours = FloatField(
        _l("Credit hours"), default=1.0, validators=[InputRequired(), NumberRange(0, 1000)]
    )
    competencies = StringField(
        _l("Competencies and target levels"),
        validators=[Optional(), Length(max=500)],
        description=_l("Codes with the level (1–5) the course brings them to, e.g. SV1:3, BK1:2"),
    )
    is_open = BooleanField(_l("Open for self-enrolment"))
    completion_rule = SelectField(
        _l("Completed when"),
        choices=[
            SelectChoice("all", _l("every activity is done")),
            SelectChoice("selected", _l("the activities marked as required are done")),
        ],
    )
    submit = SubmitField(_l("Save"))

    def validate_competencies(self, field) -> None:
        """Every item is a known code with a level 1–5."""
        try:
            parse_competencies(field.data)
        except ValueError as exc:
            raise ValidationError(
                _l("Not a competency code with a level: %(item)s", item=str(exc))
            ) from None


class ActivityForm(FlaskForm):
    """Create or edit a lesson, quiz or offline session."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(
        _l("Text (Markdown)"),
        validators=[Optional(), Length(max=200_000)],
        description=_l("Embed an uploaded image with ![description](its address)."),
    )
    quiz_id = SelectField(_l("Quiz"), coerce=int, validators=[Optional()])
    starts_at = DateTimeLocalField(_l("Starts at"), validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends at"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    is_required = BooleanField(_l("Required for completion"), default=True)
    submit = SubmitField(_l("Save"))

    def keep_fields_for(self, kind: str) -> None:
        """Drop the fields that ``kind`` does not use."""
        if kind != "quiz":
            del self.quiz_id
        if kind != "session":
            del self.starts_at
            del self.ends_at
            del self.place


class UploadForm(FlaskForm):
    """Upload an image, PDF or MP4 to a course."""

    file = FileField(_l("File"), validators=[FileRequired()])
    activity_id = SelectField(_l("Show as an attachment of"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Upload"))


class RuleForm(FlaskForm):
    """Assign a course to a person, a department (with its subtree) or a job role."""

    target_kind = SelectField(
        _l("Assign to"),
        choices=[
            SelectChoice("department", _l("a department and its sub-departments")),
            SelectChoice("job_role", _l("a job role")),
            SelectChoice("user", _l("one person")),
        ],
    )
    department_id = SelectField(_l("Department"), coerce=int, validators=[Optional()])
    job_role_id = SelectField(_l("Job role"), coerce=int, validators=[Optional()])
    employee_no = StringField(_l("Employee number"), validators=[Optional(), Length(max=32)])
    due_kind = SelectField(
        _l("Due date"),
        choices=[
            SelectChoice("none", _l("no due date")),
            SelectChoice("fixed", _l("a fixed date")),
            SelectChoice("after_assignment", _l("N days after assignment")),
            SelectChoice("after_hire", _l("N days after the hire date")),
        ],
    )
    due_on = DateField(_l("Fixed due date"), validators=[Optional()])
    due_days = IntegerField(_l("Days (N)"), validators=[Optional(), NumberRange(0, 3650)])
    is_mandatory = BooleanField(_l("Mandatory"), default=True)
    recert_months = IntegerField(
        _l("Recertify every (months)"),
        validators=[Optional(), NumberRange(1, 240)],
        description=_l("Leave empty if the certificate never expires."),
    )
    submit = SubmitField(_l("Assign"))


class AttendanceForm(FlaskForm):
    """Tick who attended an offline session; the others are recorded absent."""

    attended = MultiCheckboxField(_l("Attended"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Save attendance"))


class QuotaForm(FlaskForm):
    """Set the yearly 学时 quota of a job role."""

    job_role_id = SelectField(_l("Job role"), coerce=int)
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    hours = FloatField(_l("Hours"), validators=[InputRequired(), NumberRange(0, 1000)])
    submit = SubmitField(_l("Save quota"))
