"""API resource of customer ratings: mint a receipt token for the hall's system (scope
``ratings:mint``; HR and admin user tokens too). The hall's system may also sign tokens itself
with the hall's secret (docs/api.md, "Receipt tokens")."""

import marshmallow as ma
from marshmallow import fields, validate

from app.api.auth import token_required
from app.api.blueprint import bp
from app.api.errors import ApiError
from app.api.schemas import Strict, UTCDateTime
from app.core.permissions import Role
from app.kiosk import services
from app.kiosk.tokens import FIELD_RES


def _pattern(name: str) -> validate.Regexp:
    return validate.Regexp(FIELD_RES[name].pattern)


class ReceiptTokenRequestSchema(Strict):
    """A served transaction: the hall, the window, the clerk and the transaction number."""

    hall = fields.String(required=True, validate=_pattern("hall"), metadata={"example": "ZSL"})
    window = fields.String(required=True, validate=_pattern("window"), metadata={"example": "03"})
    employee_no = fields.String(
        required=True, validate=_pattern("employee_no"), metadata={"example": "S0008"}
    )
    transaction_no = fields.String(
        required=True,
        validate=_pattern("transaction_no"),
        metadata={"example": "20261204-000123"},
    )
    issued_at = UTCDateTime(
        load_default=None,
        metadata={"description": "When the receipt was printed (default: now)"},
    )


class ReceiptTokenSchema(ma.Schema):
    """The token, the link to print as a QR code, and until when it may be rated."""

    token = fields.String(required=True)
    url = fields.String(required=True)
    expires_at = UTCDateTime(required=True)


@bp.route("/ratings/receipt-tokens", methods=["POST"], tags=["customer ratings"])
@token_required(Role.HR, Role.ADMIN, scope="ratings:mint")
@bp.arguments(ReceiptTokenRequestSchema)
@bp.response(201, ReceiptTokenSchema)
@bp.alt_response(422, response="Error", description="Unknown hall, window or person")
def mint_receipt_token(body):
    """A signed receipt token for one transaction (valid 7 days, rated once)."""
    try:
        token, _receipt, expires_at = services.mint_receipt_token(
            body["hall"],
            body["window"],
            body["employee_no"],
            body["transaction_no"],
            body.get("issued_at"),
        )
    except services.RatingRefused as exc:
        raise ApiError(422, "validation_error", str(exc)) from None
    return {
        "token": token,
        "url": services.public_url("kiosk.rate", token=token),
        "expires_at": expires_at,
    }
