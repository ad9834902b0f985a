"""Round trips: export then import gives the same question, per type and per format.

Each format carries what it can (docs/question-format.md lists what GIFT and Excel leave out);
`carried` says exactly that, so a field a format silently lost would fail here.
"""

import base64
import copy
import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.bank import services
from app.bank.formats import FORMATS
from app.bank.qtypes import QTYPES, QuestionData

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nimage").decode()


def _common(qtype: str, **fields) -> QuestionData:
    """A question with every common field set away from its default."""
    values = {
        "qtype": qtype,
        "name": f"{qtype} 题",
        "questiontext": f"**{qtype}** 题干：见图 ![m](@@PLUGINFILE@@/images/m.png) {{x}} a=b ~ #1",
        "id": f"rt-{qtype}",
        "category": "服务规范/十项承诺",
        "questiontextformat": "markdown",
        "generalfeedback": "解析：<b>要点</b>\n第二行",
        "generalfeedbackformat": "html",
        "defaultmark": 2.0 if qtype != "description" else 0.0,
        "penalty": 0.5 if qtype != "description" else 0.0,
        "difficulty": 3,
        "competencies": ["SV1", "BK2"],
        "tags": ["十项承诺", "tag]x"],
        "status": "ready",
        "source_version": "供电营业规则(2024)",
        "hints": [
            {"text": "想一想"},
            {"text": "<i>再想</i>", "format": "html", "clearwrong": True},
        ],
        "files": [
            {"name": "m.png", "path": "/images/", "mimetype": "image/png", "content_base64": PNG}
        ],
    }
    values.update(fields)
    return QuestionData(**values)


def _combined(question: QuestionData) -> QuestionData:
    question.correctfeedback = "很好"
    question.partiallycorrectfeedback = "部分"
    question.incorrectfeedback = "不对"
    return question


EVERY_TYPE = {
    "single": _combined(
        _common(
            "single",
            data={
                "shuffleanswers": False,
                "answernumbering": "ABCD",
                "shownumcorrect": True,
                "answers": [
                    {"text": "3个工作日", "fraction": 1.0, "feedback": "对"},
                    {"text": "%50% 五天", "fraction": 0.0, "feedback": ""},
                    {"text": "七天", "fraction": -0.5, "feedback": "错", "feedbackformat": "plain"},
                    {
                        "text": "<b>十天</b>",
                        "fraction": 0.3333333,
                        "feedback": "",
                        "format": "html",
                    },
                ],
            },
        )
    ),
    "multiple": _combined(
        _common(
            "multiple",
            data={
                "shuffleanswers": True,
                "answernumbering": "iii",
                "shownumcorrect": False,
                "answers": [
                    {"text": "工作票", "fraction": 0.5, "feedback": "对"},
                    {"text": "操作票", "fraction": 0.5, "feedback": ""},
                    {"text": "介绍信", "fraction": -1.0, "feedback": "错"},
                ],
            },
        )
    ),
    "truefalse": _common(
        "truefalse",
        penalty=1.0,
        data={"correct": False, "truefeedback": "应提前7天", "falsefeedback": "对"},
    ),
    "shortanswer": _common(
        "shortanswer",
        data={
            "usecase": True,
            "answers": [
                {"text": "首问负责制", "fraction": 1.0, "feedback": "对"},
                {"text": "*首问*", "fraction": 0.5, "feedback": "部分", "feedbackformat": "plain"},
                {"text": "*", "fraction": 0.0, "feedback": "不对"},
            ],
        },
    ),
    "numerical": _common(
        "numerical",
        data={
            "answers": [
                {"text": "220", "tolerance": 1.0, "fraction": 1.0, "feedback": "对"},
                {"text": "-3.5e2", "tolerance": 0.25, "fraction": 0.5, "feedback": ""},
                {"text": "*", "tolerance": 0.0, "fraction": 0.0, "feedback": "不对"},
            ],
            "units": [{"unit": "V", "multiplier": 1.0}, {"unit": "kV", "multiplier": 0.001}],
            "unitgradingtype": 1,
            "unitpenalty": 0.2,
        },
    ),
    "cloze": _common(
        "cloze",
        questiontext="**cloze** 题干：见图 ![m](@@PLUGINFILE@@/images/m.png) {x} a=b ~ #1\n"
        "城区{#1}分钟，农村{#2}；{#3}；{#4}。",
        data={
            "blanks": [
                {
                    "kind": "numerical",
                    "mark": 1,
                    "answers": [
                        {"text": "45", "fraction": 1.0, "tolerance": 5.0, "feedback": "对"},
                        {"text": "-3.5e2", "fraction": 0.5, "tolerance": 0.0, "feedback": ""},
                        {"text": "*", "fraction": 0.0, "tolerance": 0.0, "feedback": "不对"},
                    ],
                },
                {
                    "kind": "shortanswer",
                    "mark": 2,
                    "usecase": True,
                    "answers": [
                        {"text": "90分钟", "fraction": 1.0, "feedback": "对 #1 ~ } \\"},
                        {"text": "=九十*", "fraction": 0.5, "feedback": ""},
                        {"text": "%x~y", "fraction": 0.0, "feedback": "<b>不对</b>"},
                    ],
                },
                {
                    "kind": "single",
                    "mark": 1,
                    "display": "horizontal",
                    "shuffle": True,
                    "answers": [
                        {"text": "3个工作日", "fraction": 1.0, "feedback": ""},
                        {"text": "5个工作日", "fraction": 0.0, "feedback": "非居民"},
                        {"text": "七天", "fraction": -0.5, "feedback": ""},
                    ],
                },
                {
                    "kind": "multiple",
                    "mark": 3,
                    "display": "vertical",
                    "shuffle": False,
                    "answers": [
                        {"text": "工作票", "fraction": 0.5, "feedback": ""},
                        {"text": "操作票", "fraction": 0.5, "feedback": ""},
                        {"text": "介绍信", "fraction": 0.0, "feedback": "不是"},
                    ],
                },
            ]
        },
    ),
    "matching": _combined(
        _common(
            "matching",
            data={
                "shuffleanswers": False,
                "shownumcorrect": True,
                "subquestions": [
                    {"text": "柜员 a=b", "answer": "受理"},
                    {"text": "<b>座席</b>", "answer": "95598", "format": "html"},
                    {"text": "装表", "answer": "装表接电"},
                    {"text": "", "answer": "巡视"},
                ],
            },
        )
    ),
    "essay": _common(
        "essay",
        data={
            "responseformat": "monospaced",
            "responserequired": False,
            "responsefieldlines": 20,
            "attachments": 0,
            "attachmentsrequired": 0,
            "minwordlimit": 10,
            "maxwordlimit": 200,
            "graderinfo": "受理、调查、答复、回访各2.5分",
            "graderinfoformat": "plain",
            "responsetemplate": "第一步：",
        },
    ),
    "description": _common("description", hints=[], data={}),
}
assert set(EVERY_TYPE) == set(QTYPES)  # a new type must get a sample here

#: the essay options GIFT's import sets (Moodle's defaults)
GIFT_ESSAY = {
    "responseformat": "editor",
    "responserequired": True,
    "responsefieldlines": 15,
    "attachments": 0,
    "attachmentsrequired": 0,
    "minwordlimit": None,
    "maxwordlimit": None,
    "graderinfo": "",
    "responsetemplate": "",
    "graderinfoformat": "html",
}


def carried(question: QuestionData, fmt: str) -> QuestionData:
    """`question` as it comes back from `fmt`: what the format cannot hold set to the
    defaults its importer fills in."""
    question = copy.deepcopy(question)
    question.line = None
    if fmt != "gift":
        return question
    qtype = QTYPES[question.qtype]
    question.penalty = qtype.default_penalty
    question.hints = []
    question.files = []
    question.correctfeedback = question.partiallycorrectfeedback = question.incorrectfeedback = ""
    data = question.data
    if question.qtype in ("single", "multiple"):
        data.update(shuffleanswers=True, answernumbering="abc", shownumcorrect=False)
    if question.qtype in ("shortanswer", "numerical"):
        for answer in data["answers"]:
            answer.pop("format", None)
    if question.qtype == "shortanswer":
        data["usecase"] = False
    if question.qtype == "numerical":
        data.update(units=[], unitgradingtype=0, unitpenalty=0.1)
    if question.qtype == "matching":
        data.update(shuffleanswers=True, shownumcorrect=False)
    if question.qtype == "essay":
        question.data = dict(GIFT_ESSAY)
    if question.qtype == "description":  # no braces, so no place for general feedback
        question.generalfeedback, question.generalfeedbackformat = "", None
    return question


def round_trip(questions: list[QuestionData], fmt: str) -> list[QuestionData]:
    spec = FORMATS[fmt]
    dumped = spec.dump(questions, questions[0].category) if fmt == "yaml" else spec.dump(questions)
    back, problems = spec.parse(dumped, f"round-trip.{fmt}")
    assert problems == [], [str(p) for p in problems]
    for question in back:
        question.line = None
    return back


def differences(want: QuestionData, got: QuestionData) -> dict:
    a, b = dataclasses.asdict(want), dataclasses.asdict(got)
    return {key: (a[key], b[key]) for key in a if a[key] != b[key] and key != "line"}


#: the types a format has no syntax for (its export writes a comment; docs/question-format.md)
NOT_CARRIED = {"gift": {"cloze"}}


def _carried_by(fmt: str) -> list[QuestionData]:
    return [q for q in EVERY_TYPE.values() if q.qtype not in NOT_CARRIED.get(fmt, ())]


@pytest.mark.parametrize("fmt", ["yaml", "json", "gift", "moodlexml", "xlsx"])
@pytest.mark.parametrize("qtype", list(EVERY_TYPE))
def test_round_trip_keeps_what_the_format_carries(qtype, fmt):
    if qtype in NOT_CARRIED.get(fmt, ()):
        pytest.skip(f"{fmt} has no syntax for {qtype}")
    question = EVERY_TYPE[qtype]
    assert QTYPES[qtype].validate(question.data) == []
    [back] = round_trip([question], fmt)
    assert differences(carried(question, fmt), back) == {}


@pytest.mark.parametrize("fmt", ["gift", "moodlexml", "xlsx"])
def test_round_trip_of_a_whole_bank_keeps_order_and_categories(fmt):
    questions = [copy.deepcopy(q) for q in _carried_by(fmt)]
    questions[2].category = "安全/两票"
    questions[3].category = None
    back = round_trip(questions, fmt)
    assert [q.id for q in back] == [q.id for q in questions]
    assert [q.category for q in back] == [q.category for q in questions]


@pytest.mark.parametrize("fmt", ["moodlexml", "xlsx", "gift"])
def test_service_export_then_import_changes_nothing(app, db, fmt, tmp_path):
    """Import every type, export it in `fmt`, import that: every question is unchanged
    (GIFT: once what it cannot carry has been through it)."""
    questions = [carried(q, fmt) if fmt == "gift" else q for q in _carried_by(fmt)]
    with app.app_context():
        first = FORMATS["json"].dump(questions)
        services.import_questions(None, [services.decode_source(first.encode(), "all.json")])
        out = tmp_path / f"bank.{fmt}"
        services.write_export(services.export_questions(), out, fmt)
        report = services.import_questions(None, [services.read_source(out)])
    assert report.count("unchanged") == len(questions), [(i.key, i.changes) for i in report.items]


# --- any text survives ------------------------------------------------------------------------

_TEXT = (
    st.text(
        alphabet=st.sampled_from(list("ab 中文\n~=#{}:%[]\\*-><&\"'@+.→")), min_size=1, max_size=30
    )
    .map(str.strip)
    .filter(bool)
)


@settings(
    max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    fmt=st.sampled_from(["gift", "moodlexml", "xlsx"]),
    name=_TEXT.filter(lambda text: "<" not in text),  # GIFT strips tags from names, as Moodle
    text=_TEXT,
    feedback=_TEXT,
    answers=st.lists(_TEXT, min_size=2, max_size=4, unique=True),
)
def test_any_text_survives_each_format(fmt, name, text, feedback, answers):
    question = QuestionData(
        qtype="single",
        name=name.replace("\n", " "),
        questiontext=text,
        generalfeedback=feedback,
        data={
            "shuffleanswers": True,
            "answernumbering": "abc",
            "shownumcorrect": False,
            "answers": [
                {"text": answer, "fraction": 1.0 if i == 0 else 0.0, "feedback": feedback}
                for i, answer in enumerate(answers)
            ],
        },
    )
    [back] = round_trip([question], fmt)
    assert differences(carried(question, fmt), back) == {}
