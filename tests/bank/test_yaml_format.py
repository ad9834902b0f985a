"""The YAML bank format and the JSON export: round trips, line numbers, never a crash."""

import json
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.bank.formats import (
    FORMATS,
    detect_format,
    dump_json,
    dump_yaml,
    parse_json,
    parse_text,
    parse_yaml,
)
from app.bank.qtypes import QTYPES, Problem, QuestionData

SAMPLE = textwrap.dedent(
    """\
    category: 服务规范/十项承诺      # default category of the questions below
    questions:
      - id: sv1-0001
        qtype: single
        name: 居民客户新装用电时限
        questiontext: |
          居民客户新装用电，供电企业应在几个工作日内**装表接电**？
        generalfeedback: 十项承诺：居民客户不超过3个工作日。
        defaultmark: 1
        difficulty: 1
        competencies: [SV1, BK1]
        tags: [十项承诺]
        status: ready
        source_version: 国家电网十项承诺(2023)
        shuffleanswers: true
        answernumbering: ABCD
        answers:
          - {text: 3个工作日, fraction: 1, feedback: 正确}
          - {text: 5个工作日, fraction: 0, feedback: 这是低压非居民的时限}
          - {text: 7个工作日, fraction: -0.5}
        correctfeedback: 很好
      - id: sv1-0002
        qtype: multiple
        name: 两票
        questiontext: 下列哪些属于“两票”？
        competencies: [SF1]
        answers:
          - {text: 工作票, fraction: 0.5}
          - {text: 操作票, fraction: 0.5}
          - {text: 介绍信, fraction: -1}
        hints:
          - 想一想安规
          - {text: 两票三制, shownumcorrect: true}
      - id: sv1-0003
        qtype: truefalse
        name: 停电通知
        questiontext: 计划停电应提前7天通知。
        correct: true
        truefeedback: 对，提前7天。
        falsefeedback: 应提前7天。
      - id: it2-0001
        qtype: shortanswer
        name: 服务热线
        questiontext: 国家电网的供电服务热线是？
        usecase: false
        answers:
          - {text: '95598', fraction: 1}
          - {text: '*', fraction: 0, feedback: 不对}
      - id: bk1-0001
        qtype: numerical
        name: 电压
        questiontext: 10 kV 等于多少伏？
        answers:
          - {text: '10000', tolerance: 0, fraction: 1, feedback: 对}
        units:
          - {unit: V, multiplier: 1}
          - {unit: kV, multiplier: 0.001}
        unitgradingtype: 1
        unitpenalty: 0.2
      - id: sv1-0004
        qtype: cloze
        name: 抢修到达时限
        questiontext: |
          故障抢修到达现场：城区{1:NUMERICAL:=45#对}分钟，
          农村{1:NM:=90:5}分钟，{2:MC:=特殊边远地区~城区}{1:SA:=2小时~%50%两小时}。
        competencies: [SV1]
      - id: bk1-0002
        qtype: matching
        name: 时限
        questiontext: 将业务与时限配对。
        category: 业务知识/业扩
        subquestions:
          - {text: 居民新装, answer: 3个工作日}
          - {text: 低压非居民, answer: 5个工作日}
          - {text: '', answer: 30个工作日}
      - id: cm3-0001
        qtype: essay
        name: 投诉处理
        questiontext: 描述投诉闭环处理的步骤。
        graderinfo: 受理、核实、处理、回访
        responsefieldlines: 10
      - qtype: description
        name: 说明
        questiontext: 以下题目考查业扩时限。
        questiontextformat: plain
    """
)


def parse_ok(text):
    questions, problems = parse_yaml(text, "bank.yaml")
    assert problems == []
    return questions


def one_question(body):
    """A file with one question whose body (YAML, indented by 4) follows the dash."""
    return "questions:\n  - " + textwrap.indent(textwrap.dedent(body), "    ")[4:]


def messages(text):
    return [(p.line, p.message) for p in parse_yaml(text, "bank.yaml")[1]]


# --- reading -------------------------------------------------------------------------------


def test_sample_file_reads_every_type():
    questions = parse_ok(SAMPLE)
    assert [q.qtype for q in questions] == list(QTYPES)


def test_file_category_applies_unless_a_question_overrides_it():
    by_id = {q.id: q for q in parse_ok(SAMPLE)}
    assert by_id["sv1-0001"].category == "服务规范/十项承诺"
    assert by_id["bk1-0002"].category == "业务知识/业扩"


def test_fields_are_read_as_written():
    first = parse_ok(SAMPLE)[0]
    assert first.name == "居民客户新装用电时限"
    assert first.questiontext == "居民客户新装用电，供电企业应在几个工作日内**装表接电**？\n"
    assert first.competencies == ["SV1", "BK1"]
    assert first.status == "ready"
    assert first.data["answers"][2] == {"text": "7个工作日", "fraction": -0.5, "feedback": ""}
    assert first.correctfeedback == "很好"


def test_defaults_fill_what_a_question_leaves_out():
    questions = parse_ok(SAMPLE)
    multiple, truefalse, description = questions[1], questions[2], questions[-1]
    assert multiple.status == "draft"
    assert multiple.difficulty == 2
    assert multiple.questiontextformat == "markdown"
    assert multiple.penalty == pytest.approx(0.3333333)
    assert truefalse.penalty == 1.0
    assert description.defaultmark == 0
    assert description.id is None


def test_each_question_keeps_its_line():
    dash_lines = [n for n, line in enumerate(SAMPLE.splitlines(), 1) if line.startswith("  - ")]
    assert [q.line for q in parse_ok(SAMPLE)] == dash_lines


def test_hints_are_texts_or_mappings():
    assert parse_ok(SAMPLE)[1].hints == [
        {"text": "想一想安规"},
        {"text": "两票三制", "shownumcorrect": True},
    ]


def test_no_and_on_stay_strings():
    text = one_question(
        """\
        qtype: shortanswer
        name: no
        questiontext: on
        tags: [no, off, yes]
        answers:
          - {text: no, fraction: 1}
        """
    )
    question = parse_ok(text)[0]
    assert question.name == "no"
    assert question.questiontext == "on"
    assert question.tags == ["no", "off", "yes"]
    assert question.data["answers"][0]["text"] == "no"


# --- problems and their lines --------------------------------------------------------------


def test_problem_reads_file_line_message():
    assert str(Problem("bank.yaml", 7, "boom")) == "bank.yaml:7: boom"


def test_syntax_error_is_a_problem_with_its_line():
    text = "questions:\n  - qtype: single\n    name: [unclosed\n    questiontext: x\n"
    questions, problems = parse_yaml(text, "bank.yaml")
    assert questions == []
    assert len(problems) == 1
    assert problems[0].line >= 3
    assert problems[0].message.startswith("YAML syntax error")


def test_tab_indentation_is_a_syntax_error_with_its_line():
    questions, problems = parse_yaml("questions:\n\t- qtype: single\n", "bank.yaml")
    assert problems[0].line == 2


def test_duplicate_key_is_reported_on_its_line():
    text = one_question(
        """\
        qtype: essay
        name: a
        name: b
        questiontext: x
        """
    )
    [(line, message)] = messages(text)
    assert line == 4
    assert "duplicate key" in message


def test_unknown_key_is_reported_on_its_line_with_a_suggestion():
    text = one_question(
        """\
        id: q1
        qtype: essay
        name: a
        questiontext: x
        grader_info: hmm
        """
    )
    assert messages(text) == [
        (6, "[q1] unknown key 'grader_info' for qtype essay (did you mean 'graderinfo'?)")
    ]


def test_unknown_qtype_is_reported_on_its_line():
    text = one_question(
        """\
        name: a
        questiontext: x
        qtype: calculated
        """
    )
    [(line, message)] = messages(text)
    assert line == 4
    assert "unknown question type 'calculated'" in message


def test_bad_difficulty_is_reported_on_its_line():
    text = one_question(
        """\
        qtype: essay
        name: a
        questiontext: x
        difficulty: 5
        """
    )
    assert messages(text) == [(5, "[a] 'difficulty' must be 1, 2 or 3")]


def test_unknown_competency_is_reported_on_its_line():
    text = one_question(
        """\
        qtype: essay
        name: a
        questiontext: x
        competencies:
          - SV1
          - sv2
        """
    )
    from app.bank.formats.mapping import known_competencies

    with known_competencies({"SV1", "SV2"}):
        assert messages(text) == [(7, "[a] unknown competency code 'sv2' (did you mean 'SV2'?)")]


def test_bad_fraction_is_reported_on_the_answer_line():
    text = one_question(
        """\
        qtype: single
        name: a
        questiontext: x
        answers:
          - {text: A, fraction: 1}
          - {text: B, fraction: 0.33}
        """
    )
    assert messages(text) == [
        (7, "[a] answer 2: fraction 0.33 is not one of Moodle's grade options")
    ]


def test_qtype_rule_is_reported_on_the_field_line():
    text = one_question(
        """\
        qtype: matching
        name: a
        questiontext: x
        subquestions:
          - {text: A, answer: a}
          - {text: B, answer: b}
        """
    )
    [(line, message)] = messages(text)
    assert line == 5
    assert "at least 2 items and 3 answers" in message


def test_duplicate_id_is_reported_on_the_second_id():
    text = one_question(
        """\
        id: same
        qtype: essay
        name: a
        questiontext: x
        """
    ) + textwrap.indent(
        textwrap.dedent(
            """\
            - id: same
              qtype: essay
              name: b
              questiontext: y
            """
        ),
        "  ",
    )
    questions, problems = parse_yaml(text, "bank.yaml")
    assert [(p.line, p.message) for p in problems] == [
        (6, "duplicate id 'same' (first used on line 2)")
    ]
    assert [q.name for q in questions] == ["a"]


def test_every_problem_of_a_question_is_reported_at_once():
    text = one_question(
        """\
        qtype: single
        name: ''
        questiontext: x
        status: published
        difficulty: 0
        """
    )
    lines = [line for line, _ in messages(text)]
    assert lines == [2, 3, 5, 6]  # no answers (the question's line); name; status; difficulty


def test_text_field_given_a_mapping_is_a_problem():
    text = one_question(
        """\
        qtype: essay
        name: {a: 1}
        questiontext: x
        """
    )
    assert messages(text) == [(3, "'name' must be text (put it in quotes)")]


def test_empty_file_is_a_problem():
    assert messages("") == [(1, "the file is empty: expected 'questions:'")]
    assert messages("# only a comment\n") == [(1, "the file is empty: expected 'questions:'")]


def test_unknown_top_level_key_is_a_problem():
    text = "category: A\nquestion:\n  - qtype: essay\n"
    assert messages(text)[0] == (
        2,
        "unknown top-level key 'question' (expected 'category' and 'questions')",
    )


def test_invalid_question_is_not_returned():
    text = SAMPLE.replace("difficulty: 1", "difficulty: 9")
    questions, problems = parse_yaml(text, "bank.yaml")
    assert len(problems) == 1
    assert "sv1-0001" not in [q.id for q in questions]
    assert len(questions) == len(QTYPES) - 1


# --- writing -------------------------------------------------------------------------------


def full_question(qtype):
    """A question of `qtype` with every optional common field set."""
    sample = {q.qtype: q for q in parse_ok(SAMPLE)}[qtype]
    sample.penalty = 0.5
    sample.hints = [{"text": "提示", "format": "html", "clearwrong": True}, {"text": "第二\n提示"}]
    sample.generalfeedbackformat = "html"
    sample.incorrectfeedback = "不对"
    sample.partiallycorrectfeedback = "部分正确"
    sample.source_version = "2023"
    return sample


@pytest.mark.parametrize("qtype", list(QTYPES))
def test_yaml_round_trip_keeps_every_field(qtype):
    question = full_question(qtype)
    if qtype == "description":
        question.penalty = 0.0
    assert parse_ok(dump_yaml([question], "服务规范/十项承诺")) == [question]


def test_yaml_round_trip_of_the_whole_sample():
    questions = parse_ok(SAMPLE)
    assert parse_ok(dump_yaml(questions, "服务规范/十项承诺")) == questions


def test_dump_is_stable():
    once = dump_yaml(parse_ok(SAMPLE), "服务规范/十项承诺")
    assert dump_yaml(parse_ok(once), "服务规范/十项承诺") == once


def test_dump_writes_chinese_and_literal_blocks():
    text = dump_yaml(parse_ok(SAMPLE), "服务规范/十项承诺")
    assert "name: 居民客户新装用电时限\n" in text
    assert "    questiontext: |\n      居民客户新装用电" in text
    assert "competencies: [SV1, BK1]" in text
    assert "\\u" not in text


def test_dump_leaves_out_the_files_own_category_and_defaults():
    text = dump_yaml(parse_ok(SAMPLE), "服务规范/十项承诺")
    assert text.count("category:") == 2  # the file's, and the one override
    assert "\n    penalty:" not in text
    assert "questiontextformat: plain" in text
    assert "questiontextformat: markdown" not in text


def test_dump_quotes_strings_that_would_read_as_numbers():
    text = dump_yaml(parse_ok(SAMPLE), None)
    assert "text: '95598'" in text


# --- JSON export ---------------------------------------------------------------------------

CONTRACT_KEYS = [
    "id",
    "category",
    "qtype",
    "name",
    "questiontext",
    "questiontextformat",
    "generalfeedback",
    "defaultmark",
    "difficulty",
    "competencies",
    "tags",
    "status",
    "source_version",
]


def exported():
    return {item["qtype"]: item for item in json.loads(dump_json(parse_ok(SAMPLE)))}


def test_json_export_is_a_list_with_the_contract_keys():
    for item in exported().values():
        assert set(CONTRACT_KEYS) <= set(item)


def test_json_export_writes_text_as_is():
    assert "居民客户新装用电时限" in dump_json(parse_ok(SAMPLE))


def test_json_export_of_choice_and_shortanswer_answers():
    items = exported()
    for qtype in ("single", "multiple", "shortanswer"):
        assert all(list(a)[:3] == ["text", "fraction", "feedback"] for a in items[qtype]["answers"])
    assert items["single"]["answers"][0] == {"text": "3个工作日", "fraction": 1, "feedback": "正确"}
    assert items["shortanswer"]["usecase"] is False


def test_json_export_of_truefalse_is_two_answers():
    assert exported()["truefalse"]["answers"] == [
        {"text": "true", "fraction": 1, "feedback": "对，提前7天。"},
        {"text": "false", "fraction": 0, "feedback": "应提前7天。"},
    ]


def test_json_export_of_numerical_answers_and_units():
    item = exported()["numerical"]
    assert item["answers"] == [{"text": "10000", "tolerance": 0, "fraction": 1, "feedback": "对"}]
    assert item["units"] == [{"unit": "V", "multiplier": 1}, {"unit": "kV", "multiplier": 0.001}]


def test_json_export_of_matching_and_essay():
    items = exported()
    assert items["matching"]["subquestions"][2] == {"text": "", "answer": "30个工作日"}
    assert items["matching"]["category"] == "业务知识/业扩"
    assert items["essay"]["graderinfo"] == "受理、核实、处理、回访"
    assert items["description"]["id"] is None


def test_json_round_trip():
    questions = parse_ok(SAMPLE)
    again, problems = parse_json(dump_json(questions), "export.json")
    assert problems == []
    assert again == questions


def test_json_syntax_error_has_its_line():
    [problem] = parse_json('[\n  {"qtype": "essay",\n  "name" "x"}\n]', "export.json")[1]
    assert problem.line == 3


def test_json_problem_points_at_the_question_object():
    text = dump_json(parse_ok(SAMPLE)).replace('"difficulty": 1', '"difficulty": 7')
    [problem] = parse_json(text, "export.json")[1]
    assert text.splitlines()[problem.line - 1].strip() == "{"
    assert text.splitlines()[problem.line].strip() == '"id": "sv1-0001",'


def test_json_repeated_key_is_a_problem():
    text = '[{"qtype": "essay", "name": "a", "name": "b", "questiontext": "x"}]'
    assert [p.message for p in parse_json(text, "x.json")[1]] == ["key 'name' appears twice"]


def test_parse_text_picks_the_parser_by_extension():
    assert len(parse_text(SAMPLE, "topic.yml")[0]) == len(QTYPES)
    assert parse_text("[]", "export.json") == ([], [])
    [problem] = parse_text("x", "topic.txt")[1]
    assert "unsupported file type '.txt'" in problem.message


def test_detect_format_uses_the_extension_then_the_content():
    assert detect_format("a/b/topic.YAML") == "yaml"
    assert detect_format("upload", SAMPLE) == "yaml"
    assert detect_format("upload", '\ufeff [{"qtype": "essay"}]') == "json"
    assert detect_format("notes.txt", "hello") is None
    assert {".yaml", ".yml", ".json"} <= {e for spec in FORMATS.values() for e in spec.extensions}


# --- fuzzing -------------------------------------------------------------------------------


def assert_sound(text, questions, problems):
    """Either a clean parse of valid questions, or problems that all point at a real line."""
    n_lines = text.count("\n") + 1
    assert all(isinstance(p, Problem) and 1 <= p.line <= n_lines + 1 for p in problems)
    for question in questions:
        assert isinstance(question, QuestionData)
        assert QTYPES[question.qtype].validate(question.data) == []
    if not problems:
        assert all(q.line and q.line >= 1 for q in questions)


@settings(
    max_examples=150, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.text(max_size=200))
def test_random_text_never_crashes_the_parser(text):
    questions, problems = parse_yaml(text, "fuzz.yaml")
    assert_sound(text, questions, problems)


_mutations = st.lists(
    st.tuples(
        st.sampled_from(["delete", "insert", "duplicate_line", "indent", "dedent"]),
        st.integers(min_value=0, max_value=len(SAMPLE)),
        st.text(alphabet=" :-[]{}|>'\"#&*!%@`\n\tabc1", max_size=5),
    ),
    min_size=1,
    max_size=4,
)


def mutate(text, mutations):
    for kind, position, chunk in mutations:
        position = min(position, len(text))
        if kind == "delete":
            text = text[:position] + text[position + len(chunk) + 1 :]
        elif kind == "insert":
            text = text[:position] + chunk + text[position:]
        else:
            lines = text.split("\n")
            index = text.count("\n", 0, position)
            if kind == "duplicate_line":
                lines.insert(index, lines[index])
            elif kind == "indent":
                lines[index] = "  " + lines[index]
            else:
                lines[index] = lines[index][2:]
            text = "\n".join(lines)
    return text


@settings(
    max_examples=200, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(_mutations)
def test_mutated_valid_file_never_crashes_the_parser(mutations):
    text = mutate(SAMPLE, mutations)
    questions, problems = parse_yaml(text, "fuzz.yaml")
    assert_sound(text, questions, problems)


@settings(
    max_examples=100, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.text(max_size=50))
def test_random_text_never_crashes_the_json_reader(text):
    questions, problems = parse_json(text, "fuzz.json")
    assert_sound(text, questions, problems)


_free_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r"), max_size=40
)


@settings(
    max_examples=150, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    name=_free_text.filter(
        lambda s: (
            s.strip()
            and len(s.strip()) == len(s)
            and "\n" not in s
            and not any(ord(c) < 32 or ord(c) == 127 for c in s)
        )
    ),
    text=_free_text.filter(str.strip),
    feedback=_free_text,
)
def test_any_text_survives_a_yaml_round_trip(name, text, feedback):
    question = QuestionData(
        qtype="essay",
        name=name,
        questiontext=text,
        generalfeedback=feedback,
        data=QTYPES["essay"].from_dict({"graderinfo": feedback}),
    )
    assert parse_ok(dump_yaml([question])) == [question]
