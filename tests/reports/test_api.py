"""``GET /api/v1/reports/dashboard``: the issue's shape, the same figures as the page, attainment
equal to what the people's competencies give, and scopes (user tokens see what the user sees)."""

from tests.reports.company import *  # noqa: F403

URL = "/api/v1/reports/dashboard"
KEYS = {
    "department",
    "period",
    "staff",
    "coverage",
    "completion_rate",
    "overdue_mandatory",
    "expiring",
    "hours",
    "attainment",
    "top_gaps",
    "service_composite",
}


def test_the_company_dashboard_in_the_documented_shape(client, company, user_token):
    response = client.get(URL, headers=user_token(company.hr))
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == KEYS
    assert body["department"] is None and body["period"] == "2026-12"
    assert body["staff"] == 4 and body["coverage"] == 0.5
    assert body["completion_rate"] is None and body["overdue_mandatory"] == 4
    assert body["expiring"] == {"30": 1, "60": 1, "90": 1}
    assert body["hours"] == {"done": 10.0, "quota": 80.0}
    assert 0 <= body["attainment"] <= 1
    assert all(set(gap) == {"code", "below"} for gap in body["top_gaps"])
    assert len(body["top_gaps"]) <= 10 and body["service_composite"] is None


def test_a_department_and_a_past_month(client, company, user_token):
    response = client.get(
        URL,
        query_string={"department": "测试公司/北区", "period": "2026-11"},
        headers=user_token(company.hr),
    )
    body = response.get_json()
    assert body["department"] == "测试公司/北区" and body["period"] == "2026-11"
    assert body["staff"] == 2 and body["completion_rate"] == 0.5  # N1 done, N2 not
    assert body["overdue_mandatory"] == 2


def test_attainment_equals_the_people_competencies(client, company, user_token, rate, take_quiz):
    rate(company.n1, "SV1", 5)
    rate(company.s2, "CM1", 4)
    take_quiz(company.s1, {1: 3, 2: 3, 3: 3})
    headers = user_token(company.hr)
    met = cells = 0
    for person in (company.n1, company.n2, company.s1, company.s2):
        items = client.get(
            f"/api/v1/people/{person.employee_no}/competencies", headers=headers
        ).get_json()["competencies"]
        for item in items:
            if item["required"] is None:
                continue
            cells += 1
            met += item["current"] is not None and item["current"] >= item["required"]
    body = client.get(URL, headers=headers).get_json()
    assert met >= 1 and cells > met
    assert body["attainment"] == met / cells
    assert body["top_gaps"][0]["below"] >= body["top_gaps"][-1]["below"]


def test_a_manager_sees_their_subtree_and_no_other(client, company, user_token):
    headers = user_token(company.manager)
    body = client.get(URL, headers=headers).get_json()
    assert body["staff"] == 2 and body["overdue_mandatory"] == 2
    south = client.get(URL, query_string={"department": "测试公司/南区"}, headers=headers)
    assert south.status_code == 403 and south.get_json()["code"] == "forbidden"


def test_staff_are_refused(client, company, user_token):
    assert client.get(URL, headers=user_token(company.n1)).status_code == 403


def test_a_service_token_needs_reports_read(client, company, service_token):
    body = client.get(URL, headers=service_token("reports:read")).get_json()
    assert body["staff"] == 4
    assert client.get(URL, headers=service_token("users:read")).status_code == 403


def test_bad_periods_and_departments_are_validation_errors(client, company, user_token):
    headers = user_token(company.hr)
    for query in ({"period": "2027-01"}, {"period": "2026-13"}, {"department": "无此部门"}):
        response = client.get(URL, query_string=query, headers=headers)
        assert response.status_code == 422, query
        assert response.get_json()["errors"][0]["field"] in query


def test_a_month_out_of_range_is_a_422_not_a_500(client, company, user_token):
    """Schemathesis found ``period=0000-01`` answering 500 (year 0 is no date)."""
    headers = user_token(company.hr)
    for period in ("0000-01", "1899-12", "2999-01"):
        response = client.get(URL, query_string={"period": period}, headers=headers)
        assert response.status_code == 422, period
        assert response.get_json()["errors"][0]["field"] == "period"
