"""Form pieces shared by every feature."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token (also for script-sent posts)."""

    submit = SubmitField(_l("Confirm"))
