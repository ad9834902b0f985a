"""Sign-in and password forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from app.org.services import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    """Employee number or email, and password."""

    identifier = StringField(
        _l("Employee number or email"), validators=[DataRequired(), Length(max=255)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(FlaskForm):
    """A signed-in user chooses a new password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Change password"))


class LanguageForm(FlaskForm):
    """The language switch in the navigation bar."""

    locale = HiddenField(validators=[DataRequired()])
    next = HiddenField()
