"""Schemathesis against the OpenAPI document, in process: no server error, no answer that breaks
the schema, no undocumented status code, no wrong content type or header.

Each operation gets a fresh database with a quiz, the question bank and a token of a staff member
who is also an admin (so every resource is reachable), and up to 20 generated requests.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _document_app():
    from app import create_app
    from config import TestingConfig

    return create_app(TestingConfig)


#: read once at collection from an app of its own; every request goes to the test's ``app``
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _document_app())


@pytest.fixture
def api_headers(app, make_quiz, make_user, user_token):
    """A token of someone who may call every resource, with a quiz and an attempt (id 1 on a
    fresh database, so generated ids reach them too)."""
    from app.extensions import db
    from app.org.models import User
    from app.quizzes import services
    from app.quizzes.models import Quiz

    quiz_id = make_quiz(fixed=("t-single", "t-match", "t-num", "t-essay", "t-tf", "t-cloze"))
    user = make_user(("staff", "admin"), employee_no="S0001")
    with app.app_context():
        services.start_attempt(db.session.get(User, user.id), db.session.get(Quiz, quiz_id))
    return user_token(user)


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_conforms_to_its_openapi_document(app, case, api_headers):
    case.call_and_validate(app=app, headers=api_headers, checks=CHECKS)
