"""Service quality: indicators K01…, their parameters per job role, raw scores and composites."""

from app.quality import models  # noqa: F401  (Alembic and the mappers see them)
