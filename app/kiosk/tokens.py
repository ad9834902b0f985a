"""Receipt tokens: what the hall's system prints as a QR code, HMAC-signed with the hall's
secret (pure: no Flask, no database; docs/api.md gives the format for hall systems).

A token is ``BASE64URL(message) "." BASE64URL(HMAC-SHA256(key, message)[:16])`` without padding,
where ``message`` is ``sg1|HALL|WINDOW|EMPLOYEE_NO|TRANSACTION_NO|ISSUED_AT`` in UTF-8, ISSUED_AT
being whole seconds since 1970 (UTC) and ``key`` the hall secret's bytes (its base64url text
decoded). No field may contain ``|``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

VERSION = "sg1"
#: hall and window codes, transaction numbers and employee numbers
FIELD_RES = {
    "hall": re.compile(r"^[A-Za-z0-9_-]{1,16}$"),
    "window": re.compile(r"^[A-Za-z0-9_-]{1,16}$"),
    "employee_no": re.compile(r"^[A-Za-z0-9._-]{1,32}$"),
    "transaction_no": re.compile(r"^[A-Za-z0-9_-]{1,40}$"),
}
SIGNATURE_BYTES = 16
#: longest token accepted (a longer address is refused before any decoding)
MAX_TOKEN = 400


class BadToken(ValueError):
    """The token is malformed or its signature does not match."""


@dataclass(frozen=True)
class Receipt:
    """What a receipt token says: where, who, which transaction, when it was printed."""

    hall: str
    window: str
    employee_no: str
    transaction_no: str
    issued_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise BadToken("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise BadToken("not base64url") from exc


def new_secret() -> str:
    """A fresh hall secret: 32 random bytes as base64url text (43 characters)."""
    return _b64(secrets.token_bytes(32))


def _key(secret: str) -> bytes:
    return _unb64(secret)


def check_fields(receipt: Receipt) -> str | None:
    """The name of the first field that may not go into a token, or None."""
    for name, pattern in FIELD_RES.items():
        if not pattern.match(getattr(receipt, name)):
            return name
    return None


def message_of(receipt: Receipt) -> str:
    """The signed text of ``receipt``."""
    seconds = int(receipt.issued_at.astimezone(UTC).timestamp())
    return "|".join(
        (
            VERSION,
            receipt.hall,
            receipt.window,
            receipt.employee_no,
            receipt.transaction_no,
            str(seconds),
        )
    )


def sign(receipt: Receipt, secret: str) -> str:
    """The token of ``receipt`` signed with the hall ``secret``."""
    bad = check_fields(receipt)
    if bad:
        raise BadToken(f"{bad} may not go into a token")
    message = message_of(receipt).encode("utf-8")
    mac = hmac.new(_key(secret), message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return f"{_b64(message)}.{_b64(mac)}"


def read(token: str) -> Receipt:
    """What ``token`` claims, unverified (the hall's code says which secret checks it)."""
    if not token or len(token) > MAX_TOKEN or token.count(".") != 1:
        raise BadToken("malformed")
    body, _sig = token.split(".")
    try:
        message = _unb64(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadToken("not UTF-8") from exc
    parts = message.split("|")
    if len(parts) != 6 or parts[0] != VERSION or not parts[5].isascii() or not parts[5].isdigit():
        raise BadToken("not a receipt")
    seconds = int(parts[5])
    if seconds > 10**11:
        raise BadToken("bad time")
    receipt = Receipt(parts[1], parts[2], parts[3], parts[4], datetime.fromtimestamp(seconds, UTC))
    if check_fields(receipt):
        raise BadToken("bad field")
    return receipt


def verify(token: str, secret: str) -> Receipt:
    """The receipt of ``token`` if ``secret`` signed it; BadToken otherwise."""
    receipt = read(token)
    body, sig = token.split(".")
    expected = hmac.new(_key(secret), _unb64(body), hashlib.sha256).digest()[:SIGNATURE_BYTES]
    if not hmac.compare_digest(expected, _unb64(sig)):
        raise BadToken("bad signature")
    return receipt


def hash_device_token(raw: str) -> str:
    """Hex SHA-256 of a kiosk's device token (only the hash is stored)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_device_token() -> str:
    """A fresh kiosk device token (32 random bytes, base64url)."""
    return secrets.token_urlsafe(32)
