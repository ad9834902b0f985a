"""The compliance matrix and the assignment lists behind the dashboard: cells in words, filters by
department, job role, course, status and compliance, past months, constant queries."""

from tests.reports.company import *  # noqa: F403
from tests.reports.company import MANNERS, SAFETY, sign_in


def _rows(page: str) -> dict[str, str]:
    """employee number -> the row's HTML."""
    body = page.split('data-testid="compliance"')[1].split("</table>")[0]
    return {
        chunk.split('"')[0]: chunk.split("</tr>")[0] for chunk in body.split('data-person="')[1:]
    }


def test_people_by_mandatory_courses_with_statuses_in_words(client, company):
    sign_in(client, company.hr)
    page = client.get("/reports/compliance").get_data(as_text=True)
    head = page.split('data-testid="compliance"')[1].split("</thead>")[0]
    assert head.index(SAFETY) < head.index(MANNERS) or head.index(MANNERS) < head.index(SAFETY)
    rows = _rows(page)
    assert sorted(rows) == ["N1", "N2", "S1", "S2"]
    assert 'data-status="expiring_soon">Expiring soon' in rows["S1"]
    assert rows["N2"].count('data-status="overdue">Overdue') == 2
    assert "北区甲" in rows["N1"] and "测试公司/北区/营业厅A" in rows["N1"]


def test_filters_by_status_compliance_job_role_and_course(client, company, make_user):
    make_user(employee_no="C1", department="测试公司/北区/营业厅A", job_role="CC")
    sign_in(client, company.hr)
    no = _rows(client.get("/reports/compliance?compliant=no").get_data(as_text=True))
    assert sorted(no) == ["N2", "S2"]
    # C1 came after the rules ran: no mandatory course yet, so compliant; "not assigned" cells
    page = client.get("/reports/compliance?compliant=yes").get_data(as_text=True)
    assert sorted(_rows(page)) == ["C1", "N1", "S1"]
    page = client.get("/reports/compliance?status=not_assigned").get_data(as_text=True)
    assert sorted(_rows(page)) == ["C1"] and "Not assigned" in page
    page = client.get("/reports/compliance?status=expiring_soon").get_data(as_text=True)
    assert sorted(_rows(page)) == ["S1"]
    page = client.get(f"/reports/compliance?course={company.manners}&status=completed").get_data(
        as_text=True
    )
    assert sorted(_rows(page)) == ["N1", "S1"] and SAFETY not in page.split("<thead>")[1]
    from app.org.services import job_role_by_code

    with client.application.app_context():
        cc = job_role_by_code("CC").id
    assert sorted(
        _rows(client.get(f"/reports/compliance?job_role={cc}").get_data(as_text=True))
    ) == ["C1"]


def test_a_manager_sees_the_matrix_of_their_subtree(client, company):
    sign_in(client, company.manager)
    assert sorted(_rows(client.get("/reports/compliance").get_data(as_text=True))) == ["N1", "N2"]


def test_a_past_month_shows_the_statuses_of_its_end(client, company):
    sign_in(client, company.hr)
    rows = _rows(client.get("/reports/compliance?period=2026-05").get_data(as_text=True))
    # at the end of May 服务礼仪 did not exist: one column, and N1 had not completed 安全规程
    assert 'data-status="overdue"' in rows["N1"] and 'data-status="completed"' in rows["S1"]
    assert all(row.count('data-status="') == 1 for row in rows.values())


def _assignment_people(page: str) -> list[str]:
    body = page.split('data-testid="assignments"')[1].split("</table>")[0]
    return sorted(chunk.split('"')[0] for chunk in body.split('data-person="')[1:])


def test_the_lists_behind_the_figures(client, company):
    sign_in(client, company.hr)
    overdue = client.get("/reports/assignments?status=overdue&mandatory=1").get_data(as_text=True)
    assert _assignment_people(overdue) == ["N2", "N2", "S2", "S2"]
    assert "Overdue mandatory assignments" in overdue
    expiring = client.get("/reports/assignments?expiring=30").get_data(as_text=True)
    assert _assignment_people(expiring) == ["S1"] and "within 30 days" in expiring
    due = client.get("/reports/assignments?due=1&period=2026-11").get_data(as_text=True)
    assert _assignment_people(due) == ["N1", "N2", "S1", "S2"]
    assert "Assignments due in November 2026" in due


def test_list_pages_run_a_constant_number_of_queries(
    app, client, company, make_user, count_queries
):
    from app.courses.services import apply_all_rules

    make_user(employee_no="C1", department="测试公司/北区/营业厅A")  # not assigned anything
    sign_in(client, company.hr)
    urls = [
        "/reports/compliance",
        "/reports/compliance?status=not_assigned&period=2026-11",
        "/reports/assignments?status=overdue&mandatory=1",
        "/reports/assignments?expiring=90",
    ]
    small = {}
    for url in urls:
        client.get(url)
        with count_queries() as counter:
            client.get(url)
        small[url] = counter.n
    for i in range(8):
        make_user(employee_no=f"Y{i}", department="测试公司/南区/营业厅B")
    with app.app_context():
        apply_all_rules()
    for url in urls:
        with count_queries() as counter:
            client.get(url)
        assert counter.n == small[url], (url, counter.statements)
