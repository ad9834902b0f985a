"""Customer ratings: the counter kiosk and the receipt link (issue 27)."""

from app.kiosk import models  # noqa: F401  (Alembic sees the tables)
