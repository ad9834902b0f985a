"""Domain errors and the HTTP error pages."""

import logging
import sqlite3
import sys

from flask import g, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import BadRequest, InternalServerError, ServiceUnavailable

from app.core.problems import Problem


class DomainError(Exception):
    """A use case refused its input; the message is meant for the user."""


class NotFound(DomainError):
    """A named record does not exist."""


class ImportRejected(DomainError):
    """An import found problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"row {p.line}: {p.message}" for p in problems))


def _rollback() -> None:
    """End the failed transaction before the error page reads anything.

    After a refused statement PostgreSQL rejects every further one (``InFailedSqlTransaction``)
    until a rollback: the page's own reads (the signed-in user, the menu) would fail too.
    """
    from app.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone; the page still renders
        logging.getLogger(__name__).exception("rollback before the error page failed")


#: what SQLite says when the file, its lock or its disk is the trouble, not the statement
_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk", "readonly", "read-only")


def _unreachable(error: OperationalError) -> bool:
    """Whether the database itself is unavailable. PostgreSQL's operational errors are all of
    that kind (connection, shutdown, resources); a wrong statement is a ProgrammingError."""
    if isinstance(error.orig, sqlite3.OperationalError):
        return any(word in str(error.orig).lower() for word in _SQLITE_UNAVAILABLE)
    return True


def register_errorhandlers(app) -> None:
    """Render 400/403/404/405/413/429/500 as pages (JSON under /api/) in the user's language.

    A value the database refuses (``DataError``: a number out of range, text it cannot store)
    or Python cannot hold (``OverflowError``) is the client's bad input: 400, not 500.
    """

    def render_error(error):
        _rollback()
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

    def bad_value(error):
        app.logger.warning("refused a value out of range: %s", error)
        return render_error(BadRequest())

    def database_unavailable(error):
        """The database cannot be reached (restarting, network, locked, full): 503, and
        nothing was written.

        The page stands alone: the usual layout would ask the database for the signed-in
        person. Autosave (a JSON caller) keeps the answer and sends it again. SQLite's other
        operational errors (no such table, a syntax error) are the program's: 500."""
        if not _unreachable(error):
            app.log_exception(sys.exc_info())
            return render_error(InternalServerError())
        app.logger.error("the database is unavailable: %s", error)
        _rollback()
        # Whoever is signed in cannot be loaded now: answer as to a visitor (flask-login's
        # template context and the language choice would ask the database again).
        g._login_user = app.login_manager.anonymous_user()
        title = _("The database is unavailable")
        text = _(
            "The server cannot reach its database at the moment, so nothing was changed. "
            "Answers already saved are safe. Try again in a minute."
        )
        headers = {"Retry-After": "30"}
        if request.path.startswith("/api/"):
            from app.api.errors import api_error_response

            return api_error_response(ServiceUnavailable(retry_after=30))
        if request.method == "POST" and request.path.endswith("/save"):
            return jsonify(error=text), 503, headers
        return render_template("errors/unavailable.html", title=title, text=text), 503, headers

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(DataError, bad_value)
    app.register_error_handler(OverflowError, bad_value)
