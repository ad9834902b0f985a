"""What the app knows about a question type comes from the type: its name for people, its form,
its grading needs, what a regrade must keep, and its shape in the API.

Pure tests: no app, no database.
"""

import random

import pytest

from app.bank.qtypes import QTYPES, api_response_schemas
from app.bank.qtypes.api import ResponseRefused
from app.bank.qtypes.i18n import LazyText
from tests.bank.test_qtypes import sample_data, sample_matching, single_data

ANSWERABLE = [name for name, qtype in QTYPES.items() if qtype.api_schema is not None]


@pytest.mark.parametrize("name", list(QTYPES))
def test_every_type_names_and_explains_itself_without_an_app(name):
    qtype = QTYPES[name]
    assert isinstance(qtype.label, LazyText) and isinstance(qtype.help, LazyText)
    assert str(qtype.label).strip() and str(qtype.help).strip()
    assert str(qtype.form_legend).strip()


@pytest.mark.parametrize("name", list(QTYPES))
def test_the_form_layout_names_only_the_types_own_keys(name):
    qtype = QTYPES[name]
    laid_out = [key for row in qtype.form_layout for key in row]
    assert set(laid_out) <= set(qtype.keys)
    assert len(laid_out) == len(set(laid_out))


def test_only_a_description_is_never_drawn_nor_graded():
    assert [n for n, q in QTYPES.items() if not q.is_drawable] == ["description"]
    assert [n for n, q in QTYPES.items() if not q.is_graded] == ["description"]
    assert [n for n, q in QTYPES.items() if q.is_manually_graded] == ["essay"]


def test_a_regrade_keeps_the_choices_but_not_the_key():
    qtype = QTYPES["single"]
    before = qtype.regrade_signature(single_data(("a", 1), ("b", 0)), "Q")
    assert qtype.regrade_signature(single_data(("a", 0), ("b", 1)), "Q") == before
    assert qtype.regrade_signature(single_data(("a", 1), ("c", 0)), "Q") != before
    assert qtype.regrade_signature(single_data(("a", 1), ("b", 0)), "Q2") != before


def test_a_matching_regrade_may_repair_pairs_but_not_the_answers_offered():
    matching = QTYPES["matching"]
    data = sample_matching()
    before = matching.regrade_signature(data, "Q")
    swapped = {**data, "subquestions": list(reversed(data["subquestions"]))}
    assert matching.regrade_signature(swapped, "Q") == before
    other = {**data, "subquestions": [{**data["subquestions"][0], "answer": "other"}]}
    assert matching.regrade_signature(other, "Q") != before


@pytest.mark.parametrize("name", ANSWERABLE)
def test_the_api_reads_back_the_right_answer_it_shows(name):
    qtype, data = QTYPES[name], sample_data()[name]
    order = qtype.choice_order(data, True, random.Random(3))
    right = qtype.correct_response(data) if name != "essay" else "My answer"
    shown = qtype.api_from_stored(data, order, right)
    raw = qtype.api_to_raw(data, order, shown)
    assert qtype.normalise_response(data, raw, order) == right


@pytest.mark.parametrize("name", list(QTYPES))
def test_the_api_refuses_a_response_of_another_shape(name):
    qtype, data = QTYPES[name], sample_data()[name]
    with pytest.raises(ResponseRefused):
        qtype.api_to_raw(data, None, {"nonsense": 1})


def test_types_answered_alike_share_one_api_schema():
    titles = [schema["title"] for schema in api_response_schemas()]
    assert titles == [
        "single",
        "multiple",
        "truefalse",
        "shortanswer, essay",
        "numerical",
        "cloze",
        "matching",
    ]
