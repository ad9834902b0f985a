"""API fixtures: tokens for people of each role and for services, and the quiz bank."""

import pytest

from tests.bank.conftest import import_yaml  # noqa: F401  (fixtures the API tests share)
from tests.competencies.conftest import cm2_quiz, take_quiz  # noqa: F401
from tests.courses.conftest import assign, frozen, make_course  # noqa: F401
from tests.quizzes.conftest import bank, make_quiz  # noqa: F401


def bearer(raw: str) -> dict:
    """The Authorization header carrying ``raw``."""
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def user_token(app):
    """Factory: the Authorization header of a new token for an existing (detached) user."""
    from app.api import services
    from app.extensions import db as _db
    from app.org.models import User

    def mint(user) -> dict:
        with app.app_context():
            _token, raw = services.issue_token_for(_db.session.get(User, user.id))
        return bearer(raw)

    return mint


@pytest.fixture
def api_as(make_user, user_token):
    """Factory: ``api_as("staff")`` → (user, headers) for a new user of that role (or manager)."""

    def make(role: str = "staff", **kwargs):
        if role == "manager":
            kwargs.setdefault("manages", ["测试公司/测试分中心"])
            user = make_user(("staff",), **kwargs)
        elif role == "staff":
            user = make_user(("staff",), **kwargs)
        else:
            kwargs.setdefault("department", None)
            kwargs.setdefault("job_role", None)
            user = make_user((role,), **kwargs)
        return user, user_token(user)

    return make


@pytest.fixture
def service_token(app):
    """Factory: ``service_token("users:read", name="hr")`` → headers of a new service token."""
    from app.api import services

    counter = {"n": 0}

    def make(*scopes, name=None):
        counter["n"] += 1
        with app.app_context():
            _token, raw = services.create_service_token(
                None, name or f"service{counter['n']}", scopes
            )
        return bearer(raw)

    return make
