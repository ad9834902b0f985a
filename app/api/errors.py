"""The API's one error shape: ``{"code", "message", "errors": [{field, row, file, line, ...}]}``.

Every error under /api/ goes through ``api_error_response``: the app's global handler calls it
for paths under /api/ (404 and 405 of unknown routes too), and the API blueprint registers it for
every ``HTTPException`` its views raise (validation 422s from webargs, ``ApiError``, 429s of the
rate limiter, 500s).
"""

from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

#: status -> the ``code`` of the error when the raiser named none
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "server_error",
}


def _status_messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Send a valid API token: Authorization: Bearer <token>."),
        403: _("This token may not do that."),
        404: _("Not found."),
        405: _("This address does not accept that method."),
        409: _("The request conflicts with the current state of the record."),
        413: _("The request is larger than the server accepts."),
        415: _("Unsupported content type."),
        422: _("The request failed validation."),
        429: _("Too many requests. Wait a moment and try again."),
        500: _("The server could not complete the request. The error has been logged."),
    }


class ApiError(HTTPException):
    """An API refusal with its status, snake_case code, message and located errors."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        errors: list[dict] | None = None,
        headers: dict | None = None,
    ) -> None:
        super().__init__(description=message)
        self.code = status
        self.api_code = code
        self.errors = errors or []
        self.extra_headers = headers or {}


def field_errors(messages) -> list[dict]:
    """Flatten marshmallow/webargs messages into ``{"field": "a.0.b", "message"}`` entries.

    The request location (json, query, files, form) is left out of the path; an entry inside a
    top-level list also gets ``row`` (its index + 1).
    """
    found: list[dict] = []

    def entry(path: list, message: str) -> dict:
        item: dict = {}
        if path:
            item["field"] = ".".join(str(step) for step in path)
            if len(path) >= 2 and isinstance(path[1], int):
                item["row"] = path[1] + 1
        item["message"] = message
        return item

    def walk(node, path: list) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path if key == "_schema" else [*path, key])
        elif isinstance(node, (list, tuple)):
            for item in node:
                if isinstance(item, (dict, list, tuple)):
                    walk(item, path)
                else:
                    found.append(entry(path, str(item)))
        else:
            found.append(entry(path, str(node)))

    locations = ("json", "query", "querystring", "form", "files", "multipart", "headers", "path")
    if isinstance(messages, dict) and set(messages) <= set(locations):
        for node in messages.values():
            walk(node, [])
    else:
        walk(messages, [])
    return found


def api_error_response(error):
    """The JSON body, status and headers answering ``error`` (an HTTPException or other)."""
    status = getattr(error, "code", None) or 500
    if not isinstance(status, int):
        status = 500
    code = getattr(error, "api_code", None) or STATUS_CODES.get(status)
    if code is None:
        code = (getattr(error, "name", "") or "error").lower().replace(" ", "_").replace("-", "_")
    errors = list(getattr(error, "errors", None) or [])
    data = getattr(error, "data", None) or {}
    if not errors and isinstance(data, dict) and data.get("messages"):
        errors = field_errors(data["messages"])
    message = None
    if isinstance(error, ApiError):
        message = error.description
    elif isinstance(data, dict) and isinstance(data.get("message"), str):
        message = data["message"]
    if not message:
        message = _status_messages().get(status) or str(getattr(error, "name", "Error"))
    headers = {}
    if isinstance(error, HTTPException) and status != 500:
        headers.update(
            (name, value) for name, value in error.get_headers() if name.lower() != "content-type"
        )
    if isinstance(data, dict) and data.get("headers"):
        headers.update(data["headers"])
    headers.update(getattr(error, "extra_headers", None) or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return {"code": code, "message": message, "errors": errors}, status, headers
