"""Security headers on every response (issue 23, finding 8) and the CSV content type (finding 9).

A page, a redirect, a 404, API JSON, a file download, a static file and an error page all carry
the Content-Security-Policy (no inline script, frames refused), nosniff and a referrer policy;
HSTS only where configured (production); no redirect to HTTPS in development. The templates
hold no inline script, event handler or style attribute the policy would block.
"""

import re
from pathlib import Path

import pytest

from app.core.security import CSP_DIRECTIVES
from config import DevelopmentConfig, ProductionConfig, TestingConfig
from tests.courses.conftest import make_course  # noqa: F401
from tests.quizzes.conftest import bank, import_yaml, make_quiz  # noqa: F401

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()
    }


def assert_protected(response, what: str) -> None:
    """The headers every response must carry."""
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") == "same-origin", what
    assert headers.get("X-Frame-Options") == "DENY", what
    policy = _policy(response)
    assert policy["frame-ancestors"] == "'none'", what
    assert policy["script-src"] == "'self'", what
    assert "'unsafe-inline'" not in policy["style-src"], what
    assert policy["object-src"] == "'none'", what
    assert "Strict-Transport-Security" not in headers, what


def test_every_kind_of_response_carries_the_headers(app, client, login_as, make_course):  # noqa: F811
    from app.courses import services
    from app.courses.models import Course
    from app.extensions import db

    course_id = make_course()
    with app.app_context():
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
        stored = services.add_file(None, db.session.get(Course, course_id), "x.png", png)
        file_id = stored.id
    anonymous = {
        "page": client.get("/login"),
        "redirect": client.get("/home"),
        "404": client.get("/no-such-page"),
        "405": client.get("/logout"),
        "api json": client.get("/api/v1/me"),
        "api 404": client.get("/api/v1/no-such-thing"),
        "static file": client.get("/static/css/app.css"),
        "bootstrap file": client.get("/bootstrap/static/css/bootstrap.min.css"),
        "openapi": client.get("/api/v1/openapi.json"),
    }
    assert anonymous["redirect"].status_code == 302
    assert anonymous["404"].status_code == 404
    assert anonymous["api json"].status_code == 401
    login_as("trainer")
    signed_in = {
        "course file": client.get(f"/courses/files/{file_id}"),
        "403": client.get("/org/users"),
    }
    assert signed_in["course file"].status_code == 200
    assert signed_in["403"].status_code == 403
    for what, response in {**anonymous, **signed_in}.items():
        assert_protected(response, what)
        response.close()  # file responses are streamed


def test_each_response_gets_its_own_style_nonce(client):
    first = _policy(client.get("/login"))["style-src"]
    second = _policy(client.get("/login"))["style-src"]
    assert re.fullmatch(r"'self' 'nonce-[\w-]{20,}'", first)
    assert first != second


def test_question_files_keep_their_sandbox_policy(app, client, login_as, import_yaml):  # noqa: F811
    import base64

    png = base64.b64encode(b"\x89PNG\r\n\x1a\nimg").decode()
    import_yaml(
        f"""questions:
  - id: with-file
    qtype: truefalse
    name: 带图
    category: 题库
    questiontext: '<img src="@@PLUGINFILE@@/a.png">'
    questiontextformat: html
    correct: true
    files:
      - name: a.png
        path: /
        mimetype: image/png
        content_base64: {png}
"""
    )
    login_as("trainer")
    response = client.get("/bank/files/1/a.png")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_hsts_only_where_configured_and_no_https_redirect_in_development(make_app):
    assert DevelopmentConfig.HSTS_SECONDS == 0 and TestingConfig.HSTS_SECONDS == 0
    assert ProductionConfig.HSTS_SECONDS >= 180 * 24 * 3600

    class ProductionLike(TestingConfig):
        HSTS_SECONDS = ProductionConfig.HSTS_SECONDS

    production = make_app(ProductionLike).test_client()
    response = production.get("/login", base_url="https://skillgrid.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    development = make_app(TestingConfig).test_client()
    response = development.get("/login", base_url="http://localhost")
    assert response.status_code == 200  # served over plain http, no redirect to https
    assert "Strict-Transport-Security" not in response.headers


def test_the_policy_allows_no_inline_script_anywhere():
    for name, value in CSP_DIRECTIVES:
        assert "unsafe-inline" not in value and "unsafe-eval" not in value, name


INLINE_STYLE = re.compile(r"\sstyle\s*=", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


@pytest.mark.parametrize(
    "template",
    sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")),
)
def test_templates_hold_no_inline_script_handler_or_style_attribute(template):
    source = (TEMPLATES / template).read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(source), "move the script to app/static/js"
    assert not INLINE_HANDLER.search(source), "bind events in a static script"
    assert not INLINE_STYLE.search(source), "move the style to app/static/css/app.css"


def test_csv_exports_name_the_charset_once(app, client, login_as, make_quiz):  # noqa: F811
    quiz_id = make_quiz()
    login_as("trainer")
    response = client.get(f"/grading/quizzes/{quiz_id}/results.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith("\ufeff".encode())
    assert_protected(response, "csv export")


def test_a_charset_given_twice_is_sent_once(app):
    from app.core.responses import download

    with app.test_request_context():
        response = download(b"a,b\r\n", "x.csv", "text/csv; charset=utf-8")
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
