"""Quizzes: authoring, attempts with autosave and server-side deadlines, grading, review."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__, cli_group="quizzes")

from app.quizzes import cli, models, views  # noqa: E402,F401  (routes and commands register on bp)
