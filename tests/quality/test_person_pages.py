"""My service quality: each indicator's raw value, target, score and weight, the composite worked
out step by step in words and numbers, the ranks in department and job role, twelve months of
SVG trends; managers and HR open the same page for the people they see.

Hand-worked (counter clerk, CTR weights K01 25, K02 15, K04 15, K05 15, K07 10, K08 10, K17 10):
A0001 has K01 97.2 % (score 80), K02 0 (100), K04 82 % (60), K07 10 % (50), K08 100 % (100) and
no K05 or K17: 75 of 100 points present, composite (25·80 + 15·100 + 15·60 + 10·50 + 10·100) / 75
= 5900 / 75 = 78.67.
"""

import pytest

from tests.quality.conftest import PERIOD, csv_bytes

OTHER = "测试公司/别的分中心/一班"
A0001 = ("A0001,K01,97.2", "A0001,K02,0", "A0001,K04,82", "A0001,K07,10", "A0001,K08,100")
AT_TARGET = ("K01,99", "K02,0", "K04,90", "K05,90", "K07,5", "K08,100", "K17,60")


@pytest.fixture
def hall(make_user, indicators, import_scores):
    """Three clerks of the test hall and one elsewhere, with November and October values."""
    people = {
        "A0001": make_user(employee_no="A0001", name="王芳"),
        "A0002": make_user(employee_no="A0002", name="李强"),
        "A0003": make_user(employee_no="A0003", name="赵敏"),
        "A0004": make_user(employee_no="A0004", name="钱多", department=OTHER),
    }
    import_scores(
        PERIOD,
        csv_bytes(
            *A0001,
            "A0001,K15,0",
            *(f"A0002,{v}" for v in AT_TARGET),
            "A0003,K01,90",
            *(f"A0003,{v}" for v in AT_TARGET[1:]),
            *(f"A0004,{v}" for v in AT_TARGET),
        ),
    )
    import_scores("2026-10", csv_bytes(*(f"A000{n},{v}" for n in (1, 2) for v in AT_TARGET)))
    return people


def _sign_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True


def _text(html: str) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_my_page_explains_the_composite_step_by_step(client, hall):
    _sign_in(client, hall["A0001"])
    page = client.get("/quality/my").get_data(as_text=True)
    text = _text(page)
    assert "78.67" in page and "How is this composite computed?" in page
    assert "count for the job role Service hall counter clerk" in text
    assert "add up to 100 points" in text
    assert (
        "Indicators with a value: K01 Customer satisfaction rate, K02 Substantiated complaints, "
        "K04 First-contact resolution rate, K07 Repeat contact rate, K08 New-connection "
        "time-limit compliance, together 75 of 100 points (75 %)." in text
    )
    assert "Without a value this month: K05 Service standards inspection score, K17 Online" in text
    assert "each weight is divided by 75 instead of 100" in text
    assert "25 ÷ 75 = 0.3333" in text and "80.00 × 0.3333 = 26.67" in text
    assert "Weighted mean: 26.67 + 20.00 + 12.00 + 6.67 + 13.33 = 78.67." in text
    assert "K15 Safety violations: 0 (target 0), no violation." in text
    assert "Composite: 78.67" in text


def test_each_indicator_shows_value_target_score_weight_and_unit_in_words(client, hall):
    _sign_in(client, hall["A0001"])
    page = client.get("/quality/my").get_data(as_text=True)
    row = page[page.index('<tr data-code="K04"') :]
    row = _text(row[: row.index("</tr>")])
    assert "K04 First-contact resolution rate" in row and "percentage (0–100)" in row
    assert "Higher is better" in row and "82 %" in row and "90 %" in row and "60.0" in row
    assert " 15 " in row and "Contest" in row
    missing = page[page.index('<tr data-code="K05"') :]
    assert "no value" in missing[: missing.index("</tr>")]


def test_ranks_in_department_and_job_role(client, hall):
    _sign_in(client, hall["A0001"])
    ranks = _text(client.get("/quality/my").get_data(as_text=True))
    # hall: A0002 100, A0001 78.67, A0003 66.67; counter clerks: A0002 and A0004 share 1
    assert "Rank in department: 2 of 3" in ranks
    assert "Rank in job role: 3 of 4" in ranks


def test_a_gate_violation_is_explained_as_a_cap(client, hall, import_scores):
    import_scores(PERIOD, csv_bytes("A0001,K15,1"))
    _sign_in(client, hall["A0001"])
    text = _text(client.get("/quality/my").get_data(as_text=True))
    assert (
        "K15 Safety violations: 1 (target 0), a gate violation caps the composite at 60: "
        "min(78.67, 60) = 60.00." in text
    )
    assert "Composite: 60.00" in text


def test_too_little_coverage_is_explained(client, make_user, indicators, import_scores):
    person = make_user(employee_no="A0009")
    import_scores(PERIOD, csv_bytes("A0009,K01,99", "A0009,K02,0"))
    _sign_in(client, person)
    text = _text(client.get("/quality/my").get_data(as_text=True))
    assert "together 40 of 100 points (40 %)" in text
    assert "less than half of the weights: there is no composite this month" in text


def test_trends_are_svg_charts_without_script_with_the_numbers_in_a_table(client, hall):
    _sign_in(client, hall["A0001"])
    page = client.get("/quality/my").get_data(as_text=True)
    chart = page[page.index('data-testid="composite-chart"') :]
    assert chart.index("<svg") < 200 and "Composite, last 12 months" in page
    assert "<script" not in page.split("<main")[1].split("</main>")[0]
    assert page.count('role="img"') >= 6  # the composite and each indicator with values
    history = page[page.index('data-testid="history"') :]
    assert "2026-10" in history and "100.00" in history and "78.67" in history


def test_an_earlier_month_is_chosen_from_the_list(client, hall):
    _sign_in(client, hall["A0001"])
    page = client.get("/quality/my?period=2026-10").get_data(as_text=True)
    assert 'value="2026-10" selected' in page and "Composite: 100.00" in _text(page)


def test_managers_and_hr_open_the_page_of_people_they_see(client, hall, login_as):
    a1 = hall["A0001"]
    login_as("manager")  # manages 测试公司/测试分中心, the hall's branch
    page = client.get(f"/quality/people/{a1.id}").get_data(as_text=True)
    assert "Service results of 王芳" in page and "78.67" in page
    assert "/contest" not in page, "only the person contests"
    login_as("manager", manages=["测试公司/别的分中心"])
    assert client.get(f"/quality/people/{a1.id}").status_code == 403
    login_as("staff")
    assert client.get(f"/quality/people/{a1.id}").status_code == 403
    login_as("hr")
    assert client.get(f"/quality/people/{a1.id}").status_code == 200
    _sign_in(client, a1)
    response = client.get(f"/quality/people/{a1.id}?period=2026-10")
    assert (
        response.status_code == 302 and "/quality/my?period=2026-10" in response.headers["Location"]
    )


def test_someone_without_values_reads_that_there_are_none(client, login_as):
    login_as("staff")
    page = client.get("/quality/my").get_data(as_text=True)
    assert 'data-testid="no-results"' in page


def test_my_page_runs_the_same_queries_whatever_the_number_of_people(
    client, hall, make_user, import_scores, count_queries
):
    _sign_in(client, hall["A0001"])
    client.get("/quality/my")
    with count_queries() as few:
        client.get("/quality/my")
    numbers = [f"B{n:04d}" for n in range(30)]
    for number in numbers:
        make_user(employee_no=number)
    rows = [f"{n},{v}" for n in numbers for v in AT_TARGET]
    import_scores(
        PERIOD, csv_bytes(*A0001, *(f"A000{n},{v}" for n in (2, 4) for v in AT_TARGET), *rows)
    )
    with count_queries() as many:
        page = client.get("/quality/my").get_data(as_text=True)
    assert "Rank in job role: 33 of 33" in _text(page)
    assert many.n == few.n, many.statements[few.n :]
