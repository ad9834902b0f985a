"""Organisation: departments, job roles, people and account administration."""

from app.org import models  # noqa: F401  (Alembic and the mappers see them)
