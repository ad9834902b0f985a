"""Write use cases of customer ratings (re-exported): ``setup`` (halls, windows, kiosk tokens,
reasons, held words, the indicator setting), ``ratings`` (check-in, rating at the kiosk and by
receipt, minting receipt tokens, reviewing held comments), ``indicator`` (ratings into K01)."""

from app.kiosk.services.indicator import on_scores_changed, sync_people, sync_period
from app.kiosk.services.ratings import (
    AlreadyRated,
    RatingRefused,
    ReceiptContext,
    check_in,
    check_out,
    is_rated,
    mint_receipt_token,
    public_url,
    rate_at_kiosk,
    rate_receipt,
    read_receipt,
    review_comment,
)
from app.kiosk.services.setup import (
    SetupRefused,
    issue_device,
    parse_words,
    revoke_device,
    rotate_secret,
    save_hall,
    save_reason,
    save_window,
    set_held_words,
    set_indicator_policy,
)

__all__ = [
    "AlreadyRated",
    "RatingRefused",
    "ReceiptContext",
    "SetupRefused",
    "check_in",
    "check_out",
    "is_rated",
    "issue_device",
    "mint_receipt_token",
    "on_scores_changed",
    "public_url",
    "parse_words",
    "rate_at_kiosk",
    "rate_receipt",
    "read_receipt",
    "review_comment",
    "revoke_device",
    "rotate_secret",
    "save_hall",
    "save_reason",
    "save_window",
    "set_held_words",
    "set_indicator_policy",
    "sync_people",
    "sync_period",
]
