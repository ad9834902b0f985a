"""The role walk-throughs share the quiz, bank and course fixtures."""

from tests.bank.conftest import import_yaml  # noqa: F401
from tests.courses.conftest import assign, make_course  # noqa: F401
from tests.quizzes.conftest import bank, make_quiz  # noqa: F401
