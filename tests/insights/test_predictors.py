"""Which skills predict service, through the app: the API's shape and order, the planted CM2–K01
correlation found from real quiz attempts, nulls for a constant indicator, the page and its
scatter plot, who may see them, and queries that do not grow with the headcount."""

import pytest
from sqlalchemy import event

from app.extensions import db as _db

ITEM_KEYS = {
    "predictor", "kind", "indicator", "n", "spearman", "spearman_p", "pearson", "pearson_p", "q",
}  # fmt: skip


def test_the_api_finds_the_planted_correlation(client, skilled_clerks, api_as):
    skilled_clerks(12)
    _hr, headers = api_as("hr")
    answer = client.get("/api/v1/reports/predictors?job_role=CTR", headers=headers)
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["job_role"] == "CTR" and body["items"]
    assert all(set(item) == ITEM_KEYS for item in body["items"])
    pairs = {(i["kind"], i["predictor"], i["indicator"]): i for i in body["items"]}
    cm2 = pairs[("competency", "CM2", "K01")]
    assert cm2["spearman"] > 0.8 and cm2["pearson"] > 0.8 and cm2["q"] < 0.05
    # one right answer of three easy ones reaches no level: those two clerks have no CM2
    # level to count (their quiz result still counts for the category)
    assert cm2["n"] == 10
    category = pairs[("category", "题库/沟通", "K01")]
    assert category["n"] == 12 and category["spearman"] > 0.9 and category["q"] < 0.05
    # K02 is 0 for everyone: null, never a number
    constant = pairs[("competency", "CM2", "K02")]
    assert constant["spearman"] is None and constant["pearson"] is None and constant["q"] is None
    # sorted by |spearman| descending, nulls last
    values = [i["spearman"] for i in body["items"]]
    present = [abs(v) for v in values if v is not None]
    assert present == sorted(present, reverse=True)
    assert values[: len(present)] == [v for v in values if v is not None]


def test_an_unknown_job_role_is_a_clear_error(client, api_as):
    _hr, headers = api_as("hr")
    answer = client.get("/api/v1/reports/predictors?job_role=XYZ", headers=headers)
    assert answer.status_code == 422 and "XYZ" in answer.json["message"]
    assert client.get("/api/v1/reports/predictors", headers=headers).status_code == 422


def test_a_role_without_data_has_an_empty_table(client, api_as, indicators):
    _hr, headers = api_as("hr")
    body = client.get("/api/v1/reports/predictors?job_role=MR", headers=headers).json
    assert body == {"job_role": "MR", "items": []}


@pytest.mark.parametrize(
    ("role", "status"), [("staff", 403), ("manager", 403), ("trainer", 200), ("admin", 200)]
)
def test_who_may_ask_the_api(client, api_as, indicators, role, status):
    _user, headers = api_as(role)
    assert client.get("/api/v1/reports/predictors?job_role=CTR", headers=headers).status_code == (
        status
    )


def test_service_tokens_need_reports_read(client, service_token, indicators):
    url = "/api/v1/reports/predictors?job_role=CTR"
    assert client.get(url, headers=service_token("reports:read")).status_code == 200
    assert client.get(url, headers=service_token("scores:write")).status_code == 403


def test_the_page_reads_the_table_in_words_and_draws_the_pair(client, skilled_clerks, login_as):
    skilled_clerks(12)
    login_as("hr")
    zh = {"Accept-Language": "zh"}
    page = client.get("/insights/predictors?job_role=CTR", headers=zh).get_data(as_text=True)
    assert "哪些能力预示服务质量：营业厅柜员" in page
    assert "CM2 情绪安抚与冲突化解" in page and "K01 客户满意率" in page
    assert "可靠" in page  # the planted pair reads as reliable
    assert 'data-pair="competency:CM2:K01"' in page
    # the scatter plot of the pair, reached by its button
    assert "x=competency:CM2" in page.replace("%3A", ":")
    chart = client.get(
        "/insights/predictors?job_role=CTR&x=competency:CM2&y=K01", headers=zh
    ).get_data(as_text=True)
    assert 'data-testid="scatter"' in chart and "<svg" in chart
    # filters
    only = client.get("/insights/predictors?job_role=CTR&kind=category", headers=zh)
    assert 'data-pair="competency:' not in only.get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("manager", 403), ("trainer", 200)])
def test_who_may_open_the_page(client, login_as, indicators, role, status):
    login_as(role)
    assert client.get("/insights/predictors").status_code == status


def test_the_page_runs_the_same_queries_whatever_the_headcount(
    app, client, skilled_clerks, login_as
):
    login_as("hr")

    def count():
        seen = []
        with app.app_context():
            engine = _db.engine
        listener = lambda *_args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/insights/predictors?job_role=CTR").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    skilled_clerks(4, seed=1)
    before = count()
    skilled_clerks(10, seed=2)
    assert count() == before
