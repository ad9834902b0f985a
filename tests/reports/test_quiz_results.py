"""Quiz results for HR and managers: the Reports menu reaches them, HR and trainers see everyone's,
a manager only their subtree's (pages and exports), staff none; and a person's record."""

import io
import re

from openpyxl import load_workbook

from tests.reports.company import *  # noqa: F403
from tests.reports.company import sign_in

ZH = {"Accept-Language": "zh-CN"}


def _people(page: str) -> list[str]:
    body = page.split('data-testid="results"')[1].split("</table>")[0]
    return sorted(chunk.split('"')[0] for chunk in body.split('data-person="')[1:])


def _taken(company, take_quiz):
    take_quiz(company.n1, {1: 3, 2: 3, 3: 3})
    return take_quiz(company.s1, {1: 1, 2: 0, 3: 0})


def test_the_reports_menu_leads_a_manager_to_their_staff_results(
    client, company, take_quiz, cm2_quiz
):
    _taken(company, take_quiz)
    sign_in(client, company.manager)
    home = client.get("/home", headers=ZH).get_data(as_text=True)
    menu = home.split('data-testid="reports-menu"')[1].split("</li>\n          {% endif %}")[0]
    assert 'href="/reports/quizzes"' in menu and "测验成绩" in menu
    listing = client.get("/reports/quizzes", headers=ZH).get_data(as_text=True)
    row = listing.split(f'data-quiz="{cm2_quiz}"')[1].split("</tr>")[0]
    link = row.split('href="')[1].split('"')[0]
    cells = [c.split("<")[0] for c in row.split('class="text-end">')[1:]]
    assert cells[:2] == ["1", "1"]  # one person (N1), one attempt: S1's is not theirs
    results = client.get(link, headers=ZH).get_data(as_text=True)
    assert _people(results) == ["N1"] and "南区甲" not in results


def test_hr_and_trainers_see_everyones_results(client, company, take_quiz, cm2_quiz, make_user):
    _taken(company, take_quiz)
    for viewer in (company.hr, make_user(("trainer",), department=None, job_role=None)):
        sign_in(client, viewer)
        page = client.get(f"/reports/quizzes/{cm2_quiz}/results").get_data(as_text=True)
        assert _people(page) == ["N1", "S1"]
    south = client.get(f"/reports/quizzes/{cm2_quiz}/results?department=1")
    assert south.status_code == 200  # a trainer may filter by any department


def test_a_manager_may_not_filter_outside_their_subtree(
    client, company, take_quiz, cm2_quiz, make_department
):
    _taken(company, take_quiz)
    south = make_department("测试公司/南区")
    sign_in(client, company.manager)
    assert client.get(f"/reports/quizzes?department={south}").status_code == 403
    url = f"/reports/quizzes/{cm2_quiz}/results.xlsx?department={south}"
    assert client.get(url).status_code == 403


def test_exports_hold_only_the_managers_staff(client, company, take_quiz, cm2_quiz):
    _taken(company, take_quiz)
    sign_in(client, company.manager)
    response = client.get(f"/reports/quizzes/{cm2_quiz}/results.xlsx", headers=ZH)
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(response.data)).active.rows]
    assert rows[0][:2] == ["工号", "姓名"] and [r[0] for r in rows[1:]] == ["N1"]
    state = rows[0].index("状态")
    assert rows[1][state] == "已完成" and rows[1][rows[0].index("通过")] in ("是", "否")
    text = client.get("/reports/quizzes.csv", headers=ZH).data.decode("utf-8-sig")
    assert "情绪安抚测验" in text and text.splitlines()[1].split(",")[1:3] == ["1", "1"]


def test_staff_have_no_reports_menu_and_no_results(client, company, take_quiz, cm2_quiz):
    _taken(company, take_quiz)
    sign_in(client, company.n1)
    assert 'data-testid="reports-menu"' not in client.get("/home").get_data(as_text=True)
    assert client.get("/reports/quizzes").status_code == 403
    assert client.get(f"/reports/quizzes/{cm2_quiz}/results").status_code == 403


def test_the_results_page_runs_a_constant_number_of_queries(
    client, company, take_quiz, cm2_quiz, make_user, count_queries
):
    _taken(company, take_quiz)
    sign_in(client, company.hr)
    urls = ["/reports/quizzes", f"/reports/quizzes/{cm2_quiz}/results"]
    small = {}
    for url in urls:
        client.get(url)
        with count_queries() as counter:
            client.get(url)
        small[url] = counter.n
    for i in range(5):
        take_quiz(make_user(employee_no=f"Q{i}", department="测试公司/南区/营业厅B"), {1: i % 4})
    for url in urls:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        assert counter.n == small[url], (url, counter.statements)


# --- a person's record ----------------------------------------------------------------------


def test_the_record_shows_courses_quizzes_competencies_and_scores(client, company, take_quiz, rate):
    take_quiz(company.n1, {1: 3, 2: 3, 3: 3})
    rate(company.n1, "SV1", 5)
    sign_in(client, company.hr)
    page = client.get(f"/reports/people/{company.n1.id}", headers=ZH).get_data(as_text=True)
    training = page.split('data-testid="person-training"')[1].split("</section>")[0]
    assert "安全规程" in training and "服务礼仪" in training and "已完成" in training
    quizzes = page.split('data-testid="person-quizzes"')[1].split("</section>")[0]
    assert "情绪安抚测验" in quizzes and "已完成" in quizzes
    competencies = page.split('data-testid="person-competencies"')[1].split("</section>")[0]
    assert re.search(r"\d+ 个能力项中有 [1-9]\d* 个达到岗位要求", competencies)  # SV1 at 5
    assert 'data-testid="person-service"' in page


def test_who_may_open_a_record(client, company):
    sign_in(client, company.n1)
    assert client.get(f"/reports/people/{company.n1.id}").status_code == 200
    assert client.get(f"/reports/people/{company.n2.id}").status_code == 403
    sign_in(client, company.manager)
    assert client.get(f"/reports/people/{company.n2.id}").status_code == 200
    assert client.get(f"/reports/people/{company.s1.id}").status_code == 403
    assert client.get("/reports/people/999999").status_code == 404


def test_the_people_list_and_home_link_to_the_record(client, company):
    sign_in(client, company.manager)
    people = client.get("/org/people").get_data(as_text=True)
    assert f'href="/reports/people/{company.n1.id}"' in people
    sign_in(client, company.n1)
    assert f'href="/reports/people/{company.n1.id}"' in client.get("/home").get_data(as_text=True)
