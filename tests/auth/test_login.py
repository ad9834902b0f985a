"""Signing in and out, throttling, passwords, safe redirects and CSRF."""

import logging

import pytest
from sqlalchemy import select

from app.org.models import User
from config import TestingConfig
from tests.conftest import (
    TEST_PASSWORD,
    csrf_token_from,
    free_port,
    redis_available,
    redis_url,
    require_service,
)


def _login(client, identifier, password=TEST_PASSWORD, **extra):
    return client.post("/login", data={"identifier": identifier, "password": password, **extra})


def test_sign_in_by_employee_number(client, make_user):
    user = make_user(employee_no="E1001")
    response = _login(client, "E1001")
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    assert user.name in client.get("/home").get_data(as_text=True)


def test_sign_in_by_email_ignores_case(client, make_user):
    make_user(employee_no="E1002", email="Li.Ming@example.test")
    assert _login(client, "li.ming@EXAMPLE.test").status_code == 302


def test_wrong_password_is_refused_with_a_clear_message(client, make_user):
    make_user(employee_no="E1003")
    response = _login(client, "E1003", "wrong-password")
    assert response.status_code == 200
    assert "Wrong employee number, email or password." in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_inactive_user_cannot_sign_in(client, make_user):
    make_user(employee_no="E1004", is_active=False)
    assert _login(client, "E1004").status_code == 200
    assert client.get("/home").status_code == 302


def test_deactivation_ends_an_open_session(app, client, login_as, db):
    user = login_as("staff")
    assert client.get("/home").status_code == 200
    with app.app_context():
        from app.org.services import set_active

        set_active(None, db.session.get(User, user.id), False)
    assert client.get("/home").status_code == 302


def test_sixth_wrong_password_in_a_minute_is_throttled(client, make_user):
    make_user(employee_no="E1005")
    for _ in range(5):
        assert _login(client, "E1005", "nope-nope").status_code == 200
    response = _login(client, "E1005", TEST_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)


def test_successful_sign_ins_do_not_count_against_the_limit(app, make_user):
    make_user(employee_no="E1006")
    for _ in range(8):
        client = app.test_client()
        assert _login(client, "E1006").status_code == 302


def test_failures_from_one_address_are_throttled_across_accounts(client, make_user):
    for i in range(20):
        assert _login(client, f"nobody{i}", "nope-nope").status_code == 200
    assert _login(client, "nobody-else", "nope-nope").status_code == 429


def test_sign_in_keeps_working_and_throttling_while_redis_is_down(make_user, make_app):
    """Redis unreachable: the limits fall back to each process's memory (no 500)."""
    class DownConfig(TestingConfig):
        RATELIMIT_STORAGE_URI = f"redis://127.0.0.1:{free_port()}/0"

    make_user(employee_no="E1008")
    server = make_app(DownConfig)
    assert _login(server.test_client(), "E1008").status_code == 302
    for _ in range(5):
        assert _login(server.test_client(), "E1008", "nope-nope").status_code == 200
    assert _login(server.test_client(), "E1008").status_code == 429


def test_throttle_is_shared_between_servers_through_redis(make_user, make_app):
    if not redis_available():
        require_service(f"Redis is not reachable at {redis_url()}")
    import redis

    redis.Redis.from_url(redis_url()).flushdb()

    class RedisConfig(TestingConfig):
        RATELIMIT_STORAGE_URI = redis_url()

    class DownConfig(TestingConfig):
        RATELIMIT_STORAGE_URI = f"redis://127.0.0.1:{free_port()}/0"

    make_user(employee_no="E1007")
    # An app built earlier in this process lost its Redis (the second request has just
    # re-checked it): the servers built now must not inherit its fall-back to memory, which
    # once left CI counting some failures in memory and the rest in Redis.
    down = make_app(DownConfig)
    for _ in range(2):
        assert _login(down.test_client(), "E1007", "nope-nope").status_code == 200
    first, second = make_app(RedisConfig), make_app(RedisConfig)
    for i in range(5):
        server = first if i % 2 else second
        assert _login(server.test_client(), "E1007", "nope-nope").status_code == 200
        assert redis.Redis.from_url(redis_url()).dbsize() > 0, "counted in memory, not Redis"
    assert _login(first.test_client(), "E1007").status_code == 429
    assert _login(second.test_client(), "E1007").status_code == 429
    redis.Redis.from_url(redis_url()).flushdb()


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/org/people", "/org/people"),
        ("https://evil.example/phish", "/home"),
        ("//evil.example/phish", "/home"),
        ("/\\evil.example", "/home"),
        ("javascript:alert(1)", "/home"),
    ],
)
def test_next_redirects_only_to_local_paths(client, make_user, target, expected):
    make_user(employee_no="E1008")
    response = _login(client, "E1008", next=target)
    assert response.headers["Location"] == expected


def test_logout_needs_post_and_signs_out(client, login_as):
    login_as("staff")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/home").status_code == 302


def test_change_password(app, client, make_user, db):
    make_user(employee_no="E1009")
    _login(client, "E1009")
    response = client.post(
        "/account/password",
        data={"current": TEST_PASSWORD, "new": "a-new-secret-1", "confirm": "a-new-secret-1"},
    )
    assert response.status_code == 302
    assert client.get("/home").status_code == 200, "the changing session stays signed in"
    with app.app_context():
        assert db.session.scalar(select(User).where(User.employee_no == "E1009")).check_password(
            "a-new-secret-1"
        )


def test_change_password_with_wrong_current_password_is_refused(client, login_as):
    login_as("staff")
    response = client.post(
        "/account/password",
        data={"current": "not-it-at-all", "new": "a-new-secret-1", "confirm": "a-new-secret-1"},
    )
    assert "The current password is wrong." in response.get_data(as_text=True)


def test_password_reset_signs_out_other_sessions_and_forces_a_change(app, client, login_as, db):
    user = login_as("staff")
    with app.app_context():
        from app.org.services import set_password

        set_password(None, db.session.get(User, user.id), "reset-by-admin-1", must_change=True)
    assert client.get("/home").status_code == 302
    response = _login(client, user.employee_no, "reset-by-admin-1")
    assert response.headers["Location"] == "/account/password"


def test_passwords_are_hashed_and_never_logged(app, client, make_user, db, caplog):
    make_user(employee_no="E1010")
    caplog.set_level(logging.DEBUG)
    _login(client, "E1010", "my-wrong-secret-99")
    _login(client, "E1010")
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.employee_no == "E1010"))
    assert stored.startswith("scrypt:")
    assert TEST_PASSWORD not in stored
    assert "my-wrong-secret-99" not in caplog.text and TEST_PASSWORD not in caplog.text


class CsrfConfig(TestingConfig):
    WTF_CSRF_ENABLED = True


def test_post_without_csrf_token_is_refused(make_user, make_app):
    make_user(employee_no="E1011")
    client = make_app(CsrfConfig).test_client()
    response = _login(client, "E1011")
    assert response.status_code == 400
    assert client.get("/home").status_code == 302


def test_post_with_csrf_token_from_the_form_is_accepted(make_user, make_app):
    make_user(employee_no="E1012")
    client = make_app(CsrfConfig).test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert _login(client, "E1012", csrf_token=token).status_code == 302
    # Every form of a signed-in page carries the token too (logout, language switch).
    page = client.get("/home").get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 2
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
