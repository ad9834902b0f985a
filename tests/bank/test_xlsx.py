"""Excel workbooks: the bilingual template, row-numbered problems, formula-safe export."""

import base64
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from app.bank import services
from app.bank.formats import detect_format, dump_xlsx, parse_xlsx
from app.bank.formats.xlsx import COLUMN_KEYS, EXAMPLES, template_workbook
from app.bank.models import Question
from app.bank.qtypes import QuestionData

HEADER = ["id", "category", "qtype", "name", "questiontext", "A", "B", "C", "D", "correct",
          "feedback_A", "feedback_B", "difficulty", "competencies", "tags", "status",
          "more"]  # fmt: skip


def workbook(*rows, header=HEADER) -> bytes:
    """A workbook whose first sheet holds `header` then `rows` (dicts by column key)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(key.split()[0]) for key in header])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def read(*rows, **options) -> list[QuestionData]:
    questions, problems = parse_xlsx(workbook(*rows, **options), "q.xlsx")
    assert problems == [], [str(p) for p in problems]
    return questions


def problems_of(*rows, **options) -> list[str]:
    return [str(p) for p in parse_xlsx(workbook(*rows, **options), "q.xlsx")[1]]


def test_template_has_questions_guide_and_examples_in_both_languages():
    book = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    questions, guide, examples = book.worksheets
    assert questions.title == "题目 Questions" and questions.max_row == 1
    header = [cell.value for cell in questions[1]]
    assert header[:5] == [
        "id\n编号",
        "category\n分类",
        "qtype\n题型",
        "name\n题目名称",
        "questiontext\n题干",
    ]
    assert [h.split()[0] for h in header] == list(COLUMN_KEYS)
    guide_text = " ".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    assert "正确答案" in guide_text and "the letters" in guide_text
    assert examples.max_row == len(EXAMPLES) + 1


def test_the_template_examples_import_cleanly():
    book = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    examples = book.worksheets[2]
    stream = io.BytesIO()
    only = openpyxl.Workbook()
    for row in examples.iter_rows(values_only=True):
        only.active.append(row)
    only.save(stream)
    questions, problems = parse_xlsx(stream.getvalue(), "examples.xlsx")
    assert problems == []
    assert [q.qtype for q in questions] == [
        "single", "multiple", "truefalse", "shortanswer", "numerical", "cloze", "matching",
        "essay", "description",
    ]  # fmt: skip


def test_choice_rows_read_letters_and_weights():
    single, multiple, weighted = read(
        {"qtype": "单选", "name": "S", "questiontext": "?", "A": "a", "B": "b", "correct": "B",
         "feedback_A": "no", "competencies": "SV1、BK1", "tags": "x, y", "status": "可用",
         "difficulty": "难"},
        {"qtype": "multiple", "name": "M", "questiontext": "?", "A": "a", "B": "b", "C": "c",
         "correct": "A，C"},
        {"qtype": "multiple", "name": "W", "questiontext": "?", "A": "a", "B": "b", "C": "c",
         "correct": "A:50%, B:50%, C:-100%"},
    )  # fmt: skip
    assert [a["fraction"] for a in single.data["answers"]] == [0.0, 1.0]
    assert single.data["answers"][0]["feedback"] == "no"
    assert (single.competencies, single.tags) == (["SV1", "BK1"], ["x", "y"])
    assert (single.status, single.difficulty) == ("ready", 3)
    assert [a["fraction"] for a in multiple.data["answers"]] == [0.5, -1.0, 0.5]
    assert [a["fraction"] for a in weighted.data["answers"]] == [0.5, 0.5, -1.0]


def test_other_types_read_their_correct_column():
    tf, short, num, match, essay = read(
        {"qtype": "判断", "name": "T", "questiontext": "?", "correct": "错", "feedback_A": "w"},
        {"qtype": "填空", "name": "S", "questiontext": "?", "correct": "首问负责制\n首问制"},
        {"qtype": "数值", "name": "N", "questiontext": "?", "correct": "220±1"},
        {"qtype": "匹配", "name": "M", "questiontext": "?", "A": "a=1\nb=2", "B": "c=3",
         "C": "*=4", "D": "\\*=5"},
        {"qtype": "问答", "name": "E", "questiontext": "?", "correct": "要点"},
    )  # fmt: skip
    assert tf.data == {"correct": False, "truefeedback": "w", "falsefeedback": ""}
    assert [a["text"] for a in short.data["answers"]] == ["首问负责制", "首问制"]
    assert (num.data["answers"][0]["text"], num.data["answers"][0]["tolerance"]) == ("220", 1.0)
    assert [(s["text"], s["answer"]) for s in match.data["subquestions"]] == [
        ("a", "1"), ("b", "2"), ("c", "3"), ("", "4"), ("*", "5"),
    ]  # fmt: skip
    assert essay.data["graderinfo"] == "要点"


def test_problems_carry_the_row_number():
    assert problems_of(
        {"qtype": "single", "name": "ok", "questiontext": "?", "A": "a", "B": "b", "correct": "A"},
        {"qtype": "single", "name": "bad", "questiontext": "?", "A": "a", "B": "b", "correct": "C"},
        {},
        {"qtype": "single", "name": "bad2", "questiontext": "?", "A": "a", "B": "b",
         "correct": "A", "difficulty": 7},
        {"qtype": "judge", "name": "x", "questiontext": "?"},
    ) == [
        "q.xlsx:3: 'correct' names answer C, whose cell is empty",
        "q.xlsx:5: [bad2] 'difficulty' must be 1, 2 or 3",
        "q.xlsx:6: [x] unknown question type 'judge' (expected one of: single, multiple, "
        "truefalse, shortanswer, numerical, cloze, matching, essay, description)",
    ]  # fmt: skip


def test_a_bad_header_is_reported():
    assert problems_of(header=["qtype", "name", "题干", "colour"]) == [
        "q.xlsx:1: unknown column 'colour'"
    ]
    assert problems_of(header=["name", "questiontext"]) == [
        "q.xlsx:1: the header row (row 1) has no 'qtype' column"
    ]


def test_something_else_than_a_workbook_is_a_problem():
    assert parse_xlsx(b"PK\x03\x04 not really", "q.xlsx")[1][0].message == (
        "this is not an Excel workbook (.xlsx)"
    )


def test_more_holds_json_and_may_not_repeat_a_column():
    [question] = read({"qtype": "truefalse", "name": "T", "questiontext": "?", "correct": "对",
                       "more": '{"penalty": 0.5, "hints": ["看规则"]}'})  # fmt: skip
    assert (question.penalty, question.hints) == (0.5, [{"text": "看规则"}])
    assert problems_of(
        {
            "qtype": "truefalse",
            "name": "T",
            "questiontext": "?",
            "correct": "对",
            "more": '{"name": "x"}',
        }
    ) == [  # fmt: skip
        "q.xlsx:2: 'name' has its own column; leave it out of 'more'"
    ]


def test_export_writes_formula_like_cells_as_text():
    question = QuestionData(
        qtype="shortanswer",
        name='=HYPERLINK("http://x")',
        questiontext="+1 or -1 @home",
        data={"usecase": False, "answers": [{"text": "=1+1", "fraction": 1.0, "feedback": ""}]},
    )
    book = openpyxl.load_workbook(io.BytesIO(dump_xlsx([question])))
    row = {cell.value.split()[0]: cell for cell in book.active[1] if cell.value}
    cells = {key: book.active.cell(row=2, column=cell.column) for key, cell in row.items()}
    for key in ("name", "questiontext", "correct"):
        assert cells[key].data_type == "s" and cells[key].quotePrefix
    [back] = parse_xlsx(dump_xlsx([question]), "x.xlsx")[0]
    assert (back.name, back.data["answers"][0]["text"]) == (question.name, "=1+1")


def test_detected_by_extension_and_zip_signature():
    assert detect_format("q.xlsx") == "xlsx"
    assert detect_format("upload.bin", template_workbook()) == "xlsx"


def test_service_imports_a_workbook_from_bytes_all_or_nothing(app, db):
    good = {"qtype": "truefalse", "name": "T", "questiontext": "?", "correct": "对"}
    bad = {"qtype": "truefalse", "name": "U", "questiontext": "?", "correct": "maybe"}
    with app.app_context():
        source = services.decode_source(workbook(good, bad), "upload")
        assert isinstance(source[1], bytes)
        with pytest.raises(services.BankImportRejected) as caught:
            services.import_questions(None, [source])
        assert [str(p) for p in caught.value.problems] == [
            "upload:3: 'correct' of a true/false question is true or false (对 or 错)"
        ]
        assert db.session.scalar(select(func.count(Question.id))) == 0
        report = services.import_questions(None, [services.decode_source(workbook(good), "a.xlsx")])
        assert report.count("create") == 1


def test_cli_template_and_export(runner, app, db, tmp_path):
    template = tmp_path / "template.xlsx"
    result = runner.invoke(args=["bank", "template", str(template)])
    assert result.exit_code == 0 and template.read_bytes().startswith(b"PK")
    source = tmp_path / "in.xlsx"
    source.write_bytes(workbook({"id": "x1", "qtype": "判断", "name": "T", "questiontext": "?",
                                 "correct": "对"}))  # fmt: skip
    assert runner.invoke(args=["bank", "import", str(source)]).exit_code == 0
    out = tmp_path / "out.xlsx"
    result = runner.invoke(args=["bank", "export", str(out), "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    [question] = parse_xlsx(out.read_bytes(), "out.xlsx")[0]
    assert (question.id, question.data["correct"]) == ("x1", True)


def test_embedded_files_travel_on_their_own_sheet_in_parts():
    content = base64.b64encode(bytes(range(256)) * 400).decode()  # ~136 000 characters
    question = QuestionData(
        qtype="description",
        name="D",
        questiontext="![x](@@PLUGINFILE@@/x.png)",
        id="d-1",
        defaultmark=0.0,
        penalty=0.0,
        files=[{"name": "x.png", "path": "/", "mimetype": "image/png", "content_base64": content}],
    )
    dumped = dump_xlsx([question])
    sheet = openpyxl.load_workbook(io.BytesIO(dumped))["文件 Files"]
    assert sheet.max_row == 1 + 5  # header, then five parts of at most 32 000 characters
    [back] = parse_xlsx(dumped, "x.xlsx")[0]
    assert back.files == question.files
