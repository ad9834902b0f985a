"""Reports: quiz statistics (item analysis) with flags on weak questions; HR reports later."""

from app.reports import models  # noqa: F401  (so Alembic sees the tables)
