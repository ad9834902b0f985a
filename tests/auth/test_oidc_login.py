"""Signing in through OpenID Connect against a small provider served by the tests."""

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.core.models import AuditEvent
from app.org.models import User
from config import TestingConfig
from tests.auth.conftest import follow_to_provider
from tests.conftest import TEST_PASSWORD, free_port

HALL = "测试公司/测试分中心/测试营业厅"

GROUP_MAP = {
    "/skillgrid/counter": ["staff", "CTR"],
    "/skillgrid/call-centre": ["staff", "CC"],
    "/skillgrid/trainers": ["trainer"],
    "/skillgrid/admins": ["admin"],
}

ALICE = {
    "sub": "5d2c0d1e-alice",
    "preferred_username": "D0101",
    "name": "王爱丽",
    "email": "alice@example.test",
    "department": HALL,
    "groups": ["/skillgrid/counter", "/other/thing"],
}


@pytest.fixture
def oidc_app(make_app, make_department, oidc_provider):
    """Factory: an app whose login page offers local passwords and the test provider."""
    make_department(HALL, "hall")

    def build(**overrides):
        settings = {
            "LOGIN_METHODS": "local,oidc",
            "OIDC_DISCOVERY_URL": f"{oidc_provider.url}/.well-known/openid-configuration",
            "OIDC_CLIENT_ID": oidc_provider.client_id,
            "OIDC_CLIENT_SECRET": oidc_provider.client_secret,
            "OIDC_PROVIDER_NAME": "Corp ID",
            "OIDC_CLAIM_DEPARTMENT": "department",
            "OIDC_GROUP_ROLE_MAP": json.dumps(GROUP_MAP),
            "OIDC_TIMEOUT": "3",
            **overrides,
        }
        return make_app(type("OidcTestConfig", (TestingConfig,), settings))

    return build


def _client(app, **environ):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.environ_base.update(environ)
    return client


def _sso(client, provider, user, start="/login/sso", finish_client=None):
    """Run the browser's part: to the provider and back; return the callback's response."""
    provider.user = dict(user)
    started = client.get(start)
    assert started.status_code == 302, started.get_data(as_text=True)
    callback = urlsplit(follow_to_provider(started.headers["Location"]))
    return (finish_client or client).get(f"{callback.path}?{callback.query}")


def _user(app, employee_no):
    with app.app_context():
        from app.extensions import db

        user = db.session.scalar(select(User).where(User.employee_no == employee_no))
        if user is not None:
            _ = (user.roles, user.job_role, user.department)
            db.session.expunge(user)
        return user


def _page(client) -> str:
    return client.get("/login").get_data(as_text=True)


def test_first_sso_login_creates_the_user_with_the_mapped_roles(oidc_app, oidc_provider):
    app = oidc_app()
    client = _client(app)
    response = _sso(client, oidc_provider, ALICE)
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    assert "王爱丽" in client.get("/home").get_data(as_text=True)
    user = _user(app, "D0101")
    assert user.auth_source == "oidc" and user.password_hash is None
    assert user.role_names == ["staff"]
    assert user.job_role.code == "CTR"
    assert user.department.full_name == HALL
    with app.app_context():
        from app.extensions import db

        (sync,) = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.directory_sync")
        )
        assert sync.after["source"] == "oidc"
        assert sync.after["groups"] == ["/skillgrid/counter"]


def test_the_flow_uses_pkce_and_a_nonce(oidc_app, oidc_provider):
    _sso(_client(oidc_app()), oidc_provider, ALICE)
    (request,) = oidc_provider.authorizations
    assert request["code_challenge_method"] == "S256"
    assert len(request["code_challenge"]) >= 43
    assert request["nonce"]
    assert "openid" in request["scope"].split()
    assert oidc_provider.token_errors == []


def test_a_group_change_is_applied_at_the_next_sso_login(oidc_app, oidc_provider):
    app = oidc_app()
    assert _sso(_client(app), oidc_provider, ALICE).status_code == 302
    moved = {**ALICE, "groups": ["/skillgrid/call-centre", "/skillgrid/trainers"]}
    assert _sso(_client(app), oidc_provider, moved).status_code == 302
    user = _user(app, "D0101")
    assert user.role_names == ["staff", "trainer"]
    assert user.job_role.code == "CC"


def test_next_survives_the_round_trip_and_stays_local(oidc_app, oidc_provider):
    app = oidc_app()
    response = _sso(_client(app), oidc_provider, ALICE, start="/login/sso?next=/org/people")
    assert response.headers["Location"] == "/org/people"
    response = _sso(
        _client(app), oidc_provider, ALICE, start="/login/sso?next=https://evil.example/"
    )
    assert response.headers["Location"] == "/home"


@pytest.mark.parametrize(
    "tamper",
    [
        {"iss": "https://impostor.example"},
        {"aud": ["another-client"], "azp": "skillgrid"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"nonce": "replayed-nonce"},
        {"nonce": None},
        "wrong_key",
    ],
    ids=["issuer", "audience", "expired", "nonce", "no-nonce", "signature"],
)
def test_an_id_token_failing_its_checks_is_refused(oidc_app, oidc_provider, tamper):
    app = oidc_app()
    if tamper == "wrong_key":
        oidc_provider.wrong_key = True
    else:
        oidc_provider.tamper = tamper
    client = _client(app)
    response = _sso(client, oidc_provider, ALICE)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "could not be verified" in _page(client)
    assert client.get("/home").status_code == 302
    assert _user(app, "D0101") is None


def test_a_callback_from_another_browser_is_refused(oidc_app, oidc_provider):
    app = oidc_app()
    other = _client(app)
    response = _sso(_client(app), oidc_provider, ALICE, finish_client=other)
    assert response.headers["Location"] == "/login"
    assert "Single sign-on did not complete" in _page(other)
    assert _user(app, "D0101") is None


def test_a_refusal_at_the_provider_is_reported(oidc_app, oidc_provider):
    client = _client(oidc_app())
    started = client.get("/login/sso")
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    response = client.get(f"/login/sso/callback?error=access_denied&state={state}")
    assert response.headers["Location"] == "/login"
    assert "Single sign-on did not complete" in _page(client)


def test_a_user_in_no_mapped_group_is_refused(oidc_app, oidc_provider):
    app = oidc_app()
    client = _client(app)
    _sso(client, oidc_provider, {**ALICE, "groups": ["/canteen"]})
    assert "not in any group that gives access" in _page(client)
    assert _user(app, "D0101") is None


def test_a_token_without_an_employee_number_is_refused(oidc_app, oidc_provider):
    client = _client(oidc_app())
    _sso(client, oidc_provider, {k: v for k, v in ALICE.items() if k != "preferred_username"})
    assert "lacks an employee number" in _page(client)


def test_an_unreachable_provider_gives_a_clear_message(oidc_app):
    url = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    client = _client(oidc_app(OIDC_DISCOVERY_URL=url))
    response = client.get("/login/sso")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Single sign-on cannot be reached right now." in _page(client)


def test_the_callback_works_on_another_server_behind_the_load_balancer(oidc_app, oidc_provider):
    # Two app servers with the same SECRET_KEY; the proxy says the public URL is https.
    first = oidc_app(PROXY_COUNT=1)
    second = oidc_app(PROXY_COUNT=1)
    forwarded = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "skillgrid.example"}
    browser = _client(first, **forwarded)
    oidc_provider.user = dict(ALICE)
    started = browser.get("/login/sso")
    asked = parse_qs(urlsplit(started.headers["Location"]).query)
    assert asked["redirect_uri"] == ["https://skillgrid.example/login/sso/callback"]
    callback = urlsplit(follow_to_provider(started.headers["Location"]))
    # The same browser (same cookie) now reaches the second server.
    cookie = browser.get_cookie("session")
    other = _client(second, **forwarded)
    other.set_cookie("session", cookie.value, domain=cookie.domain)
    response = other.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    assert _user(second, "D0101").auth_source == "oidc"


def test_a_configured_redirect_uri_is_used_as_is(oidc_app):
    app = oidc_app(OIDC_REDIRECT_URI="https://sg.example/login/sso/callback")
    started = _client(app).get("/login/sso")
    asked = parse_qs(urlsplit(started.headers["Location"]).query)
    assert asked["redirect_uri"] == ["https://sg.example/login/sso/callback"]


def test_the_local_admin_still_signs_in_with_a_password(oidc_app, make_user):
    make_user(("admin",), employee_no="ADMIN1", department=None, job_role=None)
    url = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    client = _client(oidc_app(OIDC_DISCOVERY_URL=url))
    response = client.post("/login", data={"identifier": "ADMIN1", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_sso_links_lead_to_the_login_page_unless_configured(client):
    for url in ("/login/sso", "/login/sso/callback?code=x&state=y"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == "/login"
    assert 'data-testid="sso-login"' not in client.get("/login").get_data(as_text=True)
