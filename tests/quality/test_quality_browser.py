"""In Chromium, in Chinese, as new users would: a clerk opens her service scores, follows the
composite's explanation and contests a value; HR upholds it; the clerk sees the corrected
composite and a notice. A gate violation in an imported batch gives its person the mandatory
safety course exactly once, though the month is imported twice."""

import re

import pytest

from tests.conftest import TEST_PASSWORD
from tests.courses.conftest import make_course  # noqa: F401  (fixture)
from tests.quality.conftest import PERIOD, csv_bytes

pytestmark = pytest.mark.browser
HALL = "测试公司/测试分中心/中山路营业厅"
FITTERS = "测试公司/测试分中心/装表一班"


def _sign_in(page, base_url, identifier):
    page.context.clear_cookies()
    page.goto(f"{base_url}/login")
    page.get_by_label(re.compile("工号或电子邮箱")).fill(identifier)
    page.get_by_label(re.compile("^密码$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("^登录$")).click()
    page.wait_for_url(f"{base_url}/home")


def _menu(page, item):
    nav = page.get_by_role("navigation", name="主导航")
    nav.get_by_role("button", name="服务质量").click()
    nav.get_by_role("link", name=item).click()


def _import(page, tmp_path, name, *rows):
    path = tmp_path / name
    path.write_bytes(csv_bytes(*rows))
    _menu(page, "导入得分")
    page.get_by_label("期间").fill(PERIOD)
    page.get_by_label(re.compile("得分文件")).set_input_files(str(path))
    page.get_by_role("button", name="预览").click()
    assert "K15 安全违章" in page.get_by_test_id("import-preview").inner_text()
    page.get_by_test_id("import-preview").get_by_role("button", name="导入").click()
    page.wait_for_url(re.compile(r"/quality/batches/\d+$"))


def test_a_clerk_contests_a_value_hr_upholds_it_and_she_sees_the_new_composite(
    app, live_server, browser_page, make_user, indicators, import_scores
):
    page = browser_page
    clerk = make_user(employee_no="C901", name="肖怡娟", department=HALL)
    make_user(("hr",), employee_no="H901", department=None, job_role=None)
    # K01 95.58 % scores 62; K04 and K07 at target: (25·62 + 15·100 + 10·100) / 50 = 81.00
    import_scores("2026-10", csv_bytes("C901,K01,99.1", "C901,K04,91", "C901,K07,4"))
    import_scores(PERIOD, csv_bytes("C901,K01,95.58", "C901,K04,90", "C901,K07,5"))

    # The clerk opens her scores from the menu and follows the explanation.
    _sign_in(page, live_server, "C901")
    _menu(page, "我的服务质量")
    assert page.get_by_test_id("composite-value").inner_text() == "81.00"
    page.get_by_role("link", name="这个综合得分是怎么算的？").click()
    explanation = page.get_by_test_id("explanation")
    assert explanation.is_visible()
    text = explanation.inner_text()
    assert "每项权重除以 50，而不是 100" in text
    assert "62.00 × 0.5000 = 31.00" in text
    assert "加权平均：31.00 + 30.00 + 20.00 = 81.00。" in text
    assert "综合得分：81.00" in text

    # She contests K01 with a comment.
    page.locator('tr[data-code="K01"]').get_by_role("link", name=re.compile("申诉")).click()
    assert page.get_by_test_id("contested-value").inner_text() == "95.58 %"
    page.get_by_label("这项数值为什么有误？").fill("11 月 12 日两条不满意评价是评价器故障误触。")
    page.get_by_role("button", name="申诉此数值").click()
    assert "申诉已提交" in page.locator("main").inner_text()
    assert page.locator('tr[data-code="K01"]').get_by_test_id("contest-open").is_visible()

    # HR finds it among the contests and upholds it with the corrected value.
    _sign_in(page, live_server, "H901")
    _menu(page, "数值申诉")
    row = page.get_by_test_id("waiting").locator('tr[data-employee="C901"]')
    assert "K01 客户满意率" in row.inner_text()
    row.get_by_role("link", name=re.compile("答复")).click()
    assert "评价器故障误触" in page.get_by_test_id("contest-comment").inner_text()
    page.get_by_label("答复").select_option(label="支持：更正数值")
    page.get_by_label("更正后的数值").fill("99.2")
    page.get_by_label("原因").fill("评价器故障已核实，剔除两条误触评价")
    page.get_by_role("button", name="提交答复").click()
    assert "答复已记录" in page.locator("main").inner_text()
    assert "已支持" in page.get_by_test_id("answered").inner_text()

    # The clerk sees the corrected composite, the answer and a notice.
    _sign_in(page, live_server, "C901")
    _menu(page, "我的服务质量")
    assert page.get_by_test_id("composite-value").inner_text() == "100.00"
    contest = page.get_by_test_id("contests").locator('tr[data-status="upheld"]')
    assert "99.2 %" in contest.inner_text() and "剔除两条误触评价" in contest.inner_text()
    page.get_by_role("navigation", name="主导航").get_by_role("button", name="学习").click()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="通知").click()
    notices = page.locator("main").inner_text()
    assert "您对 K01 客户满意率 2026-11 的申诉已获支持" in notices
    assert "由 95.58 % 更正为 99.2 %" in notices
    assert clerk.id


def test_a_gate_violation_in_an_imported_batch_assigns_the_safety_course_once(
    app,
    live_server,
    browser_page,
    make_user,
    indicators,
    make_course,  # noqa: F811
    tmp_path,
):
    page = browser_page
    make_user(employee_no="F901", name="周强", job_role="MI", department=FITTERS)
    make_user(employee_no="F902", name="吴刚", job_role="MI", department=FITTERS)
    make_user(("hr",), employee_no="H902", department=None, job_role=None)
    make_course("低压现场作业安全（安规）", competencies={"SF1": 3, "SF2": 3, "SF3": 2})

    # HR imports the safety records of November, then a revised file of the same month.
    _sign_in(page, live_server, "H902")
    _import(page, tmp_path, "k15.csv", "F901,K15,1", "F902,K15,0")
    _import(page, tmp_path, "k15-revised.csv", "F901,K15,2", "F902,K15,0")
    _menu(page, "否决项事件")
    event = page.get_by_test_id("gate-events").locator('tr[data-employee="F901"]')
    assert "低压现场作业安全（安规）" in event.get_by_test_id("course").inner_text()
    assert page.get_by_test_id("gate-events").locator("tbody tr").count() == 1

    # The fitter finds the course once on My learning, with the reason.
    _sign_in(page, live_server, "F901")
    nav = page.get_by_role("navigation", name="主导航")
    nav.get_by_role("button", name="学习").click()
    nav.get_by_role("link", name="我的学习").click()
    courses = page.locator('tr[data-course="低压现场作业安全（安规）"]')
    assert courses.count() == 1
    assert "K15 安全违章 2026-11：1 次" in courses.get_by_test_id("assignment-reason").inner_text()
    # a colleague without a violation has nothing assigned
    _sign_in(page, live_server, "F902")
    page.goto(f"{live_server}/courses/my")
    assert page.locator('tr[data-course="低压现场作业安全（安规）"]').count() == 0
