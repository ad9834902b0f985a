"""Bounded numbers, safe JSON bodies, the error handler's rollback, deactivation and tokens.

Issue 23, findings 1, 2 and 3: each with the request the outside probe sent.
"""

from decimal import Decimal

import pytest
from sqlalchemy import select, text

from app.api.models import ApiToken
from app.core.jsonsafe import MAX_JSON_DEPTH, UnsafeJSON, safe_loads
from app.core.params import MAX_BIGINT, MAX_INT, parse_int
from app.org.models import User
from config import TestingConfig
from tests.api.conftest import api_as, user_token  # noqa: F401  (token fixtures)
from tests.conftest import TEST_PASSWORD
from tests.quizzes.conftest import bank, import_yaml, make_quiz, start  # noqa: F401

# --- finding 1: deactivation ends API tokens for good ----------------------------------------


def test_deactivation_revokes_api_tokens_and_reactivation_does_not_revive_them(
    app,
    db,
    client,
    api_as,  # noqa: F811
):
    from app.org import services

    user, headers = api_as("staff")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.app_context():
        services.set_active(None, db.session.get(User, user.id), False)
        services.set_active(None, db.session.get(User, user.id), True)
        tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
        assert tokens and all(token.revoked_at is not None for token in tokens)
    answer = client.get("/api/v1/me", headers=headers)
    assert answer.status_code == 401 and answer.get_json()["code"] == "invalid_token"


def test_a_deactivation_by_the_hr_feed_revokes_tokens_too(app, db, client, api_as):  # noqa: F811
    from app.org import services

    user, headers = api_as("staff")
    record = {
        "employee_no": user.employee_no,
        "name": user.name,
        "department": "测试公司/测试分中心/测试营业厅",
        "job_role": "CTR",
        "is_active": False,
    }
    with app.app_context():
        services.sync_users(None, [record])
        services.set_active(None, db.session.get(User, user.id), True)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


# --- finding 2: numbers out of range --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("0", 0),
        (str(MAX_INT), MAX_INT),
        (str(MAX_INT + 1), None),
        ("99999999999999999999999", None),
        ("-1", None),
        ("²", None),
        ("٣", None),
        ("1_000", None),
        (" 1", None),
        ("", None),
        (None, None),
        (True, None),
        (7, 7),
    ],
)
def test_parse_int_takes_plain_ascii_digits_in_range(text, expected):
    assert parse_int(text) == expected


def test_parse_int_widens_on_request():
    assert parse_int("9223372036854775807", maximum=MAX_BIGINT) == MAX_BIGINT
    assert parse_int("9223372036854775808", maximum=MAX_BIGINT) is None
    assert parse_int("-5", minimum=-10) == -5


@pytest.mark.parametrize(
    "attempt", ["99999999999999999999999", "2147483648", "9223372036854775808", "-1", "٣"]
)
def test_out_of_range_ids_in_urls_are_404(client, login_as, attempt):
    login_as("staff")
    assert client.get(f"/attempts/{attempt}").status_code == 404
    assert client.get(f"/courses/files/{attempt}").status_code == 404


def test_out_of_range_query_numbers_are_ignored(client, login_as):
    login_as("hr")
    for value in ("99999999999999999999999", "2147483648", "-1", "²"):
        response = client.get("/org/people", query_string={"department": value, "page": value})
        assert response.status_code == 200
    assert client.get("/courses/team", query_string={"year": "-1"}).status_code == 200


def test_a_save_with_an_out_of_range_sequence_is_400(client, login_as, make_quiz):  # noqa: F811
    login_as("staff")
    attempt_id = start(client, make_quiz())
    response = client.post(
        f"/attempts/{attempt_id}/save", data={"slot": "1", "seq": "9223372036854775808"}
    )
    assert response.status_code == 400 and response.get_json()["error"]
    response = client.post(f"/attempts/{attempt_id}/save", data={"slot": "1", "seq": "²"})
    assert response.status_code == 400
    # a real, milliseconds-based sequence (past 32 bits) is still saved
    response = client.post(
        f"/attempts/{attempt_id}/save", data={"slot": "1", "seq": "1733300000000"}
    )
    assert response.status_code == 200 and response.get_json()["seq"] == 1733300000000
    big_slot = client.post(f"/attempts/{attempt_id}/save", data={"slot": "99999999999999999999"})
    assert big_slot.status_code == 400


def test_form_number_fields_refuse_what_no_column_holds(app):
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict
    from wtforms import DecimalField, FloatField, IntegerField

    class Numbers(FlaskForm):
        count = IntegerField()
        mark = DecimalField()
        hours = FloatField()

    with app.test_request_context(method="POST"):
        for count, mark, hours in (
            ("99999999999999999999", "1", "1"),
            ("1", "NaN", "1"),
            ("1", "1e999999", "1"),
            ("1", "1", "inf"),
            ("1", "1", "nan"),
        ):
            form = Numbers(formdata=MultiDict({"count": count, "mark": mark, "hours": hours}))
            assert not form.validate(), (count, mark, hours)
        form = Numbers(formdata=MultiDict({"count": "12", "mark": "2.5", "hours": "1.5"}))
        assert form.validate()
        assert (form.count.data, form.mark.data, form.hours.data) == (12, Decimal("2.5"), 1.5)


def test_query_keys_that_would_reach_url_for_are_refused(client, login_as):
    login_as("hr")
    for key in ("endpoint", "_scheme", "_external", "_anchor"):
        assert client.get("/org/people", query_string={key: "javascript"}).status_code == 400


def test_a_nul_character_in_a_query_or_form_is_a_400(client, login_as):
    """PostgreSQL refuses NUL in any text parameter; no real text holds one."""
    login_as("hr")
    assert client.get("/org/people", query_string={"q": "a\x00b"}).status_code == 400
    assert client.post("/language", data={"locale": "en\x00"}).status_code == 400
    body = '{"username": "a\\u0000b", "password": "x"}'
    answer = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert answer.status_code == 400


class Propagating(TestingConfig):
    """Errors are rendered as pages, as in production (not raised into the test)."""

    PROPAGATE_EXCEPTIONS = False


def test_the_error_page_rolls_back_the_failed_transaction(make_app, make_user, db):
    """On PostgreSQL a failed statement aborts the transaction; the error page must not fail."""
    from app.core.permissions import public

    app = make_app(Propagating)
    seen = []

    @public
    def broken():
        db.session.execute(text("SELECT no_such_column FROM user_account"))
        return "unreachable"

    app.add_url_rule("/broken-for-test", view_func=broken)

    @app.context_processor
    def reads_after_the_failure():
        # what a page's context may do: read from the database while rendering the error
        seen.append(db.session.execute(text("SELECT 1")).scalar())
        return {}

    response = app.test_client().get("/broken-for-test")
    assert response.status_code == 500
    assert seen and seen[-1] == 1


# --- finding 3: other hostile input ---------------------------------------------------------


def test_a_lone_surrogate_user_name_is_a_400_not_a_500(client, make_user):
    make_user(employee_no="E3001")
    body = '{"username": "\\ud800", "password": "x"}'
    answer = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json()["code"] == "bad_request"


def test_a_deeply_nested_json_body_is_a_400_in_the_api_shape(client, api_as):  # noqa: F811
    _user, headers = api_as("admin")
    deep = "[" * 100_000 + "]" * 100_000
    for url, method in (("/api/v1/tokens", "POST"), ("/api/v1/users", "PUT")):
        answer = client.open(
            url, method=method, data=deep, content_type="application/json", headers=headers
        )
        assert answer.status_code == 400, url
        assert answer.get_json()["code"] == "bad_request"


def test_safe_loads_limits_depth_and_refuses_surrogates():
    assert safe_loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    with pytest.raises(UnsafeJSON):
        safe_loads("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    with pytest.raises(UnsafeJSON):
        safe_loads('{"a": "\\udc80"}')
    with pytest.raises(UnsafeJSON):
        safe_loads('{"\\ud800": 1}')
    with pytest.raises(ValueError):
        safe_loads("[" * 100_000)


def test_a_token_request_with_a_lone_surrogate_in_a_form_is_handled(client, make_user):
    make_user(employee_no="E3002")
    answer = client.post("/api/v1/tokens", json={"username": "E3002", "password": TEST_PASSWORD})
    assert answer.status_code == 201


def test_bank_preview_with_a_superscript_digit_version(client, login_as):
    login_as("trainer")
    for version in ("²", "٣", "99999999999999999999999", -1, 1e300):
        answer = client.post(
            "/bank/preview", json={"text": "**x**", "format": "markdown", "version": version}
        )
        assert answer.status_code == 200, version
        assert "<strong>x</strong>" in answer.get_json()["html"]


#: ``.isdigit()`` uses that convert nothing, with why they may stay
ISDIGIT_ALLOWED = {
    ("numerical.py", "unit[:1].isdigit()"): "refuses units that start like a number; no int()",
    ("params.py", '``"²".isdigit()``'): "the docstring that explains the rule",
}


def test_no_isdigit_guards_an_int_conversion_in_the_app():
    """``"²".isdigit()`` is true and ``int("²")`` fails: use app.core.params.parse_int."""
    from pathlib import Path

    offenders = []
    for path in (Path(__file__).resolve().parents[2] / "app").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if ".isdigit()" not in line or "isascii()" in line:
                continue
            if any(path.name == name and text in line for name, text in ISDIGIT_ALLOWED):
                continue
            offenders.append(f"{path.relative_to(path.parents[2])}:{number}: {line.strip()}")
    assert offenders == []
