"""Who may call what: user tokens by role and department scope, service tokens by scope."""

import pytest
from sqlalchemy import select

from app.core.models import AuditEvent
from app.org.models import User

#: (method, url) of every trainer, HR and admin resource
PRIVILEGED = [
    ("GET", "/api/v1/questions"),
    ("GET", "/api/v1/questions/t-single"),
    ("POST", "/api/v1/question-bank/imports"),
    ("GET", "/api/v1/users"),
    ("PUT", "/api/v1/users"),
    ("GET", "/api/v1/departments"),
    ("GET", "/api/v1/courses"),
]

#: (method, url) -> the scope a service token needs
SCOPED = {
    ("GET", "/api/v1/questions"): "questions:read",
    ("GET", "/api/v1/questions/t-single"): "questions:read",
    ("POST", "/api/v1/question-bank/imports"): "questions:write",
    ("GET", "/api/v1/users"): "users:read",
    ("PUT", "/api/v1/users"): "users:write",
    ("GET", "/api/v1/departments"): "users:read",
    ("GET", "/api/v1/courses"): "training:read",
    ("GET", "/api/v1/people/U00001/training"): "training:read",
}


@pytest.mark.parametrize(("method", "url"), PRIVILEGED)
def test_a_staff_token_is_refused_on_trainer_and_hr_resources(client, api_as, bank, method, url):
    _user, headers = api_as("staff")
    answer = client.open(url, method=method, headers=headers)
    assert answer.status_code == 403
    assert answer.get_json() == {
        "code": "forbidden",
        "message": "Your roles do not allow this.",
        "errors": [],
    }


def test_a_staff_token_sees_only_its_own_training(client, api_as, make_user):
    other = make_user(("staff",))
    me, headers = api_as("staff")
    assert (
        client.get(f"/api/v1/people/{me.employee_no}/training", headers=headers).status_code == 200
    )
    refused = client.get(f"/api/v1/people/{other.employee_no}/training", headers=headers)
    assert refused.status_code == 403


@pytest.mark.parametrize(("method", "url"), sorted(SCOPED))
def test_a_service_token_is_limited_to_its_scopes(
    client, service_token, make_user, bank, method, url
):
    make_user(("staff",), employee_no="U00001")
    needed = SCOPED[(method, url)]
    others = [s for s in set(SCOPED.values()) if s != needed]
    refused = client.open(url, method=method, headers=service_token(*others))
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "insufficient_scope"
    allowed = client.open(url, method=method, headers=service_token(needed))
    assert allowed.status_code not in (401, 403), allowed.get_json()
    assert allowed.status_code < 500


def test_a_service_token_acts_as_its_own_system_user(app, db, client, service_token):
    headers = service_token("users:read", "questions:read", name="hr-master")
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["employee_no"] == "svc-hr-master"
    assert me["roles"] == ["hr", "trainer"]
    assert me["token"]["kind"] == "service"
    assert me["token"]["scopes"] == ["questions:read", "users:read"]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.employee_no == "svc-hr-master"))
        assert user.password_hash is None
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["user.create", "api_token.create"]
    people = client.get("/api/v1/users", headers=headers).get_json()["items"]
    assert "svc-hr-master" not in [p["employee_no"] for p in people]


def test_a_manager_sees_the_people_of_the_departments_they_manage(client, api_as, make_user):
    inside = make_user(("staff",), department="测试公司/测试分中心/某营业厅")
    outside = make_user(("staff",), department="测试公司/另一分中心/某营业厅")
    manager, headers = api_as("manager")
    numbers = {
        p["employee_no"] for p in client.get("/api/v1/users", headers=headers).get_json()["items"]
    }
    assert inside.employee_no in numbers and manager.employee_no in numbers
    assert outside.employee_no not in numbers
    assert (
        client.get(f"/api/v1/people/{inside.employee_no}/training", headers=headers).status_code
        == 200
    )
    denied = client.get(f"/api/v1/people/{outside.employee_no}/training", headers=headers)
    assert denied.status_code == 403
    assert client.get("/api/v1/departments", headers=headers).status_code == 403


@pytest.mark.parametrize(
    ("role", "method", "url", "allowed"),
    [
        ("trainer", "GET", "/api/v1/questions", True),
        ("trainer", "GET", "/api/v1/users", False),
        ("trainer", "GET", "/api/v1/courses", True),
        ("hr", "GET", "/api/v1/users", True),
        ("hr", "GET", "/api/v1/departments", True),
        ("hr", "PUT", "/api/v1/users", False),
        ("hr", "GET", "/api/v1/questions", False),
        ("admin", "PUT", "/api/v1/users", True),
    ],
)
def test_user_tokens_carry_their_roles(client, api_as, bank, role, method, url, allowed):
    _user, headers = api_as(role)
    answer = client.open(url, method=method, headers=headers, json={"users": []})
    assert (answer.status_code != 403) == allowed, answer.get_json()
