"""Every /api/ error has one shape; the OpenAPI document and the docs page are served locally."""

import re

import pytest


def _shape(body):
    assert set(body) == {"code", "message", "errors"}
    assert re.fullmatch(r"[a-z][a-z0-9_]*", body["code"])
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], list)


def test_unknown_api_address_is_a_json_404(client):
    answer = client.get("/api/v1/nothing-here")
    assert answer.status_code == 404 and answer.is_json
    _shape(answer.get_json())
    assert answer.get_json()["code"] == "not_found"


def test_a_wrong_method_is_a_405_with_allow(client, api_as):
    _user, headers = api_as("staff")
    answer = client.patch("/api/v1/me", headers=headers)
    assert answer.status_code == 405
    _shape(answer.get_json())
    assert answer.get_json()["code"] == "method_not_allowed"
    assert set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_malformed_json_is_a_400_and_a_wrong_body_a_422_with_fields(client, api_as):
    _user, headers = api_as("admin")
    bad = client.put(
        "/api/v1/users", headers=headers, data="{oops", content_type="application/json"
    )
    assert bad.status_code == 400
    _shape(bad.get_json())
    wrong = client.put("/api/v1/users", headers=headers, json={"people": []})
    assert wrong.status_code == 422
    body = wrong.get_json()
    _shape(body)
    assert sorted(e["field"] for e in body["errors"]) == ["people", "users"]


def test_a_server_error_in_the_api_keeps_the_shape(app, client, api_as, monkeypatch):
    from app.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom: secret detail")

    monkeypatch.setattr(views.quiz_queries, "available_quizzes", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _user, headers = api_as("staff")
    answer = client.get("/api/v1/me/quizzes", headers=headers)
    assert answer.status_code == 500
    body = answer.get_json()
    _shape(body)
    assert body["code"] == "server_error" and "secret" not in body["message"]


def test_pages_keep_their_html_error_pages(client, login_as):
    login_as("staff")
    answer = client.get("/org/users")
    assert answer.status_code == 403 and not answer.is_json


def test_the_openapi_document_describes_every_resource(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    document = answer.get_json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path in (
        "/api/v1/tokens",
        "/api/v1/tokens/current",
        "/api/v1/me",
        "/api/v1/me/quizzes",
        "/api/v1/quizzes/{quiz_id}/attempts",
        "/api/v1/attempts/{attempt_id}",
        "/api/v1/attempts/{attempt_id}/responses/{slot}",
        "/api/v1/attempts/{attempt_id}/submit",
        "/api/v1/attempts/{attempt_id}/review",
        "/api/v1/questions",
        "/api/v1/questions/{key}",
        "/api/v1/question-bank/imports",
        "/api/v1/users",
        "/api/v1/departments",
        "/api/v1/courses",
        "/api/v1/people/{employee_no}/training",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/users"]) == {"get", "put"}
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "errors"}
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert "default" in operation["responses"], (path, method)
            secured = path != "/api/v1/tokens"
            assert bool(operation.get("security")) == secured, (path, method)
            if secured:
                assert {"401", "403"} <= set(map(str, operation["responses"])), (path, method)


@pytest.mark.parametrize(
    ("name", "mimetype"),
    [
        ("swagger-ui.css", "text/css"),
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui-standalone-preset.js", "text/javascript"),
    ],
)
def test_swagger_ui_files_come_from_the_installed_package(client, name, mimetype):
    with client.get(f"/api/v1/docs/assets/{name}") as answer:
        assert answer.status_code == 200 and answer.mimetype == mimetype
        assert len(answer.data) > 1000


def test_the_docs_page_loads_nothing_from_another_host(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    script = client.get("/api/v1/docs/skillgrid-init.js").get_data(as_text=True)
    for text in (page, script):
        assert "http://" not in text and "https://" not in text and "//cdn" not in text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/api/v1/") for s in sources)
    assert "validatorUrl: null" in script  # Swagger UI would otherwise call an outside validator
    assert client.get("/api/v1/docs/assets/index.html").status_code == 404
    assert client.get("/api/v1/docs/assets/../../secret").status_code == 404
