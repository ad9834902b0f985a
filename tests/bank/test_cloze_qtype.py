"""Cloze (multi-blank) questions: Moodle's syntax read and written, each blank graded by its own
type's rules and weighted by its mark, rendered inline, and shaped for the API.

Pure tests: no app, no database. Fractions in comments are worked out by hand.
"""

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.bank.qtypes import QTYPES
from app.bank.qtypes.api import ResponseRefused
from app.bank.qtypes.cloze_syntax import (
    TYPE_NAMES,
    check_blank,
    join_cloze,
    split_cloze,
    write_blank,
)

cloze = QTYPES["cloze"]

#: weights 2, 1, 1, 1, 2 (7 in all); one blank of each kind, partial credit and feedback
TEXT = (
    "城区{2:NUMERICAL:=45:5#对~%50%60#偏长}分钟，农村{1:SA:=90分钟~%50%九十分钟#写数字}；"
    "系统{1:SAC:=SG186}；{1:MC:=甲~%50%乙~丙#不对}；{2:MR:=A~=B~C}"
)


def parsed(text=TEXT, textformat="markdown"):
    stored, data, issues = cloze.split_text(text, textformat)
    assert issues == [], [i.message for i in issues]
    return stored, data


def problems(text, textformat="markdown"):
    """(line within the text, message) of every problem of a Cloze text."""
    _stored, _data, issues = cloze.split_text(text, textformat)
    return [(issue.path[1] if len(issue.path) > 1 else None, issue.message) for issue in issues]


# --- reading the syntax --------------------------------------------------------------------


def test_the_text_keeps_placeholders_and_the_blanks_become_data():
    stored, data = parsed()
    assert stored == "城区{#1}分钟，农村{#2}；系统{#3}；{#4}；{#5}"
    kinds = [(b["kind"], b["mark"]) for b in data["blanks"]]
    assert kinds == [("numerical", 2), ("shortanswer", 1), ("shortanswer", 1), ("single", 1),
                     ("multiple", 2)]  # fmt: skip
    numerical, short, case, choice, multi = data["blanks"]
    assert numerical["answers"] == [
        {"text": "45", "fraction": 1.0, "tolerance": 5.0, "feedback": "对"},
        {"text": "60", "fraction": 0.5, "tolerance": 0.0, "feedback": "偏长"},
    ]
    assert (short["usecase"], case["usecase"]) == (False, True)
    assert short["answers"][1] == {"text": "九十分钟", "fraction": 0.5, "feedback": "写数字"}
    assert (choice["display"], choice["shuffle"]) == ("dropdown", False)
    assert [a["fraction"] for a in choice["answers"]] == [1.0, 0.5, 0.0]
    assert cloze.default_mark_for(data) == 7.0


@pytest.mark.parametrize(
    ("name", "kind", "display", "shuffle"),
    [
        ("NUMERICAL", "numerical", None, None),
        ("NM", "numerical", None, None),
        ("SHORTANSWER", "shortanswer", None, None),
        ("SA", "shortanswer", None, None),
        ("MW", "shortanswer", None, None),
        ("MC", "single", "dropdown", False),
        ("MCS", "single", "dropdown", True),
        ("MCV", "single", "vertical", False),
        ("MULTICHOICE_VS", "single", "vertical", True),
        ("MCH", "single", "horizontal", False),
        ("MCHS", "single", "horizontal", True),
        ("MR", "multiple", "vertical", False),
        ("MRV", "multiple", "vertical", False),
        ("MRS", "multiple", "vertical", True),
        ("MRH", "multiple", "horizontal", False),
        ("MULTIRESPONSE_HS", "multiple", "horizontal", True),
    ],
)
def test_every_type_name_moodle_reads(name, kind, display, shuffle):
    _stored, data = parsed(f"x {{1:{name}:=1~2}}")
    [blank] = data["blanks"]
    assert blank["kind"] == kind
    if display:
        assert (blank["display"], blank["shuffle"]) == (display, shuffle)


def test_sac_and_its_aliases_make_case_matter():
    for name in ("SHORTANSWER_C", "SAC", "MWC"):
        assert parsed(f"{{1:{name}:=Abc}}")[1]["blanks"][0]["usecase"] is True


def test_escapes_and_html_entities_as_moodle_reads_them():
    _stored, data = parsed(r"{1:SA:=a\}b\#c\~d\\e#fb \} \~ x#y}")
    [answer] = data["blanks"][0]["answers"]
    assert answer["text"] == "a}b#c~d\\e"
    assert answer["feedback"] == "fb } ~ x#y"
    # In an HTML text, entities are undone, and a # right after & belongs to an entity.
    _stored, data = parsed("{1:MC:=R&amp;D&#35;1~&lt;b&gt;}", "html")
    assert [a["text"] for a in data["blanks"][0]["answers"]] == ["R&D#1", "<b>"]
    _stored, data = parsed("{1:SA:=R&amp;D}", "markdown")
    assert data["blanks"][0]["answers"][0]["text"] == "R&amp;D"


def test_numbers_take_a_comma_and_a_tolerance_and_a_wildcard_stays_text():
    _stored, data = parsed("{1:NM:=1,5:0,25~%50%2e1~*#别的数}")
    assert [(a["text"], a["tolerance"]) for a in data["blanks"][0]["answers"]] == [
        ("1.5", 0.25),
        ("2e1", 0.0),
        ("*", 0.0),
    ]


def test_multiple_response_grades_follow_moodle():
    # no grade written: the right ones share 100%, each wrong one cancels one right one
    _stored, data = parsed("{1:MR:=A~=B~C~D}")
    assert [a["fraction"] for a in data["blanks"][0]["answers"]] == [0.5, 0.5, -0.5, -0.5]
    # grades written: the positive ones are scaled to 100%, the others kept
    _stored, data = parsed("{1:MR:%50%A~%25%B~%-100%C~D}")
    assert [a["fraction"] for a in data["blanks"][0]["answers"]] == [
        0.6666667,
        0.3333333,
        -1.0,
        0.0,
    ]
    # Moodle's "%0%" is no written grade (PHP reads "0" as false)
    _stored, data = parsed("{1:MR:=A~%0%B}")
    assert [a["fraction"] for a in data["blanks"][0]["answers"]] == [1.0, -1.0]


def test_problems_name_the_blank_and_its_line():
    text = (
        "第一行{1:SA:=好}\n"
        "{1:NUMERICAL:=四十五}\n"
        "{1:SHORTANSWR:=x}\n"
        "{1:MC:=甲}{1:SA:%5O%x}\n"
        "{1:SA:~=y}\n"
        "{1:SA:乙}\n"
        "{1:SA:=z"
    )
    assert problems(text) == [
        (1, "blank 2: answer 1: '四十五' is not a number (write digits, or * for any number)"),
        (2, "blank 3: unknown type 'SHORTANSWR' (expected one of: SHORTANSWER (SA), "
            "SHORTANSWER_C (SAC), NUMERICAL (NM), MULTICHOICE (MC, MCV, MCH), "
            "MULTIRESPONSE (MR, MRH))"),
        (3, "blank 4: give at least 2 answers"),
        (3, "blank 5: '%5O%' is not a grade: write a percentage such as %50%"),
        (4, "blank 6: answer 1 is empty"),
        (5, "blank 7: one of the answers must be worth 100% (write = before it)"),
        (6, "blank 8: no closing '}'"),
    ]  # fmt: skip


def test_a_text_without_blanks_or_with_a_stored_placeholder_is_refused():
    assert problems("没有空") == [
        (None, "a Cloze question needs at least one blank, e.g. {1:SHORTANSWER:=answer}")
    ]
    assert problems("{#1} 和 {1:SA:=x}") == [
        (0, "'{#1}' is how SkillGrid stores a blank; write the blank itself, e.g. "
            "{1:SHORTANSWER:=answer}")
    ]  # fmt: skip
    assert problems("{0:SA:=x}") == [
        (None, "the blanks' weights add up to 0: give one a weight of 1 or more")
    ]


def test_moodle_would_keep_a_malformed_blank_as_text_but_here_it_is_a_problem():
    # {1:SA:} has no answer at all: Moodle's regular expression leaves it in the text
    assert problems("{1:SA:}") == [(0, "blank 1: answer 1 is empty")]


# --- writing the syntax --------------------------------------------------------------------


def test_writing_gives_moodle_s_long_names_and_reads_back_the_same():
    stored, data = parsed()
    written = join_cloze(stored, data["blanks"])
    assert written == (
        "城区{2:NUMERICAL:=45:5#对~%50%60#偏长}分钟，农村{1:SHORTANSWER:=90分钟~%50%九十分钟#写数字}；"
        "系统{1:SHORTANSWER_C:=SG186}；{1:MULTICHOICE:=甲~%50%乙~丙#不对}；"
        "{2:MULTIRESPONSE:=A~=B~C}"
    )
    assert parsed(written) == (stored, data)


def test_texts_that_look_like_syntax_are_escaped():
    blank = {
        "kind": "shortanswer",
        "mark": 1,
        "usecase": False,
        "answers": [
            {"text": "=5}", "fraction": 0.0, "feedback": "a~b}c#d\\"},
            {"text": "%1% x#y", "fraction": 1.0, "feedback": ""},
        ],
    }
    written = write_blank(blank)
    assert written == r"{1:SHORTANSWER:%0%=5\}#a\~b\}c#d\\~=%1% x\#y}"
    assert split_cloze("t" + written)[1] == [blank]


def test_an_answer_ending_in_a_brace_with_feedback_1_is_no_stored_placeholder():
    """Written last, the answer "a{" with the feedback "1" ends the blank in "a{#1}": inside a
    blank that is an answer and its feedback, not the "{#1}" SkillGrid stores (a hypothesis run
    found it)."""
    blank = {
        "kind": "shortanswer",
        "mark": 1,
        "usecase": False,
        "answers": [
            {"text": "b", "fraction": 1.0, "feedback": ""},
            {"text": "a{", "fraction": 0.0, "feedback": "1"},
        ],
    }
    written = write_blank(blank)
    assert written.endswith("a{#1}")
    stored, blanks_read, problems = split_cloze("前" + written + "后")
    assert (stored, blanks_read, problems) == ("前{#1}后", [blank], [])
    assert split_cloze("前{#1}后")[2] != []  # outside a blank it is still refused


_TEXT = (
    st.text(alphabet=list('ab 中文~=#{}:%\\&;*-.<>/"1'), min_size=1, max_size=12)
    .map(str.strip)
    .filter(bool)
)
_FRACTION = st.sampled_from([1.0, 0.5, 0.3333333, 0.0, -0.5])


@st.composite
def blanks(draw):
    """A valid blank of any kind, with any text in its answers and feedback."""
    kind = draw(st.sampled_from(["shortanswer", "numerical", "single", "multiple"]))
    size = draw(st.integers(2, 4))
    if kind == "numerical":
        texts = draw(st.lists(st.sampled_from(["45", "-1.5", "2e3", ".5", "*"]), min_size=size,
                              max_size=size))  # fmt: skip
    else:
        texts = draw(st.lists(_TEXT, min_size=size, max_size=size))
    feedback = draw(st.lists(st.one_of(st.just(""), _TEXT), min_size=size, max_size=size))
    answers = [
        {"text": t, "fraction": 0.0, "feedback": f} for t, f in zip(texts, feedback, strict=True)
    ]
    if kind == "multiple":
        right = draw(st.integers(1, size - 1))
        for index, answer in enumerate(answers):
            answer["fraction"] = round(1 / right, 7) if index < right else draw(_FRACTION) * 0
    else:
        for answer in answers[1:]:
            answer["fraction"] = abs(draw(_FRACTION)) if kind != "single" else draw(_FRACTION)
        answers[0]["fraction"] = 1.0
    blank = {"kind": kind, "mark": draw(st.integers(1, 3)), "answers": answers}
    if kind == "numerical":
        for answer in answers:
            tolerance = draw(st.sampled_from([0.0, 2.5]))
            answer["tolerance"] = 0.0 if answer["text"] == "*" else tolerance
    if kind == "shortanswer":
        blank["usecase"] = draw(st.booleans())
    if kind in ("single", "multiple"):
        displays = ["dropdown", "vertical", "horizontal"] if kind == "single" else ["vertical"]
        blank["display"] = draw(st.sampled_from(displays))
        blank["shuffle"] = draw(st.booleans())
    return blank


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(blank=blanks(), textformat=st.sampled_from(["markdown", "html", "plain", "moodle"]))
def test_any_blank_written_reads_back_unchanged(blank, textformat):
    blank = {**blank, "answers": [dict(a, **_ordered(a)) for a in blank["answers"]]}
    assert check_blank(blank) == []
    written = "前" + write_blank(blank, textformat) + "后"
    stored, data, issues = cloze.split_text(written, textformat)
    assert issues == [] and stored == "前{#1}后"
    assert data["blanks"] == [blank]


def _ordered(answer):
    return {key: answer[key] for key in answer}


# --- grading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "typed", "fraction"),
    [
        (1, "45", 1.0),  # numerical: inside 45 ± 5
        (1, "50", 1.0),  # the bound is included
        (1, "45分钟", 1.0),  # a unit typed after the number is not graded (no units in Cloze)
        (1, "60", 0.5),  # %50%60
        (1, "51", 0.0),
        (1, "45,5", 0.0),  # a wrong number format scores 0 for this blank
        (1, "四十五", 0.0),
        (2, " 90分钟 ", 1.0),  # short answer: trimmed
        (2, "九十分钟", 0.5),  # %50%
        (2, "90", 0.0),
        (3, "SG186", 1.0),
        (3, "sg186", 0.0),  # SAC: case matters
    ],
)
def test_each_typed_blank_is_graded_by_its_own_rules(number, typed, fraction):
    _stored, data = parsed()
    assert cloze.grade_parts(data, {str(number): typed})[number - 1] == fraction


def test_choice_blanks_are_graded_by_the_choice_rules():
    _stored, data = parsed()
    parts = lambda response: cloze.grade_parts(data, response)[3:]  # noqa: E731
    assert parts({"4": 0, "5": [0, 1]}) == [1.0, 1.0]
    assert parts({"4": 1, "5": [0]}) == [0.5, 0.5]  # %50%乙; one of two right
    assert parts({"4": 2, "5": [0, 2]}) == [0.0, 0.0]  # 丙; A (+0.5) cancelled by C (-0.5)
    assert parts({"5": [0, 1, 2]}) == [0.0, 0.5]  # 0.5 + 0.5 - 0.5


def test_the_question_scores_the_mark_weighted_sum_of_its_blanks():
    _stored, data = parsed()
    # weights 2,1,1,1,2: (2×1 + 1×0.5 + 1×0 + 1×0.5 + 2×0.5) / 7 = 4/7
    response = {"1": "47", "2": "九十分钟", "3": "sg186", "4": 1, "5": [0]}
    assert cloze.grade(data, response) == pytest.approx(4 / 7)
    # a wrong number format loses that blank's 2/7 only: (0 + 1 + 1 + 1 + 2) / 7
    response = {"1": "45,0", "2": "90分钟", "3": "SG186", "4": 0, "5": [0, 1]}
    assert cloze.grade(data, response) == pytest.approx(5 / 7)
    assert cloze.grade(data, cloze.correct_response(data)) == 1.0
    assert cloze.grade(data, None) == 0.0
    assert cloze.grade(data, {"2": "90分钟"}) == pytest.approx(1 / 7)


def test_random_guess_score_follows_moodle_s_multianswer():
    # Moodle adds up the blanks' own guess scores (unweighted) and divides by the weights:
    # numerical without * 0, short answers 0, MC (1 + 0.5 + 0) / 3 = 0.5, MR none (0): 0.5 / 7
    _stored, data = parsed()
    assert cloze.random_guess_score(data) == pytest.approx(0.5 / 7)
    _stored, star = parsed("{1:SA:=x~%50%*}{1:NM:=1~*}")
    assert cloze.random_guess_score(star) == pytest.approx((0.5 + 0.0) / 2)


def test_a_response_is_complete_once_every_blank_is_answered():
    _stored, data = parsed("{1:SA:=x}{1:MC:=a~b}")
    assert not cloze.is_complete_response(data, {"1": "x"})
    assert cloze.is_complete_response(data, {"1": "x", "2": 0})


def test_the_form_sends_one_field_per_blank_and_positions_for_choices():
    from werkzeug.datastructures import MultiDict

    _stored, data = parsed()
    order = {"4": [2, 0, 1], "5": [1, 2, 0]}
    form = MultiDict(
        [("q3_b1", " 45 "), ("q3_b2", ""), ("q3_b4", "0"), ("q3_b5", "0"), ("q3_b5", "2")]
    )
    raw = cloze.read_form(data, form, "q3")
    # position 0 of blank 4 is answer 2 (丙); positions 0 and 2 of blank 5 are B and A
    assert cloze.normalise_response(data, raw, order) == {"1": "45", "4": 2, "5": [0, 1]}
    assert cloze.normalise_response(data, {"2": "  "}, order) is None


def test_summaries_are_per_blank():
    _stored, data = parsed()
    response = {"1": "47", "4": 1, "5": [0, 1]}
    assert cloze.summarise_parts(data, response) == ["47", "", "", "乙", "A; B"]
    assert cloze.summarise_response(data, response) == (
        "Blank 1: 47; Blank 2: ; Blank 3: ; Blank 4: 乙; Blank 5: A; B"
    )
    assert cloze.grade_parts(data, response) == [1.0, 0.0, 0.0, 0.5, 1.0]
    assert cloze.summarise_response(data, None) == ""


def test_a_regrade_may_fix_the_key_but_not_the_choices_offered():
    _stored, data = parsed("{1:SA:=x}{1:MC:=a~b}")
    before = cloze.regrade_signature(data, "t")
    _stored, fixed = parsed("{1:SA:=y}{1:MC:a~=b}")
    assert cloze.regrade_signature(fixed, "t") == before
    _stored, other = parsed("{1:SA:=x}{1:MC:=a~c}")
    assert cloze.regrade_signature(other, "t") != before


def test_choices_shuffle_only_in_blanks_that_allow_it():
    _stored, data = parsed("{1:MC:=a~b~c~d~e~f}{1:MCS:=a~b~c~d~e~f}")
    order = cloze.choice_order(data, True, random.Random(4))
    assert order["1"] == [0, 1, 2, 3, 4, 5] and sorted(order["2"]) == list(range(6))
    assert order["2"] != [0, 1, 2, 3, 4, 5]
    assert cloze.choice_order(data, False, random.Random(4))["2"] == [0, 1, 2, 3, 4, 5]


# --- rendering -------------------------------------------------------------------------------


def test_the_attempt_shows_the_sentence_with_labelled_controls_and_nothing_else():
    stored, data = parsed()
    html = cloze.render_answer(data, None, None, "q2", questiontext=stored)
    assert html.index("城区") < html.index('name="q2_b1"') < html.index("分钟，农村")
    for number in range(1, 6):
        assert f'aria-label="Blank {number}"' in html
    assert 'role="group"' in html and "<select" in html
    visible = html.replace('size="8"', "").replace('size="12"', "")
    secrets = ("45", "90分钟", "SG186", "对", "偏长", "写数字", "不对", "fraction", "rightanswer")
    assert [secret for secret in secrets if secret in visible] == []
    assert cloze.text_html(stored, "markdown") == ""


def test_the_review_marks_each_blank_and_shows_feedback_and_answers_when_allowed():
    stored, data = parsed()
    response = {"1": "47", "2": "九十分钟", "3": "sg186", "4": 1}
    hidden = cloze.render_review(data, response, None, False, False, questiontext=stored)
    assert "text-bg-" not in hidden and "写数字" not in hidden and "rightanswer" not in hidden
    assert hidden.count("disabled") >= 6
    shown = cloze.render_review(data, response, None, True, True, questiontext=stored)
    assert shown.count("text-bg-success") == 1
    assert shown.count("text-bg-warning") == 2  # 九十分钟 and 乙: half right
    assert shown.count("text-bg-danger") == 1  # sg186
    assert shown.count("text-bg-secondary") == 1  # blank 5 left empty
    assert "对" in shown and "写数字" in shown
    assert shown.count('class="rightanswer') == 5
    assert "Not answered" in cloze.render_review(data, None, None, True, True, questiontext=stored)


def test_without_its_text_the_blanks_are_still_shown():
    _stored, data = parsed()
    html = cloze.render_answer(data, None, None, "q1")
    assert all(f'name="q1_b{n}"' in html for n in range(1, 6))


def test_the_preview_lists_each_blank_or_the_problems():
    preview = cloze.preview_html("城区{1:NM:=45}分钟，{2:MC:=甲~乙}", "markdown")
    assert 'data-testid="cloze-key"' in preview and "<select" in preview
    assert re.search(r"Blank 1 · Numerical · weight 1 · The correct answer is: 45", preview)
    broken = cloze.preview_html("a\n{1:NM:=x}", "markdown")
    assert "line 2: blank 1: answer 1: &#x27;x&#x27; is not a number" in broken


# --- the API ---------------------------------------------------------------------------------


def test_the_api_shows_the_blanks_in_order_with_choices_per_select_blank():
    _stored, data = parsed()
    view = cloze.api_view(data, {"4": [2, 0, 1]}, "markdown")
    assert [(b["id"], b["type"], b["mark"]) for b in view["blanks"]] == [
        (1, "numerical", 2), (2, "shortanswer", 1), (3, "shortanswer", 1), (4, "single", 1),
        (5, "multiple", 2),
    ]  # fmt: skip
    assert view["blanks"][3]["choices"] == [
        {"id": 1, "text": "丙"},
        {"id": 2, "text": "甲"},
        {"id": 3, "text": "乙"},
    ]
    assert "choices" not in view["blanks"][0]


def test_the_api_reads_and_writes_a_response_per_blank():
    _stored, data = parsed()
    order = {"4": [2, 0, 1], "5": [0, 1, 2]}
    sent = {"blanks": ["45", None, "SG186", 2, [1, 2]]}
    raw = cloze.api_to_raw(data, order, sent)
    stored = cloze.normalise_response(data, raw, order)
    assert stored == {"1": "45", "3": "SG186", "4": 0, "5": [0, 1]}
    assert cloze.api_from_stored(data, order, stored) == {
        "blanks": ["45", None, "SG186", 2, [1, 2]]
    }
    assert cloze.api_to_raw(data, order, {"blanks": ["1"]}) == {"1": "1"}


@pytest.mark.parametrize(
    ("response", "field"),
    [
        ({"blanks": "45"}, "blanks"),
        ({"blanks": [1]}, "blanks.0"),
        ({"blanks": [None, None, None, "甲"]}, "blanks.3"),
        ({"blanks": [None, None, None, 4]}, "blanks.3"),
        ({"blanks": [None, None, None, None, 1]}, "blanks.4"),
        ({"blanks": [None, None, None, None, [1, 7]]}, "blanks.4.1"),
        ({"blanks": [None] * 6}, "blanks"),
        ({"answers": []}, "answers"),
    ],
)
def test_the_api_refuses_a_blank_of_the_wrong_shape(response, field):
    _stored, data = parsed()
    with pytest.raises(ResponseRefused) as refused:
        cloze.api_to_raw(data, None, response)
    assert refused.value.field == field


def test_the_type_knows_its_names_and_nothing_else_branches_on_it():
    assert str(cloze.label) == "Cloze (multiple blanks)"
    assert cloze.is_graded and cloze.is_drawable and not cloze.is_manually_graded
    assert set(TYPE_NAMES) >= {"MC", "MCV", "MCH", "MR", "MRV", "MRH", "SA", "SAC", "NM"}
