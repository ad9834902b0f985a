"""The database unreachable: every kind of caller gets a clean 503 that says so, never a 500.

The app is pointed at a PostgreSQL port nobody listens on, so every statement fails to connect,
as during a restart of the database server (tests/ops/test_faults.py restarts a real one).
"""

import pytest

from config import TestingConfig
from tests.conftest import free_port


@pytest.fixture
def down_client(make_app):
    class DownConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone"

    client = make_app(DownConfig).test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "a-session-token"  # a signed-in browser: loading the person fails
    return client


def test_a_page_answers_503_in_the_browsers_language(down_client):
    response = down_client.get("/home", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    page = response.get_data(as_text=True)
    assert "数据库暂时无法访问" in page and "已保存的答案不会丢失" in page
    assert "Internal" not in page and "Traceback" not in page


def test_an_autosave_gets_json_it_can_retry_on(down_client):
    response = down_client.post(
        "/attempts/1/save",
        data={"slot": 1, "seq": 5, "q1": "答案"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 503
    assert "cannot reach its database" in response.get_json()["error"]


def test_the_api_answers_its_own_error_shape(make_app):
    class DownConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone"

    response = make_app(DownConfig).test_client().get(
        "/api/v1/me", headers={"Authorization": "Bearer sg_not-checked-while-down"}
    )
    assert response.status_code == 503
    body = response.get_json()
    assert body["code"] and body["message"] and body["errors"] == []


def test_the_health_check_reports_the_database_down(down_client):
    assert down_client.get("/healthz").status_code == 503
