"""GIFT: every rule of Moodle's syntax, problems on their lines, SkillGrid's comment tokens."""

import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.bank import services
from app.bank.formats import detect_format, dump_gift, parse_gift
from app.bank.formats.gift import category_from_path, extract_id_and_tags
from app.bank.models import Question
from app.bank.qtypes import QTYPES, Problem, QuestionData


def read(text: str, **options) -> list[QuestionData]:
    """Parse GIFT that must be clean."""
    questions, problems = parse_gift(textwrap.dedent(text), "t.gift", **options)
    assert problems == [], [str(p) for p in problems]
    return questions


def one(text: str) -> QuestionData:
    [question] = read(text)
    return question


def problems_of(text: str) -> list[str]:
    return [str(p) for p in parse_gift(textwrap.dedent(text), "t.gift")[1]]


# --- blocks, comments, names, formats ---------------------------------------------------------


def test_blank_lines_separate_questions_and_comment_blocks_are_ignored():
    questions = read(
        """\
        // a comment alone is no question

        ::Q1:: One {T}
           \t
        ::Q2:: Two {F}
        """
    )
    assert [q.name for q in questions] == ["Q1", "Q2"]
    assert [q.line for q in questions] == [3, 5]


def test_comment_lines_carry_id_and_tags():
    question = one("// [id:sv1-0001] [tag:十项承诺]\n// [tag:  basic ]\n::Q:: Text {T}")
    assert (question.id, question.tags) == ("sv1-0001", ["十项承诺", "basic"])


def test_skillgrid_tokens_carry_difficulty_competencies_status_source_and_mark():
    question = one(
        "// [difficulty:1] [competency:SV1] [competency:BK1] [status:ready]\n"
        "// [source_version:供电营业规则(2024\\])] [mark:2.5]\n::Q:: Text {}"
    )
    assert question.difficulty == 1 and question.competencies == ["SV1", "BK1"]
    assert question.status == "ready" and question.source_version == "供电营业规则(2024])"
    assert question.defaultmark == 2.5


def test_name_missing_is_made_from_the_text():
    assert one("What is 95598? {=客服热线 ~电费}").name == "What is 95598?"
    long_text = "word " * 30 + "{T}"
    name = one(long_text).name
    assert name.endswith("...") and len(name) <= 83


def test_no_closing_name_marker_leaves_the_text():
    assert one("No closing name ::Name part {T}").questiontext == "No closing name ::Name part"


def test_format_tags_set_each_piece_and_default_to_the_question_format():
    question = one("::Q::[html]<b>Pick</b>{=[plain]a#[markdown]*good* ~b#bad ####[moodle]why}")
    assert question.questiontextformat == "html"
    first, second = question.data["answers"]
    assert first == {
        "text": "a",
        "fraction": 1.0,
        "feedback": "*good*",
        "format": "plain",
        "feedbackformat": "markdown",
    }
    assert "format" not in second and "feedbackformat" not in second
    assert (question.generalfeedback, question.generalfeedbackformat) == ("why", "moodle")


def test_unknown_format_tag_stays_in_the_text():
    assert one("[rtf]Hello {T}").questiontext == "[rtf]Hello"


def test_escapes_and_newlines():
    question = one(r"::A\:B:: 1\=1\, \{x\} \~ \# \\ line\nbreak {=a\#b ~c}")
    assert question.name == "A:B"
    assert question.questiontext == "1=1\\, {x} ~ # \\ line\nbreak"
    assert question.data["answers"][0]["text"] == "a#b"


def test_indentation_inside_a_question_is_kept():
    question = one("::Q::[html]<pre>\n    code();\n</pre>{}")
    assert question.questiontext == "<pre>\n    code();\n</pre>"


# --- the answer block -------------------------------------------------------------------------


def test_missing_word_form_puts_a_blank_in_the_text():
    assert one("The {=cat ~dog} sat.").questiontext == "The _____ sat."
    assert one("A {T} and B {F}").questiontext == "A  and B {F}"


def test_description_has_no_braces():
    question = one("::Intro::[html]<p>Read this.</p>")
    assert (question.qtype, question.defaultmark) == ("description", 0.0)


def test_essay_with_general_feedback():
    question = one("::E:: Explain. {####Mention the 3 steps.}")
    assert question.qtype == "essay" and question.generalfeedback == "Mention the 3 steps."


def test_weights_make_a_multiple_response_question():
    question = one("Colours? {~%50%yellow ~%-100%red ~%50%off-beige ~%-100%blue}")
    assert question.qtype == "multiple"
    assert [a["fraction"] for a in question.data["answers"]] == [0.5, -1.0, 0.5, -1.0]


def test_equals_makes_single_choice_and_wins_over_a_weight():
    question = one("Pick {=%50%x ~y ~%33.33333%z}")
    assert question.qtype == "single"
    assert [(a["text"], a["fraction"]) for a in question.data["answers"]] == [
        ("%50%x", 1.0),
        ("y", 0.0),
        ("z", 0.3333333),
    ]


def test_site_defaults_of_choice_questions_can_be_given():
    question = one("Pick {=a ~b}") if False else read("Pick {=a ~b}", answernumbering="ABCD")[0]
    assert question.data["answernumbering"] == "ABCD"


def test_short_answer_with_partial_credit_and_wildcard():
    question = one("Capital? {=Paris =%50%paris* =%0%*#No}")
    assert question.qtype == "shortanswer"
    assert [(a["text"], a["fraction"]) for a in question.data["answers"]] == [
        ("Paris", 1.0),
        ("paris*", 0.5),
        ("*", 0.0),
    ]
    assert one("Lower case true {true}").qtype == "shortanswer"


def test_true_false_feedback_goes_to_the_wrong_then_the_right_answer():
    question = one("42 is everything.{FALSE#Wrong answerer.#Right answerer.}")
    assert question.data == {
        "correct": False,
        "truefeedback": "Wrong answerer.",
        "falsefeedback": "Right answerer.",
    }
    assert question.penalty == 1.0
    true_question = one("Sky is blue.{TRUE#Wrong#Right####Because.}")
    assert true_question.data["truefeedback"] == "Right"
    assert true_question.generalfeedback == "Because."


def test_numerical_tolerance_range_several_answers_and_wrong_feedback():
    question = one("N? {#=1822:0#Exact =%50%1822:2#Close ~#Way off}")
    assert [(a["text"], a["tolerance"], a["fraction"]) for a in question.data["answers"]] == [
        ("1822", 0.0, 1.0),
        ("1822", 2.0, 0.5),
        ("*", 0.0, 0.0),
    ]
    ranged = one("From 1 to 5? {#1..5}").data["answers"][0]
    assert (ranged["text"], ranged["tolerance"]) == ("3", 2.0)
    pi = one("Pi? {#3.141..3.142}").data["answers"][0]
    assert float(pi["text"]) == pytest.approx(3.1415) and pi["tolerance"] == pytest.approx(0.0005)


def test_matching_with_a_distractor():
    question = one("Match {=CTR -> 柜员 =CC -> 座席 =MI -> 装表 = -> 巡视 ####Jobs.}")
    assert question.qtype == "matching"
    assert question.data["subquestions"][-1] == {"text": "", "answer": "巡视"}
    assert question.generalfeedback == "Jobs."


def test_category_switch_applies_to_the_following_questions():
    questions = read(
        """\
        $CATEGORY: $course$/top/服务规范/十项承诺

        ::A:: a {T}

        $CATEGORY: 安全

        ::B:: b {T}
        """
    )
    assert [q.category for q in questions] == ["服务规范/十项承诺", "安全"]


def test_category_paths_as_moodle_writes_them():
    assert category_from_path("$course$/top/A/B") == "A/B"
    assert category_from_path("$course$/Default for X") == "Default for X"
    assert category_from_path("top") is None
    assert category_from_path("A//B/C") == "A／B/C"


def test_extracting_id_and_tags_like_moodle():
    assert extract_id_and_tags("// [tag:  basic] Here\n// a [id:   four   ] q[tag:add   ]") == (
        "four",
        ["basic", "add"],
    )
    assert extract_id_and_tags("// [tag:\n\\ frog].") == ("", [])
    assert extract_id_and_tags("// [id:i\\]d] [tag:t\\]ag]") == ("i]d", ["t]ag"])


# --- problems, located ------------------------------------------------------------------------


def test_unbalanced_braces_are_a_problem_on_their_line():
    assert problems_of("::Q1:: fine {T}\n\n::Q2::\nno closing {=a ~b\n") == [
        "t.gift:4: could not find {...} around the answers"
    ]


def test_matching_pair_without_arrow_is_a_problem_on_its_line():
    assert problems_of("Match {\n=a -> 1\n=b 2\n=c -> 3\n}") == [
        "t.gift:3: each matching pair is written '=item -> answer'"
    ]


def test_a_wrong_grade_is_reported_on_the_answer_line():
    [problem] = problems_of("::Bad::Pick {\n=a\n~%33%b\n}")
    assert problem.startswith("t.gift:3: [Bad] answer 2: fraction 0.33")


def test_non_numeric_numerical_answer_is_reported_not_turned_into_a_wildcard():
    [problem] = problems_of("::N::Value {#\n=abc\n}")
    assert problem.startswith("t.gift:2: [N] answer 1: 'abc' is not a number")


def test_bad_tolerance_and_range_are_reported():
    assert problems_of("N {#5:x}") == ["t.gift:1: the tolerance 'x' is not a number"]
    assert problems_of("N {#1..x}") == ["t.gift:1: a range is written low..high, e.g. 1..5"]


def test_unknown_competency_in_a_comment_is_reported_on_the_comment_line():
    from app.bank.formats.mapping import known_competencies

    # read against the framework's codes (as imports do), SV9 is unknown
    with known_competencies({"SV1", "SV2"}):
        [problem] = problems_of("::Q::\n// [competency:SV9]\nText {T}")
    assert problem.startswith("t.gift:2: [Q] unknown competency code 'SV9'")
    # without a framework only the code's form is checked
    assert problems_of("::Q::\n// [competency:SV9]\nText {T}") == []
    [problem] = problems_of("::Q::\n// [competency:S-9]\nText {T}")
    assert problem.startswith("t.gift:2: [Q] unknown competency code 'S-9'")


def test_too_few_choices_and_duplicate_ids_are_reported():
    assert "give at least 2 answers" in " ".join(problems_of("::Q:: one {~%100%a}"))
    assert problems_of("// [id:x]\n::A::a{T}\n\n// [id:x]\n::B::b{T}") == [
        "t.gift:5: duplicate id 'x' (first used on line 2)"
    ]


def test_category_line_must_stand_alone():
    assert problems_of("$CATEGORY: A\n::Q:: text {T}") == [
        "t.gift:2: a $CATEGORY line stands alone: put a blank line between it and the question"
    ]


def test_noncharacters_used_internally_are_refused():
    assert problems_of("::Q:: a\ufdd0b {T}") == [
        "t.gift:1: the file contains Unicode noncharacters U+FDD0-FDD7"
    ]


# --- writing ----------------------------------------------------------------------------------


def test_dump_writes_category_switches_ids_tags_and_own_tokens():
    question = QuestionData(
        qtype="truefalse",
        name="停电",
        questiontext="计划停电应提前7天通知。",
        id="tf-1",
        category="服务/停电",
        tags=["通知"],
        difficulty=3,
        competencies=["SV1"],
        status="ready",
        data={"correct": True, "truefeedback": "对", "falsefeedback": "应提前7天"},
    )
    assert dump_gift([question]) == (
        "// question: 0  name: Switch category to $course$/top/服务/停电\n"
        "$CATEGORY: $course$/top/服务/停电\n\n"
        "// question: 1  name: 停电\n"
        "// [id:tf-1] [tag:通知]\n"
        "// [difficulty:3] [competency:SV1] [status:ready]\n"
        "::停电::[markdown]计划停电应提前7天通知。{TRUE#应提前7天#对}\n\n"
    )


def test_text_that_starts_like_a_format_tag_keeps_its_first_characters():
    question = QuestionData(
        qtype="essay",
        name="E",
        questiontext="[html] is a tag",
        questiontextformat="moodle",
        data={"responseformat": "editor", "responserequired": True, "responsefieldlines": 15,
              "attachments": 0, "attachmentsrequired": 0, "minwordlimit": None,
              "maxwordlimit": None, "graderinfo": "", "responsetemplate": ""},
    )  # fmt: skip
    assert one(dump_gift([question])).questiontext == "[html] is a tag"


# --- detection and the service -----------------------------------------------------------------


def test_gift_is_found_by_extension_and_by_content():
    assert detect_format("bank.gift") == "gift"
    assert detect_format("bank.txt", "::Q:: a {T}") == "gift"
    assert detect_format("bank.txt", "$CATEGORY: x\n") == "gift"
    assert detect_format("notes.txt", "hello") is None
    assert detect_format("x.txt", '<?xml version="1.0"?><quiz></quiz>') == "moodlexml"


def test_import_of_a_txt_file_through_the_service(app, db):
    with app.app_context():
        source = services.decode_source(b"::Q:: Sky is blue {T}", "upload.txt")
        report = services.import_questions(None, [source])
        assert report.count("create") == 1


def test_non_utf8_gift_is_refused_with_a_clear_message(app, db):
    with app.app_context():
        source = services.decode_source("::Q:: Café {T}".encode("cp1252"), "old.gift")
        with pytest.raises(services.BankImportRejected) as caught:
            services.import_questions(None, [source])
    assert [str(p) for p in caught.value.problems] == [
        "old.gift:1: the file is not UTF-8 text (byte 9); save it as UTF-8"
    ]


def test_a_bad_question_leaves_nothing_imported(app, db):
    text = b"::A:: fine {T}\n\n::B:: bad {#=abc}\n"
    with app.app_context():
        with pytest.raises(services.BankImportRejected):
            services.import_questions(None, [services.decode_source(text, "b.gift")])
        assert db.session.scalar(select(func.count(Question.id))) == 0


def test_cli_imports_and_exports_gift(runner, app, db, tmp_path):
    source = tmp_path / "bank.gift"
    source.write_text("$CATEGORY: 安全\n\n// [id:g-1]\n::Q:: 两票 {=工作票 ~介绍信}\n", "utf-8")
    result = runner.invoke(args=["bank", "import", str(source)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out.gift"
    result = runner.invoke(args=["bank", "export", str(out), "--format", "gift"])
    assert result.exit_code == 0, result.output
    [question] = read(out.read_text("utf-8"))
    assert (question.id, question.category, question.qtype) == ("g-1", "安全", "single")


# --- fuzzing ----------------------------------------------------------------------------------

SAMPLE = """\
$CATEGORY: 服务规范

// [id:a] [tag:x] [difficulty:1] [competency:SV1]
::Q1::[html]<b>Pick</b> one {
  =right#good
  ~%-50%wrong#bad
  ####General.
}

::Q2:: Number {#=12.5:0.5 ~#No}

::Q3:: Match {=a -> 1 =b -> 2 =c -> 3 = -> 4}

::Q4:: Short {=Paris =%50%paris*}

::Q5:: T/F {FALSE#w#r}

::Q6:: Essay {}
"""


def assert_sound(text: str, questions: list[QuestionData], problems: list[Problem]) -> None:
    """A clean parse of valid questions, or problems that all point at a real line."""
    n_lines = text.count("\n") + text.count("\r") + 1
    assert all(isinstance(p, Problem) and 1 <= p.line <= n_lines for p in problems)
    for question in questions:
        assert QTYPES[question.qtype].validate(question.data) == []


def test_sample_reads_cleanly():
    assert len(read(SAMPLE)) == 6


@settings(max_examples=200, database=None, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("{}=~#:%-> \n\\[]TFabc1.$/")), max_size=80))
def test_random_gift_gives_questions_or_located_problems(text):
    assert_sound(text, *parse_gift(text, "fuzz.gift"))


@settings(max_examples=200, database=None, deadline=None)
@given(st.text(max_size=120))
def test_any_text_gives_questions_or_located_problems(text):
    assert_sound(text, *parse_gift(text, "fuzz.gift"))


@settings(
    max_examples=150, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["delete", "insert"]),
            st.integers(min_value=0, max_value=len(SAMPLE)),
            st.text(alphabet="{}=~#:%->\n\\[]", max_size=3),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_gift_gives_questions_or_located_problems(mutations):
    text = SAMPLE
    for kind, position, chars in mutations:
        if kind == "delete":
            text = text[:position] + text[position + 1 :]
        else:
            text = text[:position] + chars + text[position:]
    assert_sound(text, *parse_gift(text, "fuzz.gift"))
