"""Cloze questions in every file format: the blanks travel inside the question text, round
trips keep them, and a malformed blank is a problem on its line (`FILE:LINE: blank 2: …`)."""

import copy
import io
import json
import textwrap
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.bank import services
from app.bank.formats import (
    FORMATS,
    detect_format,
    dump_json,
    dump_moodle_xml,
    dump_xlsx,
    dump_yaml,
    parse_json,
    parse_moodle_xml,
    parse_text,
    parse_xlsx,
    parse_yaml,
)
from app.bank.formats.cloze import parse_cloze, write_cloze
from app.bank.formats.gift import dump_gift
from app.bank.formats.xlsx import template_workbook
from app.bank.qtypes import QTYPES, QuestionData
from tests.bank.test_cloze_qtype import blanks as any_blank

cloze = QTYPES["cloze"]
QUESTION_BANK = Path(__file__).resolve().parents[2] / "question_bank"

CLOZE_TEXT = (
    "故障抢修到达现场：城区{1:NUMERICAL:=45:5#对~%50%60}分钟，\n"
    "农村{2:SA:=90分钟~%50%九十分钟#写数字}；{1:MCV:=3个工作日~5个工作日#非居民}；"
    "{1:MRH:=甲~=乙~丙}。"
)


def sample(textformat="markdown", **fields) -> QuestionData:
    """A Cloze question with every kind of blank and every common field set."""
    stored, data, issues = cloze.split_text(CLOZE_TEXT, textformat)
    assert issues == []
    values = {
        "qtype": "cloze",
        "name": "抢修时限",
        "questiontext": stored,
        "id": "cz-1",
        "category": "服务规范/十项承诺",
        "questiontextformat": textformat,
        "generalfeedback": "城区45分钟、农村90分钟。",
        "defaultmark": 5.0,
        "penalty": 0.5,
        "difficulty": 3,
        "competencies": ["SV1"],
        "tags": ["十项承诺", "多空"],
        "status": "ready",
        "source_version": "国家电网十项承诺(2023)",
        "hints": [{"text": "想一想"}],
        "data": data,
    }
    values.update(fields)
    return QuestionData(**values)


def _back(questions, problems):
    assert problems == [], [str(p) for p in problems]
    for question in questions:
        question.line = None
    return questions


def _round_trip(question: QuestionData, fmt: str) -> QuestionData:
    if fmt == "cloze":
        [back] = _back(*parse_cloze(write_cloze(question), "c.txt"))
        return back
    spec = FORMATS[fmt]
    dumped = spec.dump([question], question.category) if fmt == "yaml" else spec.dump([question])
    [back] = _back(*spec.parse(dumped, f"rt.{fmt}"))
    return back


# --- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["yaml", "json", "moodlexml", "xlsx"])
def test_a_round_trip_keeps_the_whole_question(fmt):
    question = sample()
    assert _round_trip(question, fmt) == question


@pytest.mark.parametrize("textformat", ["markdown", "html", "moodle"])
def test_a_cloze_text_file_keeps_the_text_and_the_blanks(textformat):
    question = sample(textformat)
    back = _round_trip(question, "cloze")
    # the file holds the text only: Moodle's auto-format, a name made from the text
    assert (back.questiontext, back.data) == (question.questiontext, question.data)
    assert back.questiontextformat == "moodle"
    assert back.name == "故障抢修到达现场：城区__(1)__分钟， 农村__(2)__；__(3)__；__(4)__。"
    assert back.defaultmark == 5.0  # the sum of the weights, as Moodle sets it


def test_each_format_writes_the_blanks_in_the_text():
    question = sample()
    assert "questiontext: |-\n      故障抢修到达现场：城区{1:NUMERICAL:=45:5#对~%50%60}" in (
        dump_yaml([question])
    )
    exported = json.loads(dump_json([question]))[0]
    assert "{2:SHORTANSWER:=90分钟~%50%九十分钟#写数字}" in exported["questiontext"]
    assert "blanks" not in exported
    xml = dump_moodle_xml([question])
    assert '<question type="cloze">' in xml and "{1:MULTIRESPONSE_H:=甲~=乙~丙}" in xml
    sheet = openpyxl.load_workbook(io.BytesIO(dump_xlsx([question]))).worksheets[0]
    row = {str(k.value).split()[0]: c.value for k, c in zip(sheet[1], sheet[2], strict=False)}
    assert (
        row["qtype"] == "cloze"
        and "{1:MULTICHOICE_V:=3个工作日~5个工作日#非居民}" in (row["questiontext"])
    )


def test_moodle_xml_writes_no_defaultgrade_when_the_mark_is_the_sum_of_the_weights():
    xml = dump_moodle_xml([sample()])
    assert "<defaultgrade>" not in xml
    assert parse_moodle_xml(xml, "q.xml")[0][0].defaultmark == 5.0
    other = dump_moodle_xml([sample(defaultmark=10.0)])
    assert "<defaultgrade>10</defaultgrade>" in other
    assert parse_moodle_xml(other, "q.xml")[0][0].defaultmark == 10.0


def test_a_file_that_gives_no_mark_takes_the_sum_of_the_weights():
    text = "questions:\n  - {qtype: cloze, name: a, questiontext: 'x{3:SA:=1}y{2:NM:=2}'}\n"
    [question] = _back(*parse_yaml(text, "a.yaml"))
    assert question.defaultmark == 5.0


def test_gift_cannot_hold_a_cloze_question_and_says_so_as_moodle_does():
    text = dump_gift([sample()])
    assert "// cloze: GIFT cannot hold this type; export it as Moodle XML" in text
    assert "{1:" not in text and "::抢修时限::" not in text


_TEXT = (
    st.text(alphabet=list("ab 中文\n~=#{}:%[]\\*-><&\"'@+.→"), min_size=1, max_size=20)
    .map(str.strip)
    .filter(lambda text: text and "{#" not in text)
)


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    fmt=st.sampled_from(["yaml", "json", "moodlexml", "xlsx", "cloze"]),
    before=_TEXT,
    after=_TEXT,
    blank_list=st.lists(any_blank(), min_size=1, max_size=3),
    textformat=st.sampled_from(["markdown", "html"]),
)
def test_any_text_and_blanks_survive_each_format(fmt, before, after, blank_list, textformat):
    stored = before + "".join(f"{{#{n}}} ·" for n in range(1, len(blank_list) + 1)) + after
    # only texts that do not themselves look like blanks: those are read as blanks, by design
    written = cloze.join_text(stored, {"blanks": blank_list}, textformat)
    again, data, issues = cloze.split_text(written, textformat)
    if issues or again != stored:
        return
    question = QuestionData(
        qtype="cloze",
        name="题",
        questiontext=stored.strip(),
        questiontextformat="moodle" if fmt == "cloze" else textformat,
        data=data,
        defaultmark=cloze.default_mark_for(data),
    )
    question.questiontext, data, issues = cloze.split_text(
        cloze.join_text(question.questiontext, data, question.questiontextformat),
        question.questiontextformat,
    )
    if issues:
        return
    question.data = data
    back = _round_trip(copy.deepcopy(question), fmt)
    if fmt == "cloze":
        back.name = question.name
    assert back == question


# --- problems on their lines -------------------------------------------------------------------

BAD_BLANK = "{1:NUMERICAL:=四十五}"
BAD_MESSAGE = "blank 2: answer 1: '四十五' is not a number (write digits, or * for any number)"


def test_yaml_names_the_line_of_the_blank_inside_a_block():
    text = textwrap.dedent(
        f"""\
        questions:
          - id: cz-bad
            qtype: cloze
            name: 坏
            questiontext: |
              第一行{{1:SA:=对}}
              第二行{BAD_BLANK}
        """
    )
    assert [str(p) for p in parse_yaml(text, "b.yaml")[1]] == [f"b.yaml:7: [cz-bad] {BAD_MESSAGE}"]
    one_line = text.replace("|\n      第一行", "第一行").replace("\n      第二行", " 第二行")
    assert [str(p) for p in parse_yaml(one_line, "b.yaml")[1]] == [
        f"b.yaml:5: [cz-bad] {BAD_MESSAGE}"
    ]


def test_json_names_the_line_of_the_question():
    question = json.loads(dump_json([sample()]))
    question[0]["questiontext"] = "x{1:SA:=a}" + BAD_BLANK
    text = "\n\n" + json.dumps(question, ensure_ascii=False, indent=2)
    assert [str(p) for p in parse_json(text, "b.json")[1]] == [f"b.json:4: [cz-1] {BAD_MESSAGE}"]


def test_moodle_xml_names_the_line_of_the_blank_in_the_text():
    xml = dump_moodle_xml([sample()])
    broken = xml.replace("农村{2:SHORTANSWER:", "农村\n" + BAD_BLANK + "{2:SHORTANSWER:", 1)
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if text.startswith(BAD_BLANK))
    [problem] = parse_moodle_xml(broken, "b.xml")[1]
    assert str(problem) == f"b.xml:{line}: [cz-1] {BAD_MESSAGE}"


def test_a_cloze_text_file_names_its_own_line():
    text = "\n\n第一行{1:SA:=对}\n" + BAD_BLANK + "\n"
    assert [str(p) for p in parse_cloze(text, "b.txt")[1]] == [f"b.txt:4: {BAD_MESSAGE}"]
    assert [str(p) for p in parse_cloze("  \n", "e.txt")[1]] == [
        "e.txt:1: the file is empty: expected a text with blanks such as {1:SHORTANSWER:=…}"
    ]


def _workbook(*rows: dict) -> bytes:
    book = openpyxl.Workbook()
    keys = sorted({key for row in rows for key in row})
    book.active.append(keys)
    for row in rows:
        book.active.append([row.get(key) for key in keys])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def test_excel_names_the_row_and_takes_the_cloze_text_from_the_question_column():
    content = _workbook(
        {"qtype": "多空填空", "name": "好", "questiontext": "城区{1:NM:=45}分钟"},
        {"qtype": "cloze", "name": "坏", "questiontext": "x{1:SA:=a}" + BAD_BLANK},
        {"qtype": "cloze", "name": "多", "questiontext": "{1:SA:=a}", "A": "a"},
    )
    questions, problems = parse_xlsx(content, "b.xlsx")
    assert [q.name for q in questions] == ["好"]
    assert [str(p) for p in problems] == [
        f"b.xlsx:3: [坏] {BAD_MESSAGE}",
        "b.xlsx:4: a Cloze question's blanks are written in its text ('questiontext'): leave "
        "the answer columns and 'correct' empty",
    ]


def test_the_excel_template_shows_a_cloze_example_that_imports():
    book = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    examples = book.worksheets[2]
    only = openpyxl.Workbook()
    for row in examples.iter_rows(values_only=True):
        only.active.append(row)
    stream = io.BytesIO()
    only.save(stream)
    questions, problems = parse_xlsx(stream.getvalue(), "examples.xlsx")
    assert problems == []
    [example] = [q for q in questions if q.qtype == "cloze"]
    assert len(example.data["blanks"]) == 3 and example.defaultmark == 3.0


# --- finding the format ------------------------------------------------------------------------


def test_a_txt_file_with_blanks_is_read_as_cloze_under_auto():
    assert detect_format("fixture.txt", "城区{1:SHORTANSWER:=45}分钟") == "cloze"
    assert detect_format("fixture.gift.txt", "::a::b{=c ~d}") == "gift"
    assert detect_format("bank.yaml", "questions: []") == "yaml"
    [question] = _back(*parse_text("城区{1:NM:=45}分钟", "f.txt"))
    assert question.qtype == "cloze"
    assert FORMATS["cloze"].dump is None  # import only, as Moodle's Cloze format


def test_the_import_service_is_all_or_nothing_with_cloze_files(app, db):
    good = "城区{1:NM:=45}分钟".encode()
    bad = ("x{1:SA:=a}\n" + BAD_BLANK).encode()
    with app.app_context():
        with pytest.raises(services.BankImportRejected) as rejected:
            services.import_questions(
                None,
                [services.decode_source(good, "good.txt"), services.decode_source(bad, "bad.txt")],
            )
        assert [str(p) for p in rejected.value.problems] == [f"bad.txt:2: {BAD_MESSAGE}"]
        assert services.export_questions() == []
        report = services.import_questions(None, [services.decode_source(good, "good.txt")])
        assert report.summary.startswith("1 created")
        [stored] = services.export_questions()
    assert stored.questiontext == "城区{#1}分钟" and stored.data["blanks"][0]["kind"] == "numerical"


# --- the demo bank -----------------------------------------------------------------------------


def test_the_demo_bank_has_ten_or_more_multi_blank_questions_on_the_commitments():
    path = QUESTION_BANK / "service" / "commitments_cloze.yaml"
    questions = _back(*parse_yaml(path.read_text(encoding="utf-8"), str(path)))
    assert len(questions) >= 10
    for question in questions:
        assert question.qtype == "cloze" and question.status == "ready"
        assert len(question.data["blanks"]) >= 2, question.id
        assert question.source_version and "SV1" in question.competencies
        assert cloze.grade(question.data, cloze.correct_response(question.data)) == 1.0
    kinds = {blank["kind"] for q in questions for blank in q.data["blanks"]}
    assert kinds == {"numerical", "shortanswer", "single", "multiple"}
