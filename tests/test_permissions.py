"""Every endpoint is declared public or guarded, and every role meets the guard it should.

EXPECTED lists, for each guarded endpoint, the roles that may open it. A new endpoint that is
neither public nor in this table fails the suite: add it here when you add the route.
"""

import re

import pytest

from app.core.permissions import PUBLIC_ENDPOINTS
from tests.conftest import ROLE_FIXTURES

ALL = set(ROLE_FIXTURES)

EXPECTED: dict[str, set[str]] = {
    "auth.logout": ALL,
    "auth.change_password": ALL,
    "home.index": ALL,
    "org.people": {"hr", "admin", "manager"},
    "org.departments": {"hr", "admin"},
    "org.users": {"admin"},
    "org.user_new": {"admin"},
    "org.user_edit": {"admin"},
    "org.user_reset_password": {"admin"},
    "org.user_toggle_active": {"admin"},
    "org.import_users": {"admin"},
    "org.import_users_confirm": {"admin"},
    "bank.index": {"trainer", "admin"},
    "bank.question": {"trainer", "admin"},
    "bank.version": {"trainer", "admin"},
    # -- bank formats (issue 4) --
    "bank.question_file": {"trainer", "admin"},
    # -- bank pages (issue 7) --
    "bank.bulk": {"trainer", "admin"},
    "bank.new_question": {"trainer", "admin"},
    "bank.edit_question": {"trainer", "admin"},
    "bank.preview_text": {"trainer", "admin"},
    "bank.try_question": {"trainer", "admin"},
    "bank.history": {"trainer", "admin"},
    "bank.import_questions": {"trainer", "admin"},
    "bank.import_confirm": {"trainer", "admin"},
    "bank.export": {"trainer", "admin"},
    # -- quizzes (issue 5) --
    "quizzes.my_quizzes": ALL,
    "quizzes.view": ALL,
    "quizzes.start": ALL,
    "quizzes.attempt": ALL,
    "quizzes.save": ALL,
    "quizzes.save_page": ALL,
    "quizzes.summary": ALL,
    "quizzes.submit": ALL,
    "quizzes.review": ALL,
    "quizzes.manage": {"trainer", "admin"},
    "quizzes.new": {"trainer", "admin"},
    "quizzes.edit": {"trainer", "admin"},
    "quizzes.slots": {"trainer", "admin"},
    "quizzes.add_fixed_slot": {"trainer", "admin"},
    "quizzes.add_random_slot": {"trainer", "admin"},
    "quizzes.slot_action": {"trainer", "admin"},
    "quizzes.audience": {"trainer", "admin"},
    "quizzes.preview": {"trainer", "admin"},
    # -- grading (issue 8) --
    "quizzes.overrides": {"trainer", "admin"},
    "quizzes.delete_override": {"trainer", "admin"},
    "grading.queue": {"trainer", "admin"},
    "grading.quiz_queue": {"trainer", "admin"},
    "grading.grade": {"trainer", "admin"},
    "grading.regrade": {"trainer", "admin"},
    "grading.results": {"trainer", "hr", "admin"},
    "grading.export_results": {"trainer", "hr", "admin"},
    # -- courses (issue 6) --
    "courses.my_learning": ALL,
    "courses.catalogue": ALL,
    "courses.enrol": ALL,
    "courses.learn": ALL,
    "courses.activity": ALL,
    "courses.complete_lesson": ALL,
    "courses.file": ALL,
    "courses.certificate_pdf": ALL,
    "courses.manage": {"trainer", "hr", "admin"},
    "courses.new": {"trainer", "admin"},
    "courses.edit": {"trainer", "admin"},
    "courses.publish": {"trainer", "admin"},
    "courses.activity_new": {"trainer", "admin"},
    "courses.activity_edit": {"trainer", "admin"},
    "courses.activity_move": {"trainer", "admin"},
    "courses.activity_retire": {"trainer", "admin"},
    "courses.upload": {"trainer", "admin"},
    "courses.attendance": {"trainer", "admin"},
    "courses.stats": {"trainer", "hr", "admin"},
    "courses.rules": {"trainer", "hr", "admin"},
    "courses.rule_delete": {"trainer", "hr", "admin"},
    "courses.quotas": {"hr", "admin"},
    "courses.hours": {"hr", "admin", "manager"},
    "courses.team": {"hr", "admin", "manager"},
    "courses.person": {"hr", "admin", "manager"},
    "notify.index": ALL,
    "notify.mark_read": ALL,
    # -- directory login (issue 10) --
    # auth.oidc_login and auth.oidc_callback are public: they sign people in (404 unless
    # LOGIN_METHODS includes oidc); tests/auth/test_login_settings.py pins that.
    # -- api (issue 9) --
    # API views carry token_required (access "api"): cookies never open them, so they are
    # checked with a user token of each role; anonymous and cookie-only requests get 401 JSON.
    "api.revoke_current_token": ALL,
    "api.me": ALL,
    "api.my_quizzes": ALL,
    "api.start_attempt": ALL,
    "api.get_attempt": ALL,
    "api.save_response": ALL,
    "api.submit_attempt": ALL,
    "api.review_attempt": ALL,
    "api.list_questions": {"trainer", "admin"},
    "api.get_question": {"trainer", "admin"},
    "api.import_questions": {"trainer", "admin"},
    "api.list_users": {"hr", "admin", "manager"},
    "api.put_users": {"admin"},
    "api.departments": {"hr", "admin"},
    "api.list_courses": {"trainer", "hr", "admin"},
    "api.person_training": ALL,
    "api_pages.tokens": {"admin"},
    "api_pages.revoke_token": {"admin"},
}


def _access(app, endpoint):
    return getattr(app.view_functions[endpoint], "access", None)


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC_ENDPOINTS]


def _url(rule) -> str:
    """A concrete URL for ``rule``, with 1 for every int argument and 'x' for the rest."""

    def fill(match):
        converter, options = match.group(1) or "", match.group(2) or ""
        if converter == "any":
            return options.split(",")[0].strip(" '\"")
        return "1" if converter.startswith("int") else "x"

    return re.sub(r"<(?:(\w+)(?:\(([^)]*)\))?:)?\w+>", fill, rule.rule)


def test_every_endpoint_is_declared_public_or_guarded(app):
    undeclared = [r.endpoint for r in _rules(app) if _access(app, r.endpoint) is None]
    assert undeclared == []


def test_every_guarded_endpoint_has_an_expectation(app):
    guarded = {r.endpoint for r in _rules(app) if _access(app, r.endpoint) != "public"}
    assert guarded == set(EXPECTED), "update EXPECTED in tests/test_permissions.py"


def _guarded_cases():
    from app import create_app
    from config import TestingConfig

    app = create_app(TestingConfig)
    cases = []
    api = set()
    for rule in _rules(app):
        if _access(app, rule.endpoint) == "public":
            continue
        if _access(app, rule.endpoint) == "api":
            api.add(rule.endpoint)
        method = next(m for m in ("GET", "POST", "PUT", "DELETE") if m in rule.methods)
        cases.append((rule.endpoint, method, _url(rule)))
    return sorted(set(cases)), api


GUARDED, API_ENDPOINTS = _guarded_cases()


def _bearer_for(app, user) -> dict:
    """A user token of ``user`` (API views ignore the cookie session)."""
    from app.api.services import issue_token_for
    from app.extensions import db
    from app.org.models import User

    with app.app_context():
        _token, raw = issue_token_for(db.session.get(User, user.id))
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.parametrize(
    ("endpoint", "method", "url"), [c for c in GUARDED if c[0] in API_ENDPOINTS]
)
def test_api_refuses_anonymous_and_cookie_sessions(client, login_as, endpoint, method, url):
    for _attempt in ("anonymous", "signed in with a cookie"):
        response = client.open(url, method=method)
        assert response.status_code == 401
        body = response.get_json()
        assert body["code"] == "unauthorized" and body["message"] and body["errors"] == []
        login_as("admin")


@pytest.mark.parametrize(
    ("endpoint", "method", "url"), [c for c in GUARDED if c[0] not in API_ENDPOINTS]
)
def test_anonymous_is_sent_to_sign_in(client, endpoint, method, url):
    response = client.open(url, method=method)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLE_FIXTURES)
@pytest.mark.parametrize(("endpoint", "method", "url"), GUARDED)
def test_role_meets_its_guard(app, client, login_as, role, endpoint, method, url):
    user = login_as(role)
    headers = _bearer_for(app, user) if endpoint in API_ENDPOINTS else {}
    response = client.open(url, method=method, headers=headers)
    if role in EXPECTED[endpoint]:
        # 404 for a missing object and redirects after POST are fine; a 403 is not.
        assert response.status_code != 403, f"{role} refused at {url}"
        assert response.status_code < 500
    else:
        assert response.status_code == 403, f"{role} let in at {url}"
