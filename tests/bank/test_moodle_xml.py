"""Moodle XML: every type, categories, files, hints; unsupported types named; safe parsing."""

import base64
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.bank import services
from app.bank.formats import detect_format, dump_moodle_xml, parse_moodle_xml
from app.bank.models import Category, Question, QuestionFile
from app.bank.qtypes import QTYPES, Problem, QuestionData

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake-image").decode()

QUIZ = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category">
    <category><text>$course$/top/服务规范/十项承诺</text></category>
    <info format="html"><text>国家电网十项承诺</text></info>
  </question>
  <question type="multichoice">
    <name><text>居民办电</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>几个工作日？<img src="@@PLUGINFILE@@/images/meter.png"></p>]]></text>
      <file name="meter.png" path="/images/" encoding="base64">{PNG}</file>
    </questiontext>
    <generalfeedback><text>不超过3个工作日。</text></generalfeedback>
    <defaultgrade>2</defaultgrade>
    <penalty>0.5</penalty>
    <hidden>0</hidden>
    <idnumber>x-single</idnumber>
    <single>true</single>
    <shuffleanswers>false</shuffleanswers>
    <answernumbering>ABCD</answernumbering>
    <correctfeedback format="html"><text>很好</text></correctfeedback>
    <partiallycorrectfeedback format="html"><text></text></partiallycorrectfeedback>
    <incorrectfeedback format="html"><text>再想想</text></incorrectfeedback>
    <answer fraction="100" format="plain_text"><text>3个工作日</text>
      <feedback format="html"><text>对</text></feedback></answer>
    <answer fraction="0"><text>5个工作日</text><feedback><text></text></feedback></answer>
    <hint format="html"><text>看承诺</text><shownumcorrect/></hint>
    <tags><tag><text>十项承诺</text></tag><tag><text>办电</text></tag></tags>
  </question>
  <question type="multichoice">
    <name><text>两票</text></name>
    <questiontext format="markdown"><text>哪些是两票？</text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>工作票</text></answer>
    <answer fraction="50"><text>操作票</text></answer>
    <answer fraction="-100"><text>介绍信</text></answer>
  </question>
  <question type="truefalse">
    <name><text>停电通知</text></name>
    <questiontext format="moodle_auto_format"><text>提前7天通知。</text></questiontext>
    <answer fraction="0"><text>true</text><feedback><text>错了</text></feedback></answer>
    <answer fraction="100"><text>false</text><feedback><text>对了</text></feedback></answer>
  </question>
  <question type="shortanswer">
    <name><text>首问</text></name>
    <questiontext><text>什么制度？</text></questiontext>
    <usecase>1</usecase>
    <answer fraction="100"><text>首问负责制</text></answer>
  </question>
  <question type="numerical">
    <name><text>电压</text></name>
    <questiontext><text>额定电压？</text></questiontext>
    <answer fraction="100"><text>220</text><tolerance>1</tolerance></answer>
    <units>
      <unit><multiplier>1</multiplier><unit_name>V</unit_name></unit>
      <unit><multiplier>0.001</multiplier><unit_name>kV</unit_name></unit>
    </units>
    <unitgradingtype>1</unitgradingtype>
    <unitpenalty>0.2</unitpenalty>
  </question>
  <question type="matching">
    <name><text>岗位</text></name>
    <questiontext><text>连线</text></questiontext>
    <subquestion format="html"><text>柜员</text><answer><text>受理</text></answer></subquestion>
    <subquestion><text>座席</text><answer><text>95598</text></answer></subquestion>
    <subquestion><text></text><answer><text>巡视</text></answer></subquestion>
  </question>
  <question type="essay">
    <name><text>投诉</text></name>
    <questiontext><text>说明步骤。</text></questiontext>
    <defaultgrade>10</defaultgrade>
    <responsefieldlines>20</responsefieldlines>
    <minwordlimit></minwordlimit>
    <graderinfo format="html"><text>四步各2.5分</text></graderinfo>
  </question>
  <question type="description">
    <name><text>案例</text></name>
    <questiontext><text>以下几题基于同一案例。</text></questiontext>
    <defaultgrade>0</defaultgrade>
    <hidden>1</hidden>
    <skillgrid><difficulty>3</difficulty><competency>SV1</competency></skillgrid>
  </question>
</quiz>
"""


def read(text: str) -> list[QuestionData]:
    questions, problems = parse_moodle_xml(text, "q.xml")
    assert problems == [], [str(p) for p in problems]
    return questions


def problems_of(text: str) -> list[str]:
    return [str(p) for p in parse_moodle_xml(textwrap.dedent(text), "q.xml")[1]]


def test_every_type_is_read():
    questions = read(QUIZ)
    assert [q.qtype for q in questions] == [
        "single",
        "multiple",
        "truefalse",
        "shortanswer",
        "numerical",
        "matching",
        "essay",
        "description",
    ]
    assert {q.category for q in questions} == {"服务规范/十项承诺"}
    assert questions[0].category_description == "国家电网十项承诺"


def test_multichoice_fields_are_kept():
    single = read(QUIZ)[0]
    assert (single.id, single.tags) == ("x-single", ["十项承诺", "办电"])
    assert (single.defaultmark, single.penalty) == (2.0, 0.5)
    assert (single.questiontextformat, single.generalfeedbackformat) == ("html", None)
    assert single.data["shuffleanswers"] is False and single.data["answernumbering"] == "ABCD"
    assert single.data["answers"][0] == {
        "text": "3个工作日",
        "fraction": 1.0,
        "feedback": "对",
        "format": "plain",
    }
    assert (single.correctfeedback, single.incorrectfeedback) == ("很好", "再想想")
    assert single.hints == [{"text": "看承诺", "shownumcorrect": True}]


def test_files_are_kept_on_the_question():
    single = read(QUIZ)[0]
    assert single.files == [
        {"name": "meter.png", "path": "/images/", "mimetype": "image/png", "content_base64": PNG}
    ]


def test_true_false_numerical_matching_essay_and_description():
    _s, multiple, tf, short, num, match, essay, desc = read(QUIZ)
    assert [a["fraction"] for a in multiple.data["answers"]] == [0.5, 0.5, -1.0]
    assert tf.data == {"correct": False, "truefeedback": "错了", "falsefeedback": "对了"}
    assert short.data["usecase"] is True
    assert num.data["units"] == [
        {"unit": "V", "multiplier": 1.0},
        {"unit": "kV", "multiplier": 0.001},
    ]
    assert (num.data["unitgradingtype"], num.data["unitpenalty"]) == (1, 0.2)
    assert match.data["subquestions"][-1] == {"text": "", "answer": "巡视"}
    assert (essay.defaultmark, essay.data["responsefieldlines"], essay.data["graderinfo"]) == (
        10.0,
        20,
        "四步各2.5分",
    )
    assert (desc.status, desc.difficulty, desc.competencies) == ("retired", 3, ["SV1"])


def test_unsupported_types_are_named_on_their_line_and_never_dropped():
    assert problems_of(
        """\
        <quiz>
          <question type="truefalse">
            <name><text>ok</text></name><questiontext><text>t</text></questiontext>
            <answer fraction="100"><text>true</text></answer>
          </question>
          <question type="calculated"><name><text>c</text></name></question>
          <question type="ddwtos"><name><text>d</text></name></question>
        </quiz>
        """
    ) == [
        "q.xml:6: question type 'calculated' is not supported",
        "q.xml:7: question type 'ddwtos' (drag and drop into text) is not supported",
    ]


ESSAY_TAG = '<question type="essay">'


def _line_of(snippet: str) -> int:
    return next(n for n, line in enumerate(QUIZ.splitlines(), start=1) if snippet in line)


def test_problems_point_at_the_element_to_fix():
    text = QUIZ.replace('<answer fraction="50"><text>操作票', '<answer fraction="33"><text>操作票')
    found = [str(p) for p in parse_moodle_xml(text, "q.xml")[1]]
    line = _line_of("<text>操作票")
    assert any(p.startswith(f"q.xml:{line}: [两票] answer 2: fraction 0.33") for p in found), found


def test_syntax_errors_and_wrong_roots_have_lines():
    assert problems_of("<quiz>\n<question type='truefalse'>\n</quiz>") == [
        "q.xml:3: XML syntax error: mismatched tag"
    ]
    assert problems_of("<questions/>") == ["q.xml:1: expected <quiz> at the top of the file"]
    assert problems_of("") == ["q.xml:1: XML syntax error: no element found"]


@pytest.mark.parametrize(
    "attack",
    [
        '<!DOCTYPE quiz [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><quiz>&b;</quiz>',
        '<!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>',
        '<!DOCTYPE quiz SYSTEM "http://127.0.0.1:9/x.dtd"><quiz/>',
    ],
)
def test_entities_and_dtds_are_refused(attack):
    [problem] = problems_of(attack)
    assert "refused for safety" in problem


def test_export_is_moodle_layout_with_category_switches_and_own_fields():
    questions = read(QUIZ)
    xml = dump_moodle_xml(questions)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n<!-- question: 0  -->')
    assert "<text>$course$/top/服务规范/十项承诺</text>" in xml
    assert '<file name="meter.png" path="/images/" encoding="base64">' in xml
    assert "<hidden>1</hidden>" in xml and "<competency>SV1</competency>" in xml
    assert read(xml) == questions


def test_detected_by_extension_and_content():
    assert detect_format("a.xml") == "moodlexml"
    assert detect_format("upload", "<?xml version='1.0'?>\n<quiz>") == "moodlexml"


# --- through the service: categories, files, the file route ---------------------------------


@pytest.fixture
def imported(app, db):
    with app.app_context():
        services.import_questions(None, [services.decode_source(QUIZ.encode(), "q.xml")])
        version = db.session.scalar(
            select(QuestionFile.version_id).where(QuestionFile.name == "images/meter.png")
        )
    return version


def test_import_stores_category_descriptions_and_files(app, db, imported):
    with app.app_context():
        category = db.session.scalar(
            select(Category).where(Category.full_name == "服务规范/十项承诺")
        )
        assert category.description == "国家电网十项承诺"
        stored = db.session.scalar(select(QuestionFile))
        assert (stored.name, stored.mimetype) == ("images/meter.png", "image/png")
        assert stored.content == base64.b64decode(PNG)
        [exported] = [q for q in services.export_questions() if q.id == "x-single"]
        assert exported.files == read(QUIZ)[0].files


def test_reimporting_changes_nothing_and_a_new_file_makes_a_new_version(app, db, imported):
    with app.app_context():
        report = services.import_questions(None, [services.decode_source(QUIZ.encode(), "q.xml")])
        assert report.count("unchanged") == 8
        other = base64.b64encode(b"another image").decode()
        changed = QUIZ.replace(PNG, other)
        report = services.import_questions(
            None, [services.decode_source(changed.encode(), "q.xml")]
        )
        [item] = [i for i in report.items if i.action != "unchanged"]
        assert (item.action, item.changes) == ("new_version", ["files"])


def test_file_is_served_to_trainers_with_its_type(client, login_as, imported):
    login_as("trainer")
    response = client.get(f"/bank/files/{imported}/images/meter.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data == base64.b64decode(PNG)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/bank/files/{imported}/images/other.png").status_code == 404


def test_file_is_not_served_to_staff_who_never_met_the_question(client, login_as, imported):
    # staff see a question's files in their own attempts only (tests/quizzes/test_attempts.py)
    login_as("staff")
    assert client.get(f"/bank/files/{imported}/images/meter.png").status_code == 404


def test_active_content_is_downloaded_not_shown(client, login_as, app, db):
    svg = base64.b64encode(b"<svg onload='alert(1)'/>").decode()
    text = QUIZ.replace('name="meter.png"', 'name="x.svg"').replace(PNG, svg)
    with app.app_context():
        services.import_questions(None, [services.decode_source(text.encode(), "q.xml")])
        version = db.session.scalar(select(QuestionFile.version_id))
    login_as("trainer")
    response = client.get(f"/bank/files/{version}/images/x.svg")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_question_page_points_the_text_at_the_file_route(client, login_as, imported):
    login_as("trainer")
    page = client.get("/bank/questions/x-single").get_data(as_text=True)
    assert f'src="/bank/files/{imported}/images/meter.png"' in page
    assert "@@PLUGINFILE@@" not in page


def test_an_unsupported_type_rejects_the_whole_file(app, db):
    text = QUIZ.replace('<question type="essay">', '<question type="ordering">')
    with app.app_context():
        with pytest.raises(services.BankImportRejected) as caught:
            services.import_questions(None, [services.decode_source(text.encode(), "q.xml")])
        assert db.session.scalar(select(func.count(Question.id))) == 0
    assert [str(p) for p in caught.value.problems] == [
        f"q.xml:{_line_of(ESSAY_TAG)}: question type 'ordering' is not supported"
    ]


# --- fuzzing -----------------------------------------------------------------------------------


def assert_sound(text: str, questions, problems) -> None:
    n_lines = text.count("\n") + text.count("\r") + 1
    assert all(isinstance(p, Problem) and 1 <= p.line <= n_lines for p in problems)
    for question in questions:
        assert QTYPES[question.qtype].validate(question.data) == []


@settings(max_examples=150, database=None, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' \nquizestion&;![]CDAT")), max_size=80))
def test_random_xml_gives_questions_or_located_problems(text):
    assert_sound(text, *parse_moodle_xml(text, "fuzz.xml"))


@settings(
    max_examples=150, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["delete", "insert"]),
            st.integers(min_value=0, max_value=len(QUIZ)),
            st.text(alphabet="<>/=\"'&;\n01a-", max_size=4),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_xml_gives_questions_or_located_problems(mutations):
    text = QUIZ
    for kind, position, chars in mutations:
        if kind == "delete":
            text = text[:position] + text[position + 2 :]
        else:
            text = text[:position] + chars + text[position:]
    assert_sound(text, *parse_moodle_xml(text, "fuzz.xml"))


@settings(
    max_examples=40,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.integers(min_value=0, max_value=len(QUIZ) - 1), st.sampled_from(["<", "&", "x", ""]))
def test_a_broken_file_imports_nothing(app, db, position, char):
    text = QUIZ[:position] + char + QUIZ[position + 1 :]
    with app.app_context():
        before = db.session.scalar(select(func.count(QuestionFile.id)))
        versions = db.session.scalar(select(func.count(Question.id)))
        try:
            services.import_questions(None, [services.decode_source(text.encode(), "q.xml")])
        except services.BankImportRejected as exc:
            assert exc.problems
            assert db.session.scalar(select(func.count(QuestionFile.id))) == before
            assert db.session.scalar(select(func.count(Question.id))) == versions
