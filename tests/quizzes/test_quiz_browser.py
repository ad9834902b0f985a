"""A trainer builds a quiz and a staff member takes it, in Chromium, as a new user would."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, base, identifier):
    page.goto(f"{base}/login")
    page.get_by_label("Employee number or email").fill(identifier)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/home")


def _english(context):
    context.set_extra_http_headers({"Accept-Language": "en"})


def test_trainer_builds_and_staff_takes_a_quiz(
    live_server, _chromium, bank, make_user, make_department
):
    base = live_server
    make_user(("trainer",), employee_no="TR1", department=None, job_role=None)
    make_user(employee_no="ST1", department="测试公司/测试分中心/测试营业厅")

    # The trainer builds the quiz: settings, a fixed question, random questions, the audience.
    trainer = _chromium.new_context()
    _english(trainer)
    page = trainer.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, base, "TR1")
    page.goto(f"{base}/quizzes/new")
    page.get_by_label("Title").fill("浏览器测验")
    page.get_by_label("Published (staff in the audience can see and start it)").check()
    page.get_by_label("Questions per page (0 = all on one page)").fill("0")
    page.get_by_label("Time limit in minutes (empty = none)").fill("10")
    page.get_by_label("Attempts allowed (0 = unlimited)").fill("2")
    page.get_by_label("After the quiz closes: Right answers").uncheck()
    page.get_by_label("Right after the attempt: Right answers").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/quizzes/\d+/slots"))
    page.get_by_label("Question id").fill("t-short")
    page.get_by_role("button", name="Add question").click()
    page.get_by_label("Question id").fill("t-single")
    page.get_by_role("button", name="Add question").click()
    page.get_by_label("Category", exact=True).select_option(label="\u2003随机池")
    page.get_by_label("Number of questions").fill("2")
    page.get_by_role("button", name="Add random questions").click()
    assert "2 random from 题库/随机池" in page.get_by_test_id("slots").inner_text()
    page.get_by_role("link", name="Audience").click()
    page.get_by_label("Departments (with their subdepartments)").select_option(label="测试公司")
    page.get_by_role("button", name="Save audience").click()
    assert page.get_by_text("Audience saved.").is_visible()
    trainer.close()

    # The staff member starts, answers, and closes the browser.
    staff = _chromium.new_context()
    _english(staff)
    page = staff.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, base, "ST1")
    page.get_by_role("link", name="My quizzes").click()
    page.get_by_role("link", name="浏览器测验").click()
    page.get_by_role("button", name="Start attempt").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    attempt_url = page.url
    assert page.get_by_test_id("timer").is_visible()
    page.locator('[data-slot="1"] input[type=text]').fill("首问负责制")
    page.get_by_label("5个工作日").check()
    for slot in (3, 4):
        page.locator(f'[data-slot="{slot}"]').get_by_label("True").check()
    expect(page.get_by_test_id("save-status")).to_contain_text("saved")
    page.wait_for_timeout(1500)  # let the typed answer's debounced save go out
    staff.close()

    # Back again on a new browser: every answer is there.
    again = _chromium.new_context()
    _english(again)
    page = again.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, base, "ST1")
    page.goto(attempt_url)
    assert page.locator('[data-slot="1"] input[type=text]').input_value() == "首问负责制"
    assert page.get_by_label("5个工作日").is_checked()
    assert page.locator('[data-slot="3"]').get_by_label("True").is_checked()

    # Submit twice (two tabs): graded once; the review shows what the options allow.
    second_tab = again.new_page()
    second_tab.goto(attempt_url)
    page.get_by_role("button", name="Finish attempt…").click()
    second_tab.get_by_role("button", name="Finish attempt…").click()
    page.get_by_test_id("submit-attempt").click()
    second_tab.get_by_test_id("submit-attempt").click()
    page.wait_for_url(re.compile(r".*/review$"))
    second_tab.wait_for_url(re.compile(r".*/review$"))
    assert page.get_by_test_id("review-grade").inner_text().startswith("100.00 / 100")
    assert second_tab.get_by_test_id("review-grade").inner_text().startswith("100.00 / 100")
    page.get_by_role("link", name="Back to the quiz").click()
    assert page.get_by_test_id("attempts-left").inner_text() == "1"
    again.close()


def test_the_autosave_clock_shows_the_company_zone_before_and_after_a_reload(
    app, live_server, _chromium, make_quiz, make_user
):
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from app.extensions import db
    from app.quizzes.models import Attempt

    quiz_id = make_quiz(fixed=("t-single",), title="时区测验")
    make_user(employee_no="ST9", department="测试公司/测试分中心/测试营业厅")
    # The browser's computer is in New York; the company (SKILLGRID_TIMEZONE) in Shanghai.
    context = _chromium.new_context(timezone_id="America/New_York")
    _english(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, live_server, "ST9")
    page.goto(f"{live_server}/quizzes/{quiz_id}")
    page.get_by_role("button", name="Start attempt").click()
    page.get_by_label("5个工作日").check()
    expect(page.get_by_test_id("save-status")).to_contain_text("saved")
    shown = re.search(r"\d\d:\d\d:\d\d", page.get_by_test_id("save-status").inner_text()).group(0)
    with app.app_context():
        saved_at = db.session.scalar(
            select(Attempt.last_saved_at).where(Attempt.quiz_id == quiz_id)
        )
    zone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
    assert shown == saved_at.astimezone(zone).strftime("%H:%M:%S")
    page.reload()
    after = re.search(r"\d\d:\d\d:\d\d", page.get_by_test_id("save-status").inner_text()).group(0)
    assert after == shown
    context.close()
