"""The matrix, the rollup, a person's profile and evidence trail, ratings and assignments."""

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db as _db

HALL = "测试公司/测试分中心/测试营业厅"


def _dept_id(app, path):
    from app.org.models import Department

    with app.app_context():
        return _db.session.scalar(select(Department.id).where(Department.full_name == path))


def test_hr_opens_a_halls_matrix_with_coloured_cells(app, client, login_as, make_user, take_quiz):
    clerk = make_user(name="柜员甲")
    make_user(name="别处的人", department="测试公司/别的分中心/一班")
    take_quiz(clerk, {1: 3, 2: 2})  # CM2 level 2 of the 4 a counter clerk needs
    login_as("hr")
    page = client.get(f"/competencies/matrix?department={_dept_id(app, HALL)}").get_data(
        as_text=True
    )
    assert "柜员甲" in page and "别处的人" not in page
    cm2 = re.search(r'<td class="cm-cell cm-(\w+)" data-code="CM2"', page)
    assert cm2.group(1) == "two_below"
    assert 'data-code="SV1" data-state="no_evidence"' in page
    assert 'title="CM2 ' in page  # the name on hover
    assert 'data-testid="legend"' in page


def test_a_cell_opens_the_evidence_trail(app, client, login_as, make_user, take_quiz):
    clerk = make_user(name="柜员乙")
    attempt_id = take_quiz(clerk, {1: 3, 2: 2})
    login_as("hr")
    trail = client.get(f"/competencies/people/{clerk.id}/c/CM2").get_data(as_text=True)
    assert f'href="/attempts/{attempt_id}/review"' in trail
    assert "情绪安抚测验" in trail and 'data-testid="pooled"' in trail
    assert "level 2" in trail


def test_the_matrix_sorts_by_gaps_and_by_a_competency(app, client, login_as, make_user, take_quiz):
    strong = make_user(name="强", employee_no="A2")
    weak = make_user(name="弱", employee_no="A1")
    take_quiz(strong, {1: 3, 2: 3, 3: 3})
    take_quiz(weak, {1: 2})
    _rate(app, strong, "CM2", 4)  # d3 100 % and a rating of 4: CM2 meets the 4 required
    login_as("hr")
    by_code = client.get("/competencies/matrix?code=CM2&dir=desc").get_data(as_text=True)
    assert by_code.index('data-person="A2"') < by_code.index('data-person="A1"')
    by_gaps = client.get("/competencies/matrix?sort=gaps&dir=asc").get_data(as_text=True)
    assert by_gaps.index('data-person="A2"') < by_gaps.index('data-person="A1"')


def test_managers_see_their_subtree_and_staff_only_themselves(app, client, login_as, make_user):
    inside = make_user()
    outside = make_user(department="测试公司/别的分中心/一班")
    login_as("manager", manages=["测试公司/测试分中心"])
    assert client.get(f"/competencies/people/{inside.id}").status_code == 200
    assert client.get(f"/competencies/people/{outside.id}").status_code == 403
    assert client.get(f"/competencies/people/{outside.id}/c/CM2").status_code == 403
    matrix = client.get("/competencies/matrix").get_data(as_text=True)
    assert inside.employee_no in matrix and outside.employee_no not in matrix
    me = login_as("staff")
    assert client.get(f"/competencies/people/{me.id}").status_code == 200
    assert client.get(f"/competencies/people/{inside.id}").status_code == 403


def test_hr_assigns_a_suggested_course_with_a_reason_the_person_sees(
    app, client, login_as, make_user, make_course, take_quiz
):
    clerk = make_user(name="柜员丙")
    take_quiz(clerk, {1: 3, 2: 2})
    course_id = make_course("客户情绪安抚", competencies={"CM2": 3})
    hr = login_as("hr")
    profile = client.get(f"/competencies/people/{clerk.id}").get_data(as_text=True)
    assert 'data-course="客户情绪安抚"' in profile
    reason = "CM2 情绪安抚与冲突化解：当前 2 级，岗位要求 4 级"
    done = client.post(
        f"/competencies/people/{clerk.id}/assign",
        data={"course_id": course_id, "due_on": "2031-01-31", "reason": reason},
    )
    assert done.status_code == 302
    assert "Already assigned" in client.get(f"/competencies/people/{clerk.id}").get_data(
        as_text=True
    )
    with client.session_transaction() as session:
        session["_user_id"] = _token_of(app, clerk)
    learning = client.get("/courses/my").get_data(as_text=True)
    assert reason in learning
    notices = client.get("/notifications").get_data(as_text=True)
    assert reason in notices
    assert hr.id != clerk.id


def _rate(app, person, code, level):
    from app.competencies import queries, services
    from app.org.models import User

    with app.app_context():
        hr = _db.session.scalar(select(User).where(User.employee_no == "RATER"))
        if hr is None:
            hr = User(employee_no="RATER", name="评定人")
            hr.set_roles(["hr"])
            _db.session.add(hr)
            _db.session.commit()
        services.record_rating(
            hr, _db.session.get(User, person.id), queries.get_competency(code), level, "观察"
        )


def _token_of(app, user):
    from app.org.models import User

    with app.app_context():
        return _db.session.get(User, user.id).session_token


def test_a_trainer_rates_from_the_profile_and_the_person_sees_it(app, client, login_as, make_user):
    clerk = make_user()
    login_as("trainer")
    response = client.post(
        f"/competencies/people/{clerk.id}/ratings",
        data={"code": "CM1", "level": 3, "comment": "能准确识别客户诉求"},
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        session["_user_id"] = _token_of(app, clerk)
    profile = client.get(f"/competencies/people/{clerk.id}").get_data(as_text=True)
    assert "能准确识别客户诉求" in profile
    assert 'data-testid="rating-form"' not in profile  # staff do not rate


def test_nobody_rates_themselves(client, login_as):
    me = login_as("trainer")
    response = client.post(
        f"/competencies/people/{me.id}/ratings", data={"code": "CM1", "level": 5, "comment": "x"}
    )
    assert response.status_code == 302
    assert "cannot rate yourself" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_rollup_shares_and_the_largest_gaps(app, client, login_as, make_user, take_quiz):
    met = make_user()
    below = make_user()
    take_quiz(met, {1: 3, 2: 3, 3: 3})
    take_quiz(below, {1: 1})
    login_as("hr")
    page = client.get("/competencies/rollup").get_data(as_text=True)
    assert 'data-testid="largest-gaps"' in page and 'data-testid="attainment"' in page
    gaps = client.get("/competencies/gaps/SV1").get_data(as_text=True)
    assert met.employee_no in gaps and below.employee_no in gaps  # nobody has SV1 evidence


def test_the_matrix_exports_to_xlsx_with_colours_and_a_legend(
    app, client, login_as, make_user, take_quiz
):
    clerk = make_user(name="=HYPERLINK(1)")
    take_quiz(clerk, {1: 3, 2: 2})
    login_as("hr")
    response = client.get("/competencies/matrix.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "F2"
    header = [c.value for c in sheet[1]]
    column = header.index("CM2") + 1
    cell = sheet.cell(row=2, column=column)
    assert cell.value == 2 and cell.fill.fgColor.rgb.endswith("FFC7CE")
    name = sheet.cell(row=2, column=2)
    assert name.value == "=HYPERLINK(1)" and name.data_type == "s"
    assert book.worksheets[1]["A2"].value == "SV1"


def test_pages_run_the_same_queries_whatever_the_number_of_people(
    app, client, login_as, make_user, take_quiz, count_queries
):
    hr = login_as("hr")
    first = make_user()
    take_quiz(first, {1: 3})

    def count(url):
        client.get(url)
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.n

    urls = ["/competencies/matrix", "/competencies/rollup", f"/competencies/people/{first.id}"]
    small = [count(url) for url in urls]
    for _n in range(6):
        take_quiz(make_user(job_role="CC"), {1: 2, 2: 3})
    assert [count(url) for url in urls] == small
    assert hr.id


def test_home_pages_show_gaps_and_the_matrix_summary(app, client, login_as, make_user, take_quiz):
    me = login_as("staff")
    take_quiz(me, {1: 3, 2: 2})
    home = client.get("/home").get_data(as_text=True)
    # the largest gaps first: competencies without evidence that a counter clerk needs at 4
    assert 'data-testid="home-competency-gaps"' in home and "BK1 " in home
    login_as("hr")
    home = client.get("/home").get_data(as_text=True)
    assert 'data-testid="home-competency-matrix"' in home
