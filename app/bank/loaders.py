"""Object loaders of the bank, shared by pages and the API: a record or 404."""

from flask import abort

from app.bank import queries
from app.bank.models import Category, Question, QuestionVersion


def get_question_or_404(key: str) -> Question:
    """The question with this stable key, or 404."""
    question = queries.question_by_key(key)
    if question is None:
        abort(404)
    return question


def get_category_or_404(category_id: int) -> Category:
    """The category with this id, or 404."""
    category = queries.category_by_id(category_id)
    if category is None:
        abort(404)
    return category


def category_or_none(category_id: int | None) -> Category | None:
    """The category with this id, or None for 0, None or an unknown id (a query-string choice)."""
    return queries.category_by_id(category_id) if category_id else None


def get_version_or_404(versions: list[QuestionVersion], number: int) -> QuestionVersion:
    """Version ``number`` among a question's ``versions`` (its history), or 404."""
    chosen = next((v for v in versions if v.number == number), None)
    if chosen is None:
        abort(404)
    return chosen
