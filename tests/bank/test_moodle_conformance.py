"""Moodle's own GIFT and XML unit cases, run against our importers and exporters.

The cases are Moodle 4.5.6's giftformat_test.php and xmlformat_test.php, kept as JSON in
shared/fixtures/moodle/ (see its README.md). Each case is one test; the few where SkillGrid
deliberately differs are strict xfails whose reason is also listed in docs/question-format.md.
The summary tests print "GIFT conformance: N/M cases match" whatever the capture mode, and
record the counts as properties (visible in --junitxml reports).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.bank.formats.gift import extract_id_and_tags, parse_gift, write_gift_question
from app.bank.formats.moodle_xml import (
    parse_moodle_xml,
    parse_tree,
    read_category,
    read_hints,
    read_text_with_files,
    write_category,
    write_moodle_xml_question,
    xml_escape,
)
from app.bank.qtypes import QTYPES, QuestionData
from app.bank.qtypes.cloze_syntax import write_blank

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "moodle"
FORMAT_CODES = {"moodle": 0, "html": 1, "plain": 2, "markdown": 4}
FORMAT_NAMES = {code: name for name, code in FORMAT_CODES.items()}

#: case id -> why SkillGrid does not give Moodle's result (also in docs/question-format.md)
DIFFERENCES = {
    "gift.export_truefalse": "the truefalse type keeps no text format per feedback, so the "
    "[html] tag of an HTML feedback in a Moodle-format question is not written",
    "xml.import_essay_21": "the essay type keeps no format for the response template "
    "(SkillGrid shows the template in a plain text box)",
    "xml.import_essay_311": "the essay type keeps neither maxbytes nor filetypeslist "
    "(SkillGrid takes no uploads) nor a response template format",
    "xml.export_essay": "the essay type keeps neither maxbytes nor filetypeslist nor a "
    "response template format, so the export writes Moodle's defaults for them",
    "xml.import_multichoice_19": "the question's right answers add up to 200%; Moodle's "
    "edit form refuses that and so does SkillGrid's import",
}


def _cases(name: str) -> list[dict[str, Any]]:
    path = SHARED / name
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))


GIFT_CASES = _cases("gift_unit_cases.json")
XML_CASES = _cases("xml_unit_cases.json")
needs_shared = pytest.mark.skipif(
    not SHARED.exists(), reason=f"Moodle's cases live in {SHARED}, which is absent here"
)


# --- comparing as PHP does ------------------------------------------------------------------


def _scalar(value: Any) -> Any:
    """PHP loose equality as the cases use it: 1 == true == "1", 0 == false == "" == null."""
    if value is None or value is False or value == "":
        return 0.0
    if value is True:
        return 1.0
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def loose_equal(expected: Any, actual: Any) -> bool:
    """Every expected key present and loosely equal; lists of the same length."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and loose_equal(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(loose_equal(e, a) for e, a in zip(expected, actual, strict=True))
        )
    left, right = _scalar(expected), _scalar(actual)
    if isinstance(left, float) and isinstance(right, float):
        return abs(left - right) < 1e-6
    return left == right


def mismatches(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """The expected fields our result does not match, each with both values."""
    found = []
    for key, value in expected.items():
        if key == "absent_fields":
            found += [f"{name} should be absent" for name in value if name in actual]
        elif key not in actual or not loose_equal(value, actual[key]):
            found.append(f"{key}: expected {value!r}, got {actual.get(key, '<absent>')!r}")
    return found


# --- our QuestionData as Moodle's imported question -------------------------------------------


def _piece(text: str, fmt: str, files: bool = True) -> dict[str, Any]:
    piece: dict[str, Any] = {"text": text, "format": FORMAT_CODES[fmt]}
    if files:
        piece["files"] = []
    return piece


def moodle_view(question: QuestionData) -> dict[str, Any]:
    """The fields Moodle's importers fill in, computed from what our importer returned."""
    qf = question.questiontextformat
    data = question.data
    view: dict[str, Any] = {
        "qtype": {"single": "multichoice", "multiple": "multichoice", "matching": "match"}.get(
            question.qtype, question.qtype
        ),
        "name": question.name,
        "questiontext": question.questiontext,
        "questiontextformat": FORMAT_CODES[qf],
        "generalfeedback": question.generalfeedback,
        "generalfeedbackformat": FORMAT_CODES[question.generalfeedbackformat or qf],
        "defaultmark": question.defaultmark,
        "penalty": question.penalty,
        "length": 0 if question.qtype == "description" else 1,
        "idnumber": question.id or "",
        "tags": list(question.tags),
    }
    if question.hints:
        view["hint"] = [_piece(h["text"], h.get("format") or qf, False) for h in question.hints]
        view["hintshownumcorrect"] = [bool(h.get("shownumcorrect")) for h in question.hints]
        view["hintclearwrong"] = [bool(h.get("clearwrong")) for h in question.hints]
    for key in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        view[key] = _piece(getattr(question, key), qf)
    answers = data.get("answers", [])
    if question.qtype in ("single", "multiple"):
        view["single"] = question.qtype == "single"
        view["answer"] = [_piece(a["text"], a.get("format") or qf) for a in answers]
    elif question.qtype in ("shortanswer", "numerical"):
        view["answer"] = [a["text"] for a in answers]
    if answers and question.qtype != "truefalse":
        view["fraction"] = [a["fraction"] for a in answers]
        view["feedback"] = [_piece(a["feedback"], a.get("feedbackformat") or qf) for a in answers]
    if question.qtype == "numerical":
        view["tolerance"] = [a["tolerance"] for a in answers]
    for key in ("shuffleanswers", "answernumbering", "shownumcorrect", "usecase"):
        if key in data:
            view[key] = data[key]
    if question.qtype == "truefalse":
        view["correctanswer"] = data["correct"]
        view["feedbacktrue"] = _piece(data["truefeedback"], qf)
        view["feedbackfalse"] = _piece(data["falsefeedback"], qf)
    if question.qtype == "matching":
        subs = data["subquestions"]
        view["subquestions"] = [_piece(s["text"], s.get("format") or qf) for s in subs]
        view["subanswers"] = [s["answer"] for s in subs]
    if question.qtype == "cloze":
        view["qtype"] = "multianswer"
        view["options"] = {
            "questions": {
                str(number): _subquestion_view(blank, qf)
                for number, blank in enumerate(data["blanks"], start=1)
            }
        }
    if question.qtype == "essay":
        for key in ("responseformat", "responserequired", "responsefieldlines", "attachments",
                    "attachmentsrequired", "minwordlimit", "maxwordlimit"):  # fmt: skip
            view[key] = data[key]
        view["minwordenabled"] = data["minwordlimit"] is not None
        view["maxwordenabled"] = data["maxwordlimit"] is not None
        view["maxbytes"] = 0  # not kept: SkillGrid takes no uploads
        view["filetypeslist"] = None
        view["graderinfo"] = _piece(data["graderinfo"], data.get("graderinfoformat") or qf)
        view["responsetemplate"] = _piece(data["responsetemplate"], qf)
    return view


#: Moodle's qtype_multichoice_base layouts of a choice blank
_LAYOUTS = {"dropdown": 0, "vertical": 1, "horizontal": 2}


def _html_piece(text: str) -> dict[str, Any]:
    """A piece of a Cloze subquestion: Moodle's extract_question makes every one HTML."""
    return {"text": text, "format": FORMAT_CODES["html"], "itemid": None}


def _subquestion_view(blank: dict[str, Any], qf: str) -> dict[str, Any]:
    """A blank as the wrapped question qtype_multianswer_extract_question builds."""
    kind, answers = blank["kind"], blank["answers"]
    view: dict[str, Any] = {
        "questiontext": _html_piece(write_blank(blank, qf)),
        "generalfeedback": _html_piece(""),
        "defaultmark": float(blank["mark"]),
        "qtype": {"single": "multichoice", "multiple": "multichoice"}.get(kind, kind),
        "fraction": [a["fraction"] for a in answers],
        "feedback": [_html_piece(a["feedback"]) for a in answers],
    }
    if kind in ("single", "multiple"):
        view.update(
            layout=_LAYOUTS[blank["display"]],
            single=int(kind == "single"),
            shuffleanswers=int(blank["shuffle"]),
            answernumbering=0,
            correctfeedback=_html_piece(""),
            partiallycorrectfeedback=_html_piece(""),
            incorrectfeedback=_html_piece(""),
            answer=[_html_piece(a["text"]) for a in answers],
        )
    else:
        view["answer"] = [a["text"] for a in answers]
    if kind == "shortanswer":
        view["usecase"] = int(blank["usecase"])
    if kind == "numerical":
        view["tolerance"] = [a["tolerance"] for a in answers]
    return view


# --- a Moodle question record as our QuestionData ---------------------------------------------


def _values(items: Any) -> list[dict[str, Any]]:
    return list(items.values()) if isinstance(items, dict) else list(items or [])


def _answer(record: dict[str, Any], qf: str, *, keep_format: bool) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "text": record["answer"],
        "fraction": float(record["fraction"]),
        "feedback": record.get("feedback", ""),
    }
    fmt = FORMAT_NAMES.get(record.get("answerformat", FORMAT_CODES[qf]), qf)
    if keep_format and fmt != qf:
        answer["format"] = fmt
    feedback_format = FORMAT_NAMES.get(record.get("feedbackformat", FORMAT_CODES[qf]), qf)
    if feedback_format != qf:
        answer["feedbackformat"] = feedback_format
    return answer


def from_record(record: dict[str, Any]) -> QuestionData:
    """Moodle's question record (the export tests' input) as the QuestionData we would hold."""
    qf = FORMAT_NAMES[record.get("questiontextformat", 1)]
    gff = FORMAT_NAMES[record.get("generalfeedbackformat", FORMAT_CODES[qf])]
    options = record.get("options", {})
    qtype = {"multichoice": "single", "match": "matching"}.get(record["qtype"], record["qtype"])
    data: dict[str, Any] = {}
    questiontext = record["questiontext"]
    answers = _values(options.get("answers"))
    if qtype == "single":
        qtype = "single" if int(options.get("single", 1)) else "multiple"
        data = {
            "shuffleanswers": bool(int(options.get("shuffleanswers", 1))),
            "answernumbering": options.get("answernumbering", "abc"),
            "shownumcorrect": bool(options.get("shownumcorrect", 0)),
            "answers": [_answer(a, qf, keep_format=True) for a in answers],
        }
    elif qtype == "truefalse":
        by_word = {a["answer"].lower(): a for a in answers}
        data = {
            "correct": float(by_word["true"]["fraction"]) == 1,
            "truefeedback": by_word["true"].get("feedback", ""),
            "falsefeedback": by_word["false"].get("feedback", ""),
        }
    elif qtype == "shortanswer":
        data = {
            "usecase": bool(int(options.get("usecase", 0))),
            "answers": [_answer(a, qf, keep_format=False) for a in answers],
        }
    elif qtype == "numerical":
        data = {
            "answers": [
                {**_answer(a, qf, keep_format=False), "tolerance": float(a.get("tolerance") or 0)}
                for a in answers
            ],
            "units": [
                {"unit": u["unit"], "multiplier": float(u["multiplier"])}
                for u in _values(options.get("units"))
            ],
            "unitgradingtype": int(options.get("unitgradingtype", 0)),
            "unitpenalty": float(options.get("unitpenalty", 0.1)),
        }
    elif qtype == "matching":
        subquestions = []
        for sub in _values(options.get("subquestions")):
            item = {"text": sub["questiontext"], "answer": sub["answertext"]}
            fmt = FORMAT_NAMES[sub.get("questiontextformat", FORMAT_CODES[qf])]
            if fmt != qf:
                item["format"] = fmt
            subquestions.append(item)
        data = {
            "shuffleanswers": bool(int(options.get("shuffleanswers", 1))),
            "shownumcorrect": bool(options.get("shownumcorrect", 0)),
            "subquestions": subquestions,
        }
    elif qtype == "essay":
        data = {key: options.get(key) for key in ("responseformat", "responsefieldlines",
                "attachments", "attachmentsrequired", "minwordlimit", "maxwordlimit",
                "graderinfo", "responsetemplate")}  # fmt: skip
        data["responserequired"] = bool(int(options.get("responserequired", 1)))
        graderinfo_format = FORMAT_NAMES[options.get("graderinfoformat", FORMAT_CODES[qf])]
        if graderinfo_format != qf:
            data["graderinfoformat"] = graderinfo_format
    elif qtype == "multianswer":
        # Moodle keeps each blank's Cloze text as its subquestion's text; put them in place.
        for number, sub in options["questions"].items():
            questiontext = questiontext.replace(f"{{#{number}}}", sub["questiontext"])
        qtype = "cloze"
        questiontext, data, issues = QTYPES["cloze"].split_text(questiontext, qf)
        assert issues == [], issues
    hints = []
    for hint in record.get("hints", []):
        item: dict[str, Any] = {"text": hint["hint"]}
        fmt = FORMAT_NAMES[hint.get("hintformat", FORMAT_CODES[qf])]
        if fmt != qf:
            item["format"] = fmt
        for flag in ("shownumcorrect", "clearwrong"):
            if hint.get(flag):
                item[flag] = True
        hints.append(item)
    return QuestionData(
        qtype=qtype,
        name=record["name"],
        questiontext=questiontext,
        id=record.get("idnumber") or None,
        questiontextformat=qf,
        generalfeedback=record.get("generalfeedback", ""),
        generalfeedbackformat=None if gff == qf else gff,
        defaultmark=float(record.get("defaultmark", 1)),
        penalty=float(record.get("penalty", 0.3333333)),
        tags=list(record.get("tags", [])),
        hints=hints,
        correctfeedback=options.get("correctfeedback", ""),
        partiallycorrectfeedback=options.get("partiallycorrectfeedback", ""),
        incorrectfeedback=options.get("incorrectfeedback", ""),
        data=data,
    )


# --- running one case -------------------------------------------------------------------------


def _one_question(parsed) -> QuestionData:
    questions, problems = parsed
    assert problems == [], [str(p) for p in problems]
    assert len(questions) == 1
    return questions[0]


def _regex(pattern_php: str) -> re.Pattern[str]:
    return re.compile(pattern_php[1:-1])  # PHP delimiters |...|


def _segment(xml: str, applies_to: str) -> str:
    match = re.search(r"explode\('<hint', xml\)\[(\d)\]", applies_to)
    return xml.split("<hint")[int(match.group(1))] if match else xml


def _files_view(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "filename": item["name"],
            "filepath": item["path"],
            "size": len(base64.b64decode(item["content_base64"])),
        }
        for item in files
    ]


def check_gift(case: dict[str, Any]) -> list[str]:
    """The ways our GIFT code differs from Moodle on one case (empty: it matches)."""
    if case["kind"] == "import":
        numbering = case.get("config", {}).get("qtype_multichoice/answernumbering", "abc")
        question = _one_question(parse_gift(case["input"], "case.gift", answernumbering=numbering))
        return mismatches(case["expected"], moodle_view(question))
    if case["kind"] == "export":
        text = write_gift_question(from_record(case["input"]), case["input"]["id"])
        return [] if text == case["expected"] else [f"wrote {text!r}"]
    if case["kind"] == "comment_metadata":
        idnumber, tags = extract_id_and_tags(case["input"])
        return mismatches(case["expected"], {"idnumber": idnumber, "tags": tags})
    raise AssertionError(f"unknown kind {case['kind']}")


def check_xml(case: dict[str, Any]) -> list[str]:
    """The ways our Moodle XML code differs from Moodle on one case (empty: it matches)."""
    kind = case["kind"]
    if kind == "xml_escape":
        escaped = xml_escape(case["input"])
        found = [] if escaped == case["expected"] else [f"escaped as {escaped!r}"]
        for assertion in case.get("field_assertions", []):
            text = parse_tree("<div>" + case["expected"] + "</div>").text
            if text != assertion["equals"]:
                found.append(f"read back as {text!r}")
        return found
    if kind == "import":
        question = _one_question(parse_moodle_xml(case["input"], "case.xml"))
        return mismatches(case["expected"], moodle_view(question))
    if kind == "export":
        xml = write_moodle_xml_question(from_record(case["input"]), case["input"]["id"])
        if "expected" in case:
            return [] if xml == case["expected"] else [f"wrote {xml!r}"]
        found = []
        for assertion in case["regex_assertions"]:
            segment = _segment(xml, assertion["applies_to"])
            if bool(_regex(assertion["pattern_php"]).search(segment)) != assertion["must_match"]:
                found.append(f"{assertion['pattern_php']} on {assertion['applies_to']}")
        return found
    if kind == "import_hints":
        with_parts = not case["id"].endswith("no_parts")
        hints = read_hints(parse_tree(case["input"]), "html", with_parts=with_parts)
        view: dict[str, Any] = {}
        if hints:
            view["hint"] = [_piece(h["text"], h.get("format") or "html", False) for h in hints]
            if with_parts:
                view["hintclearwrong"] = [bool(h.get("clearwrong")) for h in hints]
                view["hintshownumcorrect"] = [bool(h.get("shownumcorrect")) for h in hints]
        return mismatches(case["expected"], view)
    if kind == "import_files":
        if case["input"].startswith("<questiontext"):
            _text, _fmt, files = read_text_with_files(parse_tree(case["input"]), "html")
            return mismatches(case["expected"], {"draft_files": _files_view(files)})
        question = _one_question(parse_moodle_xml(case["input"], "case.xml"))
        return mismatches(
            case["expected"], {"questiontext_draft_files": _files_view(question.files)}
        )
    if kind == "category_dummy":
        # Moodle's create_dummy_question builds the category switch record; ours is written by
        # write_category and read back by read_category: the path and the description must
        # survive (the record's other fields are Moodle's internals).
        given = case["input"]
        xml = write_category(given["categoryname"], given["categoryinfo"]["info"])
        category, info = read_category(parse_tree(xml))
        view = {"qtype": "category", "category": category, "info": info}
        expected = {key: case["expected"][key] for key in ("qtype", "category", "info")}
        return mismatches(expected, view)
    raise AssertionError(f"unknown kind {kind}")


def _params(cases: list[dict[str, Any]]) -> list[Any]:
    params = []
    for case in cases:
        marks = []
        if case["id"] in DIFFERENCES:
            marks.append(pytest.mark.xfail(strict=True, reason=DIFFERENCES[case["id"]]))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params or [pytest.param(None, marks=needs_shared)]


@needs_shared
@pytest.mark.parametrize("case", _params(GIFT_CASES))
def test_gift_case(case):
    assert check_gift(case) == []


@needs_shared
@pytest.mark.parametrize("case", _params(XML_CASES))
def test_xml_case(case):
    assert check_xml(case) == []


def _count(cases, check) -> int:
    matched = 0
    for case in cases:
        with contextlib.suppress(AssertionError):  # a refused import is a mismatch
            matched += not check(case)
    return matched


@needs_shared
@pytest.mark.parametrize(
    ("label", "cases", "check"),
    [("GIFT", GIFT_CASES, check_gift), ("Moodle XML", XML_CASES, check_xml)],
    ids=["gift", "xml"],
)
def test_conformance_summary(label, cases, check, capsys, record_property):
    matched = _count(cases, check)
    record_property(f"{label} conformance", f"{matched}/{len(cases)}")
    with capsys.disabled():
        print(f"\n{label} conformance: {matched}/{len(cases)} cases match")
    # every case but the documented differences matches
    documented = sum(1 for case in cases if case["id"] in DIFFERENCES)
    assert matched == len(cases) - documented


# --- names made from the question text (create_default_question_name) -------------------------

#: GIFT questions without ::title:: and the name Moodle 4.5's qformat_default gives each:
#: clean_question_name(shorten_text(questiontext, 80)), cut after the last space or full stop
#: before 77 characters (the "..." counts), the space kept; CJK text cut at any character
DEFAULT_NAMES = [
    (
        "The American holiday of Thanksgiving is celebrated on the {~second ~third =fourth} "
        "Thursday of November.",
        "The American holiday of Thanksgiving is celebrated on the _____ Thursday of ...",
    ),
    ("What is 95598? {=客服热线 ~电费}", "What is 95598?"),
    ("word " * 30 + "{T}", "word " * 15 + "..."),
    (
        "居民客户申请新装用电，供电企业应在受理后多少个工作日内完成装表接电？" * 3
        + "{=5个工作日 ~10个工作日}",
        ("居民客户申请新装用电，供电企业应在受理后多少个工作日内完成装表接电？" * 3)[:77] + "...",
    ),
    # tags do not count; the last piece has no space before the limit, so it is cut there
    ("<b>Bold</b> words do not count " * 4 + "{T}", "Bold words do not count " * 3 + "Bold ..."),
    (
        "Exactly eighty characters of text are never shortened by Moodle at all, right? {T}",
        "Exactly eighty characters of text are never shortened by Moodle at all, right?",
    ),
]


@pytest.mark.parametrize(("gift", "name"), DEFAULT_NAMES)
def test_default_name_is_made_as_moodle_makes_it(gift, name):
    assert _one_question(parse_gift(gift, "names.gift")).name == name


def test_shorten_text_matches_moodles_own_cases():
    from app.bank.formats.gift.syntax import shorten_text

    # lib/tests/moodlelib_test.php test_shorten_text (the cases without tags to close)
    assert shorten_text("short text already no tags") == "short text already no tags"
    long_text = "long text without any tags blah de blah blah blah what"
    assert shorten_text(long_text) == "long text without any tags ..."
    spaced = "some text which shouldn't &nbsp; break there"
    assert shorten_text(spaced, 31) == "some text which shouldn't &nbsp; ..."
    assert shorten_text(spaced, 30) == "some text which shouldn't &nbsp;..."
    assert shorten_text(spaced, 29) == "some text which shouldn't ..."
