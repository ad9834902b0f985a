"""Question types: Moodle's grading rules, each checked against a hand-worked example.

Pure tests: no app, no database. Fractions in comments are worked out by hand.
"""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.bank.qtypes import QTYPES, QTypeDataError, QuestionData, get_qtype
from app.bank.qtypes.i18n import _

single = QTYPES["single"]
multiple = QTYPES["multiple"]
truefalse = QTYPES["truefalse"]
shortanswer = QTYPES["shortanswer"]
numerical = QTYPES["numerical"]
matching = QTYPES["matching"]
essay = QTYPES["essay"]
description = QTYPES["description"]


def answers(*pairs, **extra):
    """[(text, fraction), ...] -> answer dicts (feedback names the answer, for render tests)."""
    return [
        {"text": text, "fraction": fraction, "feedback": f"feedback for {text}", **extra}
        for text, fraction in pairs
    ]


def single_data(*pairs):
    return single.from_dict({"answers": answers(*pairs)})


def multiple_data(*pairs):
    return multiple.from_dict({"answers": answers(*pairs)})


def short_data(*pairs, usecase=False):
    return shortanswer.from_dict({"answers": answers(*pairs), "usecase": usecase})


def numerical_data(*triples, units=(), unitgradingtype=0, unitpenalty=0.1):
    """triples: (text, tolerance, fraction)."""
    return numerical.from_dict(
        {
            "answers": [
                {"text": t, "tolerance": tol, "fraction": f, "feedback": f"feedback for {t}"}
                for t, tol, f in triples
            ],
            "units": [{"unit": u, "multiplier": m} for u, m in units],
            "unitgradingtype": unitgradingtype,
            "unitpenalty": unitpenalty,
        }
    )


def matching_data(*pairs):
    return matching.from_dict({"subquestions": [{"text": q, "answer": a} for q, a in pairs]})


# --- the registry ------------------------------------------------------------------------


def test_registry_holds_the_nine_types_by_name():
    assert list(QTYPES) == [
        "single",
        "multiple",
        "truefalse",
        "shortanswer",
        "numerical",
        "cloze",
        "matching",
        "essay",
        "description",
    ]
    assert all(get_qtype(name).name == name for name in QTYPES)


def test_get_qtype_rejects_an_unknown_name():
    with pytest.raises(KeyError):
        get_qtype("calculated")


def test_gettext_falls_back_to_the_source_text_without_an_app():
    assert _("Correct") == "Correct"


def test_from_dict_raises_on_broken_structure():
    with pytest.raises(QTypeDataError, match="must be a list"):
        single.from_dict({"answers": "A"})


def test_combined_feedback_follows_the_fraction():
    question = QuestionData(
        qtype="multiple",
        name="q",
        correctfeedback="right",
        partiallycorrectfeedback="part",
        incorrectfeedback="wrong",
    )
    assert question.combined_feedback(1.0) == "right"
    assert question.combined_feedback(0.5) == "part"
    assert question.combined_feedback(0.0) == "wrong"
    assert question.combined_feedback(None) == ""


# --- single choice -------------------------------------------------------------------------


def test_single_grade_is_the_chosen_answers_fraction():
    data = single_data(("3 days", 1), ("5 days", 0.5), ("7 days", 0))
    assert single.grade(data, 0) == 1.0
    assert single.grade(data, 1) == 0.5
    assert single.grade(data, 2) == 0.0


def test_single_negative_fraction_is_floored_at_zero():
    data = single_data(("right", 1), ("harmful", -0.5))
    assert single.grade(data, 1) == 0.0


def test_single_no_answer_scores_zero():
    data = single_data(("right", 1), ("wrong", 0))
    assert single.grade(data, None) == 0.0


def test_single_malformed_response_scores_zero():
    data = single_data(("right", 1), ("wrong", 0))
    for response in (5, -1, "0", True, [0], {"a": 0}):
        assert single.grade(data, response) == 0.0


def test_single_random_guess_score_is_the_mean_fraction():
    # (1 + 0.5 + 0 + 0) / 4 = 0.375
    data = single_data(("a", 1), ("b", 0.5), ("c", 0), ("d", 0))
    assert single.random_guess_score(data) == pytest.approx(0.375)


def test_single_random_guess_counts_negative_fractions_as_zero():
    # what a guess earns here: (1 + 0) / 2, the -1 answer scores 0 once floored
    data = single_data(("a", 1), ("b", -1))
    assert single.random_guess_score(data) == pytest.approx(0.5)


def test_single_needs_at_least_two_answers():
    assert "give at least 2 answers" in single.validate(single_data(("only", 1)))


def test_single_needs_an_answer_worth_full_marks():
    messages = single.validate(single_data(("a", 0.5), ("b", 0)))
    assert any("must have fraction 1" in m for m in messages)


def test_single_allows_two_full_mark_answers_as_moodle_does():
    assert single.validate(single_data(("a", 1), ("b", 1), ("c", 0))) == []


def test_single_rejects_a_fraction_outside_moodles_grade_options():
    messages = single.validate(single_data(("a", 1), ("b", 0.33)))
    assert messages == ["answer 2: fraction 0.33 is not one of Moodle's grade options"]


def test_single_accepts_one_third_within_the_tolerance():
    assert single.validate(single_data(("a", 1), ("b", 0.3333333), ("c", 0.33333333))) == []


def test_single_allows_negative_grade_options():
    assert single.validate(single_data(("a", 1), ("b", -0.3333333))) == []


def test_single_rejects_an_answer_without_text():
    messages = single.validate(single_data(("a", 1), ("  ", 0)))
    assert "answer 2 has no text" in messages


def test_single_maps_the_chosen_position_through_the_frozen_order():
    data = single_data(("a", 1), ("b", 0), ("c", 0))
    assert single.normalise_response(data, "0", [2, 0, 1]) == 2
    assert single.normalise_response(data, "2", [2, 0, 1]) == 1
    assert single.normalise_response(data, "9", [2, 0, 1]) is None
    assert single.normalise_response(data, None, [2, 0, 1]) is None


def test_single_correct_response_scores_full_marks():
    data = single_data(("a", 0), ("b", 1))
    assert single.correct_response(data) == 1
    assert single.grade(data, single.correct_response(data)) == 1.0


# --- multiple choice -----------------------------------------------------------------------


def test_multiple_adds_the_fractions_of_the_chosen_answers():
    data = multiple_data(("a", 0.5), ("b", 0.5), ("c", -1))
    assert multiple.grade(data, [0]) == 0.5
    assert multiple.grade(data, [0, 1]) == 1.0


def test_multiple_wrong_choice_takes_away_from_right_ones():
    # 0.5 + 0.5 - 0.5 = 0.5
    data = multiple_data(("a", 0.5), ("b", 0.5), ("c", -0.5))
    assert multiple.grade(data, [0, 1, 2]) == pytest.approx(0.5)


def test_multiple_total_is_floored_at_zero():
    # 0.5 - 1 = -0.5, floored to 0
    data = multiple_data(("a", 0.5), ("b", 0.5), ("c", -1))
    assert multiple.grade(data, [0, 2]) == 0.0


def test_multiple_total_is_capped_at_one():
    # invalid for Moodle (positives add to 1.5) but still graded safely: capped at 1
    data = multiple_data(("a", 1), ("b", 0.5))
    assert multiple.grade(data, [0, 1]) == 1.0


def test_multiple_nothing_ticked_scores_zero():
    data = multiple_data(("a", 0.5), ("b", 0.5))
    assert multiple.grade(data, None) == 0.0
    assert multiple.grade(data, []) == 0.0


def test_multiple_counts_each_answer_once():
    data = multiple_data(("a", 0.5), ("b", 0.5), ("c", 0))
    assert multiple.grade(data, [0, 0, 0]) == 0.5


def test_multiple_random_guess_score_is_not_computed_as_in_moodle():
    assert multiple.random_guess_score(multiple_data(("a", 0.5), ("b", 0.5))) is None


def test_multiple_positive_fractions_must_add_up_to_one():
    messages = multiple.validate(multiple_data(("a", 0.5), ("b", 0.25), ("c", -1)))
    assert any("add up to 1" in m for m in messages)


def test_multiple_sum_is_compared_at_two_decimals():
    # 3 x 0.3333333 = 0.9999999, which Moodle rounds to 1.00
    data = multiple_data(("a", 0.3333333), ("b", 0.3333333), ("c", 0.3333333), ("d", -1))
    assert multiple.validate(data) == []


def test_multiple_maps_ticked_positions_to_sorted_indexes():
    data = multiple_data(("a", 0.5), ("b", 0.5), ("c", 0))
    assert multiple.normalise_response(data, ["0", "1"], [2, 1, 0]) == [1, 2]
    assert multiple.normalise_response(data, [], [2, 1, 0]) is None


def test_multiple_reads_every_ticked_box_from_the_form():
    class MultiDict(dict):
        def getlist(self, key):
            return self.get(key, [])

    data = multiple_data(("a", 0.5), ("b", 0.5))
    raw = multiple.read_form(data, MultiDict(q1=["0", "1"]), "q1")
    assert multiple.normalise_response(data, raw) == [0, 1]


# --- true/false ----------------------------------------------------------------------------


def tf_data(correct=True):
    return truefalse.from_dict(
        {"correct": correct, "truefeedback": "you said true", "falsefeedback": "you said false"}
    )


def test_truefalse_right_answer_scores_one():
    assert truefalse.grade(tf_data(correct=False), False) == 1.0


def test_truefalse_wrong_answer_scores_zero():
    assert truefalse.grade(tf_data(correct=False), True) == 0.0


def test_truefalse_no_answer_scores_zero():
    assert truefalse.grade(tf_data(), None) == 0.0


def test_truefalse_random_guess_is_one_half():
    assert truefalse.random_guess_score(tf_data()) == 0.5


def test_truefalse_feedback_is_the_one_for_the_chosen_answer():
    # Moodle's feedbacktrue is for whoever answered True, whether or not it is right
    html = truefalse.render_review(tf_data(correct=False), True, [], True, True)
    assert "you said true" in html
    assert "you said false" not in html


def test_truefalse_needs_correct():
    assert any("correct: true" in m for m in truefalse.validate({"truefeedback": "x"}))


def test_truefalse_exports_true_then_false_answers():
    exported = truefalse.export_dict(tf_data(correct=False))
    assert exported == {
        "answers": [
            {"text": "true", "fraction": 0, "feedback": "you said true"},
            {"text": "false", "fraction": 1, "feedback": "you said false"},
        ]
    }


def test_truefalse_reads_the_exported_answers_back():
    data = tf_data(correct=False)
    assert truefalse.from_dict(truefalse.export_dict(data)) == data


def test_truefalse_exported_answers_need_exactly_one_right():
    messages = truefalse.validate(
        {"answers": [{"text": "true", "fraction": 1}, {"text": "false", "fraction": 1}]}
    )
    assert messages == ["exactly one of 'true' and 'false' has fraction 1"]


def test_truefalse_normalises_words_and_digits():
    data = tf_data()
    assert truefalse.normalise_response(data, "1") is True
    assert truefalse.normalise_response(data, "false") is False
    assert truefalse.normalise_response(data, "maybe") is None


# --- short answer --------------------------------------------------------------------------


def test_shortanswer_exact_answer_scores_its_fraction():
    data = short_data(("95598", 1), ("12398", 0.5))
    assert shortanswer.grade(data, "95598") == 1.0
    assert shortanswer.grade(data, "12398") == 0.5
    assert shortanswer.grade(data, "110") == 0.0


def test_shortanswer_ignores_case_by_default():
    assert shortanswer.grade(short_data(("SG186", 1)), "sg186") == 1.0


def test_shortanswer_usecase_makes_case_matter():
    data = short_data(("SG186", 1), usecase=True)
    assert shortanswer.grade(data, "sg186") == 0.0
    assert shortanswer.grade(data, "SG186") == 1.0


def test_shortanswer_response_is_trimmed():
    assert shortanswer.grade(short_data(("两票三制", 1)), "  两票三制 \t") == 1.0


def test_shortanswer_inner_whitespace_is_not_collapsed():
    assert shortanswer.grade(short_data(("first aid", 1)), "first  aid") == 0.0


def test_shortanswer_wildcard_matches_any_sequence():
    data = short_data(("*工作票*", 1))
    assert shortanswer.grade(data, "办理第一种工作票手续") == 1.0
    assert shortanswer.grade(data, "工作票") == 1.0  # the sequence may be empty
    assert shortanswer.grade(data, "操作票") == 0.0


def test_shortanswer_wildcard_is_anchored_at_both_ends():
    data = short_data(("供电*", 1))
    assert shortanswer.grade(data, "供电所") == 1.0
    assert shortanswer.grade(data, "去供电所") == 0.0


def test_shortanswer_escaped_star_is_literal():
    data = short_data((r"5\*3", 1))
    assert shortanswer.grade(data, "5*3") == 1.0
    assert shortanswer.grade(data, "5x3") == 0.0


def test_shortanswer_regex_characters_are_plain_text():
    data = short_data(("a.c (1)", 1))
    assert shortanswer.grade(data, "a.c (1)") == 1.0
    assert shortanswer.grade(data, "abc (1)") == 0.0


def test_shortanswer_first_matching_answer_wins():
    # Moodle walks the answers in order: the catch-all first hides the right answer
    data = short_data(("*", 0), ("Frog", 1))
    assert shortanswer.grade(data, "Frog") == 0.0
    data = short_data(("Frog", 1), ("F*", 0.5), ("*", 0))
    assert shortanswer.grade(data, "frog") == 1.0
    assert shortanswer.grade(data, "fox") == 0.5
    assert shortanswer.grade(data, "cat") == 0.0


def test_shortanswer_blank_response_scores_zero_even_against_a_wildcard():
    data = short_data(("Frog", 1), ("*", 0.5))
    assert shortanswer.grade(data, "   ") == 0.0
    assert shortanswer.grade(data, None) == 0.0


def test_shortanswer_random_guess_is_the_fraction_of_the_star_answer():
    assert shortanswer.random_guess_score(short_data(("Frog", 1), ("*", 0.1))) == 0.1
    assert shortanswer.random_guess_score(short_data(("Frog", 1))) == 0.0


def test_shortanswer_needs_a_full_mark_answer():
    messages = shortanswer.validate(short_data(("Frog", 0.5)))
    assert messages == ["one of the answers must have fraction 1 (100%)"]


def test_shortanswer_rejects_negative_fractions():
    messages = shortanswer.validate(short_data(("Frog", 1), ("Cat", -0.5)))
    assert messages == ["answer 2: fraction -0.5 is not one of Moodle's grade options"]


def test_shortanswer_correct_response_blanks_the_wildcards():
    assert shortanswer.correct_response(short_data(("*工作票*", 1))) == "工作票"
    assert shortanswer.correct_response(short_data((r"5\*3", 1))) == "5*3"


# --- numerical -----------------------------------------------------------------------------


def test_numerical_value_within_tolerance_scores():
    data = numerical_data(("220", 11, 1))  # 220 ± 11 (±5 %)
    assert numerical.grade(data, "225") == 1.0
    assert numerical.grade(data, "232") == 0.0


def test_numerical_tolerance_bounds_are_inclusive():
    data = numerical_data(("220", 11, 1))
    assert numerical.grade(data, "209") == 1.0
    assert numerical.grade(data, "231") == 1.0


def test_numerical_zero_tolerance_needs_the_exact_value():
    data = numerical_data(("45", 0, 1))
    assert numerical.grade(data, "45") == 1.0
    assert numerical.grade(data, "45.0") == 1.0
    assert numerical.grade(data, "45.01") == 0.0


def test_numerical_first_matching_answer_wins():
    data = numerical_data(("1822", 0, 1), ("1822", 2, 0.5))
    assert numerical.grade(data, "1822") == 1.0
    assert numerical.grade(data, "1823") == 0.5
    reversed_order = numerical_data(("1822", 2, 0.5), ("1822", 0, 1))
    assert numerical.grade(reversed_order, "1822") == 0.5


def test_numerical_wildcard_matches_any_number():
    data = numerical_data(("3", 2, 1), ("*", 0, 0.1))
    assert numerical.grade(data, "4") == 1.0
    assert numerical.grade(data, "-1000") == 0.1


def test_numerical_wildcard_does_not_match_a_non_number():
    data = numerical_data(("3", 2, 1), ("*", 0, 0.1))
    assert numerical.grade(data, "three") == 0.0


def test_numerical_non_numeric_response_scores_zero():
    data = numerical_data(("3", 0, 1))
    for response in ("abc", "", None, "..3", 3, ["3"]):
        assert numerical.grade(data, response) == 0.0


def test_numerical_accepts_exponent_notation():
    data = numerical_data(("12500", 0, 1))
    assert numerical.grade(data, "1.25e4") == 1.0
    assert numerical.grade(data, "1.25E+4") == 1.0


def test_numerical_comma_is_not_a_decimal_separator():
    data = numerical_data(("12.5", 0, 1), ("12", 0, 0.5))
    assert numerical.grade(data, "12.5") == 1.0
    assert numerical.grade(data, "12,5") == 0.0


def test_numerical_unit_multiplier_divides_value():
    # base unit V; kV has multiplier 0.001 (1 V = 0.001 kV): 12.5 kV / 0.001 = 12500 V
    data = numerical_data(("12500", 0, 1), units=[("V", 1), ("kV", 0.001)])
    assert numerical.grade(data, "12.5 kV") == 1.0
    assert numerical.grade(data, "12.5kV") == 1.0
    assert numerical.grade(data, "12500 V") == 1.0
    assert numerical.grade(data, "13 kV") == 0.0


def test_numerical_wrong_unit_falls_back_to_the_bare_value():
    # Moodle's get_matching_answer tries the converted value, then the number as typed
    # with the unit counted wrong: free when units are not graded, penalised when they are
    kwargs = {"units": [("V", 1), ("kV", 0.001)], "unitpenalty": 0.2}
    assert numerical.grade(numerical_data(("12500", 0, 1), **kwargs), "12500 kV") == 1.0
    graded = numerical_data(("12500", 0, 1), unitgradingtype=1, **kwargs)
    assert numerical.grade(graded, "12500 kV") == pytest.approx(0.8)


def test_numerical_units_are_ignored_when_not_graded():
    data = numerical_data(("12500", 0, 1), units=[("V", 1), ("kV", 0.001)], unitpenalty=0.5)
    assert numerical.grade(data, "12500") == 1.0
    assert numerical.grade(data, "12500 MW") == 1.0


def test_numerical_missing_unit_costs_the_penalty_when_units_are_graded():
    # 1 - 0.2 x 1 = 0.8
    data = numerical_data(("12500", 0, 1), units=[("V", 1)], unitgradingtype=1, unitpenalty=0.2)
    assert numerical.grade(data, "12500 V") == 1.0
    assert numerical.grade(data, "12500") == pytest.approx(0.8)


def test_numerical_unknown_unit_costs_the_penalty_when_units_are_graded():
    data = numerical_data(("12500", 0, 1), units=[("V", 1)], unitgradingtype=1, unitpenalty=0.2)
    assert numerical.grade(data, "12500 W") == pytest.approx(0.8)


def test_numerical_unit_penalty_is_a_share_of_the_response_grade():
    # partial answer 0.5, penalty 0.2 of it: 0.5 - 0.2 x 0.5 = 0.4
    data = numerical_data(
        ("12500", 0, 1), ("12500", 500, 0.5), units=[("V", 1)], unitgradingtype=1, unitpenalty=0.2
    )
    assert numerical.grade(data, "12800") == pytest.approx(0.4)


def test_numerical_binary_rounding_does_not_miss_an_exact_answer():
    data = numerical_data(("0.3", 0, 1))
    assert numerical.grade(data, repr(0.1 + 0.2)) == 1.0  # 0.30000000000000004


def test_numerical_random_guess_is_the_star_fraction_less_unit_penalty():
    data = numerical_data(
        ("3", 0, 1), ("*", 0, 0.5), units=[("V", 1)], unitgradingtype=1, unitpenalty=0.2
    )
    assert numerical.random_guess_score(data) == pytest.approx(0.3)
    assert numerical.random_guess_score(numerical_data(("3", 0, 1))) == 0.0


def test_numerical_reads_a_number_written_without_quotes():
    data = numerical.from_dict({"answers": [{"text": 3.5, "fraction": 1}]})
    assert data["answers"][0]["text"] == "3.5"


def test_numerical_rejects_a_negative_tolerance():
    messages = numerical.validate(numerical_data(("3", -1, 1)))
    assert messages == ["answer 1: the tolerance cannot be negative"]


def test_numerical_rejects_an_answer_that_is_not_a_number():
    messages = numerical.validate(numerical_data(("abc", 0, 1)))
    assert any("'abc' is not a number" in m for m in messages)


def test_numerical_base_unit_needs_multiplier_one():
    messages = numerical.validate(numerical_data(("3", 0, 1), units=[("kV", 0.001)]))
    assert messages == ["the first unit is the base unit: its multiplier must be 1"]


def test_numerical_graded_units_need_a_unit():
    messages = numerical.validate(numerical_data(("3", 0, 1), unitgradingtype=1))
    assert messages == ["units are graded (unitgradingtype 1) but none are listed"]


def test_numerical_correct_response_carries_the_base_unit():
    data = numerical_data(("12500", 0, 1), units=[("V", 1)], unitgradingtype=1)
    assert numerical.correct_response(data) == "12500 V"
    assert numerical.grade(data, numerical.correct_response(data)) == 1.0


# --- matching ------------------------------------------------------------------------------


def sample_matching():
    return matching_data(
        ("居民新装", "3个工作日"),
        ("低压非居民", "5个工作日"),
        ("高压单电源", "15个工作日"),
        ("", "30个工作日"),  # distractor
    )


def test_matching_fraction_is_right_pairs_over_items():
    data = sample_matching()
    # 2 of 3 items right = 0.6667
    response = {"0": "3个工作日", "1": "5个工作日", "2": "30个工作日"}
    assert matching.grade(data, response) == pytest.approx(2 / 3)


def test_matching_distractor_is_not_an_item():
    data = sample_matching()
    response = {"0": "3个工作日", "1": "5个工作日", "2": "15个工作日", "3": "30个工作日"}
    assert matching.grade(data, response) == 1.0


def test_matching_unanswered_item_counts_as_wrong():
    assert matching.grade(sample_matching(), {"0": "3个工作日"}) == pytest.approx(1 / 3)
    assert matching.grade(sample_matching(), None) == 0.0


def test_matching_two_items_may_share_an_answer():
    data = matching_data(("A", "x"), ("B", "x"), ("C", "y"))
    assert matching.grade(data, {"0": "x", "1": "x", "2": "y"}) == 1.0


def test_matching_accepts_integer_keys():
    assert matching.grade(sample_matching(), {0: "3个工作日"}) == pytest.approx(1 / 3)


def test_matching_random_guess_is_one_over_the_distinct_answers():
    data = matching_data(("A", "x"), ("B", "x"), ("C", "y"), ("", "z"))
    assert matching.random_guess_score(data) == pytest.approx(1 / 3)


def test_matching_needs_two_items_and_three_answers():
    message = "give at least 2 items and 3 answers (a distractor is an answer with empty text)"
    assert matching.validate(matching_data(("A", "a"), ("B", "b"))) == [message]
    assert matching.validate(matching_data(("A", "a"), ("", "b"), ("", "c"))) == [message]
    assert matching.validate(matching_data(("A", "a"), ("B", "b"), ("", "c"))) == []


def test_matching_item_needs_an_answer():
    messages = matching.validate(matching_data(("A", "a"), ("B", ""), ("C", "c")))
    assert messages == ["item 2 has no matching answer"]


def test_matching_always_shuffles_the_answers_but_items_only_when_allowed():
    data = sample_matching()
    order = matching.choice_order(data, False, random.Random(3))
    assert order["stems"] == [0, 1, 2]
    assert sorted(order["choices"]) == [0, 1, 2, 3]
    shuffled = {
        tuple(matching.choice_order(data, True, random.Random(s))["stems"]) for s in range(20)
    }
    assert len(shuffled) > 1


def test_matching_maps_chosen_positions_to_answer_texts():
    data = sample_matching()
    order = {"stems": [2, 0, 1], "choices": [3, 2, 1, 0]}  # shown: 30, 15, 5, 3 个工作日
    raw = {"0": "3", "2": "1", "3": "0"}  # item 3 is the distractor: ignored
    assert matching.normalise_response(data, raw, order) == {"0": "3个工作日", "2": "15个工作日"}


# --- essay and description -----------------------------------------------------------------


def test_essay_is_left_for_a_trainer():
    data = essay.from_dict({"graderinfo": "Look for the three steps."})
    assert essay.is_manually_graded
    assert essay.grade(data, "my essay") is None
    assert essay.random_guess_score(data) is None


def test_essay_defaults_follow_the_gift_import():
    data = essay.from_dict({})
    assert data["responseformat"] == "editor"
    assert data["responsefieldlines"] == 15
    assert data["attachments"] == 0
    assert data["responserequired"] is True


def test_essay_word_limits_must_be_in_order():
    messages = essay.validate({"minwordlimit": 50, "maxwordlimit": 10})
    assert messages == ["the minimum word count is above the maximum"]


def test_essay_rejects_an_unknown_response_format():
    assert any("responseformat" in m for m in essay.validate({"responseformat": "video"}))


def test_description_has_no_grade_and_no_mark():
    assert description.grade({}, None) is None
    assert description.default_mark == 0
    assert not description.is_graded


# --- every type ----------------------------------------------------------------------------

SECRET = "SECRET-FEEDBACK"


def sample_data():
    """One valid question of each graded type, with feedback that must not leak."""
    fb = {"feedback": SECRET}
    return {
        "single": single.from_dict(
            {"answers": [{"text": "对", "fraction": 1, **fb}, {"text": "错", "fraction": 0}]}
        ),
        "multiple": multiple.from_dict(
            {
                "answers": [
                    {"text": "甲", "fraction": 0.5, **fb},
                    {"text": "乙", "fraction": 0.5},
                    {"text": "丙", "fraction": -1},
                ]
            }
        ),
        "truefalse": truefalse.from_dict(
            {"correct": True, "truefeedback": SECRET, "falsefeedback": SECRET}
        ),
        "shortanswer": shortanswer.from_dict(
            {"answers": [{"text": "RIGHTWORD", "fraction": 1, **fb}]}
        ),
        "numerical": numerical.from_dict(
            {"answers": [{"text": "98765", "tolerance": 0, "fraction": 1, **fb}]}
        ),
        "cloze": QTYPES["cloze"].from_dict(
            {
                "blanks": [
                    {
                        "kind": "shortanswer",
                        "answers": [{"text": "RIGHTWORD", "fraction": 1, **fb}],
                    },
                    {
                        "kind": "numerical",
                        "mark": 2,
                        "answers": [{"text": "98765", "tolerance": 0, "fraction": 1, **fb}],
                    },
                    {
                        "kind": "single",
                        "answers": [
                            {"text": "对", "fraction": 1, **fb},
                            {"text": "错", "fraction": 0},
                        ],
                    },
                    {
                        "kind": "multiple",
                        "answers": [
                            {"text": "甲", "fraction": 0.5, **fb},
                            {"text": "乙", "fraction": 0.5},
                            {"text": "丙", "fraction": -1},
                        ],
                    },
                ]
            }
        ),
        "matching": sample_matching(),
        "essay": essay.from_dict({"graderinfo": SECRET}),
        "description": description.from_dict({}),
    }


@pytest.mark.parametrize("name", list(QTYPES))
def test_sample_data_is_valid(name):
    assert QTYPES[name].validate(sample_data()[name]) == []


AUTO_GRADED = [n for n, q in QTYPES.items() if q.is_graded and not q.is_manually_graded]


@pytest.mark.parametrize("name", AUTO_GRADED)
def test_correct_response_earns_full_marks(name):
    qtype, data = QTYPES[name], sample_data()[name]
    assert qtype.grade(data, qtype.correct_response(data)) == 1.0


@pytest.mark.parametrize("name", list(QTYPES))
def test_render_answer_never_shows_feedback_fractions_or_the_key(name):
    qtype, data = QTYPES[name], sample_data()[name]
    order = qtype.choice_order(data, True, random.Random(1))
    for response in (None, qtype.correct_response(data)):
        html = qtype.render_answer(data, response, order, "q1", textformat="markdown")
        assert SECRET not in html
        assert "fraction" not in html
        assert "text-bg-success" not in html and "rightanswer" not in html
    blank = qtype.render_answer(data, None, order, "q1")
    assert "RIGHTWORD" not in blank and "98765" not in blank
    assert "selected" not in blank and "checked" not in blank


def test_render_answer_values_are_positions_not_answer_indexes():
    data = single_data(("right", 1), ("wrong", 0), ("also wrong", 0))
    html = single.render_answer(data, None, [2, 0, 1], "q1")
    # the right answer (index 0) is shown second, so its radio carries value 1
    assert 'value="1"' in html.split("right</label>")[0].rsplit("<input", 1)[1]


def test_render_answer_ticks_the_learners_choice():
    data = single_data(("right", 1), ("wrong", 0))
    html = single.render_answer(data, 1, [0, 1], "q1")
    assert 'value="1" checked' in html


def test_render_answer_escapes_the_field_name_and_sanitises_choices():
    data = single_data(("<script>alert(1)</script>safe", 1), ("b", 0))
    html = single.render_answer(data, None, None, 'q"><script>', textformat="html")
    assert "<script>" not in html
    assert "safe" in html


def test_render_answer_numbers_choices_as_configured():
    data = single.from_dict({"answernumbering": "ABCD", "answers": answers(("a", 1), ("b", 0))})
    html = single.render_answer(data, None, [1, 0], "q1")
    assert html.index("A. ") < html.index("B. ")


@pytest.mark.parametrize("name", ["single", "truefalse", "shortanswer", "numerical"])
def test_render_review_shows_feedback_only_when_asked(name):
    qtype, data = QTYPES[name], sample_data()[name]
    response = qtype.correct_response(data)
    assert SECRET not in qtype.render_review(data, response, None, True, False)
    assert SECRET in qtype.render_review(data, response, None, False, True)


def test_render_review_shows_marks_and_right_answer_only_when_asked():
    data = short_data(("RIGHTWORD", 1))
    hidden = shortanswer.render_review(data, "wrong", None, False, False)
    shown = shortanswer.render_review(data, "wrong", None, True, False)
    assert "RIGHTWORD" not in hidden and "Incorrect" not in hidden
    assert "RIGHTWORD" in shown and "Incorrect" in shown


def test_render_review_marks_each_matching_item():
    data = sample_matching()
    html = matching.render_review(data, {"0": "3个工作日", "1": "3个工作日"}, None, True, False)
    assert html.count("text-bg-success") == 1
    assert html.count("text-bg-danger") == 1


def test_render_review_says_when_nothing_was_answered():
    for name, data in sample_data().items():
        if name != "description":
            assert "Not answered" in QTYPES[name].render_review(data, None, None, True, True)


def test_essay_answer_box_is_prefilled_with_the_template_and_escaped():
    data = essay.from_dict({"responsetemplate": "</textarea><b>", "responsefieldlines": 5})
    html = essay.render_answer(data, None, [], "q1")
    assert 'rows="5"' in html
    assert "&lt;/textarea&gt;&lt;b&gt;" in html


@pytest.mark.parametrize("name", ["single", "multiple"])
def test_choices_keep_their_order_unless_shuffling_is_allowed_twice(name):
    qtype = QTYPES[name]
    data = qtype.from_dict(
        {"shuffleanswers": False, "answers": answers(*[(str(i), 0) for i in range(8)])}
    )
    assert qtype.choice_order(data, True, random.Random(1)) == list(range(8))
    data["shuffleanswers"] = True
    assert qtype.choice_order(data, False, random.Random(1)) == list(range(8))
    shuffled = qtype.choice_order(data, True, random.Random(1))
    assert sorted(shuffled) == list(range(8)) and shuffled != list(range(8))


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=3) | st.sampled_from(["0", "1", "2"]), children, max_size=4
        )
    ),
    max_leaves=10,
)


@settings(
    max_examples=150, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(name=st.sampled_from(list(QTYPES)), raw=json_values)
def test_any_submitted_value_grades_within_zero_and_one(name, raw):
    qtype, data = QTYPES[name], sample_data()[name]
    for response in (raw, qtype.normalise_response(data, raw, None)):
        fraction = qtype.grade(data, response)
        assert fraction is None or 0.0 <= fraction <= 1.0
        qtype.render_review(data, response, raw, True, True)
        qtype.summarise_response(data, response)


def test_review_controls_of_two_questions_never_share_a_name():
    # radio buttons with one name across questions would untick each other on the page
    data = single_data(("a", 1), ("b", 0))
    first = single.render_review(data, 0, None, False, False)
    second = single.render_review(data, 0, None, False, False)
    assert first != second
    named = single.render_review(data, 0, None, False, False, field_name="slot7")
    assert 'name="slot7"' in named


def test_multiple_review_marks_each_ticked_positive_choice_correct():
    data = multiple_data(("a", 0.5), ("b", 0.5), ("c", -1))
    html = multiple.render_review(data, [0, 2], None, True, False, field_name="q")
    assert html.count("text-bg-success") == 1
    assert html.count("text-bg-danger") == 1


def test_summaries_are_plain_text_for_item_analysis():
    assert multiple.summarise_response(multiple_data(("**a**", 0.5), ("b", 0.5)), [1, 0]) == (
        "**a**; b"
    )
    assert truefalse.summarise_response(tf_data(), False) == "False"
    assert matching.summarise_response(sample_matching(), {"1": "3个工作日"}) == (
        "低压非居民 -> 3个工作日"
    )


def test_multiple_three_thirds_make_exactly_one():
    # 3 x 0.3333333 = 0.9999999, which Moodle counts as right: the mark is a full 1
    data = multiple_data(("a", 0.3333333), ("b", 0.3333333), ("c", 0.3333333), ("d", -1))
    assert multiple.grade(data, [0, 1, 2]) == 1.0
    assert multiple.grade(data, [0, 1]) == pytest.approx(0.6666666)
