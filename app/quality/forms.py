"""Forms of service quality: an indicator, a job role's parameters, file imports, a correction."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from app.quality.periods import PERIOD_RE
from app.quality.units import DIRECTION_LABELS, UNITS

PERIOD_MESSAGE = _l("A period is a month written YYYY-MM, e.g. 2026-11.")
STRENGTH_CHOICES = [
    SelectChoice(0, _l("— not linked")),
    SelectChoice(1, _l("1 contributing")),
    SelectChoice(2, _l("2 strong")),
    SelectChoice(3, _l("3 primary driver")),
]


class IndicatorForm(FlaskForm):
    """An indicator's wording, unit, direction and source; link fields are added per competency."""

    code = StringField(
        _l("Code"),
        validators=[Optional(), Length(max=7)],
        description=_l("1 to 4 capital letters and 1 to 3 digits, e.g. K18. Never changed later."),
    )
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    definition_zh = TextAreaField(
        _l("Definition or formula (Chinese)"), validators=[Optional(), Length(max=4000)]
    )
    definition_en = TextAreaField(
        _l("Definition or formula (English)"), validators=[Optional(), Length(max=4000)]
    )
    unit = SelectField(
        _l("Unit"),
        choices=[SelectChoice(name, unit.label) for name, unit in UNITS.items()],
        description=_l("Fixed once the indicator has scores."),
    )
    direction = SelectField(
        _l("Direction"),
        choices=[SelectChoice(name, label) for name, label in DIRECTION_LABELS.items()],
        description=_l("Fixed once the indicator has scores."),
    )
    source_zh = StringField(_l("Data source (Chinese)"), validators=[Optional(), Length(max=500)])
    source_en = StringField(_l("Data source (English)"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save"))


def indicator_form_class(competencies):
    """An IndicatorForm with one strength select per competency (``strength_<code>``).

    ``competencies`` are (code, label) pairs in framework order.
    """

    class _IndicatorForm(IndicatorForm):
        pass

    for code, label in competencies:
        setattr(
            _IndicatorForm,
            f"strength_{code}",
            SelectField(label, coerce=int, choices=STRENGTH_CHOICES, default=0),
        )
    return _IndicatorForm


class ParameterSetForm(FlaskForm):
    """A job role's parameters from a period on; the fields per indicator are added by code."""

    valid_from = StringField(
        _l("In force from (period)"),
        validators=[DataRequired(), Regexp(PERIOD_RE, message=PERIOD_MESSAGE)],
        description=_l(
            "YYYY-MM. Earlier parameters stay on record and apply before it; a period that "
            "already has scores keeps the parameters it was scored with."
        ),
    )
    note = StringField(_l("Reason for the change"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save the parameters"))


def parameter_form_class(codes):
    """A ParameterSetForm with weight, floor, target, ceiling and gate fields per indicator."""

    class _ParameterSetForm(ParameterSetForm):
        pass

    for code in codes:
        for name, label in (
            ("weight", _l("Weight")),
            ("floor", _l("Floor")),
            ("target", _l("Target")),
            ("ceiling", _l("Ceiling")),
        ):
            setattr(_ParameterSetForm, f"{name}_{code}", FloatField(label, validators=[Optional()]))
        setattr(_ParameterSetForm, f"gate_{code}", BooleanField(_l("Gate")))
    return _ParameterSetForm


class ImportIndicatorsForm(FlaskForm):
    """Upload an indicator file for a preview."""

    file = FileField(
        _l("Indicator file (.yaml)"),
        validators=[FileRequired(), FileAllowed(["yaml", "yml"], _l("Use a .yaml file."))],
    )
    submit = SubmitField(_l("Preview"))


class ConfirmFileForm(FlaskForm):
    """Carries the previewed file to the confirmed import."""

    filename = HiddenField(validators=[DataRequired(), Length(max=255)])
    payload = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Import"))


class ImportScoresForm(FlaskForm):
    """Upload a period's scores for a preview."""

    period = StringField(
        _l("Period"),
        validators=[DataRequired(), Regexp(PERIOD_RE, message=PERIOD_MESSAGE)],
        description=_l("The month the values belong to, YYYY-MM."),
    )
    file = FileField(
        _l("Score file (.csv or .xlsx)"),
        validators=[FileRequired(), FileAllowed(["csv", "xlsx"], _l("Use a .csv or .xlsx file."))],
        description=_l(
            "Columns employee_no, indicator, value; percentages as 0–100. For each indicator in "
            "the file, that month's values are replaced: people missing from the file lose "
            "their value of that indicator."
        ),
    )
    submit = SubmitField(_l("Preview"))


class ConfirmScoresForm(ConfirmFileForm):
    """Carries the previewed score file and its period to the confirmed import."""

    period = HiddenField(validators=[DataRequired(), Regexp(PERIOD_RE)])


class CorrectScoreForm(FlaskForm):
    """Correct one value, with the reason."""

    value = FloatField(_l("Corrected value"), validators=[InputRequired()])
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("Kept with the change and shown in the batch's audit."),
    )
    submit = SubmitField(_l("Save the correction"))
