"""Service-quality scores through the API: a source system's batch in (every row or none, replace
semantics), each visible person's results out (ordered, paged, the same bytes for the same data)."""

from datetime import timedelta

import pytest

from app.core import clock
from tests.quality.conftest import PERIOD, demo_indicators, indicators  # noqa: F401  (fixtures)

URL = f"/api/v1/service-quality/periods/{PERIOD}/scores"


@pytest.fixture
def people(make_user, indicators):  # noqa: F811
    """Two counter clerks in the test hall, one agent elsewhere."""
    make_user(employee_no="E0002")
    make_user(employee_no="E0001")
    make_user(employee_no="E0003", job_role="CC", department="测试公司/别的分中心/一班")


def _rows(*triples):
    return {"rows": [{"employee_no": e, "indicator": i, "value": v} for e, i, v in triples]}


def test_a_service_puts_a_batch_and_reads_it_back(client, people, service_token):
    writer = service_token("scores:write", name="crm")
    body = _rows(
        ("E0001", "K01", 95.58), ("E0001", "K04", 90), ("E0001", "K07", 5),
        ("E0002", "K01", 99), ("E0002", "K04", 90), ("E0002", "K07", 5), ("E0002", "K15", 1),
        ("E0003", "K06", 95), ("E0003", "K01", 99), ("E0003", "K03", 100),
    )  # fmt: skip
    answer = client.put(URL, json=body, headers=writer)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"period": PERIOD, "created": 10, "updated": 0, "deleted": 0}
    reader = service_token("reports:read", name="bi")
    data = client.get(URL, headers=reader).get_json()
    assert [item["employee_no"] for item in data["items"]] == ["E0001", "E0002", "E0003"]
    first = data["items"][0]
    # K01 62.00, K04 100, K07 100 with weights 25/15/10 -> 81.00; E0002 capped at 60
    assert first == {
        "employee_no": "E0001",
        "job_role": "CTR",
        "composite": 81.0,
        "rank": 1,
        "indicators": [
            {"indicator": "K01", "value": 95.58, "score": 62.0},
            {"indicator": "K04", "value": 90.0, "score": 100.0},
            {"indicator": "K07", "value": 5.0, "score": 100.0},
        ],
    }
    second = data["items"][1]
    assert (second["composite"], second["rank"]) == (60.0, 2)
    third = data["items"][2]
    # CC: K01 20 + K03 15 + K06 25 = 60 of 100 present, all at target
    assert (third["job_role"], third["composite"], third["rank"]) == ("CC", 100.0, 1)


def test_a_bad_batch_changes_nothing_and_names_every_row(client, people, service_token):
    writer = service_token("scores:write", name="crm")
    client.put(URL, json=_rows(("E0001", "K01", 98)), headers=writer)
    answer = client.put(
        URL,
        json=_rows(("E0001", "K01", 97), ("NOBODY", "K01", 97), ("E0002", "K01", 120),
                   ("E0001", "K01", 96)),
        headers=writer,
    )  # fmt: skip
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["code"] == "import_rejected"
    assert body["errors"] == [
        {"row": 2, "message": "unknown employee NOBODY"},
        {"row": 3, "message": "K01: 120 is out of range (0 to 100)"},
        {"row": 4, "message": "E0001 K01 repeats row 1"},
    ]
    reader = service_token("reports:read", name="bi")
    items = client.get(URL, headers=reader).get_json()["items"]
    assert [i["indicators"][0]["value"] for i in items] == [98.0]


def test_a_batch_replaces_the_month_of_its_indicators_and_a_dry_run_writes_nothing(
    client, people, service_token
):
    writer = service_token("scores:write", name="crm")
    client.put(URL, json=_rows(("E0001", "K01", 98), ("E0002", "K01", 97), ("E0002", "K04", 90)),
               headers=writer)  # fmt: skip
    dry = client.put(f"{URL}?dry_run=true", json=_rows(("E0001", "K01", 99)), headers=writer)
    assert dry.get_json() == {"period": PERIOD, "created": 0, "updated": 1, "deleted": 1}
    reader = service_token("reports:read", name="bi")
    assert len(client.get(URL, headers=reader).get_json()["items"]) == 2
    real = client.put(URL, json=_rows(("E0001", "K01", 99)), headers=writer)
    assert real.get_json() == {"period": PERIOD, "created": 0, "updated": 1, "deleted": 1}
    items = client.get(URL, headers=reader).get_json()["items"]
    assert [(i["employee_no"], [x["indicator"] for x in i["indicators"]]) for i in items] == [
        ("E0001", ["K01"]),
        ("E0002", ["K04"]),
    ]


def test_who_may_write(client, people, service_token, api_as):
    body = _rows(("E0001", "K01", 98))
    assert client.put(URL, json=body, headers=service_token("reports:read")).status_code == 403
    _hr, hr_headers = api_as("hr")
    assert client.put(URL, json=body, headers=hr_headers).status_code == 200
    _staff, staff_headers = api_as("staff")
    assert client.put(URL, json=body, headers=staff_headers).status_code == 403


def test_user_tokens_see_what_the_user_sees(client, people, service_token, api_as, make_user):
    writer = service_token("scores:write", name="crm")
    clerk = make_user(employee_no="E0004")
    client.put(
        URL,
        json=_rows(*((n, "K01", 98) for n in ("E0001", "E0002", "E0003", "E0004"))),
        headers=writer,
    )
    headers = api_as("staff", employee_no="E0009")[1]
    assert client.get(URL, headers=headers).get_json()["items"] == []
    own = client.get(URL, headers=_token_of(client, clerk)).get_json()["items"]
    assert [i["employee_no"] for i in own] == ["E0004"]
    _manager, manager_headers = api_as("manager", manages=["测试公司/测试分中心"])
    seen = client.get(URL, headers=manager_headers).get_json()["items"]
    assert [i["employee_no"] for i in seen] == ["E0001", "E0002", "E0004"]


def _token_of(client, user):
    from app.api import services
    from app.extensions import db
    from app.org.models import User
    from tests.api.conftest import bearer

    with client.application.app_context():
        _token, raw = services.issue_token_for(db.session.get(User, user.id))
    return bearer(raw)


def test_filters_paging_empty_periods_and_errors(client, people, service_token):
    writer = service_token("scores:write", name="crm")
    client.put(URL, json=_rows(*((n, "K01", 98) for n in ("E0001", "E0002", "E0003"))),
               headers=writer)  # fmt: skip
    reader = service_token("reports:read", name="bi")
    hall = client.get(f"{URL}?department=测试公司/测试分中心", headers=reader).get_json()
    assert [i["employee_no"] for i in hall["items"]] == ["E0001", "E0002"]
    page = client.get(f"{URL}?page=2&page_size=2", headers=reader)
    assert [i["employee_no"] for i in page.get_json()["items"]] == ["E0003"]
    assert '"total": 3' in page.headers["X-Pagination"]
    empty = client.get("/api/v1/service-quality/periods/2026-01/scores", headers=reader)
    assert empty.status_code == 200 and empty.get_json() == {"items": []}
    bad = client.get("/api/v1/service-quality/periods/2026-1x/scores", headers=reader)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "period"
    unknown = client.get(f"{URL}?department=无此部门", headers=reader)
    assert unknown.status_code == 422
    future = client.put(
        "/api/v1/service-quality/periods/2031-01/scores",
        json=_rows(("E0001", "K01", 98)),
        headers=writer,
    )
    assert future.status_code == 422 and future.get_json()["errors"][0]["field"] == "period"


def test_the_same_data_gives_the_same_bytes(client, people, service_token):
    writer = service_token("scores:write", name="crm")
    client.put(URL, json=_rows(("E0001", "K01", 98.25), ("E0002", "K01", 97)), headers=writer)
    reader = service_token("reports:read", name="bi")
    first = client.get(URL, headers=reader).data
    clock.advance(timedelta(days=40))
    assert client.get(URL, headers=reader).data == first


def test_the_endpoints_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    path = document["paths"]["/api/v1/service-quality/periods/{period}/scores"]
    assert {"get", "put"} <= set(path)
