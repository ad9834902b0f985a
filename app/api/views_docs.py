"""The OpenAPI document and the docs page, with Swagger UI served from the installed wheel."""

from copy import deepcopy

import swagger_ui_bundle
from flask import abort, current_app, jsonify, render_template, send_from_directory

from app.api.blueprint import EXTENSION_KEY, pages
from app.core.permissions import public

#: the Swagger UI files the docs page loads (nothing else of the package is served)
SWAGGER_FILES = frozenset(
    {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "favicon-32x32.png",
        "favicon-16x16.png",
    }
)
_OPERATIONS = ("get", "put", "post", "delete", "patch", "head", "options")
#: the groups of the docs page, in this order
TAGS = [
    {"name": "tokens", "description": "Get and revoke tokens"},
    {"name": "me", "description": "Who the token acts as"},
    {"name": "attempts", "description": "Take quizzes: start, save, submit, review"},
    {"name": "question bank", "description": "Read the bank and import question files"},
    {"name": "people", "description": "People and departments (the HR feed)"},
    {"name": "training", "description": "Courses, assignments and certificates"},
    {"name": "competencies", "description": "The competency framework and role profiles"},
]


def openapi_document() -> dict:
    """The OpenAPI 3 document of the app's API; every operation documents the error shape."""
    api = current_app.extensions[EXTENSION_KEY]
    document = getattr(api, "skillgrid_document", None)
    if document is None:
        document = deepcopy(api.spec.to_dict())
        for path in document.get("paths", {}).values():
            for method, operation in path.items():
                if method in _OPERATIONS:
                    responses = operation.setdefault("responses", {})
                    responses.setdefault("default", {"$ref": "#/components/responses/Error"})
        document["tags"] = TAGS
        api.skillgrid_document = document
    return document


@pages.route("/api/v1/openapi.json")
@public
def openapi_json():
    """The OpenAPI 3 document of API v1."""
    return jsonify(openapi_document())


@pages.route("/api/v1/docs")
@public
def docs():
    """Swagger UI over the OpenAPI document, every file served by this app (no CDN)."""
    return render_template("api/docs.html")


@pages.route("/api/v1/docs/skillgrid-init.js")
@public
def docs_init():
    """The script that starts Swagger UI on the docs page."""
    body = render_template("api/swagger-init.js")
    return current_app.response_class(body, mimetype="text/javascript")


@pages.route("/api/v1/docs/assets/<path:filename>")
@public
def swagger_file(filename: str):
    """One file of the installed swagger-ui-bundle package."""
    if filename not in SWAGGER_FILES:
        abort(404)
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
