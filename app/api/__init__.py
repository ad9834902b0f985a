"""API v1: a versioned JSON API for the company's other systems, built with flask-smorest.

``bp`` (blueprint "api", under /api/v1) carries the resources; ``pages`` serves what is not an
API resource: the OpenAPI document, the local Swagger UI docs page and the admin's token page.
"""

from app.api import models  # noqa: F401  (Alembic and the mappers see them)
