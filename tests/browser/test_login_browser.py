"""Signing in through the real form in Chromium, as staff and as HR."""

import re

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, base_url, identifier, password=TEST_PASSWORD):
    page.goto(f"{base_url}/login")
    page.get_by_label(re.compile("工号或电子邮箱|Employee number or email")).fill(identifier)
    page.get_by_label(re.compile("^密码$|^Password$")).fill(password)
    page.get_by_role("button", name=re.compile("^登录$|^Sign in$")).click()


def test_staff_signs_in_and_sees_their_home(live_server, browser_page, make_user, tmp_path):
    make_user(employee_no="B001", name="柜员小王")
    _sign_in(browser_page, live_server, "B001")
    browser_page.wait_for_url(f"{live_server}/home")
    assert browser_page.get_by_test_id("home-staff").is_visible()
    assert "柜员小王" in browser_page.get_by_test_id("current-user").inner_text()
    assert browser_page.get_by_test_id("home-hr").count() == 0
    browser_page.screenshot(path=str(tmp_path / "staff-home.png"), full_page=True)


def test_hr_signs_in_and_sees_the_company_overview(live_server, browser_page, make_user):
    make_user(employee_no="B002")
    make_user(("hr",), employee_no="H002", department=None, job_role=None)
    _sign_in(browser_page, live_server, "h002@example.test")
    browser_page.wait_for_url(f"{live_server}/home")
    assert browser_page.get_by_test_id("home-hr").is_visible()
    assert browser_page.get_by_test_id("active-accounts").inner_text() == "2"


def test_wrong_password_shows_the_error_and_switching_language_works(
    live_server, browser_page, make_user
):
    make_user(employee_no="B003")
    _sign_in(browser_page, live_server, "B003", "not-the-password")
    assert browser_page.get_by_text("工号、电子邮箱或密码错误。").is_visible()
    browser_page.get_by_role("button", name="English").click()
    assert browser_page.get_by_role("heading", name="Sign in to SkillGrid").is_visible()


def test_sign_out_through_the_navigation(live_server, browser_page, make_user):
    make_user(employee_no="B004")
    _sign_in(browser_page, live_server, "B004")
    browser_page.wait_for_url(f"{live_server}/home")
    browser_page.get_by_role("button", name="退出").click()
    browser_page.wait_for_url(f"{live_server}/login")
    browser_page.goto(f"{live_server}/home")
    assert browser_page.url.startswith(f"{live_server}/login")
