"""The course effect through the app: the API's shape and the planted effect, honest nulls, the
page in both languages, who may see it, and queries that do not grow with the headcount."""

import pytest
from sqlalchemy import event

from app.extensions import db as _db
from app.quality.periods import shift

KEYS = {
    "course_id", "indicator", "window", "effect", "ci_low", "ci_high", "matched_effect",
    "matched_ci_low", "matched_ci_high", "n_treated", "n_control", "pre_trend_ok", "warnings",
    "messages",
}  # fmt: skip


def test_the_api_recovers_the_planted_effect_on_k01(client, company, api_as):
    course_id, completers = company(n_people=40, n_completers=15, effect=3.0)
    _hr, headers = api_as("hr")
    answer = client.get(
        f"/api/v1/reports/course-effect/{course_id}?indicator=K01&window=3", headers=headers
    )
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert set(body) == KEYS
    assert body["course_id"] == course_id and body["indicator"] == "K01" and body["window"] == 3
    assert body["ci_low"] < 3.0 < body["ci_high"] and body["ci_low"] > 0
    assert body["matched_ci_low"] < 3.0 < body["matched_ci_high"]
    # every completer has three months before and at least two after; the other 25 clerks
    # compare, and so do completers trained more than three months after an earlier one (the
    # call-centre agents never do)
    later = [m for m in completers.values() if m > shift(min(completers.values()), 3)]
    assert body["n_treated"] == len(completers) == 15
    assert body["n_control"] == 25 + len(later)
    assert body["pre_trend_ok"] is True and body["warnings"] == []


def test_the_default_outcome_is_the_composite_and_it_is_an_honest_null(client, company, api_as):
    course_id, _completers = company(n_people=20, n_completers=6)
    _hr, headers = api_as("hr")
    body = client.get(f"/api/v1/reports/course-effect/{course_id}", headers=headers).json
    # K01 alone covers too little of a clerk's weights for a composite: nothing to measure
    assert body["indicator"] == "composite" and body["window"] == 3
    assert body["effect"] is None and body["ci_low"] is None and body["matched_effect"] is None
    assert body["warnings"] == ["no_completers"] and body["n_treated"] == 0
    k01 = client.get(f"/api/v1/reports/course-effect/{course_id}?indicator=K01", headers=headers)
    assert "few_treated" in k01.json["warnings"] and k01.json["n_treated"] == 6
    assert any("Fewer than 10" in text for text in k01.json["messages"])


def test_everyone_trained_in_one_month_leaves_nobody_to_compare(client, company, api_as):
    course_id, _completers = company(
        n_people=12, n_completers=12, completion_months=["2026-05"]
    )
    _hr, headers = api_as("hr")
    body = client.get(
        f"/api/v1/reports/course-effect/{course_id}?indicator=K01", headers=headers
    ).json
    assert body["effect"] is None and body["n_control"] == 0
    assert "no_comparisons" in body["warnings"]


def test_bad_requests_get_clear_errors(client, company, api_as):
    course_id, _completers = company(n_people=4, n_completers=1)
    _hr, headers = api_as("hr")
    url = f"/api/v1/reports/course-effect/{course_id}"
    unknown = client.get(f"{url}?indicator=K99", headers=headers)
    assert unknown.status_code == 422 and "K99" in unknown.json["message"]
    window = client.get(f"/api/v1/reports/course-effect/{course_id}?window=0", headers=headers)
    assert window.status_code == 422
    missing = client.get("/api/v1/reports/course-effect/999999", headers=headers)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("role", "status"), [("staff", 403), ("manager", 403), ("trainer", 200), ("admin", 200)]
)
def test_who_may_ask_the_api(client, company, api_as, role, status):
    course_id, _completers = company(n_people=4, n_completers=1)
    _user, headers = api_as(role)
    url = f"/api/v1/reports/course-effect/{course_id}?indicator=K01"
    assert client.get(url, headers=headers).status_code == status


def test_service_tokens_need_reports_read(client, company, service_token):
    course_id, _completers = company(n_people=4, n_completers=1)
    url = f"/api/v1/reports/course-effect/{course_id}?indicator=K01"
    assert client.get(url, headers=service_token("reports:read")).status_code == 200
    refused = client.get(url, headers=service_token("users:read"))
    assert refused.status_code == 403 and refused.json["code"] == "insufficient_scope"


def test_the_page_shows_both_estimates_the_warnings_and_the_chart(client, company, login_as):
    course_id, _completers = company(n_people=30, n_completers=8)
    login_as("hr")
    page = client.get(f"/insights/courses/{course_id}/effect", headers={"Accept-Language": "zh"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "客户情绪安抚" in html and "K01 客户满意率" in html
    assert 'data-outcome="K01"' in html and 'data-outcome="composite"' in html
    assert "<svg" in html and "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    # eight completers: the warning in words, in Chinese
    assert "不足 10 人" in html
    listing = client.get("/insights/courses", headers={"Accept-Language": "zh"})
    assert f"/insights/courses/{course_id}/effect" in listing.get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("manager", 403), ("trainer", 200)])
def test_who_may_open_the_page(client, company, login_as, role, status):
    course_id, _completers = company(n_people=4, n_completers=1)
    login_as(role)
    assert client.get(f"/insights/courses/{course_id}/effect").status_code == status
    assert client.get("/insights/courses").status_code == status


def test_the_page_runs_the_same_queries_whatever_the_headcount(app, client, company, login_as):
    small, _ = company(n_people=10, n_completers=4, seed=1, completion_months=["2026-05"])
    login_as("hr")

    def count(course_id):
        seen = []

        def record(*_args):
            seen.append(1)

        with app.app_context():
            engine = _db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get(f"/insights/courses/{course_id}/effect").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(seen)

    before = count(small)
    large, _ = company(n_people=40, n_completers=20, seed=2, completion_months=["2026-05"])
    assert count(large) == before
