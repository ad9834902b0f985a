"""Forms of customer ratings: the customer's rating, the clerk's check-in, HR's set-up."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from app.kiosk.moderation import MAX_COMMENT

CODE_RE = r"^[A-Za-z0-9_-]{1,16}$"
CODE_MESSAGE = _l("A code has 1 to 16 letters, digits, '_' or '-'.")

STAR_WORDS = {
    1: _l("Very dissatisfied"),
    2: _l("Dissatisfied"),
    3: _l("Neutral"),
    4: _l("Satisfied"),
    5: _l("Very satisfied"),
}


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RatingForm(FlaskForm):
    """How was the service? Stars, reasons, an optional comment."""

    stars = RadioField(
        _l("How satisfied are you with the service?"),
        choices=[SelectChoice(n, STAR_WORDS[n]) for n in range(5, 0, -1)],
        coerce=int,
        validators=[InputRequired(message=_l("Choose from 1 to 5 stars."))],
    )
    reasons = MultiCheckboxField(_l("What stood out? (optional)"), coerce=int, choices=[])
    comment = TextAreaField(
        _l("Anything else you would like to tell us? (optional)"),
        validators=[Optional(), Length(max=MAX_COMMENT)],
        description=_l("Please do not write your name or telephone number."),
    )
    #: the check-in the kiosk showed (kiosk only)
    shift = HiddenField()
    submit = SubmitField(_l("Send my rating"))


class CheckInForm(FlaskForm):
    """A clerk checks in at a window."""

    window = SelectField(_l("Window"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Check in"))


class HallForm(FlaskForm):
    """A service hall."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Regexp(CODE_RE, message=CODE_MESSAGE)],
        description=_l("Used in receipt tokens; letters, digits, '_' or '-'."),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    department = SelectField(
        _l("Department"),
        coerce=int,
        description=_l("Only people of this department may check in at its windows."),
    )
    submit = SubmitField(_l("Save"))


class WindowForm(FlaskForm):
    """A window of a hall."""

    code = StringField(
        _l("Window code"), validators=[DataRequired(), Regexp(CODE_RE, message=CODE_MESSAGE)]
    )
    name = StringField(_l("Window name"), validators=[DataRequired(), Length(max=100)])
    is_active = BooleanField(_l("Open"), default=True)
    submit = SubmitField(_l("Save the window"))


class DeviceForm(FlaskForm):
    """Issue a kiosk token for a window."""

    window = SelectField(_l("Window"), coerce=int, validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Issue a kiosk token"))


class ReasonForm(FlaskForm):
    """A reason customers may tick."""

    text_zh = StringField(_l("Reason (Chinese)"), validators=[DataRequired(), Length(max=100)])
    text_en = StringField(_l("Reason (English)"), validators=[Optional(), Length(max=100)])
    position = IntegerField(
        _l("Position"), validators=[Optional(), NumberRange(min=0, max=10_000)], default=0
    )
    is_active = BooleanField(_l("Offered to customers"), default=True)
    submit = SubmitField(_l("Save the reason"))


class WordsForm(FlaskForm):
    """The words that hold a comment for review."""

    words = TextAreaField(
        _l("Words that hold a comment for review"),
        validators=[Length(max=20_000)],
        description=_l("One word or phrase a line."),
    )
    submit = SubmitField(_l("Save the words"))


class PolicyForm(FlaskForm):
    """What ratings do where a month also has an imported value."""

    on_imported = RadioField(
        _l("Where a month also has an imported value"),
        choices=[
            SelectChoice("keep", _l("Keep the imported value")),
            SelectChoice("replace", _l("Replace it with the value from ratings")),
        ],
        validators=[InputRequired()],
    )
    submit = SubmitField(_l("Save the setting"))


class ReviewForm(FlaskForm):
    """HR shows a held comment or removes it."""

    show = SubmitField(_l("Show the comment"))
    remove = SubmitField(_l("Remove the comment"))
