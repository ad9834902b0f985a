"""Notifications: in-app notices and their emails (Flask-Mailman), sent by ``flask notify``."""

from app.notify import models  # noqa: F401  (Alembic and the mappers see them)
