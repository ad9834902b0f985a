"""The statistics page and its workbook, the link from the quiz pages, and the flags the bank
shows beside its questions."""

import io
import re

import pytest
from openpyxl import load_workbook

from app.extensions import db as _db
from app.reports import services

FORMULA_QUESTION = """
questions:
  - id: t-formula
    qtype: shortanswer
    name: '=HYPERLINK("http://example.test","x")'
    category: 题库/每种题型
    status: ready
    questiontext: 输入公式
    answers:
      - {text: 首问负责制, fraction: 1}
"""


def _easy_quiz(make_quiz, take, n=20):
    """Everybody right on the true/false question, half right on the short answer."""
    quiz_id = make_quiz(fixed=("t-tf", "t-short"), title="统计测验")
    for i in range(n):
        take(quiz_id, lambda key, version, position, i=i: 1.0 if key == "t-tf" else i % 2)
    return quiz_id


def test_a_trainer_sees_the_test_and_question_statistics_in_words(
    client, login_as, make_quiz, take
):
    quiz_id = _easy_quiz(make_quiz, take)
    login_as("trainer")
    page = client.get(f"/reports/quizzes/{quiz_id}/statistics")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Test statistics" in text and "Coefficient of internal consistency" in text
    assert 'data-testid="test-statistics"' in text
    # attempt choices and question types in words, never codes
    assert "Highest-graded attempt of each person" in text
    assert "True/false" in text and "Short answer" in text
    assert ">truefalse<" not in text
    # flags: too easy, and a null discrimination reads "not enough variance", never "low"
    assert "Too easy" in text and "Not enough variance" in text
    assert "Low discrimination" not in text
    # the histogram is an SVG without script
    histogram = re.search(r'<figure[^>]*data-testid="histogram">(.*?)</figure>', text, re.S)
    assert histogram and "<svg" in histogram.group(1) and "<script" not in histogram.group(1)


def test_an_empty_quiz_says_there_is_nothing_to_analyse(client, login_as, make_quiz):
    quiz_id = make_quiz(fixed=("t-tf",))
    login_as("admin")
    text = client.get(f"/reports/quizzes/{quiz_id}/statistics").get_data(as_text=True)
    assert 'data-testid="no-attempts"' in text


def test_the_page_is_in_chinese_for_a_chinese_browser(client, login_as, make_quiz, take):
    quiz_id = _easy_quiz(make_quiz, take)
    login_as("trainer")
    text = client.get(
        f"/reports/quizzes/{quiz_id}/statistics", headers={"Accept-Language": "zh-CN"}
    ).get_data(as_text=True)
    for words in ("整卷统计", "区分度指数", "过于容易", "每人得分最高的一次", "判断题"):
        assert words in text, words


def test_answers_read_in_each_language_whoever_computed_the_statistics(
    client, login_as, make_quiz, take
):
    quiz_id = _easy_quiz(make_quiz, take, n=4)  # everybody answered True
    login_as("trainer")
    url = f"/reports/quizzes/{quiz_id}/statistics"
    english = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r"<td>True</td><td>4</td>", english)  # computed here, for an English page
    chinese = client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert re.search(r"<td>对</td><td>4</td>", chinese), "the stored payload, read in Chinese"
    assert "<td>True</td>" not in chinese
    book = client.get(f"{url}.xlsx", headers={"Accept-Language": "zh-CN"})
    responses = load_workbook(io.BytesIO(book.data))["responses"]
    assert "对" in [row[2] for row in responses.iter_rows(values_only=True)]


def _row_keys(text: str) -> list[str]:
    return re.findall(r'<tr data-row="([^"]+)"', text)


def test_the_question_table_sorts_on_the_server(client, login_as, make_quiz, take):
    quiz_id = make_quiz(fixed=("t-short", "t-tf"))
    for earn in (1.0, 1.0, 0.0, 0.0):
        take(quiz_id, lambda key, version, position, earn=earn: earn if key == "t-tf" else 0.0)
    # both discriminations are undefined: the short answer never varies, so neither does the
    # rest of the test of the true/false question
    login_as("trainer")
    url = f"/reports/quizzes/{quiz_id}/statistics"
    assert _row_keys(client.get(url).get_data(as_text=True)) == ["1", "2"]
    by_facility = client.get(url, query_string={"sort": "facility", "dir": "desc"})
    assert _row_keys(by_facility.get_data(as_text=True)) == ["2", "1"]
    ascending = client.get(url, query_string={"sort": "facility"})
    assert _row_keys(ascending.get_data(as_text=True)) == ["1", "2"]
    assert 'aria-sort="ascending"' in ascending.get_data(as_text=True)
    # undefined values go last whichever the direction (nothing varies beside question 1 here)
    for direction in ("asc", "desc"):
        page = client.get(url, query_string={"sort": "discrimination_index", "dir": direction})
        assert _row_keys(page.get_data(as_text=True)) == ["1", "2"]
    # an unknown key keeps the quiz's order
    assert _row_keys(client.get(url, query_string={"sort": "nope"}).get_data(as_text=True)) == [
        "1", "2",
    ]  # fmt: skip


def test_the_choice_of_attempts_comes_from_the_query(client, login_as, make_quiz, take):
    quiz_id = make_quiz(fixed=("t-tf",))
    _id, person = take(quiz_id, lambda *a: 0.0)
    take(quiz_id, lambda *a: 1.0, user=person)
    login_as("trainer")
    url = f"/reports/quizzes/{quiz_id}/statistics"
    first = client.get(url, query_string={"attempts": "first"}).get_data(as_text=True)
    every = client.get(url, query_string={"attempts": "all"}).get_data(as_text=True)
    assert re.search(r"Number of attempts</th><td>1<", first)
    assert re.search(r"Number of attempts</th><td>2<", every)
    assert '<option value="first" selected>' in first


def test_the_workbook_has_bold_frozen_headers_and_formula_safe_cells(
    client, login_as, make_quiz, take, import_yaml
):
    import_yaml(FORMULA_QUESTION, name="formula.yaml")
    quiz_id = make_quiz(fixed=("t-formula", "t-tf"))
    for earn in (1.0, 0.0, 1.0):
        take(quiz_id, lambda key, version, position, earn=earn: earn)
    login_as("trainer")
    response = client.get(f"/reports/quizzes/{quiz_id}/statistics.xlsx?attempts=all")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "quiz-" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["questions", "test", "responses"]
    sheet = book["questions"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1] if cell.value)
    assert [cell.value for cell in sheet[1]][:5] == [
        "Q#", "Question", "Type", "Attempts", "Facility index",
    ]  # fmt: skip
    name = sheet["B2"]
    assert name.value.startswith("=HYPERLINK") and name.data_type == "s"
    assert sheet["C3"].value == "True/false"
    assert sheet["E3"].value == pytest.approx(2 / 3)  # a fraction, shown as a percentage
    assert sheet["E3"].number_format == "0.00%"
    assert book["test"]["B4"].value == 3
    assert book["test"].freeze_panes == "A2"


def test_the_page_costs_the_same_queries_for_3_or_12_attempts(
    app, client, login_as, make_quiz, take, count_queries
):
    login_as("trainer")
    counts = {}
    for n in (3, 12):
        quiz_id = make_quiz(fixed=("t-tf", "t-short"), random=[("题库/随机池", 2)])
        for i in range(n):
            take(quiz_id, lambda key, version, position, i=i: float((i + position) % 2))
        url = f"/reports/quizzes/{quiz_id}/statistics"
        with count_queries() as computing:
            assert client.get(url).status_code == 200
        with count_queries() as cached:
            assert client.get(url).status_code == 200
        with count_queries() as exporting:
            assert client.get(url + ".xlsx").status_code == 200
        counts[n] = (computing.n, cached.n, exporting.n)
    assert counts[3] == counts[12], counts
    assert counts[3][1] <= 6, counts


def test_the_quiz_pages_link_to_the_statistics(client, login_as, make_quiz):
    quiz_id = make_quiz(fixed=("t-tf",))
    login_as("trainer")
    target = f"/reports/quizzes/{quiz_id}/statistics"
    assert target in client.get("/quizzes/manage").get_data(as_text=True)
    assert target in client.get(f"/quizzes/{quiz_id}/edit").get_data(as_text=True)


def test_staff_cannot_open_the_statistics(client, login_as, make_quiz):
    quiz_id = make_quiz(fixed=("t-tf",))
    login_as("staff")
    assert client.get(f"/reports/quizzes/{quiz_id}/statistics").status_code == 403
    assert client.get(f"/reports/quizzes/{quiz_id}/statistics.xlsx").status_code == 403


# --- flags in the bank --------------------------------------------------------------------


def test_the_bank_shows_the_flags_beside_the_question_with_its_quiz(
    app, client, login_as, make_quiz, take
):
    quiz_id = _easy_quiz(make_quiz, take)
    with app.app_context():
        from app.quizzes.models import Quiz

        services.statistics_for(_db.session.get(Quiz, quiz_id))
    login_as("trainer")
    question = client.get("/bank/questions/t-tf").get_data(as_text=True)
    flags = re.search(r'data-testid="question-flags">(.*?)</section>', question, re.S).group(1)
    assert "Too easy" in flags and "Not enough variance" in flags
    assert "统计测验" in flags and f"/reports/quizzes/{quiz_id}/statistics" in flags
    assert "over 20 attempts" in flags
    listing = client.get("/bank/", query_string={"q": "t-tf"}).get_data(as_text=True)
    badges = re.findall(r'data-testid="question-flag"[^>]*>([^<]+)<', listing)
    assert badges == ["Too easy", "Not enough variance"]
    # a question without flags shows none
    other = client.get("/bank/questions/t-single").get_data(as_text=True)
    assert 'data-testid="question-flags"' not in other


def test_bank_flags_follow_each_quizs_grading_method(app, client, login_as, make_quiz, take):
    quiz_id = _easy_quiz(make_quiz, take)
    with app.app_context():
        from app.quizzes.models import Quiz

        quiz = _db.session.get(Quiz, quiz_id)
        services.statistics_for(quiz, "first")  # not the quiz's method (highest)
    login_as("trainer")
    question = client.get("/bank/questions/t-tf").get_data(as_text=True)
    assert 'data-testid="question-flags"' not in question


def test_the_bank_list_costs_the_same_queries_with_flags(
    app, client, login_as, make_quiz, take, count_queries
):
    login_as("trainer")
    with count_queries() as before:
        client.get("/bank/")
    quiz_id = _easy_quiz(make_quiz, take)
    with app.app_context():
        from app.quizzes.models import Quiz

        services.statistics_for(_db.session.get(Quiz, quiz_id))
    with count_queries() as after:
        text = client.get("/bank/").get_data(as_text=True)
    assert "Too easy" in text
    assert after.n == before.n


def test_a_question_flagged_by_two_quizzes_shows_each_flag_once_in_the_list(
    app, client, login_as, make_quiz, take
):
    first = _easy_quiz(make_quiz, take)
    second = make_quiz(fixed=("t-tf", "t-short"), title="另一测验")
    for i in range(20):
        take(second, lambda key, version, position, i=i: 1.0 if key == "t-tf" else i % 2)
    with app.app_context():
        from app.quizzes.models import Quiz

        for quiz_id in (first, second):
            services.statistics_for(_db.session.get(Quiz, quiz_id))
    login_as("trainer")
    listing = client.get("/bank/", query_string={"q": "t-tf"}).get_data(as_text=True)
    badges = re.findall(r'data-testid="question-flag" title="([^"]*)">([^<]+)<', listing)
    assert [text for _title, text in badges] == ["Too easy", "Not enough variance"]
    assert "统计测验" in badges[0][0] and "另一测验" in badges[0][0]
    question = client.get("/bank/questions/t-tf").get_data(as_text=True)
    assert question.count("Too easy") == 2  # one per quiz on the question's page


def test_each_blank_of_a_cloze_question_is_analysed_on_the_page_and_in_the_workbook(
    app, client, login_as, make_quiz, make_user
):
    from app.extensions import db
    from app.org.models import User
    from app.quizzes import services as quiz_services
    from app.quizzes.models import Quiz

    quiz_id = make_quiz(fixed=("t-cloze",))
    for response in ({"1": "45", "2": "90分钟", "3": 0}, {"1": "30", "2": "两小时", "3": 1}):
        user = make_user()
        with app.app_context():
            attempt, _started = quiz_services.start_attempt(
                db.session.get(User, user.id), db.session.get(Quiz, quiz_id)
            )
            quiz_services.save_response(attempt, 1, response)
            quiz_services.submit_attempt(attempt)
    login_as("trainer")
    url = f"/reports/quizzes/{quiz_id}/statistics"
    text = client.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    first = re.search(r'data-testid="part-1-1">(.*?)</h3>(.*?)</table>', text, re.S)
    assert first and "第 1 空" in first.group(1) and "难度系数 50.00%" in first.group(1)
    assert "<td>45</td>" in first.group(2) and "<td>30</td>" in first.group(2)
    assert 'data-testid="part-1-3"' in text and "<td>否</td>" in text

    from io import BytesIO

    from openpyxl import load_workbook

    book = client.get(f"{url}.xlsx", headers={"Accept-Language": "zh-CN"})
    sheet = load_workbook(BytesIO(book.data))["responses"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [1, "抢修时限 · 第 2 空", "两小时", 1, 0] in rows
