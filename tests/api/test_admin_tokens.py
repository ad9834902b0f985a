"""Admins create, list and revoke service tokens on a page and with ``flask api``."""

import re

from sqlalchemy import select

from app.api.models import ApiToken
from app.core.models import AuditEvent
from app.org.models import User
from tests.api.conftest import bearer


def _shown_token(html: str) -> str:
    match = re.search(r'data-testid="new-token".*?<code[^>]*>([^<]+)</code>', html, re.S)
    assert match, "no token on the page"
    return match.group(1).strip()


def test_an_admin_creates_a_service_token_shown_once_and_revokes_it(app, db, client, login_as):
    admin = login_as("admin")
    page = client.get("/admin/api-tokens")
    assert page.status_code == 200 and "users:read" in page.get_data(as_text=True)
    created = client.post(
        "/admin/api-tokens",
        data={"name": "hr-master", "scopes": ["users:read", "users:write"], "expires_days": ""},
    )
    assert created.status_code == 200
    raw = _shown_token(created.get_data(as_text=True))
    me = client.get("/api/v1/me", headers=bearer(raw)).get_json()
    assert me["employee_no"] == "svc-hr-master" and me["roles"] == ["hr"]
    again = client.get("/admin/api-tokens").get_data(as_text=True)
    assert raw not in again and "svc-hr-master" in again
    assert 'data-testid="new-token"' not in again
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.token_hash != raw and token.scopes == ["users:read", "users:write"]
        token_id = token.id
    revoked = client.post(f"/admin/api-tokens/{token_id}/revoke")
    assert revoked.status_code == 302
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401
    with app.app_context():
        service_user = db.session.scalar(select(User).where(User.employee_no == "svc-hr-master"))
        assert service_user.role_names == []  # no live token, no roles
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)
        ).all()
        assert "api_token.create" in actions and "api_token.revoke" in actions


def test_a_bad_service_token_request_shows_the_problem(client, login_as):
    login_as("admin")
    answer = client.post("/admin/api-tokens", data={"name": "Bad Name!", "scopes": []})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "Choose at least one scope." in text
    assert 'data-testid="new-token"' not in text


def test_an_admin_revokes_a_persons_token(client, login_as, api_as):
    _user, headers = api_as("staff")
    login_as("admin")
    page = client.get("/admin/api-tokens").get_data(as_text=True)
    token_id = re.search(r"/admin/api-tokens/(\d+)/revoke", page).group(1)
    client.post(f"/admin/api-tokens/{token_id}/revoke")
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_cli_creates_lists_and_revokes_service_tokens(app, client, runner):
    created = runner.invoke(
        args=[
            "api",
            "create-service-token",
            "mobile-app",
            "--scope",
            "training:read",
            "--expires-days",
            "30",
        ]
    )
    assert created.exit_code == 0, created.output
    raw = created.stdout.strip().splitlines()[-1]
    assert raw.startswith("sg_")
    assert client.get("/api/v1/me", headers=bearer(raw)).get_json()["token"]["scopes"] == [
        "training:read"
    ]
    listed = runner.invoke(args=["api", "list-tokens"])
    assert "mobile-app\ttraining:read\tlive" in listed.output and raw not in listed.output
    token_id = listed.output.split("\t")[0]
    assert runner.invoke(args=["api", "revoke-token", token_id]).exit_code == 0
    assert client.get("/api/v1/me", headers=bearer(raw)).status_code == 401
    refused = runner.invoke(args=["api", "create-service-token", "x", "--scope", "nope"])
    assert refused.exit_code != 0


def test_a_persons_employee_number_cannot_become_a_service(client, runner, make_user):
    make_user(("staff",), employee_no="svc-payroll")
    answer = runner.invoke(args=["api", "create-service-token", "payroll", "--scope", "users:read"])
    assert answer.exit_code != 0 and "person" in answer.output
