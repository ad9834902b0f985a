"""Report fixtures: the quiz fixtures, and people taking a quiz with chosen answers."""

import pytest

from app.extensions import db as _db
from app.org.models import User
from app.quizzes import services
from app.quizzes.models import Attempt, Quiz
from tests.bank.conftest import import_yaml  # noqa: F401
from tests.quizzes.conftest import attempt_of, bank, make_quiz  # noqa: F401

#: what each question key earns for an answer: right, half or wrong
SHORT = {1.0: "首问负责制", 0.5: "首问", 0.0: "不知道"}


def response_for(version, earn: float):
    """A response to ``version`` that earns ``earn`` (1, 0.5 or 0) for the types used here."""
    if version.qtype == "truefalse":
        return bool(earn) == bool(version.data.get("correct", True))
    if version.qtype == "shortanswer":
        return SHORT[earn]
    if version.qtype == "essay":
        return "我的回答"
    raise AssertionError(f"no test response for {version.qtype}")


@pytest.fixture
def take(app, make_user):
    """``take(quiz_id, answers, user=None)`` → (attempt id, user): a person starts the quiz,
    answers (``answers(key, version, position) -> earn or None``) and submits."""

    def run(quiz_id, answers, user=None):
        user = user or make_user()
        with app.app_context():
            person = _db.session.get(User, user.id)
            quiz = _db.session.get(Quiz, quiz_id)
            attempt, _started = services.start_attempt(person, quiz)
            for position, slot in enumerate(attempt.slots, start=1):
                version = slot.version
                earn = answers(version.question.key, version, position)
                if earn is not None:
                    services.save_response(attempt, slot.number, response_for(version, earn))
            services.submit_attempt(attempt)
            return attempt.id, user

    return run


@pytest.fixture
def quiz_row(app):
    """The quiz with this id, in the current app context (call inside one)."""

    def load(quiz_id):
        return _db.session.get(Quiz, quiz_id)

    return load


def attempts_of(quiz_id):
    """The quiz's attempts (inside an app context)."""
    from sqlalchemy import select

    return _db.session.scalars(select(Attempt).where(Attempt.quiz_id == quiz_id)).all()
