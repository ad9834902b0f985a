"""In Chromium, as a new user would: HR opens the dashboard from the Reports menu, follows the
overdue number to its list, exports it to XLSX and prints the department's report to PDF; a
manager reaches their staff's quiz results from the menu and no one else's."""

import io
import re

import pytest
from openpyxl import load_workbook

from tests.conftest import TEST_PASSWORD
from tests.reports.company import *  # noqa: F403

pytestmark = pytest.mark.browser


def _sign_in(page, base_url, employee_no):
    page.context.clear_cookies()
    page.goto(f"{base_url}/login")
    page.get_by_label("工号或电子邮箱").fill(employee_no)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/home")


def _menu(page, item: str):
    """Open the Reports menu and follow ``item``."""
    menu = page.get_by_test_id("reports-menu")
    menu.get_by_role("button", name="报表").click()
    menu.get_by_role("link", name=item, exact=True).click()


def _download(page, link, tmp_path, name) -> bytes:
    with page.expect_download() as download:
        link.click()
    path = tmp_path / name
    download.value.save_as(path)
    return path.read_bytes()


def _png_ink_and_text(pdf: bytes, tmp_path) -> tuple[int, str]:
    """The first page rendered to PNG: its dark pixels; and the text of every page."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=1).to_pil()
        image.save(tmp_path / "report.png")
        grey = image.convert("L").tobytes()
        ink = sum(1 for value in grey if value < 160)
        text = "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    return ink, text


def test_hr_follows_the_overdue_number_exports_and_prints(
    live_server, browser_page, company, tmp_path
):
    page = browser_page
    page.context.set_extra_http_headers({"Accept-Language": "zh-CN"})
    _sign_in(page, live_server, "H001")
    assert page.get_by_test_id("home-dashboard").is_visible()

    _menu(page, "综合看板")
    page.wait_for_url(re.compile(r".*/reports/dashboard"))
    overdue = page.get_by_test_id("figure-overdue")
    assert overdue.inner_text() == "4"
    overdue.click()
    page.wait_for_url(re.compile(r".*/reports/assignments\?.*status=overdue"))
    rows = page.get_by_test_id("assignments").locator("tbody tr[data-person]")
    assert rows.count() == 4 and "已逾期" in rows.first.inner_text()

    workbook = _download(page, page.get_by_test_id("export-xlsx"), tmp_path, "overdue.xlsx")
    sheet = load_workbook(io.BytesIO(workbook)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["工号", "姓名"]
    assert sorted(row[0] for row in values[1:]) == ["N2", "N2", "S2", "S2"]
    assert {row[values[0].index("状态")] for row in values[1:]} == {"已逾期"}

    # the north district's report, printed
    _menu(page, "综合看板")
    page.wait_for_url(re.compile(r".*/reports/dashboard"))
    north = page.locator("#department option", has_text="北区").first.get_attribute("value")
    page.locator("#department").select_option(north)
    page.get_by_role("button", name="显示").click()
    page.wait_for_url(re.compile(r".*department=\d+"))
    assert "北区" in page.get_by_test_id("dashboard-title").inner_text()
    pdf = _download(page, page.get_by_test_id("competency-pdf"), tmp_path, "report.pdf")
    ink, text = _png_ink_and_text(pdf, tmp_path)
    assert ink > 2000, "the printed page is blank"
    assert "能力报告" in text and "测试公司/北区" in text
    pdf = _download(page, page.get_by_test_id("dashboard-pdf"), tmp_path, "dashboard.pdf")
    ink, text = _png_ink_and_text(pdf, tmp_path)
    assert ink > 2000 and "培训覆盖率" in text and "北区" in text


def test_a_manager_reaches_only_their_staffs_quiz_results(
    live_server, browser_page, company, take_quiz, cm2_quiz
):
    take_quiz(company.n1, {1: 3, 2: 3, 3: 3})
    take_quiz(company.s1, {1: 1})
    page = browser_page
    page.context.set_extra_http_headers({"Accept-Language": "zh-CN"})
    _sign_in(page, live_server, "M001")

    _menu(page, "测验成绩")
    page.wait_for_url(f"{live_server}/reports/quizzes")
    page.get_by_test_id("quiz-list").get_by_role("link", name="情绪安抚测验").click()
    page.wait_for_url(re.compile(rf".*/reports/quizzes/{cm2_quiz}/results"))
    people = page.get_by_test_id("results").locator("tbody tr[data-person]")
    assert [people.nth(i).get_attribute("data-person") for i in range(people.count())] == ["N1"]
    assert "南区甲" not in page.content()
    # the department filter offers only the manager's subtree
    options = page.locator("#department option").all_inner_texts()
    assert any("北区" in o for o in options) and not any("南区" in o for o in options)
