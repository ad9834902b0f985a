"""The admin's form for service tokens."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from app.api.models import SCOPES
from app.api.services import SERVICE_NAME_RE

SCOPE_LABELS = {
    "users:read": _l("Read people and departments"),
    "users:write": _l("Create and update people (HR feed)"),
    "questions:read": _l("Read the question bank"),
    "questions:write": _l("Import questions"),
    "training:read": _l("Read courses and people's training"),
    "reports:read": _l("Read reports"),
    "scores:write": _l("Import service-quality scores"),
    "ratings:mint": _l("Mint receipt tokens for customer ratings"),
}


class ServiceTokenForm(FlaskForm):
    """Create a token for another system."""

    name = StringField(
        _l("Service name"),
        validators=[
            DataRequired(),
            Length(max=28),
            Regexp(
                SERVICE_NAME_RE,
                message=_l("Lower-case letters, digits, '.', '_' or '-' (up to 28)."),
            ),
        ],
        description=_l("e.g. hr-master or mobile-app; the token acts as the user svc-<name>."),
    )
    scopes = SelectMultipleField(
        _l("Scopes"),
        choices=[SelectChoice(scope, SCOPE_LABELS[scope]) for scope in SCOPES],
        validators=[DataRequired(message=_l("Choose at least one scope."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    expires_days = IntegerField(
        _l("Expires after (days)"),
        validators=[Optional(), NumberRange(min=1, max=3650)],
        description=_l("Leave empty for a token that does not expire."),
    )
    submit = SubmitField(_l("Create token"))


class RevokeForm(FlaskForm):
    """A button that revokes one token."""

    submit = SubmitField(_l("Revoke"))
