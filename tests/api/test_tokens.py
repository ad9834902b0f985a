"""Getting, using and revoking tokens; cookies never authenticate the API."""

import hashlib
from datetime import timedelta

from sqlalchemy import select

from app.api.models import ApiToken
from app.core import clock
from tests.api.conftest import bearer
from tests.conftest import TEST_PASSWORD
from tests.quizzes.conftest import freeze_now


def _token(client, username, password=TEST_PASSWORD):
    return client.post("/api/v1/tokens", json={"username": username, "password": password})


def test_a_person_gets_a_token_with_employee_number_or_email(app, db, client, make_user):
    freeze_now()
    user = make_user(("staff",), employee_no="E100", email="e100@example.test")
    for username in ("E100", "E100@EXAMPLE.test"):
        answer = _token(client, username)
        assert answer.status_code == 201
        body = answer.get_json()
        assert body["expires_at"] == "2026-11-28T09:00:00Z"  # 24 hours
        me = client.get("/api/v1/me", headers=bearer(body["token"])).get_json()
        assert me["employee_no"] == "E100" and me["roles"] == ["staff"]
        assert me["department"] == "测试公司/测试分中心/测试营业厅" and me["job_role"] == "CTR"
        assert me["token"] == {
            "kind": "user",
            "name": "api",
            "scopes": None,
            "expires_at": "2026-11-28T09:00:00Z",
        }
    with app.app_context():
        stored = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
        assert len(stored) == 2
        digest = hashlib.sha256(body["token"].encode()).hexdigest()
        assert digest in {t.token_hash for t in stored}
        assert all(body["token"] not in t.token_hash for t in stored)


def test_wrong_credentials_are_a_401_in_the_error_shape(client, make_user):
    make_user(("staff",), employee_no="E101")
    for username, password in (("E101", "wrong-password"), ("nobody", TEST_PASSWORD)):
        answer = _token(client, username, password)
        assert answer.status_code == 401
        assert answer.get_json() == {
            "code": "invalid_credentials",
            "message": "Wrong employee number, email or password.",
            "errors": [],
        }


def test_inactive_or_passwordless_accounts_get_no_token(app, db, client, make_user):
    make_user(("staff",), employee_no="E102", is_active=False)
    assert _token(client, "E102").status_code == 401
    user = make_user(("staff",), employee_no="E103")
    with app.app_context():
        from app.org.models import User

        db.session.get(User, user.id).password_hash = None
        db.session.commit()
    assert _token(client, "E103", "").status_code == 422  # the schema wants a password
    assert _token(client, "E103", "anything").status_code == 401


def test_an_account_that_must_change_its_password_is_sent_to_the_website(
    app, db, client, make_user
):
    user = make_user(("staff",), employee_no="E104")
    with app.app_context():
        from app.org.models import User

        db.session.get(User, user.id).must_change_password = True
        db.session.commit()
    answer = _token(client, "E104")
    assert answer.status_code == 403 and answer.get_json()["code"] == "password_change_required"


def test_failed_token_requests_are_rate_limited_like_the_sign_in_form(client, make_user):
    make_user(("staff",), employee_no="E105")
    for _n in range(5):
        assert _token(client, "E105", "wrong-password").status_code == 401
    throttled = _token(client, "E105")
    assert throttled.status_code == 429
    body = throttled.get_json()
    assert body["code"] == "too_many_requests" and body["errors"] == []
    # the same account's sign-in form shares the budget
    form = client.post("/login", data={"identifier": "E105", "password": TEST_PASSWORD})
    assert form.status_code == 429


def test_successful_token_requests_are_not_counted(client, make_user):
    make_user(("staff",), employee_no="E106")
    for _n in range(8):
        assert _token(client, "E106").status_code == 201


def test_an_expired_token_is_refused(client, api_as):
    freeze_now()
    _user, headers = api_as("staff")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(timedelta(hours=24, seconds=1))
    answer = client.get("/api/v1/me", headers=headers)
    assert answer.status_code == 401 and answer.get_json()["code"] == "invalid_token"
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_deactivated_persons_token_stops_working(app, db, client, api_as):
    user, headers = api_as("staff")
    with app.app_context():
        from app.org import services
        from app.org.models import User

        services.set_active(None, db.session.get(User, user.id), False)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_cookies_never_authenticate_the_api(client, login_as):
    login_as("admin")
    assert client.get("/home").status_code == 200  # the cookie session works on pages
    answer = client.get("/api/v1/me")
    assert answer.status_code == 401 and answer.get_json()["code"] == "unauthorized"
    malformed = client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert malformed.status_code == 401


def test_the_api_needs_no_csrf_token_but_the_pages_still_do(make_app, make_user):
    from config import TestingConfig

    class CsrfOn(TestingConfig):
        WTF_CSRF_ENABLED = True

    app = make_app(CsrfOn)
    make_user(("staff",), employee_no="E107")
    client = app.test_client()
    answer = client.post("/api/v1/tokens", json={"username": "E107", "password": TEST_PASSWORD})
    assert answer.status_code == 201
    headers = bearer(answer.get_json()["token"])
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    assert client.post("/logout").status_code == 400  # pages keep their CSRF check


def test_last_used_is_written_at_most_once_a_minute(app, db, client, api_as):
    freeze_now()
    user, headers = api_as("staff")

    def last_used():
        with app.app_context():
            return db.session.scalar(
                select(ApiToken.last_used_at).where(ApiToken.user_id == user.id)
            )

    client.get("/api/v1/me", headers=headers)
    first = last_used()
    assert first == clock.now()
    clock.advance(timedelta(seconds=30))
    client.get("/api/v1/me", headers=headers)
    assert last_used() == first
    clock.advance(timedelta(seconds=31))
    client.get("/api/v1/me", headers=headers)
    assert last_used() == clock.now()


def test_a_password_reset_ends_the_persons_api_tokens(app, db, client, api_as):
    from app.org.models import User
    from app.org.services import set_password

    user, headers = api_as("staff")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.app_context():
        set_password(None, db.session.get(User, user.id), "a-brand-new-pass-1")
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401 and response.json["code"]
