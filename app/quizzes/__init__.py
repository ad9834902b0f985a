"""Quizzes: authoring, attempts with autosave and server-side deadlines, grading, review."""

from app.quizzes import models  # noqa: F401  (Alembic and the mappers see them)
