"""A trainer opens a quiz's statistics from the quiz list, sorts the questions, downloads the
workbook and finds the flags beside the question in the bank, in Chromium."""

import re

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_a_trainer_sees_the_statistics_and_the_flags(
    live_server, _chromium, make_quiz, take, make_user
):
    quiz_id = make_quiz(fixed=("t-tf", "t-short"), title="浏览器统计测验")
    for i in range(20):
        take(quiz_id, lambda key, version, position, i=i: 1.0 if key == "t-tf" else i % 2)
    make_user(("trainer",), employee_no="TR9", department=None, job_role=None)

    context = _chromium.new_context(accept_downloads=True)
    context.set_extra_http_headers({"Accept-Language": "en"})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server}/login")
    page.get_by_label("Employee number or email").fill("TR9")
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/home")

    # from the quiz list to the statistics
    page.goto(f"{live_server}/quizzes/manage")
    page.get_by_role("row", name=re.compile("浏览器统计测验")).get_by_role(
        "link", name="Statistics"
    ).click()
    page.wait_for_url(re.compile(rf".*/reports/quizzes/{quiz_id}/statistics"))
    test = page.get_by_test_id("test-statistics")
    assert "20" in test.get_by_role("row", name="Number of attempts").inner_text()
    assert page.get_by_test_id("histogram").locator("svg").count() == 1
    table = page.get_by_test_id("question-statistics")
    true_false = table.locator('tr[data-row="1"]')
    assert "True/false" in true_false.inner_text()
    assert true_false.get_by_test_id("flag").all_inner_texts() == [
        "Too easy",
        "Not enough variance",
    ]

    # sorted on the server by facility, highest first
    table.get_by_role("link", name="Facility index").click()
    table.get_by_role("link", name="Facility index ▲").click()
    page.wait_for_url(re.compile(r".*sort=facility&dir=desc"))
    rows = page.get_by_test_id("question-statistics").locator("tbody tr")
    assert rows.first.get_attribute("data-row") == "1"

    # the workbook
    with page.expect_download() as download:
        page.get_by_role("link", name="Download XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # the flag beside the question in the bank, linking back to the statistics
    page.get_by_role("link", name="判断").first.click()
    page.wait_for_url(re.compile(r".*/bank/questions/t-tf"))
    flags = page.get_by_test_id("question-flags")
    assert "Too easy" in flags.inner_text()
    flags.get_by_role("link", name="浏览器统计测验").first.click()
    page.wait_for_url(re.compile(rf".*/reports/quizzes/{quiz_id}/statistics.*"))
    page.goto(f"{live_server}/bank/?q=t-tf")
    assert "Too easy" in page.get_by_test_id("bank-list").inner_text()
    context.close()
