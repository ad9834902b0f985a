"""The pure parts: receipt tokens as docs/api.md documents them, held comments, K01."""

import base64
import contextlib
import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.kiosk import tokens
from app.kiosk.moderation import hold_reason, satisfaction

SECRET = tokens.new_secret()
AT = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


def _by_the_docs(secret, hall, window, employee_no, txn, seconds) -> str:
    """A hall system's own implementation of the documented format."""
    message = f"sg1|{hall}|{window}|{employee_no}|{txn}|{seconds}".encode()
    key = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
    mac = hmac.new(key, message, hashlib.sha256).digest()[:16]

    def b64(data):
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    return f"{b64(message)}.{b64(mac)}"


def test_a_token_minted_by_the_documented_recipe_verifies():
    token = _by_the_docs(SECRET, "ZSL", "03", "S0008", "20261204-000123", int(AT.timestamp()))
    receipt = tokens.verify(token, SECRET)
    assert receipt == tokens.Receipt("ZSL", "03", "S0008", "20261204-000123", AT)
    assert tokens.sign(receipt, SECRET) == token


def test_a_changed_field_or_another_secret_fails():
    token = tokens.sign(tokens.Receipt("ZSL", "03", "S0008", "T1", AT), SECRET)
    forged = _by_the_docs(SECRET, "ZSL", "03", "S0009", "T1", int(AT.timestamp()))
    body, _sig = forged.split(".")
    with pytest.raises(tokens.BadToken):
        tokens.verify(body + "." + token.split(".")[1], SECRET)
    with pytest.raises(tokens.BadToken):
        tokens.verify(token, tokens.new_secret())


@pytest.mark.parametrize(
    "field", [{"hall": "Z|L"}, {"transaction_no": "a b"}, {"employee_no": ""}, {"window": "x" * 17}]
)
def test_fields_that_could_break_the_format_are_refused(field):
    values = {"hall": "ZSL", "window": "03", "employee_no": "S0008", "transaction_no": "T1"}
    values.update(field)
    with pytest.raises(tokens.BadToken):
        tokens.sign(tokens.Receipt(**values, issued_at=AT), SECRET)


@given(st.text(max_size=120))
def test_any_text_is_refused_or_read_never_crashes(text):
    with contextlib.suppress(tokens.BadToken):
        tokens.verify(text, SECRET)


@pytest.mark.parametrize(
    ("comment", "held"),
    [
        ("", None),
        ("窗口服务很耐心，谢谢", None),
        ("。。。。。。", "empty"),
        ("好好好好好好", "empty"),
        ("  !!! ??? ", "empty"),
        ("服务真是垃圾", "垃圾"),
        ("服务 垃 圾", "垃圾"),
        ("ＳＨＩＴ service", "shit"),
    ],
)
def test_held_comments(comment, held):
    assert hold_reason(comment, ["垃圾", "shit"]) == held


def test_k01_is_satisfied_over_all_times_100():
    assert satisfaction(3, 4) == 75.0
    assert satisfaction(2, 3) == 66.67
    assert satisfaction(0, 0) is None
