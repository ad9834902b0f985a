"""The HR dashboard: its figures on a planted company, for HR and for a manager, past months taken
at the end of the month, links to the list behind every number, the home page, and a constant
number of queries whatever the number of staff."""

import re
from datetime import UTC, datetime

import pytest

from tests.reports.company import *  # noqa: F403
from tests.reports.company import NOW, complete, sign_in


def _dashboard(app, viewer, department=None, period=None, **options):
    from app.extensions import db
    from app.org.models import Department, User
    from app.reports import dashboard, month

    with app.test_request_context():
        user = db.session.get(User, viewer.id)
        root = db.session.get(Department, department) if department else None
        board = dashboard.build(user, root, month.resolve(period), **options)
        return board.as_json(), [(d.name, f) for d, f in board.children]


def test_hr_sees_the_company_figures_of_this_month(app, company):
    figures, children = _dashboard(app, company.hr)
    assert figures["period"] == "2026-12" and figures["department"] is None
    assert figures["staff"] == 4
    assert figures["coverage"] == 0.5  # N1 and S1 hold both courses, N2 and S2 neither
    assert figures["overdue_mandatory"] == 4
    assert figures["completion_rate"] is None  # nothing is due in December
    assert figures["expiring"] == {"30": 1, "60": 1, "90": 1}  # S1's safety certificate
    assert figures["hours"] == {"done": 10.0, "quota": 80.0}  # 2 + 4 + 4 of 4 × 20
    assert {name for name, _f in children} == {"北区", "南区"}
    north = dict(children)["北区"]
    assert (north.staff, north.overdue, north.expiring) == (2, 2, [0, 0, 0])


def test_a_past_month_is_taken_at_its_end(app, company):
    figures, _children = _dashboard(app, company.hr, period="2026-11")
    assert figures["completion_rate"] == 0.5  # 服务礼仪 was due on 20 November: N1 and S1
    assert figures["overdue_mandatory"] == 4
    assert figures["hours"]["done"] == 10.0
    june, _c = _dashboard(app, company.hr, period="2026-05")
    # at the end of May nobody but S1 held 安全规程, and 服务礼仪 did not exist yet
    assert june["coverage"] == 0.25 and june["overdue_mandatory"] == 3
    assert june["hours"]["done"] == 0.0
    assert june["expiring"] == {"30": 0, "60": 0, "90": 0}


def test_a_certificate_about_to_expire_counts_in_its_window(app, company):
    from app.core import clock

    clock.freeze(datetime(2026, 10, 25, 2, 0, tzinfo=UTC))  # 56 days before it expires
    figures, _c = _dashboard(app, company.hr)
    assert figures["expiring"] == {"30": 0, "60": 1, "90": 1}


def test_a_manager_sees_only_the_subtree_they_manage(app, company):
    figures, children = _dashboard(app, company.manager)
    assert figures["staff"] == 2 and figures["overdue_mandatory"] == 2
    assert figures["coverage"] == 0.5 and figures["expiring"]["90"] == 0
    assert [name for name, _f in children] == ["北区"]


def test_attainment_and_gaps_follow_the_competency_matrix(app, company, rate):
    from app.competencies import matrix
    from app.extensions import db
    from app.org.models import User

    rate(company.n1, "SV1", 5)
    rate(company.s2, "CM1", 4)
    figures, _c = _dashboard(app, company.hr)
    with app.test_request_context():
        hr = db.session.get(User, company.hr.id)
        met, total = matrix.attainment(hr, None)
        gaps = matrix.largest_gaps(hr, None, limit=10)
    assert figures["attainment"] == met / total and met >= 1
    assert figures["top_gaps"] == [{"code": c.code, "below": below} for c, below, _n in gaps]


def test_the_cheap_cell_count_is_the_competency_matrix(app, company, rate, take_quiz):
    from app.competencies import matrix
    from app.extensions import db
    from app.org.models import Department, User
    from app.reports import attainment

    rate(company.n1, "SV1", 5)
    rate(company.s2, "CM1", 1)
    take_quiz(company.s1, {1: 3, 2: 3, 3: 3})
    with app.test_request_context():
        for viewer in (company.hr, company.manager):
            user = db.session.get(User, viewer.id)
            assert attainment.tallies(user, None) == matrix.tallies(user, None)
        north = db.session.scalar(db.select(Department).where(Department.name == "北区"))
        hr = db.session.get(User, company.hr.id)
        cells = attainment.tallies(hr, north)
        assert cells == matrix.tallies(hr, north) and sum(t.met for t in cells.values()) >= 1


def test_the_service_composite_is_the_scores_page_mean(
    app, client, company, indicators, import_scores
):
    from tests.needs.conftest import scores_csv

    import_scores("2026-11", scores_csv({"N1": 99.0, "N2": 90.0, "S1": 96.0}))
    figures, children = _dashboard(app, company.hr, period="2026-11")
    sign_in(client, company.hr)
    page = client.get("/quality/scores?period=2026-11").get_data(as_text=True)
    assert figures["service_composite"] is not None
    assert f"{figures['service_composite']:.2f}" in page
    north = dict(children)["北区"]
    assert north.composite_n == 2 and figures["service_composite"] != north.service_composite
    current, _c = _dashboard(app, company.hr)
    assert current["service_composite"] is None  # December's results are not in yet


def test_the_page_links_every_number_to_its_list(client, company):
    sign_in(client, company.hr)
    page = client.get("/reports/dashboard").get_data(as_text=True)
    figures = page.split('data-testid="dashboard-figures"')[1].split("</section>")[0]
    for testid, target in (
        ("figure-staff", "/reports/compliance?"),
        ("figure-coverage", "/reports/compliance?"),
        ("figure-completion", "/reports/assignments?"),
        ("figure-overdue", "/reports/assignments?"),
        ("figure-hours", "/courses/hours?"),
        ("figure-attainment", "/competencies/rollup"),
        ("figure-composite", "/quality/scores?"),
    ):
        anchor = figures.split(f'data-testid="{testid}"')[1].split(">")[0]
        assert f'href="{target}' in anchor, testid
    assert figures.count("/reports/assignments?") >= 5  # completion, overdue, 30/60/90 days
    overdue = page.split('data-testid="figure-overdue" href="')[1].split('"')[0]
    listed = client.get(overdue.replace("&amp;", "&")).get_data(as_text=True)
    assert listed.count('data-person="') == 4
    assert 'data-testid="dashboard-departments"' in page and "北区" in page


def test_the_page_speaks_chinese_and_shows_names(client, company):
    sign_in(client, company.hr)
    page = client.get(
        "/reports/dashboard?period=2026-11", headers={"Accept-Language": "zh-CN"}
    ).get_data(as_text=True)
    assert "2026年11月" in page and "培训覆盖率" in page and "逾期" in page
    words = re.sub(r"<[^>]*>", " ", page.split("<main")[1])  # the text, not the markup
    assert "overdue" not in words.lower() and "coverage" not in words.lower()
    assert "CTR" not in words and "北区" in words


def test_a_manager_may_not_open_another_departments_dashboard(client, company, make_department):
    south = make_department("测试公司/南区")
    north = make_department("测试公司/北区")
    sign_in(client, company.manager)
    assert client.get(f"/reports/dashboard?department={north}").status_code == 200
    assert client.get(f"/reports/dashboard?department={south}").status_code == 403
    assert client.get(f"/reports/compliance?department={south}").status_code == 403
    assert client.get(f"/reports/assignments?department={south}").status_code == 403


def test_staff_may_not_open_the_dashboard(client, company):
    sign_in(client, company.n1)
    assert client.get("/reports/dashboard").status_code == 403


def test_home_is_the_dashboard_for_hr_and_managers(client, company):
    sign_in(client, company.hr)
    home = client.get("/home").get_data(as_text=True)
    assert 'data-testid="home-dashboard"' in home and 'data-testid="home-hr"' in home
    assert 'data-testid="figure-overdue" href="/reports/assignments?' in home
    sign_in(client, company.manager)
    home = client.get("/home").get_data(as_text=True)
    assert 'data-testid="home-dashboard"' in home and 'data-testid="home-manager"' in home
    sign_in(client, company.n1)
    home = client.get("/home").get_data(as_text=True)
    assert 'data-testid="home-dashboard"' not in home and 'data-testid="my-record"' in home


def _grow(app, make_user, company, rate, n=12):
    """More staff in both districts, with assignments (the rules apply) and ratings."""
    from app.courses.services import apply_all_rules
    from tests.reports.company import NORTH, SOUTH

    people = [
        make_user(employee_no=f"X{i:03d}", department=(NORTH, SOUTH)[i % 2]) for i in range(n)
    ]
    with app.app_context():
        apply_all_rules()  # the new people get the courses their departments must take
    for i, person in enumerate(people):
        rate(person, "SV1", 3)
        if i % 3 == 0:
            complete(app, person, company.manners, NOW)


@pytest.mark.parametrize(
    "url",
    [
        "/reports/dashboard",
        "/reports/dashboard?period=2026-11",
        "/api/v1/reports/dashboard",
        "/home",
    ],
)
def test_queries_do_not_grow_with_the_staff(
    app, client, company, make_user, rate, count_queries, user_token, url
):
    sign_in(client, company.hr)
    headers = user_token(company.hr) if url.startswith("/api/") else {}
    client.get(url, headers=headers)
    with count_queries() as small:
        assert client.get(url, headers=headers).status_code == 200
    _grow(app, make_user, company, rate)
    from app.core import clock

    clock.freeze(NOW)
    with count_queries() as large:
        assert client.get(url, headers=headers).status_code == 200
    assert large.n == small.n, (small.statements, large.statements)
