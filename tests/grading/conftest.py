"""Grading tests share the quiz fixtures."""

from tests.bank.conftest import import_yaml  # noqa: F401
from tests.quizzes.conftest import attempt_of, bank, make_quiz  # noqa: F401
