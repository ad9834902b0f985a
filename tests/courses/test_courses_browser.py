"""In Chromium: HR assigns a mandatory course to a department; a member completes it, downloads
the certificate, the code verifies; 13 months later the course is expired and assigned again."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import clock
from app.courses import services
from app.courses.models import Certificate, Course, Enrolment
from app.extensions import db
from app.org import services as org
from app.org.models import Department, User
from tests.conftest import TEST_PASSWORD
from tests.courses.conftest import DEPT

pytestmark = pytest.mark.browser


def _sign_in(page, base_url, identifier, password=TEST_PASSWORD):
    page.context.clear_cookies()
    page.goto(f"{base_url}/login")
    page.get_by_label(re.compile("工号或电子邮箱|Employee number or email")).fill(identifier)
    page.get_by_label(re.compile("^密码$|^Password$")).fill(password)
    page.get_by_role("button", name=re.compile("^登录$|^Sign in$")).click()
    page.wait_for_url(f"{base_url}/home")


def test_mandatory_course_by_department_to_certificate_and_recertification(
    app, frozen, live_server, browser_page, make_user, make_course, make_department, tmp_path
):
    page = browser_page
    hall = make_department(DEPT, "hall")
    other_hall = make_department("测试公司/另一分中心/营业厅", "hall")
    make_user(("hr",), employee_no="HR01", department=None, job_role=None)
    learner = make_user(employee_no="B101", name="王小明", department=DEPT)
    outsider = make_user(employee_no="B102", department="测试公司/另一分中心/营业厅")
    course_id = make_course("供电服务十项承诺", lessons=1, credit_hours=2)

    # HR assigns the course to the department: fixed due date, 12-month recertification.
    _sign_in(page, live_server, "HR01")
    page.goto(f"{live_server}/courses/{course_id}/rules")
    page.locator("#target_kind").select_option("department")
    page.locator("#department_id").select_option(str(hall))
    page.locator("#due_kind").select_option("fixed")
    page.locator("#due_on").fill("2026-03-31")
    page.locator("#recert_months").fill("12")
    assert page.locator("#is_mandatory").is_checked()
    page.locator("[data-testid=rule-form] [name=submit]").click()
    page.wait_for_url(f"{live_server}/courses/{course_id}/rules")
    assert "测试公司/测试分中心/测试营业厅" in page.get_by_test_id("rules").inner_text()

    # The learner sees it on My learning, reads the lesson and gets the certificate.
    _sign_in(page, live_server, "B101")
    page.goto(f"{live_server}/courses/my")
    todo = page.get_by_test_id("my-due")
    assert "供电服务十项承诺" in todo.inner_text()
    todo.get_by_role("link", name="供电服务十项承诺").click()
    page.get_by_test_id("activities").get_by_role("link", name="第1课").click()
    page.locator("form[action$='/done'] button").click()
    page.wait_for_url(f"{live_server}/courses/{course_id}/learn")
    assert page.locator("[data-testid=enrolment-status] [data-status=completed]").count() == 1
    with page.expect_download() as download:
        page.get_by_test_id("certificate-link").click()
    pdf_path = tmp_path / "certificate.pdf"
    download.value.save_as(pdf_path)
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf_path.read_bytes())
    assert "王小明" in document[0].get_textpage().get_text_range()
    document.close()

    # The public verification page confirms the code (no sign-in needed).
    with app.app_context():
        code = db.session.scalar(select(Certificate.code))
    page.context.clear_cookies()
    page.goto(f"{live_server}/verify/{code}")
    assert "alert-success" in page.get_by_test_id("verify-result").get_attribute("class")

    # Thirteen months later: expired, and the daily job assigns it again.
    clock.advance(timedelta(days=396))
    with app.app_context():
        assert services.apply_all_rules().reopened == 1
    assert "alert-warning" in (
        page.goto(f"{live_server}/verify/{code}") and page.get_by_test_id("verify-result")
    ).get_attribute("class")
    _sign_in(page, live_server, "B101")
    page.goto(f"{live_server}/courses/my")
    assert page.locator("[data-testid=my-history] [data-status=expired]").count() == 1
    assert "供电服务十项承诺" in page.get_by_test_id("my-due").inner_text()
    assert page.get_by_test_id("my-certificates").locator("tbody tr").count() == 1
    page.screenshot(path=str(tmp_path / "my-learning.png"), full_page=True)

    # A newcomer of that department is assigned automatically; someone elsewhere is not.
    with app.app_context():
        newcomer = org.create_user(
            None,
            employee_no="B103",
            name="新同事",
            roles=["staff"],
            password=TEST_PASSWORD,
            department=db.session.get(Department, hall),
            job_role=org.job_role_by_code("CTR"),
        )
        assert db.session.scalar(
            select(Enrolment).where(
                Enrolment.user_id == newcomer.id, Enrolment.course_id == course_id
            )
        )
        assert db.session.get(Course, course_id) is not None
        assert other_hall != hall
    _sign_in(page, live_server, "B103")
    page.goto(f"{live_server}/courses/my")
    # The rule's fixed due date passed long ago, so the newcomer starts overdue.
    assert "供电服务十项承诺" in page.get_by_test_id("my-overdue").inner_text()
    with app.app_context():
        user = db.session.get(User, outsider.id)
        assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id)) is None
    _sign_in(page, live_server, "B102")
    page.goto(f"{live_server}/courses/my")
    assert "供电服务十项承诺" not in page.locator("main").inner_text()
    assert learner.id != outsider.id
