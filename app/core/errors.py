"""Domain errors and the HTTP error pages."""

from flask import render_template, request
from flask_babel import gettext as _


class DomainError(Exception):
    """A use case refused its input; the message is meant for the user."""


class NotFound(DomainError):
    """A named record does not exist."""


class Problem:
    """One located problem in an uploaded file (row or line number and message)."""

    __slots__ = ("line", "message")

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message

    def __repr__(self) -> str:
        return f"Problem({self.line!r}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and (self.line, self.message) == (
            other.line,
            other.message,
        )


class ImportRejected(DomainError):
    """An import found problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"row {p.line}: {p.message}" for p in problems))


def register_errorhandlers(app) -> None:
    """Render 403/404/429/500 as pages in the user's language."""

    def render_error(error):
        code = getattr(error, "code", 500)
        titles = {
            400: _("Bad request"),
            403: _("Access denied"),
            404: _("Page not found"),
            405: _("Method not allowed"),
            413: _("The file is too large"),
            429: _("Too many requests"),
            500: _("Something went wrong"),
        }
        texts = {
            400: _(
                "The request could not be understood. If you sent a form, it may have expired: "
                "reload the page and try again."
            ),
            403: _("You do not have permission to open this page."),
            404: _("The page you asked for does not exist."),
            405: _("This address does not accept that kind of request."),
            413: _("The uploaded file is larger than the server accepts."),
            429: _("Too many requests. Please wait a moment and try again."),
            500: _("The server could not complete your request. The error has been logged."),
        }
        headers = {}
        if code == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)
        if request.path.startswith("/api/"):
            from app.api.errors import api_error_response

            return api_error_response(error)
        page = render_template(
            "errors/error.html",
            code=code,
            title=titles.get(code, str(code)),
            text=texts.get(code, ""),
        )
        return page, code, headers

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error)
