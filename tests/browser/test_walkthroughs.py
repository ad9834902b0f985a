"""Each role walked through its pages in Chromium as a new user would, with an axe-core check
(WCAG 2.1 AA) of every page reached: any serious or critical violation fails the walk.

The trainer builds a quiz by clicking only: search the bank, add a question with its button,
tick two more and add them together, read the draft warning, mark the draft ready from the
bank's bulk menu, publish, choose the audience.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from app.extensions import db
from app.org.models import User
from app.quizzes import services as quizzes
from app.quizzes.models import Quiz
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

DEPT = "测试公司/测试分中心/测试营业厅"
#: what the audit holds a page to (WCAG 2.0 and 2.1, levels A and AA)
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
DRAFT = """\
category: 题库/新题
questions:
  - id: d-draft
    qtype: truefalse
    name: 新导入的判断题
    questiontext: 95598 服务热线全天 24 小时受理。
    correct: true
"""


class Walk:
    """One role's walk: a signed-in page, and axe's findings on every page it reaches."""

    axe = Axe()

    def __init__(self, chromium, base: str, identifier: str, language: str = "en") -> None:
        self.base = base
        self.context = chromium.new_context(
            locale="zh-CN" if language == "zh" else "en-US", bypass_csp=True
        )
        if language == "en":
            self.context.set_extra_http_headers({"Accept-Language": "en"})
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.problems: list[str] = []
        self.checked: list[str] = []
        self.page.goto(f"{base}/login")
        self.page.locator("#identifier").fill(identifier)
        self.page.locator("#password").fill(TEST_PASSWORD)
        self.page.locator("form [type=submit]").last.click()
        self.page.wait_for_url(f"{base}/home")
        self.check()

    def check(self) -> None:
        """Run axe on the page as it is now; keep its serious and critical violations."""
        self.page.wait_for_load_state("domcontentloaded")
        found = self.axe.run(self.page, options=AXE_OPTIONS).response["violations"]
        path = self.page.url.removeprefix(self.base)
        for violation in found:
            if violation["impact"] in ("serious", "critical"):
                nodes = [node["target"] for node in violation["nodes"][:3]]
                self.problems.append(
                    f"{path}: {violation['id']} ({violation['impact']}, "
                    f"{len(violation['nodes'])}×) {nodes}"
                )
        self.checked.append(path)

    def visit(self, *paths: str) -> None:
        """Open each page by its address and check it."""
        for path in paths:
            response = self.page.goto(self.base + path)
            assert response is not None and response.ok, f"{path}: {response and response.status}"
            self.check()

    def close(self) -> None:
        """End the walk: nothing serious or critical on any page it reached."""
        self.context.close()
        assert self.checked, "no page was checked"
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture
def world(app, bank, make_quiz, make_course, assign, make_user, make_department, import_yaml):
    """Five people, a published quiz taken once, a course assigned to the hall, a draft."""
    import_yaml(DRAFT, name="draft.yaml")
    people = {
        "staff": make_user(employee_no="W-ST", name="柜员小王", department=DEPT),
        "trainer": make_user(("trainer",), employee_no="W-TR", name="培训师周敏"),
        "hr": make_user(("hr",), employee_no="W-HR", department=None, job_role=None),
        "admin": make_user(("admin",), employee_no="W-AD", department=None, job_role=None),
        "manager": make_user(employee_no="W-MG", department=DEPT, manages=["测试公司/测试分中心"]),
    }
    full_review = {time: ["marks", "correct", "feedback"] for time in ("immediately", "open")}
    quiz_id = make_quiz(
        fixed=("t-single", "t-match", "t-tf", "t-short", "t-essay"),
        title="窗口服务测验",
        review_options={**full_review, "closed": ["marks", "correct", "feedback"]},
    )
    course_id = make_course("窗口服务礼仪", lessons=2, quiz_ids=(quiz_id,))
    assign(course_id, department=DEPT, due_kind="after_assignment", due_days=30)
    with app.app_context():
        staff = db.session.get(User, people["staff"].id)
        attempt, _new = quizzes.start_attempt(staff, db.session.get(Quiz, quiz_id))
        quizzes.save_response(attempt, 5, "先安抚客户，受理诉求，按时限答复并回访。")
        quizzes.submit_attempt(attempt)  # a finished attempt to review (and an essay to grade)
        attempt_id = attempt.id
    return {"people": people, "quiz_id": quiz_id, "course_id": course_id, "attempt": attempt_id}


def test_staff_walks_through_learning_a_quiz_and_its_review(live_server, _chromium, world):
    walk = Walk(_chromium, live_server, "W-ST", language="zh")
    page = walk.page
    # A keyboard user sees where they are in the navigation bar: a ring around the link.
    home = page.locator("nav.navbar").get_by_role("link", name="首页")
    home.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = home.evaluate(
        "el => [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineColor]"
    )
    assert ring == ["solid", "rgb(255, 212, 59)"], ring
    page.get_by_role("link", name="我的测验").click()
    walk.check()
    page.get_by_role("link", name="窗口服务测验").click()
    walk.check()
    page.get_by_role("button", name="开始作答").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    walk.check()  # every question type on one page, the matching lists among them
    page.get_by_role("button", name="结束作答…").click()
    walk.check()
    page.get_by_test_id("submit-attempt").click()
    page.wait_for_url(re.compile(r".*/review$"))
    walk.check()
    walk.visit(
        f"/attempts/{world['attempt']}/review",
        "/courses/my",
        "/courses/catalogue",
        f"/courses/{world['course_id']}/learn",
        "/notifications",
        f"/competencies/people/{world['people']['staff'].id}",
        "/competencies/",
    )
    walk.close()


def test_trainer_builds_a_quiz_by_clicking_only(live_server, _chromium, world):
    walk = Walk(_chromium, live_server, "W-TR")
    page = walk.page
    assert page.get_by_test_id("home-trainer").is_visible()
    page.get_by_test_id("home-quizzes").get_by_role("link", name="New quiz").click()
    walk.check()
    page.get_by_label("Title").fill("点选组卷测验")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/quizzes/\d+/slots"))
    quiz_url = page.url
    walk.check()

    # Search the whole bank (nothing typed) and add questions with their buttons.
    page.get_by_role("button", name="Search").click()
    results = page.get_by_test_id("search-results")
    assert "True/false" in results.inner_text() and "(truefalse)" not in results.inner_text()
    walk.check()
    page.get_by_role("button", name="Add 居民办电时间").click()
    assert page.get_by_text("1 question(s) added.").is_visible()
    page.get_by_label("Select 判断", exact=True).check()
    page.get_by_label("Select 新导入的判断题").check()
    page.get_by_test_id("add-selected").click()
    assert page.get_by_text("2 question(s) added.").is_visible()
    slots = page.get_by_test_id("slots").inner_text()
    for words in ("居民办电时间", "Single choice", "SV1 ", "新导入的判断题", "Draft"):
        assert words in slots, words
    assert page.get_by_test_id("unready-warning").is_visible()
    walk.check()

    # Publishing waits for the draft: the settings say which question is not ready.
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Published (staff in the audience can see and start it)").check()
    page.get_by_role("button", name="Save").click()
    assert "cannot be published yet" in page.locator(".alert-danger").inner_text()
    walk.check()

    # Mark the draft ready from the bank's bulk menu, then publish.
    page.get_by_role("link", name="Question bank", exact=True).first.click()
    walk.check()
    page.get_by_role("row", name=re.compile("新导入的判断题")).get_by_role("checkbox").check()
    page.get_by_label("With the selected questions").select_option("ready")
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_text("1 of 1 questions changed.").is_visible()
    page.goto(quiz_url)
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Published (staff in the audience can see and start it)").check()
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("Quiz saved.").is_visible()
    page.get_by_role("link", name="Audience").click()
    page.get_by_label("Departments (with their subdepartments)").select_option(label="测试公司")
    page.get_by_role("button", name="Save audience").click()
    assert page.get_by_text("Audience saved.").is_visible()
    walk.check()

    # Grading and regrading are a click away from the quiz and the question.
    quiz_id = world["quiz_id"]
    walk.visit(
        "/home",
        "/bank/",
        "/bank/questions/t-single",
        "/bank/questions/new",
        "/bank/questions/new?qtype=single",
        "/bank/questions/t-match/edit",
        "/bank/import",
        "/quizzes/manage",
        f"/grading/quizzes/{quiz_id}",
        f"/grading/quizzes/{quiz_id}/results",
        "/courses/manage",
        f"/courses/{world['course_id']}/edit",
    )
    page.get_by_role("link", name="Grading").click()
    page.get_by_role("link", name="窗口服务测验").click()
    walk.check()
    page.get_by_role("link", name="Grade response").first.click()
    walk.check()
    page.go_back()
    page.get_by_role("link", name="Regrade “居民办电时间”").click()
    assert "Regrade question t-single" in page.locator("h1").inner_text()
    walk.check()
    walk.close()


def test_hr_walks_through_people_courses_and_results(live_server, _chromium, world):
    walk = Walk(_chromium, live_server, "W-HR")
    walk.visit(
        "/org/people",
        "/org/departments",
        "/courses/manage",
        f"/courses/{world['course_id']}/rules",
        f"/courses/{world['course_id']}/stats",
        f"/grading/quizzes/{world['quiz_id']}/results",
        "/competencies/matrix",
        "/competencies/profiles",
    )
    walk.close()


def test_manager_walks_through_the_team(live_server, _chromium, world):
    walk = Walk(_chromium, live_server, "W-MG", language="zh")
    walk.visit(
        "/org/people",
        "/courses/team",
        "/courses/hours",
        f"/courses/people/{world['people']['staff'].id}",
        "/quizzes/",
    )
    walk.close()


def test_admin_walks_through_accounts_and_imports(live_server, _chromium, world):
    walk = Walk(_chromium, live_server, "W-AD")
    walk.visit(
        "/org/users",
        "/org/users/new",
        f"/org/users/{world['people']['staff'].id}",
        "/org/users/import",
        "/admin/api-tokens",
        "/org/departments",
    )
    walk.close()
