"""In Chromium, in Chinese: HR assigns the course that training needs recommend; the clerk sees
why on My learning and in the notice."""

import re

import pytest

from tests.competencies.test_competencies_browser import _sign_in
from tests.needs.conftest import PERIOD
from tests.needs.test_needs import CALMING, _plant

pytestmark = pytest.mark.browser


def test_hr_assigns_a_recommended_course_and_the_clerk_reads_the_reason(
    app,
    live_server,
    browser_page,
    indicators,
    make_user,
    take_quiz,
    rate,
    import_scores,
    make_course,
):
    page = browser_page
    make_user(("hr",), employee_no="H903", department=None, job_role=None)
    _plant(make_user, take_quiz, rate, import_scores, make_course)
    _sign_in(page, live_server, "H903")
    nav = page.get_by_role("navigation", name="主导航")
    nav.get_by_role("button", name="能力素质").click()
    nav.get_by_role("link", name="培训需求").click()
    page.locator("#period").fill(PERIOD)
    page.get_by_role("button", name="显示").click()
    row = page.locator('tr[data-person="N0008"]')
    assert row.locator("li[data-code]").first.get_attribute("data-code") == "CM2"
    row.get_by_label(re.compile(CALMING)).check()
    page.get_by_role("button", name="分配勾选的课程").click()
    assert "已分配 1 门课程" in page.locator("main").inner_text()
    flagged = page.locator('tr[data-person="N0009"] [data-testid=flag]')
    assert "K01 客户满意率" in flagged.inner_text()

    _sign_in(page, live_server, "N0008")
    page.goto(f"{live_server}/courses/my")
    reason = page.get_by_test_id("assignment-reason").inner_text()
    assert "K01 客户满意率 62 分" in reason and "CM2" in reason and "差 2 级" in reason
    page.goto(f"{live_server}/notifications")
    assert "K01 客户满意率 62 分" in page.locator("main").inner_text()
