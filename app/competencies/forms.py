"""Forms of the competency framework: a competency's wording, a role profile, a file import."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.competencies.models import DEFAULT_VALIDITY_MONTHS, LEVELS

NAME_MAX = 200
TEXT_MAX = 4000


class CompetencyForm(FlaskForm):
    """A competency's names, description, level descriptors and evidence validity."""

    code = StringField(
        _l("Code"),
        validators=[Optional(), Length(max=7)],
        description=_l("1 to 4 capital letters and 1 to 3 digits, e.g. SV6. Never changed later."),
    )
    domain_id = SelectField(_l("Domain"), coerce=int)
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=NAME_MAX)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=NAME_MAX)])
    description_zh = TextAreaField(
        _l("Description (Chinese)"), validators=[Optional(), Length(max=TEXT_MAX)]
    )
    description_en = TextAreaField(
        _l("Description (English)"), validators=[Optional(), Length(max=TEXT_MAX)]
    )
    validity_months = IntegerField(
        _l("Evidence stays valid for (months)"),
        default=DEFAULT_VALIDITY_MONTHS,
        validators=[DataRequired(), NumberRange(min=1, max=120)],
    )
    note = StringField(
        _l("What changed and why"),
        validators=[Optional(), Length(max=500)],
        description=_l("Shown in the history of versions."),
    )
    submit = SubmitField(_l("Save"))

    def level_fields(self):
        """The (level, Chinese field, English field) triples in order."""
        return [(n, self[f"level{n}_zh"], self[f"level{n}_en"]) for n in LEVELS]

    def wording(self) -> dict:
        """The versioned part, as the services store it."""
        return {
            "name_zh": self.name_zh.data.strip(),
            "name_en": (self.name_en.data or "").strip(),
            "description_zh": (self.description_zh.data or "").strip(),
            "description_en": (self.description_en.data or "").strip(),
            "levels": {
                str(n): {
                    "zh": (self[f"level{n}_zh"].data or "").strip(),
                    "en": (self[f"level{n}_en"].data or "").strip(),
                }
                for n in LEVELS
            },
        }


for _n in LEVELS:
    setattr(
        CompetencyForm,
        f"level{_n}_zh",
        TextAreaField(
            _l("Level %(n)d (Chinese)", n=_n),
            validators=[DataRequired(), Length(max=TEXT_MAX)],
        ),
    )
    setattr(
        CompetencyForm,
        f"level{_n}_en",
        TextAreaField(
            _l("Level %(n)d (English)", n=_n), validators=[Optional(), Length(max=TEXT_MAX)]
        ),
    )


class ProfileForm(FlaskForm):
    """A new role profile: from which date, why; the level fields are added per competency."""

    valid_from = DateField(
        _l("In force from"),
        validators=[DataRequired()],
        description=_l("Earlier profiles stay on record and apply before this date."),
    )
    note = StringField(_l("Reason for the change"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save the profile"))


def profile_form_class(codes, level_choices):
    """A ProfileForm with one level select per competency code (``level_<code>``)."""

    class _ProfileForm(ProfileForm):
        pass

    for code in codes:
        setattr(_ProfileForm, f"level_{code}", SelectField(code, coerce=int, choices=level_choices))
    return _ProfileForm


class ImportFrameworkForm(FlaskForm):
    """Upload a framework file for a preview."""

    file = FileField(
        _l("Framework file (.yaml or .xlsx)"),
        validators=[
            FileRequired(),
            FileAllowed(["yaml", "yml", "xlsx"], _l("Use a .yaml or .xlsx file.")),
        ],
    )
    submit = SubmitField(_l("Preview"))


class ConfirmFrameworkForm(FlaskForm):
    """Carries the previewed file to the confirmed import."""

    filename = HiddenField(validators=[DataRequired(), Length(max=255)])
    payload = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Import"))


class RatingForm(FlaskForm):
    """A rating of a person's level in one competency, as observed on the job."""

    code = SelectField(_l("Competency"), choices=[], validators=[DataRequired()])
    level = SelectField(_l("Level observed"), choices=[], coerce=int)
    comment = TextAreaField(_l("What you observed"), validators=[DataRequired(), Length(max=4000)])
    submit = SubmitField(_l("Record the rating"))


class EnrolForm(FlaskForm):
    """Assign a suggested course to the person, with a due date and the reason they will see."""

    course_id = HiddenField(validators=[DataRequired()])
    due_on = DateField(_l("Complete by"), validators=[DataRequired()])
    reason = StringField(
        _l("Reason shown to the person"), validators=[DataRequired(), Length(max=500)]
    )
    submit = SubmitField(_l("Assign the course"))
