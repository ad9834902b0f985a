"""Words, not codes, in both languages: the items a new user tripped over (issue 22), each
checked on its page; tests/test_i18n_pages.py walks every page of the demo company."""

import re
from datetime import UTC, datetime

from app.core import clock


def _import_single(app) -> None:
    """The bank's one-question test file (t-single), imported through the service."""
    from app.bank import services
    from tests.bank.test_import_service import SINGLE

    with app.app_context():
        source = services.decode_source(SINGLE.encode("utf-8"), "single.yaml")
        services.import_questions(None, [source])


ZH = {"Accept-Language": "zh-CN"}


def test_review_options_are_labelled_in_the_reader_language(client, login_as):
    login_as("trainer")
    zh = client.get("/quizzes/new", headers=ZH).get_data(as_text=True)
    assert "测验关闭后：正确答案" in zh and "作答结束后立即：" in zh
    assert "Right after the attempt" not in zh and "Marks" not in zh
    client.post("/language", data={"locale": "en"})
    en = client.get("/quizzes/new").get_data(as_text=True)
    assert "After the quiz closes: Right answers" in en


def test_roles_and_job_roles_read_as_words(client, login_as, make_user):
    make_user(("staff", "trainer"), employee_no="R1")
    login_as("hr")
    page = client.get("/org/people", headers=ZH).get_data(as_text=True)
    row = page[page.index("R1") :]
    row = row[: row.index("</tr>")]
    assert "员工" in row and "培训师" in row and "staff" not in row and "trainer" not in row
    assert "CTR 营业厅柜员" in row and "Service hall counter clerk" not in page


def test_a_course_in_progress_is_studied_an_attempt_in_progress_answered(app, client, login_as):
    from flask_babel import force_locale

    from app.courses.blueprint import STATUS_LABELS

    with app.test_request_context(), force_locale("zh_CN"):
        assert str(STATUS_LABELS["in_progress"][0]) == "学习中"
    login_as("staff")
    page = client.get("/courses/my", headers=ZH).get_data(as_text=True)
    assert "学习中" in page and "作答中" not in page


def test_the_version_table_names_the_question_name_column(app, client, login_as):
    _import_single(app)
    login_as("trainer")
    page = client.get("/bank/questions/t-single", headers=ZH).get_data(as_text=True)
    header = re.search(r"<h2[^>]*>历史版本</h2>.*?</thead>", page, re.S).group(0)
    assert '<th scope="col">名称</th>' in header and "姓名" not in header


def test_a_new_question_starts_in_a_category_named_in_chinese(client, login_as):
    login_as("trainer")
    page = client.get("/bank/questions/new?qtype=truefalse", headers=ZH).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="category"[^>]*>', page).group(0)
    assert 'value="默认"' in field and "Default" not in field


def test_english_dates_read_one_way(app, client, login_as):
    clock.freeze(datetime(2026, 3, 2, 6, 5, tzinfo=UTC))  # 14:05 in Shanghai
    _import_single(app)
    login_as("trainer")
    page = client.get("/bank/questions/t-single").get_data(as_text=True)
    assert "Mar 2, 2026, 14:05" in page
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2}\b|\d:\d\d:\d\d [AP]M", page)
    with app.test_request_context():
        from flask_babel import force_locale

        from app.core.i18n import format_date, format_datetime

        with force_locale("en"):
            moment = clock.now()
            assert (
                format_datetime(moment, "short")
                == format_datetime(moment)
                == ("Mar 2, 2026, 14:05")
            )
            assert format_date(moment.date(), "long") == "Mar 2, 2026"
            assert format_datetime(moment, "HH:mm:ss") == "14:05:00"
        with force_locale("zh_CN"):
            assert format_date(moment.date()) == "2026年3月2日"
