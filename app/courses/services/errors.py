"""The courses' domain error, raised by every course use case that refuses its input."""

from app.core.errors import DomainError


class CourseError(DomainError):
    """A course use case refused its input."""
