"""The quiz fixtures the fault tests share with tests/quizzes."""

from tests.quizzes.conftest import bank, make_quiz  # noqa: F401
