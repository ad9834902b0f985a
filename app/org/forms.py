"""Account administration forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.permissions import Role
from app.org.services import EMAIL_RE, MIN_PASSWORD_LENGTH

ROLE_LABELS = {
    Role.STAFF: _l("Staff"),
    Role.TRAINER: _l("Trainer"),
    Role.HR: _l("HR"),
    Role.ADMIN: _l("Administrator"),
}

#: the fields of an account an import may change, in words
PERSON_FIELD_LABELS = {
    "name": _l("Name"),
    "email": _l("Email"),
    "department": _l("Department"),
    "job_role": _l("Job role"),
    "roles": _l("Roles"),
    "hired_at": _l("Hire date"),
    "is_active": _l("Active"),
}


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    """Create or edit an account."""

    employee_no = StringField(_l("Employee number"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(
        _l("Email"),
        validators=[
            Optional(),
            Regexp(EMAIL_RE, message=_l("Enter an email address like name@example.com.")),
            Length(max=255),
        ],
    )
    department_id = SelectField(_l("Department"), coerce=int, validators=[Optional()])
    job_role_id = SelectField(_l("Job role"), coerce=int, validators=[Optional()])
    hired_at = DateField(_l("Hire date"), validators=[Optional()])
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("Follow the browser")),
            SelectChoice("zh_CN", "中文"),
            SelectChoice("en", "English"),
        ],
        validators=[Optional()],
    )
    roles = MultiCheckboxField(
        _l("Roles"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()]
    )
    managed_department_ids = SelectMultipleField(
        _l("Manages departments"), coerce=int, validators=[Optional()]
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
        description=_l("Leave empty to keep the account without a password for now."),
    )
    submit = SubmitField(_l("Save"))


class ResetPasswordForm(FlaskForm):
    """An admin sets a new password; the user must change it at next sign-in."""

    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)]
    )
    must_change = BooleanField(_l("Must change it at next sign-in"), default=True)
    submit = SubmitField(_l("Reset password"))


class ImportUsersForm(FlaskForm):
    """Upload a CSV or XLSX file of users for a dry-run preview."""

    file = FileField(
        _l("CSV or XLSX file"),
        validators=[FileRequired(), FileAllowed(["csv", "xlsx"], _l("Use a .csv or .xlsx file."))],
    )
    submit = SubmitField(_l("Preview import"))


class ConfirmImportForm(FlaskForm):
    """Carries the previewed file back for the real import."""

    filename = HiddenField(validators=[DataRequired()])
    payload = HiddenField(validators=[DataRequired()])
    initial_password = PasswordField(
        _l("Initial password for new accounts"),
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
        description=_l("New accounts must change it at first sign-in. Leave empty for none."),
    )
    submit = SubmitField(_l("Import now"))
