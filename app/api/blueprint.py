"""The API's blueprints; ``create_app`` calls ``register`` to load the resources and mount them.

API v1: a versioned JSON API for the company's other systems, built with flask-smorest.

``bp`` (blueprint "api", under /api/v1) carries the resources; ``pages`` serves what is not an
API resource: the OpenAPI document, the local Swagger UI docs page and the admin's token page.
"""

from flask import Blueprint as FlaskBlueprint
from flask import Flask
from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    cli_group="api",
    description="SkillGrid API v1",
)
pages = FlaskBlueprint("api_pages", __name__)


#: webargs' parser plus a "multipart" location: form fields and files in one schema, so an
#: upload and its options are one documented multipart/form-data body
_parser = FlaskParser()


@_parser.location_loader("multipart")
def _load_multipart(request, schema):
    return _parser._makeproxy(CombinedMultiDict([request.files, request.form]), schema)


bp.ARGUMENTS_PARSER = _parser
bp.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
    **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
    "multipart": "multipart/form-data",
}

#: the key of the app's SkillGridApi in ``app.extensions``
EXTENSION_KEY = "skillgrid-api"


class SkillGridApi(Api):
    """flask-smorest's Api without its own docs routes and error handler.

    ``pages`` serves the document and the docs page (marked public like every route), and
    app/api/errors.py answers every error under /api/ in the API's error shape.
    """

    def _register_doc_blueprint(self):
        """Not used: see ``pages``."""

    def _register_error_handlers(self):
        """Not used: the app's handler and the blueprint's call app.api.errors."""

    def _register_pagination_header(self):
        """X-Pagination is one header holding a JSON object: documented as the string it is."""
        self.spec.components.header(
            "PAGINATION",
            {
                "description": (
                    "JSON: total, total_pages, and where they exist first_page, last_page, "
                    "page, previous_page, next_page"
                ),
                "schema": {"type": "string"},
                "example": '{"total": 120, "total_pages": 3, "first_page": 1, "last_page": 3, '
                '"page": 1, "next_page": 2}',
            },
            lazy=True,
        )


def register_hooks(hooks) -> None:
    """A new password (or a deactivation) ends the person's API tokens too."""
    from app.api import services

    hooks.connect("password_changed", services.revoke_tokens_of)


def register(app: Flask) -> None:
    """Load the resources, then mount the API and its pages (the API is exempt from CSRF)."""
    from app.api import (  # noqa: F401  (routes and commands register on bp and pages)
        cli,
        views,
        views_admin,
        views_bank,
        views_competencies,
        views_docs,
        views_insights,
        views_matrix,
        views_needs,
        views_people,
        views_quality,
        views_ratings,
        views_reports,
    )
    from app.api.schemas import ErrorSchema
    from app.extensions import csrf

    SkillGridApi.ERROR_SCHEMA = ErrorSchema
    api = SkillGridApi(
        app,
        spec_kwargs={
            "title": "SkillGrid API",
            "version": "1",
            "openapi_version": "3.0.3",
            "info": {
                "description": (
                    "Send `Authorization: Bearer <token>`: a person's token from "
                    "`POST /api/v1/tokens`, or a service token from an administrator. "
                    "Times are RFC 3339 in UTC; lists are paged with `page` and `page_size` "
                    "(metadata in the `X-Pagination` header). See docs/api.md."
                )
            },
        },
    )
    api.spec.components.response(
        "Error",
        {
            "description": "An error (every status has this shape)",
            "content": {"application/json": {"schema": "Error"}},
        },
    )
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "An API token"}
    )
    api.register_blueprint(bp)
    csrf.exempt(bp)
    app.register_blueprint(pages)
    app.extensions[EXTENSION_KEY] = api
