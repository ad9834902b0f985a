"""The Content-Security-Policy in Chromium: pages work under it, charts keep their style.

Chromium reports every blocked script, style or frame on the console ("Refused to … because it
violates the following Content Security Policy directive"); none may appear on the pages walked
here, and the radar charts' own <style> (allowed by the response's nonce) must apply.
"""

import re

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, base_url, identifier):
    page.goto(f"{base_url}/login")
    page.get_by_label(re.compile("工号或电子邮箱|Employee number or email")).fill(identifier)
    page.get_by_label(re.compile("^密码$|^Password$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("^登录$|^Sign in$")).click()
    page.wait_for_url(f"{base_url}/home")


@pytest.fixture
def csp_messages(browser_page):
    """Console messages and page errors about the Content Security Policy."""
    seen: list[str] = []
    browser_page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    browser_page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    return seen


def test_a_chart_page_renders_styled_without_violations(
    live_server, browser_page, make_user, csp_messages
):
    make_user(("hr",), employee_no="H0901", department=None, job_role=None)
    _sign_in(browser_page, live_server, "H0901")
    browser_page.goto(f"{live_server}/competencies/profiles/CTR")
    chart = browser_page.locator("svg.pygal-chart").first
    chart.wait_for()
    # the chart's <style> sets the title to 14px and the legend to 12px; unstyled SVG text
    # would inherit the page's 16px
    title_size = chart.locator(".title").first.evaluate("e => getComputedStyle(e).fontSize")
    assert title_size == "14px"
    nonce = browser_page.evaluate("document.querySelector('svg.pygal-chart style').nonce")
    assert nonce  # the browser saw the nonce (and hides it from the attribute)
    assert csp_messages == []


@pytest.mark.parametrize(
    "path",
    [
        "/home",
        "/bank/",
        "/bank/questions/new",
        "/courses/manage",
        "/org/departments",
        "/audit/",
        "/api/v1/docs",
        "/no-such-page",
    ],
)
def test_pages_raise_no_policy_violation(live_server, browser_page, make_user, csp_messages, path):
    make_user(("admin", "trainer", "hr"), employee_no="A0901", department=None, job_role=None)
    _sign_in(browser_page, live_server, "A0901")
    browser_page.goto(f"{live_server}{path}")
    browser_page.wait_for_load_state("networkidle")
    assert csp_messages == [], path


def test_the_quiz_page_script_runs_under_the_policy(
    live_server, browser_page, make_user, make_quiz, csp_messages
):
    make_user(employee_no="S0901")
    quiz_id = make_quiz(fixed=("t-single",))
    _sign_in(browser_page, live_server, "S0901")
    browser_page.goto(f"{live_server}/quizzes/{quiz_id}")
    browser_page.get_by_role("button", name=re.compile("开始|Start")).first.click()
    browser_page.wait_for_url(re.compile(r".*/attempts/\d+"))
    browser_page.locator("input[type=radio]").first.check()
    # attempt.js autosaves (its status line changes only when the script runs)
    status = browser_page.get_by_test_id("save-status")
    browser_page.wait_for_function(
        "() => /已保存|saved at/i.test(document.getElementById('save-status').textContent)"
    )
    assert status.inner_text()
    assert csp_messages == []
