"""The bank pages in Chromium: a trainer imports (YAML, GIFT, Moodle XML), fixes a reported
problem, authors one question of every type with the page's script, tries each as staff would
see it, and exports the category in every format; staff are refused every bank page."""

import re

import pytest

from app.bank import services
from tests.bank.test_bank_pages_import import BROKEN, TWO
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

GIFT = """\
$CATEGORY: $course$/top/浏览器导入/GIFT

// [id:gift-1] [tag:浏览器]
::GIFT 单选::城区抢修平均到达现场时间？{=45分钟 ~90分钟 ~2小时}

::GIFT 判断::居民客户全过程办电时间不超过5个工作日。{T}
"""

MOODLE_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category">
    <category><text>$course$/top/浏览器导入/XML</text></category>
  </question>
  <question type="multichoice">
    <name><text>XML 单选</text></name>
    <questiontext format="html"><text><![CDATA[<p>供电服务热线是？</p>]]></text></questiontext>
    <generalfeedback format="html"><text></text></generalfeedback>
    <defaultgrade>1</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber>xml-1</idnumber>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <answer fraction="100" format="html">
      <text>95598</text><feedback format="html"><text></text></feedback>
    </answer>
    <answer fraction="0" format="html">
      <text>12398</text><feedback format="html"><text></text></feedback>
    </answer>
  </question>
  <question type="truefalse">
    <name><text>XML 判断</text></name>
    <questiontext format="html"><text><![CDATA[<p>电价由政府批准。</p>]]></text></questiontext>
    <generalfeedback format="html"><text></text></generalfeedback>
    <defaultgrade>1</defaultgrade>
    <penalty>1</penalty>
    <hidden>0</hidden>
    <idnumber>xml-2</idnumber>
    <answer fraction="100" format="moodle_auto_format">
      <text>true</text><feedback format="html"><text>对</text></feedback>
    </answer>
    <answer fraction="0" format="moodle_auto_format">
      <text>false</text><feedback format="html"><text>错</text></feedback>
    </answer>
  </question>
</quiz>
"""


def _sign_in(page, base_url, employee_no):
    page.goto(f"{base_url}/login")
    page.get_by_label(re.compile("工号或电子邮箱|Employee number or email")).fill(employee_no)
    page.get_by_label(re.compile("^密码$|^Password$")).fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("^登录$|^Sign in$")).click()
    page.wait_for_url(f"{base_url}/home")


@pytest.fixture
def trainer_page(live_server, browser_page, make_user):
    """A trainer (English pages) signed in; yields (page, base URL)."""
    make_user(("trainer",), employee_no="T100", locale="en", department=None, job_role=None)
    _sign_in(browser_page, live_server, "T100")
    return browser_page, live_server


def _upload(page, base_url, path):
    page.goto(f"{base_url}/bank/import")
    page.get_by_label("Question file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()


def test_trainer_imports_a_yaml_file_after_fixing_a_reported_problem(trainer_page, tmp_path):
    page, base = trainer_page
    broken = tmp_path / "抢修.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    _upload(page, base, broken)
    problems = page.get_by_test_id("import-problems")
    assert "抢修.yaml:7" in problems.inner_text() and "corect" in problems.inner_text()
    assert page.locator("#confirm-form").count() == 0
    broken.write_text(TWO, encoding="utf-8")  # the trainer fixes the file and uploads it again
    _upload(page, base, broken)
    summary = page.get_by_test_id("import-summary").inner_text()
    assert summary == "2 created, 0 new versions, 0 updated, 0 unchanged"
    page.get_by_role("button", name="Import now").click()
    page.wait_for_url(f"{base}/bank/")
    assert "Imported: 2 created" in page.get_by_role("alert").first.inner_text()
    assert page.get_by_test_id("bank-total").inner_text() == "2 questions"


@pytest.mark.parametrize(
    ("filename", "content", "category"),
    [("抢修.gift", GIFT, "浏览器导入/GIFT"), ("热线.xml", MOODLE_XML, "浏览器导入/XML")],
    ids=["gift", "moodlexml"],
)
def test_trainer_imports_gift_and_moodle_xml(trainer_page, tmp_path, filename, content, category):
    page, base = trainer_page
    path = tmp_path / filename
    path.write_text(content, encoding="utf-8")
    _upload(page, base, path)
    report = page.get_by_test_id("import-report")
    assert page.get_by_test_id("import-summary").inner_text().startswith("2 created"), (
        page.content()
    )
    assert category in report.inner_text()
    page.get_by_role("button", name="Import now").click()
    page.wait_for_url(f"{base}/bank/")
    tree = page.get_by_test_id("category-tree").inner_text()
    assert category.split("/")[-1] in tree


def _save(page):
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/bank/questions/q-[0-9a-f]+$"))
    assert "Question created as version 1." in page.get_by_role("alert").first.inner_text()


def _start(page, base, qtype, name, text):
    page.goto(f"{base}/bank/questions/new?qtype={qtype}")
    page.get_by_label("Question name").fill(name)
    page.get_by_label("Category").fill("浏览器/编写")
    page.get_by_label("Question text").fill(text)


def _try(page, answer):
    """Open the try page from the question page, answer with ``answer(page)``, check it."""
    page.get_by_role("link", name="Try it as staff").click()
    shown = page.get_by_test_id("try-question")
    shown.wait_for()
    answer(page)
    page.get_by_role("button", name="Check my answer").click()
    return page.get_by_test_id("try-mark").inner_text()


def test_trainer_authors_every_type_and_tries_each_as_staff(trainer_page):
    page, base = trainer_page

    # Single choice: the preview follows the typing; rows are added and moved in place.
    _start(page, base, "single", "居民办电", "居民客户全过程办电**不超过**几个工作日？")
    page.locator("#questiontext-preview strong").filter(has_text="不超过").wait_for()
    page.evaluate("window.stayedOnPage = true")
    page.locator("#answers-0-text").fill("10个工作日")
    page.locator("#answers-1-text").fill("5个工作日")
    page.locator("#answers-1-fraction").select_option("1")
    page.locator("#answers-1 [data-row-action=up]").click()
    assert page.locator("#answers-0-text").input_value() == "5个工作日"
    assert page.locator("#answers-0-fraction").input_value() == "1"
    assert page.locator("#answers-0 [data-row-number]").inner_text() == "1"
    more = page.get_by_role("button", name="+ More answers")
    more.focus()
    page.keyboard.press("Enter")  # keyboard only: a new empty row, focused
    assert page.evaluate("document.activeElement.id") == "answers-4-text"
    page.keyboard.type("15个工作日")
    assert page.evaluate("window.stayedOnPage") is True, "the script did it without a reload"
    _save(page)
    mark = _try(page, lambda p: p.get_by_label(re.compile(r"\. 5个工作日$")).check())
    assert mark.startswith("Mark 1.00 out of 1.00")

    # Multiple choice.
    _start(page, base, "multiple", "十个不准", "哪些行为被禁止？")
    for row, (text, grade) in enumerate(
        [("违规停电", "0.5"), ("收受礼金", "0.5"), ("主动告知", "-1")]
    ):
        page.locator(f"#answers-{row}-text").fill(text)
        page.locator(f"#answers-{row}-fraction").select_option(grade)
    _save(page)
    mark = _try(
        page,
        lambda p: (p.get_by_label("违规停电").check(), p.get_by_label("收受礼金").check()),
    )
    assert mark.startswith("Mark 1.00 out of 1.00")

    # True/false.
    _start(page, base, "truefalse", "电价审批", "电价由政府价格主管部门批准。")
    page.locator("#correct-0").check()
    _save(page)
    assert _try(page, lambda p: p.get_by_label("True").check()).startswith("Mark 1.00")

    # Short answer.
    _start(page, base, "shortanswer", "首问负责", "第一个接待客户的员工负责到底，这叫什么？")
    page.locator("#answers-0-text").fill("首问负责制")
    page.locator("#answers-0-fraction").select_option("1")
    _save(page)
    mark = _try(page, lambda p: p.get_by_label("Answer").fill("首问负责制"))
    assert mark.startswith("Mark 1.00")

    # Numerical: a negative tolerance is refused on its field, then corrected.
    _start(page, base, "numerical", "到达时限", "城区抢修平均到达现场不超过多少分钟？")
    page.locator("#answers-0-text").fill("45")
    page.locator("#answers-0-fraction").select_option("1")
    page.locator("#answers-0-tolerance").fill("-5")
    page.locator("#units-0-unit").fill("分钟")
    page.locator("#units-0-multiplier").fill("1")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "the tolerance cannot be negative" in page.get_by_test_id("form-problems").inner_text()
    assert page.locator("#answers-0-tolerance").get_attribute("aria-invalid") == "true"
    page.locator("#answers-0-tolerance").fill("5")
    _save(page)
    assert _try(page, lambda p: p.get_by_label("Answer").fill("48 分钟")).startswith("Mark 1.00")

    # Matching.
    _start(page, base, "matching", "岗位", "把岗位代码和岗位连起来。")
    pairs = [("CTR", "营业厅柜员"), ("CC", "客服座席"), ("MI", "装表接电工"), ("", "干扰项")]
    for row, (item, answer) in enumerate(pairs):
        page.locator(f"#subquestions-{row}-text").fill(item)
        page.locator(f"#subquestions-{row}-answer").fill(answer)
    _save(page)

    def match(p):
        for row, (_item, answer) in enumerate(pairs[:3]):
            p.locator(f"#answer_sub{row}").select_option(label=answer)

    assert _try(page, match).startswith("Mark 1.00 out of 1.00")

    # Essay: marked by a trainer.
    _start(page, base, "essay", "投诉闭环", "说明投诉闭环处理的步骤。")
    page.get_by_label("Information for graders").fill("受理、调查、答复、回访")
    _save(page)
    mark = _try(page, lambda p: p.get_by_label("Answer").fill("先受理，再调查。"))
    assert mark == "A trainer marks this question; there is no automatic grade."

    # Description: nothing to answer.
    _start(page, base, "description", "案例", "以下几题基于同一个案例。")
    _save(page)
    page.get_by_role("link", name="Try it as staff").click()
    assert page.get_by_text("There is nothing to answer in a description.").is_visible()

    page.goto(f"{base}/bank/?q=&category=")
    assert page.get_by_test_id("bank-total").inner_text() == "8 questions"


def test_editing_makes_a_new_version_and_history_shows_it(trainer_page, import_yaml):
    page, base = trainer_page
    import_yaml(TWO)
    page.goto(f"{base}/bank/questions/imp-2/edit")
    page.locator("#answers-1-text").fill("5小时")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "Saved as version 2" in page.get_by_role("alert").first.inner_text()
    page.get_by_role("link", name="Compare versions").click()
    assert "1 fields differ between v1 and v2." in page.get_by_test_id("diff-summary").inner_text()
    changed = page.locator("[data-changed=true]")
    assert changed.count() == 1 and "Answers" in changed.inner_text()
    assert changed.locator("del").inner_text() == "4" and changed.locator("ins").inner_text() == "5"


def test_trainer_exports_a_category_in_every_format(trainer_page, import_yaml):
    page, base = trainer_page
    import_yaml(TWO)
    page.goto(f"{base}/bank/")
    page.get_by_label("Category (with its subcategories)").select_option(label="服务规范")
    for name in services.writable_formats():
        page.get_by_label("Format", exact=True).select_option(name)
        with page.expect_download() as info:
            page.get_by_role("button", name="Download").click()
        download = info.value
        assert download.suggested_filename.startswith("服务规范."), download.suggested_filename
        with open(download.path(), "rb") as handle:
            content = handle.read()
        assert content, name
        if name in ("yaml", "json", "gift", "moodlexml"):
            assert "城区抢修平均到达现场不超过45分钟" in content.decode("utf-8"), name


def test_staff_are_refused_every_bank_page(live_server, browser_page, make_user, import_yaml):
    import_yaml(TWO)
    make_user(employee_no="S100", locale="en")
    _sign_in(browser_page, live_server, "S100")
    assert browser_page.get_by_role("link", name="Question bank").count() == 0
    for path in (
        "/bank/",
        "/bank/questions/new",
        "/bank/questions/new?qtype=single",
        "/bank/questions/imp-1",
        "/bank/questions/imp-1/versions/1",
        "/bank/questions/imp-1/edit",
        "/bank/questions/imp-1/try",
        "/bank/questions/imp-1/history",
        "/bank/import",
        "/bank/export?format=yaml",
    ):
        response = browser_page.goto(live_server + path)
        assert response.status == 403, path
        assert browser_page.get_by_role("heading", name="Access denied").is_visible()
