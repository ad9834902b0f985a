"""Forms of contests: a person contests a value, HR answers."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.quality.services.contests import MAX_COMMENT
from app.quality.services.scores import MAX_REASON


class ContestForm(FlaskForm):
    """Contest one value, saying why it is wrong."""

    comment = TextAreaField(
        _l("Why is this value wrong?"),
        validators=[DataRequired(), Length(max=MAX_COMMENT)],
        description=_l(
            "E.g. which evaluation or work order was counted wrongly. HR reads it and answers; "
            "you are told the outcome."
        ),
    )
    submit = SubmitField(_l("Contest this value"))


class ResolveContestForm(FlaskForm):
    """HR upholds (with the corrected value) or rejects a contest, with the reason."""

    outcome = SelectField(
        _l("Reply"),
        choices=[
            SelectChoice("upheld", _l("Uphold: correct the value")),
            SelectChoice("rejected", _l("Reject: keep the value")),
        ],
    )
    value = FloatField(
        _l("Corrected value"),
        validators=[Optional()],
        description=_l("Only when upholding: the value as it should be."),
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=MAX_REASON)],
        description=_l("The person reads it in the notice; it is also kept with the correction."),
    )
    submit = SubmitField(_l("Send the answer"))
