"""Manual grading and a regrade in Chromium, as a trainer and a staff member would do them."""

import re

import pytest

from tests.conftest import TEST_PASSWORD
from tests.grading.test_grading import WRONG_KEY

pytestmark = pytest.mark.browser


def _context(chromium, base, identifier):
    context = chromium.new_context()
    context.set_extra_http_headers({"Accept-Language": "en"})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/login")
    page.get_by_label("Employee number or email").fill(identifier)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/home")
    return context, page


def test_essay_grading_and_regrade(live_server, _chromium, make_quiz, make_user, import_yaml):
    import_yaml(WRONG_KEY, name="key.yaml")
    make_quiz(
        title="问答测验",
        fixed=("t-key", "t-essay"),
        attempts_allowed=1,
        review_options={
            "immediately": ["marks", "feedback"],
            "open": ["marks", "feedback"],
            "closed": ["marks", "correct", "feedback"],
        },
    )
    make_user(employee_no="ST2", department="测试公司/测试分中心/测试营业厅")
    make_user(("trainer",), employee_no="TR2", department=None, job_role=None)

    staff, page = _context(_chromium, live_server, "ST2")
    page.get_by_role("link", name="My quizzes").click()
    page.get_by_role("link", name="问答测验").click()
    page.get_by_role("button", name="Start attempt").click()
    page.get_by_label("5个工作日").check()
    page.locator('[data-slot="2"] textarea').fill("受理诉求、调查核实、答复客户、回访确认。")
    page.get_by_role("button", name="Finish attempt…").click()
    page.get_by_test_id("submit-attempt").click()
    page.wait_for_url(re.compile(r".*/review$"))
    review_url = page.url
    assert page.get_by_test_id("review-state").inner_text() == "Awaiting grading"

    trainer, tpage = _context(_chromium, live_server, "TR2")
    tpage.get_by_role("link", name="Grading").click()
    tpage.get_by_role("link", name="问答测验").click()
    tpage.get_by_role("link", name="Grade response").first.click()
    assert "回访确认" in tpage.get_by_test_id("response").inner_text()
    tpage.get_by_label("Mark").fill("8")
    tpage.get_by_label("Comment for the person").fill("要点齐全，表述清楚")
    tpage.get_by_role("button", name="Save the mark").click()
    assert tpage.get_by_text("Nothing awaits a mark.").is_visible()

    page.goto(review_url)
    assert page.get_by_test_id("review-state").inner_text() == "Finished"
    assert page.get_by_test_id("review-grade").inner_text().startswith("72.73 / 100")
    assert page.get_by_text("要点齐全，表述清楚").is_visible()

    # The key was wrong: fix it (a new version) and regrade.
    import_yaml(
        WRONG_KEY.replace(
            "fraction: 0, feedback: FB-FIVE", "fraction: 1, feedback: FB-FIVE"
        ).replace("fraction: 1, feedback: FB-TEN", "fraction: 0, feedback: FB-TEN"),
        name="key.yaml",
    )
    # Regrade is a click away: the quiz's results (also its grading page, the question page).
    tpage.get_by_role("link", name="Quizzes", exact=True).click()
    tpage.get_by_role("link", name="问答测验").click()
    tpage.get_by_role("link", name="Results", exact=True).click()
    tpage.get_by_role("link", name="Regrade “钥匙题”").click()
    assert "1 mark(s) would change" in tpage.get_by_test_id("regrade-summary").inner_text()
    assert "+9.09" in tpage.get_by_test_id("regrade-changes").inner_text()
    tpage.get_by_label("Why (kept in the audit trail)").fill("标准答案录入错误")
    tpage.get_by_role("button", name="Apply the regrade").click()
    assert tpage.get_by_text("Regrade applied: 1 attempt(s) changed.").is_visible()
    page.goto(review_url)
    assert page.get_by_test_id("review-grade").inner_text().startswith("81.82 / 100")
    staff.close()
    trainer.close()
