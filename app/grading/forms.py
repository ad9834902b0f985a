"""Grading forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from app.core.forms import MaxBytes
from app.core.limits import MAX_COMMENT_BYTES


class GradeForm(FlaskForm):
    """A mark and a comment for one response."""

    mark = DecimalField(_l("Mark"), validators=[InputRequired(), NumberRange(min=0)])
    comment = TextAreaField(
        _l("Comment for the person"), validators=[Optional(), MaxBytes(MAX_COMMENT_BYTES)]
    )
    submit = SubmitField(_l("Save the mark"))


class RegradeForm(FlaskForm):
    """Confirm a regrade, saying why."""

    reason = StringField(
        _l("Why (kept in the audit trail)"),
        validators=[DataRequired(), MaxBytes(MAX_COMMENT_BYTES)],
    )
    submit = SubmitField(_l("Apply the regrade"))
