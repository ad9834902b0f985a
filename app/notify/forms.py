"""Forms of the notification pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class MarkReadForm(FlaskForm):
    """A button that marks every notice as read."""

    submit = SubmitField(_l("Mark all as read"))
