"""The domain errors of quizzes and attempts, shared by every services module."""

from app.core.errors import DomainError


class QuizError(DomainError):
    """A quiz use case refused."""


class AttemptClosed(QuizError):
    """The attempt is no longer in progress (finished, or past its deadline)."""
