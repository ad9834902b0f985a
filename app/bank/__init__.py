"""The question bank: categories, versioned questions, question types and file formats."""

from app.bank import models  # noqa: F401  (Alembic and the mappers see them)
