"""Home page tests share the quiz fixtures."""

from tests.bank.conftest import import_yaml  # noqa: F401
from tests.quizzes.conftest import bank, make_quiz  # noqa: F401
