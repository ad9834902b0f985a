"""The competency framework: domains, competencies, the 1–5 scale and role profiles."""

from app.competencies import models  # noqa: F401  (Alembic and the mappers see them)
