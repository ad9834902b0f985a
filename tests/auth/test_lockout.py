"""Lock-out after failed sign-ins, per-account throttling by the account, sign-out, timing.

Issue 23, findings 5, 6 and 7: an account is locked after 10 failures in 15 minutes (in the
database, across servers, directory accounts too), an admin can unlock it, every name of an
account meets the same limit, sign-out ends every copy of the session cookie, and an unknown or
inactive account costs the same password-hash work as a wrong password.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.models import AuditEvent
from app.org.models import User
from config import TestingConfig
from tests.auth.test_ldap_login import ldap_app  # noqa: F401  (the slapd-backed app factory)
from tests.auth.test_oidc_login import ALICE, _sso, oidc_app  # noqa: F401  (the test provider)
from tests.conftest import TEST_PASSWORD


class LockoutConfig(TestingConfig):
    """Flask-Limiter out of the way (it counts per minute), the lock-out as configured."""

    LOGIN_LIMIT_ACCOUNT = "1000 per minute"
    LOGIN_LIMIT_ADDRESS = "1000 per minute"


def _login(client, identifier, password=TEST_PASSWORD):
    return client.post("/login", data={"identifier": identifier, "password": password})


@pytest.fixture
def lockout_app(make_app):
    """An app whose only sign-in limit is the database lock-out."""
    return make_app(LockoutConfig)


def _client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_ten_failures_lock_the_account_and_say_so(lockout_app, make_user):
    make_user(employee_no="L1001")
    client = _client(lockout_app)
    for _ in range(9):
        assert _login(client, "L1001", "wrong-password").status_code == 200
    tenth = _login(client, "L1001", "wrong-password")
    assert tenth.status_code == 403
    assert "This account is locked after too many failed sign-ins" in tenth.get_data(as_text=True)
    # the right password does not open a locked account
    right = _login(client, "L1001")
    assert right.status_code == 403
    assert "ask an administrator to unlock it" in right.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_the_lock_ends_after_fifteen_minutes(lockout_app, make_user):
    make_user(employee_no="L1002")
    client = _client(lockout_app)
    for _ in range(10):
        _login(client, "L1002", "wrong-password")
    clock.freeze(clock.now() + timedelta(minutes=14))
    assert _login(client, "L1002").status_code == 403
    clock.freeze(clock.now() + timedelta(minutes=2))
    assert _login(client, "L1002").status_code == 302


def test_failures_spread_over_more_than_the_window_do_not_lock(lockout_app, make_user):
    make_user(employee_no="L1003")
    client = _client(lockout_app)
    start = clock.now()
    for minute in range(0, 30, 2):  # 15 failures, never 10 within 15 minutes
        clock.freeze(start + timedelta(minutes=minute))
        assert _login(client, "L1003", "wrong-password").status_code == 200
    assert _login(client, "L1003").status_code == 302


def test_a_success_starts_the_count_again(lockout_app, make_user):
    make_user(employee_no="L1004")
    for _ in range(9):
        _login(_client(lockout_app), "L1004", "wrong-password")
    assert _login(_client(lockout_app), "L1004").status_code == 302
    for _ in range(9):
        assert _login(_client(lockout_app), "L1004", "wrong-password").status_code == 200
    assert _login(_client(lockout_app), "L1004").status_code == 302


def test_employee_number_and_email_meet_the_same_lock(lockout_app, make_user):
    make_user(employee_no="S0040", email="s0040@demo.skillgrid.local")
    client = _client(lockout_app)
    for i in range(10):
        name = "S0040" if i % 2 else "S0040@Demo.Skillgrid.Local"
        _login(client, name, "wrong-password")
    for name in ("S0040", "s0040@demo.skillgrid.local"):
        assert _login(client, name).status_code == 403


def test_the_limiter_keys_by_the_account_whatever_name_was_typed(app, make_user):
    from app.auth.services import throttle_key

    user = make_user(employee_no="S0041", email="s0041@demo.skillgrid.local")
    with app.app_context():
        keys = {throttle_key(name) for name in ("S0041", "s0041@DEMO.skillgrid.local ")}
        assert keys == {f"account:user:{user.id}"}
        assert throttle_key("nobody") == "account:name:nobody"


def test_per_account_throttle_counts_every_name_of_the_account(client, make_user):
    make_user(employee_no="S0042", email="s0042@demo.skillgrid.local")
    for i in range(5):
        name = "S0042" if i % 2 else "s0042@demo.skillgrid.local"
        assert _login(client, name, "nope-nope").status_code == 200
    assert _login(client, "s0042@demo.skillgrid.local").status_code == 429


def test_the_lock_holds_on_every_server(make_app, make_user):
    make_user(employee_no="L1005")
    first, second = make_app(LockoutConfig), make_app(LockoutConfig)
    for i in range(10):
        _login(_client(first if i % 2 else second), "L1005", "wrong-password")
    assert _login(_client(first), "L1005").status_code == 403
    assert _login(_client(second), "L1005").status_code == 403


def test_an_unknown_name_locks_like_an_account(lockout_app):
    client = _client(lockout_app)
    for _ in range(10):
        _login(client, "ghost-9", "wrong-password")
    response = _login(client, "ghost-9", "wrong-password")
    assert response.status_code == 403
    assert "This account is locked" in response.get_data(as_text=True)


def test_lock_out_is_configurable(make_app, make_user):
    class Strict(LockoutConfig):
        LOGIN_LOCKOUT_FAILURES = 3
        LOGIN_LOCKOUT_MINUTES = 60

    make_user(employee_no="L1006")
    client = _client(make_app(Strict))
    for _ in range(3):
        _login(client, "L1006", "wrong-password")
    clock.freeze(clock.now() + timedelta(minutes=59))
    assert _login(client, "L1006").status_code == 403


def test_an_admin_unlocks_the_account_from_its_page(lockout_app, make_user, db):
    user = make_user(employee_no="L1007")
    admin = make_user(("admin",), employee_no="A1007", department=None, job_role=None)
    locked = _client(lockout_app)
    for _ in range(10):
        _login(locked, "L1007", "wrong-password")
    admin_client = _client(lockout_app)
    assert _login(admin_client, "A1007").status_code == 302
    page = admin_client.get(f"/org/users/{user.id}").get_data(as_text=True)
    assert 'data-testid="account-lock"' in page and "Unlock account" in page
    response = admin_client.post(f"/org/users/{user.id}/unlock", follow_redirects=True)
    assert "Account L1007 unlocked." in response.get_data(as_text=True)
    assert 'data-testid="account-lock"' not in response.get_data(as_text=True)
    assert _login(locked, "L1007").status_code == 302
    with lockout_app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_id == str(user.id))
        ).all()
        assert "user.lock" in actions and "user.unlock" in actions
        unlock = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.unlock"))
        assert unlock.actor_id == admin.id


def test_only_admins_unlock(client, login_as, make_user):
    target = make_user(employee_no="L1008")
    login_as("hr")
    assert client.post(f"/org/users/{target.id}/unlock").status_code == 403


def test_the_api_token_request_counts_and_respects_the_lock(lockout_app, make_user):
    make_user(employee_no="L1009")
    client = _client(lockout_app)
    for _ in range(9):
        answer = client.post("/api/v1/tokens", json={"username": "L1009", "password": "nope"})
        assert answer.status_code == 401
    assert _login(client, "L1009", "wrong-password").status_code == 403  # the tenth
    answer = client.post("/api/v1/tokens", json={"username": "L1009", "password": TEST_PASSWORD})
    assert answer.status_code == 403
    assert answer.get_json()["code"] == "account_locked"


def test_directory_accounts_are_locked_too(ldap_app):  # noqa: F811
    app = ldap_app(LOGIN_LIMIT_ACCOUNT="1000 per minute", LOGIN_LIMIT_ADDRESS="1000 per minute")
    client = _client(app)
    for _ in range(10):
        response = _login(client, "alice", "not-her-password")
    assert response.status_code == 403
    assert "This account is locked" in response.get_data(as_text=True)
    # her directory password is right, but the lock comes first
    assert _login(client, "alice", "alice-pass").status_code == 403


def test_single_sign_on_refuses_a_locked_account(oidc_app, oidc_provider):  # noqa: F811
    from app.auth import lockout
    from app.extensions import db

    app = oidc_app()
    client = _client(app)
    assert _sso(client, oidc_provider, ALICE).headers["Location"] == "/home"
    client.post("/logout")
    with app.app_context():
        alice = db.session.scalar(select(User).where(User.employee_no == "D0101"))
        for _ in range(10):
            lockout.note_failure(lockout.account_key(None, alice), alice)
    refused = _sso(client, oidc_provider, ALICE)
    assert refused.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "This account is locked" in page
    assert client.get("/home").status_code == 302


# --- sign-out (finding 5) ---------------------------------------------------------------


def test_a_copied_session_cookie_dies_at_sign_out(app, make_user):
    make_user(employee_no="L2001")
    browser = app.test_client()
    assert _login(browser, "L2001").status_code == 302
    cookie = browser.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/home").status_code == 200
    assert browser.post("/logout").status_code == 302
    assert thief.get("/home").status_code == 302  # the copy is signed out too


# --- timing (finding 7) -----------------------------------------------------------------


@pytest.fixture
def hash_checks(monkeypatch):
    """Count scrypt verifications (the slow part of a sign-in)."""
    from app.org import models

    calls = []
    original = models.check_password_hash

    def counting(stored, password):
        calls.append(stored)
        return original(stored, password)

    monkeypatch.setattr(models, "check_password_hash", counting)
    return calls


@pytest.mark.parametrize(
    "case", ["wrong password", "unknown name", "inactive account", "directory account", "locked"]
)
def test_every_refusal_costs_one_password_hash(lockout_app, make_user, hash_checks, case):
    make_user(employee_no="T1", is_active=case != "inactive account")
    identifier = {"unknown name": "nobody-here"}.get(case, "T1")
    if case == "directory account":
        with lockout_app.app_context():
            from app.extensions import db

            user = db.session.scalar(select(User).where(User.employee_no == "T1"))
            user.password_hash, user.auth_source = None, "ldap"
            db.session.commit()
    client = _client(lockout_app)
    if case == "locked":
        for _ in range(10):
            _login(client, "T1", "wrong-password")
    hash_checks.clear()
    password = TEST_PASSWORD if case == "inactive account" else "wrong-password"
    response = _login(client, identifier, password)
    assert response.status_code in (200, 403)
    assert len(hash_checks) == 1, case
    # the same scrypt parameters as a real account's hash, so the work is the same
    assert hash_checks[0].split("$")[0].startswith("scrypt:")
