"""Forms of the course pages: courses, activities, files, rules, attendance and quotas."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    FloatField,
    Form,
    FormField,
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

from app.core.forms import MaxBytes
from app.core.limits import MAX_NAME, MAX_TEXT_BYTES

#: how many competency rows the course form offers (blank rows are ignored)
COMPETENCY_ROWS = 6


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CompetencyTargetForm(Form):
    """One competency the course develops and the level it brings it to (picked from lists)."""

    code = SelectField(_l("Competency"), choices=[], validate_choice=False)
    level = SelectField(_l("Target level"), choices=[], coerce=int, validate_choice=False)


class CourseForm(FlaskForm):
    """Create or edit a course."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_NAME)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), MaxBytes(MAX_TEXT_BYTES)])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=100)])
    credit_hours = FloatField(
        _l("Credit hours"), default=1.0, validators=[InputRequired(), NumberRange(0, 1000)]
    )
    competencies = FieldList(
        FormField(CompetencyTargetForm),
        label=_l("Competencies and target levels"),
        min_entries=COMPETENCY_ROWS,
        max_entries=COMPETENCY_ROWS,
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

    def fill_competency_choices(self, competency_choices, level_choices) -> None:
        """Give every competency row the framework's competencies and the 1–5 levels."""
        for entry in self.competencies.entries:
            entry.form.code.choices = competency_choices
            entry.form.level.choices = level_choices

    def set_competencies(self, competencies: dict[str, int]) -> None:
        """Show a course's competencies in the rows (the rest stay blank)."""
        items = sorted(competencies.items())[:COMPETENCY_ROWS]
        for entry, (code, level) in zip(self.competencies.entries, items, strict=False):
            entry.form.code.data, entry.form.level.data = code, level

    def chosen_competencies(self) -> dict[str, int]:
        """The competencies picked, code -> target level (blank rows skipped)."""
        return {
            entry.form.code.data: int(entry.form.level.data or 1)
            for entry in self.competencies.entries
            if entry.form.code.data
        }

    def validate_competencies(self, field) -> None:
        """A competency is picked at most once; each known to the framework."""
        codes = [e.form.code.data for e in field.entries if e.form.code.data]
        if len(codes) != len(set(codes)):
            raise ValidationError(_l("Each competency may be listed once."))
        known = {str(choice.value) for choice in field.entries[0].form.code.choices}
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise ValidationError(_l("Unknown competency: %(codes)s", codes=", ".join(unknown)))


class ActivityForm(FlaskForm):
    """Create or edit a lesson, quiz or offline session."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_NAME)])
    body = TextAreaField(
        _l("Text (Markdown)"),
        validators=[Optional(), MaxBytes(MAX_TEXT_BYTES)],
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
