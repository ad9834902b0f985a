"""Form pieces shared by every feature."""

import base64
import binascii

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.validators import ValidationError

from app.core.limits import too_big


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token (also for script-sent posts)."""

    submit = SubmitField(_l("Confirm"))


def decoded_payload(field) -> bytes:
    """The file a preview carried back in a base64 hidden field (400 if it was tampered with)."""
    try:
        return base64.b64decode(field.data, validate=True)
    except (binascii.Error, ValueError):
        abort(400)


class MaxBytes:
    """Validator: the field's text is at most ``limit`` UTF-8 bytes (``app.core.limits``)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.field_flags: dict = {}

    def __call__(self, form, field) -> None:
        problem = too_big(field.data if isinstance(field.data, str) else None, self.limit)
        if problem is not None:
            raise ValidationError(problem)
