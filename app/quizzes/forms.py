"""Quiz authoring forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import MaxBytes
from app.core.limits import MAX_NAME, MAX_TEXT_BYTES
from app.quizzes.models import REVIEW_ITEMS, REVIEW_TIMES
from app.quizzes.services import MAX_TIME_LIMIT_MINUTES

GRADING_LABELS = {
    "highest": _l("Highest grade"),
    "average": _l("Average grade"),
    "first": _l("First attempt"),
    "last": _l("Last attempt"),
}
REVIEW_TIME_LABELS = {
    "immediately": _l("Right after the attempt"),
    "open": _l("Later, while the quiz is open"),
    "closed": _l("After the quiz closes"),
}
REVIEW_ITEM_LABELS = {
    "marks": _l("Marks"),
    "correct": _l("Right answers"),
    "feedback": _l("Feedback"),
}


class QuizForm(FlaskForm):
    """A quiz's settings."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_NAME)])
    description = TextAreaField(
        _l("Description (Markdown)"), validators=[Optional(), MaxBytes(MAX_TEXT_BYTES)]
    )
    is_published = BooleanField(_l("Published (staff in the audience can see and start it)"))
    questions_per_page = IntegerField(
        _l("Questions per page (0 = all on one page)"),
        default=5,
        validators=[NumberRange(min=0, max=100)],
    )
    shuffle_questions = BooleanField(_l("Shuffle questions"))
    shuffle_choices = BooleanField(_l("Shuffle choices"), default=True)
    open_at = DateTimeLocalField(_l("Opens"), validators=[Optional()])
    close_at = DateTimeLocalField(_l("Closes"), validators=[Optional()])
    time_limit_minutes = IntegerField(
        _l("Time limit in minutes (empty = none)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_TIME_LIMIT_MINUTES)],
    )
    attempts_allowed = IntegerField(
        _l("Attempts allowed (0 = unlimited)"), default=1, validators=[NumberRange(min=0, max=100)]
    )
    grading_method = SelectField(
        _l("Grading method"),
        choices=[SelectChoice(k, v) for k, v in GRADING_LABELS.items()],
        default="highest",
    )
    max_grade = DecimalField(
        _l("Maximum grade"), default=100, places=2, validators=[NumberRange(min=0.01, max=10000)]
    )
    pass_mark = DecimalField(
        _l("Pass mark"), default=60, places=2, validators=[NumberRange(min=0, max=10000)]
    )
    submit = SubmitField(_l("Save"))


# One checkbox per (time, item): review_<time>_<item>.
for _time in REVIEW_TIMES:
    for _item in REVIEW_ITEMS:
        setattr(
            QuizForm,
            f"review_{_time}_{_item}",
            # lazy, so the label is put together in the language of each request
            BooleanField(
                _l(
                    "%(time)s: %(item)s",
                    time=REVIEW_TIME_LABELS[_time],
                    item=REVIEW_ITEM_LABELS[_item],
                )
            ),
        )


class FixedSlotForm(FlaskForm):
    """Add one question by its stable id."""

    question_key = StringField(_l("Question id"), validators=[DataRequired(), Length(max=100)])
    mark = DecimalField(_l("Mark (empty = the question's default)"), validators=[Optional()])
    submit = SubmitField(_l("Add question"))


class RandomSlotForm(FlaskForm):
    """Add N random questions from a category."""

    category_id = SelectField(_l("Category"), coerce=int, validators=[DataRequired()])
    include_subcategories = BooleanField(_l("Include subcategories"), default=True)
    draw_count = IntegerField(
        _l("Number of questions"), default=1, validators=[NumberRange(min=1, max=200)]
    )
    competency = SelectField(_l("Competency"), validators=[Optional()])
    difficulty = SelectField(
        _l("Difficulty"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("1", "1"),
            SelectChoice("2", "2"),
            SelectChoice("3", "3"),
        ],
        validators=[Optional()],
    )
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=100)])
    mark = DecimalField(_l("Mark of each question"), default=1, validators=[NumberRange(min=0)])
    submit = SubmitField(_l("Add random questions"))


class AudienceForm(FlaskForm):
    """Who may take the quiz."""

    department_ids = SelectMultipleField(
        _l("Departments (with their subdepartments)"), coerce=int, validators=[Optional()]
    )
    job_role_ids = SelectMultipleField(_l("Job roles"), coerce=int, validators=[Optional()])
    employee_numbers = TextAreaField(
        _l("People (employee numbers, one per line or separated by commas)"),
        validators=[Optional()],
    )
    submit = SubmitField(_l("Save audience"))


class OverrideForm(FlaskForm):
    """Different times, limit or attempts for one person or one department."""

    employee_no = StringField(_l("Employee number (for one person)"), validators=[Optional()])
    department_id = SelectField(
        _l("or Department (with its subdepartments)"), coerce=int, validators=[Optional()]
    )
    open_at = DateTimeLocalField(_l("Opens"), validators=[Optional()])
    close_at = DateTimeLocalField(_l("Closes"), validators=[Optional()])
    time_limit_minutes = IntegerField(
        _l("Time limit in minutes"),
        validators=[Optional(), NumberRange(min=1, max=MAX_TIME_LIMIT_MINUTES)],
    )
    attempts_allowed = IntegerField(
        _l("Attempts allowed (0 = unlimited)"), validators=[Optional(), NumberRange(min=0, max=100)]
    )
    submit = SubmitField(_l("Save override"))
