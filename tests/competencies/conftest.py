"""Competency fixtures: a CM2 question set (three questions per difficulty) and graded attempts."""

import pytest

from app.bank import services as bank_services
from app.extensions import db as _db
from app.org.models import User
from app.quizzes import services as quizzes
from app.quizzes.models import Quiz
from tests.courses.conftest import make_course  # noqa: F401  (a fixture these tests share)
from tests.quizzes.conftest import bank, make_quiz  # noqa: F401

#: 9 true/false questions on CM2: three of each difficulty; the right answer is always "true"
CM2_BANK = "questions:\n" + "".join(
    f"""  - id: cm2-{d}-{i}
    qtype: truefalse
    name: 情绪安抚{d}-{i}
    category: 题库/沟通
    questiontext: 客户发怒时先倾听（难度{d}，第{i}题）。
    competencies: [CM2]
    difficulty: {d}
    status: ready
    correct: true
"""
    for d in (1, 2, 3)
    for i in range(3)
)


@pytest.fixture
def cm2_quiz(app):
    """A published CM2 quiz with the nine questions, open to everyone who is given it."""
    with app.app_context():
        bank_services.import_questions(
            None, [bank_services.decode_source(CM2_BANK.encode(), "cm2.yaml")]
        )
        quiz = quizzes.create_quiz(
            None, title="情绪安抚测验", is_published=True, attempts_allowed=0
        )
        for d in (1, 2, 3):
            for i in range(3):
                quizzes.add_fixed_slot(None, quiz, f"cm2-{d}-{i}")
        return quiz.id


@pytest.fixture
def take_quiz(app, cm2_quiz):
    """Factory: ``take_quiz(user, right={1: 3, 2: 2, 3: 0})`` -> the graded attempt's id.

    ``right`` says how many questions of each difficulty the person answers right (cm2-D-0
    first); the rest are answered wrong.
    """

    def take(user, right):
        with app.app_context():
            person = _db.session.get(User, user.id)
            quiz = _db.session.get(Quiz, cm2_quiz)
            quizzes.set_audience(None, quiz, user_ids=[person.id])
            attempt, _started = quizzes.start_attempt(person, quiz)
            for slot in attempt.slots:
                # question cm2-D-I is answered right when I < right[D] (the key says "true")
                _cm2, d, i = slot.version.question.key.split("-")
                answer = int(i) < right.get(int(d), 0)
                quizzes.save_response(attempt, slot.number, answer)
            quizzes.submit_attempt(attempt)
            return attempt.id

    return take
