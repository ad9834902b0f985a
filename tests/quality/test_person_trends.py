"""Department trends for managers and HR: the mean composite and each indicator's mean score per
month, who is below target, whose composite fell most since the month before; a manager sees
their subtree only; the page runs the same queries whatever the number of people.

Hand-worked November: A0001 78.67 (K01 80, K04 60, K07 50 below target), A0002 100, A0003 75
(K01 0 with weight 25 of 100, the rest at target) in the test hall; A0004 100 elsewhere.
October: A0001 and A0002 at 100. Hall mean (78.67 + 100 + 75) / 3 = 84.56; company
(… + 100) / 4 = 88.42; A0001 fell by 21.33.
"""

import re

import pytest
from sqlalchemy import select

from tests.quality.conftest import PERIOD, csv_bytes

HALL = "测试公司/测试分中心/测试营业厅"
OTHER = "测试公司/别的分中心/一班"
AT_TARGET = ("K01,99", "K02,0", "K04,90", "K05,90", "K07,5", "K08,100", "K17,60")
A0001 = ("A0001,K01,97.2", "A0001,K02,0", "A0001,K04,82", "A0001,K07,10", "A0001,K08,100")


@pytest.fixture
def company(make_user, indicators, import_scores):
    """Three clerks of the test hall and one elsewhere with October and November values."""
    for number, name, department in (
        ("A0001", "王芳", HALL),
        ("A0002", "李强", HALL),
        ("A0003", "赵敏", HALL),
        ("A0004", "钱多", OTHER),
    ):
        make_user(employee_no=number, name=name, department=department)
    import_scores(
        PERIOD,
        csv_bytes(
            *A0001,
            *(f"A0002,{v}" for v in AT_TARGET),
            "A0003,K01,90",
            *(f"A0003,{v}" for v in AT_TARGET[1:]),
            *(f"A0004,{v}" for v in AT_TARGET),
        ),
    )
    import_scores("2026-10", csv_bytes(*(f"A000{n},{v}" for n in (1, 2) for v in AT_TARGET)))


def _department_id(app, db, path):
    from app.org.models import Department

    with app.app_context():
        return db.session.scalar(select(Department.id).where(Department.full_name == path))


def _section(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</table>", start)]


def _row(page: str, testid: str, attribute: str, value: str) -> str:
    section = _section(page, testid)
    start = section.index(f'{attribute}="{value}"')
    return re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", section[start : section.index("</tr>", start)])
    )


def test_hr_sees_the_company_trend_and_chooses_a_department(app, db, client, company, login_as):
    login_as("hr")
    page = client.get("/quality/trends").get_data(as_text=True)
    assert "88.42" in _row(page, "composite-trend", "data-period", PERIOD)
    assert "100.00" in _row(page, "composite-trend", "data-period", "2026-10")
    hall = _department_id(app, db, HALL)
    page = client.get(f"/quality/trends?department={hall}&period={PERIOD}").get_data(as_text=True)
    november = _row(page, "composite-trend", "data-period", PERIOD)
    assert "84.56" in november and " 3 " in november
    # K01 mean score in the hall: (80 + 100 + 0) / 3 = 60.0; a third at target
    k01 = _row(page, "indicator-trend", "data-code", "K01")
    assert "60.0" in k01 and "33 %" in k01
    assert page.count("<svg") >= 1 + 7
    assert "<script" not in page.split("<main")[1].split("</main>")[0]


def test_people_below_target_lowest_composite_first_and_by_indicator(
    app, db, client, company, login_as
):
    login_as("hr")
    hall = _department_id(app, db, HALL)
    page = client.get(f"/quality/trends?department={hall}").get_data(as_text=True)
    below = _section(page, "below")
    assert re.findall(r'data-employee="(\w+)"', below) == ["A0003", "A0001"]
    assert "K04 First-contact resolution rate" in _row(page, "below", "data-employee", "A0001")
    page = client.get(f"/quality/trends?department={hall}&indicator=K04").get_data(as_text=True)
    assert re.findall(r'data-employee="(\w+)"', _section(page, "below")) == ["A0001"]


def test_the_largest_falls_since_the_month_before(app, db, client, company, login_as):
    login_as("hr")
    page = client.get("/quality/trends").get_data(as_text=True)
    fallen = _section(page, "fallen")
    assert re.findall(r'data-employee="(\w+)"', fallen) == ["A0001"]
    row = _row(page, "fallen", "data-employee", "A0001")
    assert "100.00" in row and "78.67" in row and "-21.33" in row


def test_a_manager_sees_their_subtree_only(app, db, client, company, login_as):
    login_as("manager")  # manages 测试公司/测试分中心
    page = client.get("/quality/trends").get_data(as_text=True)
    assert "84.56" in _row(page, "composite-trend", "data-period", PERIOD)
    other = _department_id(app, db, OTHER)
    page = client.get(f"/quality/trends?department={other}").get_data(as_text=True)
    assert "A0004" not in page and "84.56" in page, "a department outside falls back to theirs"
    login_as("manager", manages=["测试公司/别的分中心"])
    page = client.get("/quality/trends").get_data(as_text=True)
    assert "100.00" in _row(page, "composite-trend", "data-period", PERIOD)
    assert "A0001" not in page


def test_the_trends_page_runs_the_same_queries_whatever_the_number_of_people(
    client, company, make_user, import_scores, login_as, count_queries
):
    login_as("hr")
    client.get("/quality/trends")
    with count_queries() as few:
        client.get("/quality/trends")
    numbers = [f"B{n:04d}" for n in range(30)]
    for number in numbers:
        make_user(employee_no=number)
    import_scores(
        "2026-10", csv_bytes(*(f"{n},{v}" for n in ["A0001", "A0002", *numbers] for v in AT_TARGET))
    )
    with count_queries() as many:
        page = client.get("/quality/trends").get_data(as_text=True)
    assert " 32 " in _row(page, "composite-trend", "data-period", "2026-10")
    assert many.n == few.n, many.statements[few.n :]
