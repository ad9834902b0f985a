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
    # anyone signed in may ask; the file itself is served only to whoever may see its
    # question (trainers, admins, people with the version in an attempt): 404 otherwise
    "bank.question_file": ALL,
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
    "quizzes.add_found": {"trainer", "admin"},
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
    # -- competency framework (issue 15) --
    "api.list_competencies": ALL,
    "api.job_role_profile": ALL,
    # -- competency evidence (issue 16): object-level checks inside (404/403 per person) --
    "api.person_competencies": ALL,
    "api.competency_matrix": ALL,
    "api.rate_person": ALL,
    "competencies.index": ALL,
    "competencies.competency": ALL,
    "competencies.profiles": ALL,
    "competencies.profile": ALL,
    "competencies.new": {"hr", "admin"},
    "competencies.edit": {"hr", "admin"},
    "competencies.retire": {"hr", "admin"},
    "competencies.restore": {"hr", "admin"},
    "competencies.edit_profile": {"hr", "admin"},
    "competencies.import_framework": {"hr", "admin"},
    "competencies.import_confirm": {"hr", "admin"},
    "competencies.export": {"hr", "admin"},
    # -- service quality (issue 18): indicators for everyone, scores for HR and managers --
    "quality.index": ALL,
    "quality.indicator": ALL,
    "quality.parameters": ALL,
    "quality.new_indicator": {"hr", "admin"},
    "quality.edit_indicator": {"hr", "admin"},
    "quality.edit_parameters": {"hr", "admin"},
    "quality.import_indicators": {"hr", "admin"},
    "quality.import_indicators_confirm": {"hr", "admin"},
    "quality.export_indicators": {"hr", "admin"},
    "quality.scores": {"hr", "admin", "manager"},
    "quality.import_scores": {"hr", "admin"},
    "quality.import_scores_confirm": {"hr", "admin"},
    "quality.score_template": {"hr", "admin"},
    "quality.batches": {"hr", "admin"},
    "quality.batch": {"hr", "admin"},
    "quality.correct": {"hr", "admin"},
    # -- service quality for the person (issue 19): object checks inside (403/404 per person) --
    "quality.my_scores": ALL,
    "quality.person_scores": ALL,
    "quality.contest_score": ALL,
    "quality.contests": {"hr", "admin"},
    "quality.contest": {"hr", "admin"},
    "quality.trends": {"hr", "admin", "manager"},
    "quality.gate_events": {"hr", "admin"},
    "quality.assign_gate_courses": {"hr", "admin"},
    "api.put_scores": {"hr", "admin"},
    "api.get_scores": ALL,
    # -- training effect (issue 28) and which skills predict service (issue 29) --
    "insights.courses": {"trainer", "hr", "admin"},
    "insights.course_effect_page": {"trainer", "hr", "admin"},
    "insights.predictors_page": {"trainer", "hr", "admin"},
    "api.course_effect_report": {"trainer", "hr", "admin"},
    "api.predictors_report": {"trainer", "hr", "admin"},
    # -- training needs (issue 20) --
    "needs.index": {"hr", "admin", "manager"},
    "needs.assign": {"hr", "admin", "manager"},
    "api.training_needs": ALL,
    # -- competency pages (issue 17): object-level checks inside (403 per person) --
    "competencies.matrix_page": {"hr", "admin", "manager"},
    "competencies.matrix_export": {"hr", "admin", "manager"},
    "competencies.rollup": {"hr", "admin", "manager"},
    "competencies.gaps": {"hr", "admin", "manager"},
    "competencies.person": ALL,
    "competencies.trail": ALL,
    "competencies.rate": {"trainer", "hr", "manager"},
    "competencies.assign": {"hr", "admin", "manager"},
    # -- item analysis (issue 25) --
    "reports.quiz_statistics": {"trainer", "admin"},
    "reports.export_statistics": {"trainer", "admin"},
    # -- HR reports (issue 21): managers see their subtrees (403 for another department) --
    "reports.dashboard_page": {"hr", "admin", "manager"},
    "reports.dashboard_export": {"hr", "admin", "manager"},
    "reports.dashboard_pdf": {"hr", "admin", "manager"},
    "reports.competency_report_pdf": {"hr", "admin", "manager"},
    "reports.compliance_page": {"hr", "admin", "manager"},
    "reports.compliance_export": {"hr", "admin", "manager"},
    "reports.assignments_page": {"hr", "admin", "manager"},
    "reports.assignments_export": {"hr", "admin", "manager"},
    "reports.quizzes": {"trainer", "hr", "admin", "manager"},
    "reports.quizzes_export": {"trainer", "hr", "admin", "manager"},
    "reports.quiz_results_page": {"trainer", "hr", "admin", "manager"},
    "reports.quiz_results_export": {"trainer", "hr", "admin", "manager"},
    # a person's record: object check inside (the person, their managers, HR, admins)
    "reports.person": ALL,
    "api.reports_dashboard": {"hr", "admin", "manager"},
    # -- hardening (issue 23): unlocking an account, the audit trail --
    "auth.unlock_account": {"admin"},
    "audit.index": {"hr", "admin"},
    "audit.export_events": {"hr", "admin"},
    # -- customer ratings (issue 27): the kiosk and receipt pages are public (404 for a bad
    # token); a clerk checks in and reads their own ratings; HR reads everyone's and sets up --
    "kiosk.counter": ALL,
    "kiosk.check_out": ALL,
    "kiosk.my_ratings": ALL,
    "kiosk.ratings": {"hr", "admin"},
    "kiosk.review": {"hr", "admin"},
    "kiosk.review_rating": {"hr", "admin"},
    "kiosk.halls": {"hr", "admin"},
    "kiosk.hall": {"hr", "admin"},
    "kiosk.add_window": {"hr", "admin"},
    "kiosk.edit_window": {"hr", "admin"},
    "kiosk.rotate_secret": {"hr", "admin"},
    "kiosk.issue_device": {"hr", "admin"},
    "kiosk.revoke_device": {"hr", "admin"},
    "kiosk.settings": {"hr", "admin"},
    "kiosk.edit_reason": {"hr", "admin"},
    "api.mint_receipt_token": {"hr", "admin"},
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


@pytest.mark.parametrize(("endpoint", "method", "url"), GUARDED)
def test_every_role_meets_its_guard(app, client, login_as, fresh_database, endpoint, method, url):
    """Each role in turn, each on an emptied database where its user is the first (so ``/1``
    in a URL is its own record, as in a test of its own; one test per endpoint instead of one
    per role spares an app and a fixture round per case)."""
    allowed = EXPECTED[endpoint]
    failures = []
    for index, role in enumerate(ROLE_FIXTURES):
        if index:
            with app.app_context():
                fresh_database()
        user = login_as(role)
        headers = _bearer_for(app, user) if endpoint in API_ENDPOINTS else {}
        status = client.open(url, method=method, headers=headers).status_code
        if role in allowed and (status == 403 or status >= 500):
            # 404 for a missing object and redirects after POST are fine; a 403 is not.
            failures.append(f"{role} got {status} at {method} {url}")
        elif role not in allowed and status != 403:
            failures.append(f"{role} let in ({status}) at {method} {url}")
    assert failures == []
