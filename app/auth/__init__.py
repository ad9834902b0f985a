"""Signing in and out (local, LDAP / Active Directory, OpenID Connect) and the language switch."""

from app.auth import models  # noqa: F401  (Alembic and the mappers see them)
