"""A staff member answers a Cloze question with the keyboard only, in Chromium, with the
screen-reader names of the blanks (第 n 空), and the review marks each blank."""

import re

import pytest

from tests.bank.test_cloze_pages import CLOZE_YAML
from tests.conftest import TEST_PASSWORD
from tests.quizzes.conftest import bank, make_quiz  # noqa: F401  (fixtures shared)

pytestmark = pytest.mark.browser


def _focused_label(page) -> str:
    return page.evaluate("document.activeElement.getAttribute('aria-label') || ''")


def _tab_to(page, label: str, limit: int = 60) -> None:
    """Press Tab until the control named ``label`` has the focus."""
    for _press in range(limit):
        if _focused_label(page) == label:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {label!r}")


def test_staff_answer_every_blank_by_keyboard_and_the_review_marks_each(
    live_server,
    _chromium,
    import_yaml,
    make_quiz,  # noqa: F811
    make_user,
):
    from playwright.sync_api import expect

    import_yaml(CLOZE_YAML, name="cloze.yaml")
    review = {"immediately": ["marks", "correct", "feedback"], "open": [], "closed": []}
    quiz_id = make_quiz(fixed=("cz-page",), title="多空填空测验", review_options=review)
    make_user(employee_no="CZ1", locale="zh_CN")
    context = _chromium.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{live_server}/login")
    page.get_by_label("工号或电子邮箱").fill("CZ1")
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/home")
    page.goto(f"{live_server}/quizzes/{quiz_id}")
    page.get_by_role("button", name="开始作答").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))

    # Every blank is a control of its own, named for screen readers, inside the sentence.
    for number in (1, 2, 3):
        assert page.get_by_label(f"第 {number} 空").is_visible()
    _tab_to(page, "第 1 空")
    page.keyboard.type("45")
    page.keyboard.press("Tab")
    assert _focused_label(page) == "第 2 空"
    page.keyboard.type("九十")
    page.keyboard.press("Tab")
    assert _focused_label(page) == "第 3 空"
    page.keyboard.press("ArrowDown")  # the empty choice, then 甲, then 乙
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("第 3 空").evaluate("s => s.options[s.selectedIndex].text") == "乙"
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("save-status")).to_contain_text("全部答案已保存于")

    page.get_by_role("button", name="结束作答…").focus()
    page.keyboard.press("Enter")
    page.get_by_test_id("submit-attempt").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/review$"))

    # (1×1 + 2×0.5 + 1×0) / 4: half the mark; each blank right, half right or wrong.
    assert page.get_by_test_id("review-grade").inner_text().startswith("50.00 / 100")
    question = page.locator("section", has=page.locator("#r1"))
    assert question.locator(".text-bg-success").count() == 1
    assert question.locator(".text-bg-warning").count() == 1
    assert question.locator(".text-bg-danger").count() == 1
    assert page.get_by_label("第 1 空").input_value() == "45"
    assert page.get_by_label("第 1 空").is_disabled()
    assert "LEAK-ANSWER-RURAL" in question.inner_text()  # the right answer, shown in review
    context.close()
