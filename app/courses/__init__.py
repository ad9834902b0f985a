"""Courses: authoring, assignment by rule, progress, certificates, hours and dashboards."""

from app.courses import models  # noqa: F401  (Alembic and the mappers see them)
