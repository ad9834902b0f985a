"""Pages as each role sees them: they render, and nothing loads from outside the intranet."""

import re

import pytest

from tests.conftest import ROLE_FIXTURES
from tests.test_permissions import EXPECTED

URL_ATTRIBUTE = re.compile(r"""(?:src|href|action)\s*=\s*["']([^"']+)["']""", re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")


def _external(page: str) -> list[str]:
    urls = URL_ATTRIBUTE.findall(page) + CSS_URL.findall(page)
    return [u for u in urls if re.match(r"^(?:[a-z]+:)?//", u, re.I)]


def _get_pages(app):
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/static"):
            if rule.endpoint.startswith("bootstrap."):
                continue
            if getattr(app.view_functions[rule.endpoint], "access", None) == "api":
                continue  # JSON resources that only tokens open (tests/api checks them)
            pages.append((rule.endpoint, rule.rule))
    return sorted(pages)


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_no_page_references_an_external_host(app, client, login_as, role):
    user = login_as(role)
    visited = 0
    for endpoint, url in _get_pages(app):
        if endpoint in EXPECTED and role not in EXPECTED[endpoint]:
            continue
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        if response.mimetype != "text/html":
            continue  # exports (XLSX, PDF, CSV): no markup to point elsewhere
        page = response.get_data(as_text=True)
        assert _external(page) == [], url
        visited += 1
    if role == "admin":
        visited += 1
        page = client.get(f"/org/users/{user.id}").get_data(as_text=True)
        assert _external(page) == []
    assert visited >= 3


def test_sign_in_page_has_no_external_host(client):
    assert _external(client.get("/login").get_data(as_text=True)) == []


def test_bootstrap_and_own_assets_are_served_locally(client):
    page = client.get("/login").get_data(as_text=True)
    assets = [u for u in URL_ATTRIBUTE.findall(page) if u.endswith((".css", ".js"))]
    assert any("bootstrap" in u for u in assets)
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def test_form_fields_have_labels(client, login_as):
    login_as("admin")
    page = client.get("/org/users/new").get_data(as_text=True)
    fields = re.findall(r"<(input|select|textarea)([^>]*)>", page)
    checked = 0
    for _tag, attributes in fields:
        field_id = re.search(r'\bid="([^"]+)"', attributes)
        if field_id is None or re.search(r'type="(hidden|submit)"', attributes):
            continue
        assert f'for="{field_id.group(1)}"' in page, field_id.group(1)
        checked += 1
    assert checked >= 8


def test_errors_are_tied_to_their_fields(client, login_as):
    login_as("admin")
    page = client.post(
        "/org/users/new", data={"employee_no": "", "name": "", "email": "not-an-email"}
    ).get_data(as_text=True)
    assert 'aria-describedby="email-errors"' in page
    assert 'id="email-errors"' in page and 'aria-invalid="true"' in page


def test_role_home_pages(client, login_as):
    for role, marker in (
        ("staff", "home-staff"),
        ("trainer", "home-trainer"),
        ("hr", "home-hr"),
        ("admin", "home-admin"),
        ("manager", "home-manager"),
    ):
        client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
        with client.session_transaction() as session:
            session.clear()
        login_as(role)
        page = client.get("/home").get_data(as_text=True)
        assert f'data-testid="{marker}"' in page, role
    staff_page = page  # the manager is staff too
    assert 'data-testid="home-hr"' not in staff_page
