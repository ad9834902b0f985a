"""The level rule, branch by branch, with hand-worked numbers and a clock we control."""

from datetime import UTC, datetime, timedelta

from app.competencies.rule import Evidence, QuizResult, current_level, pool

NOW = datetime(2026, 6, 30, tzinfo=UTC)
DAY = timedelta(days=1)


def quiz(attempt, difficulty, earned, available, n=3, days_ago=10, valid_days=700):
    """A quiz result observed ``days_ago`` days before NOW, valid ``valid_days`` days."""
    at = NOW - days_ago * DAY
    return QuizResult(attempt, difficulty, earned, available, n, at, at + valid_days * DAY)


def ev(source, level, days_ago=5, rater=None, source_id=1, valid_days=700):
    """Other evidence observed ``days_ago`` days before NOW."""
    at = NOW - days_ago * DAY
    return Evidence(source, source_id, level, at, at + valid_days * DAY, rater)


def level_of(quiz_results=(), evidence=(), now=NOW):
    return current_level(list(quiz_results), list(evidence), now=now)


def test_no_evidence_gives_no_level():
    result = level_of()
    assert result.level is None and result.evidence == [] and result.quiz == []


def test_level_1_needs_60_percent_on_difficulty_1():
    # 6 of 10 marks = 60 %: exactly the threshold
    assert level_of([quiz(1, 1, 6, 10)]).level == 1
    # 5.9 of 10 = 59 %: below
    assert level_of([quiz(1, 1, 5.9, 10)]).level is None


def test_percentages_pool_every_valid_result_of_the_difficulty():
    # 2/5 (40 %) and 8/10 (80 %) pool to 10/15 = 66.7 %: level 1, though one alone is below
    results = [quiz(1, 1, 2, 5), quiz(2, 1, 8, 10)]
    outcome = level_of(results)
    assert outcome.level == 1
    assert abs(outcome.pooled[1].share - 10 / 15) < 1e-12
    assert {r.attempt_id for r in outcome.quiz} == {1, 2}


def test_a_result_with_fewer_than_three_questions_does_not_count():
    # 2 questions at 100 % do not count; the 3-question result at 50 % is all that remains
    results = [quiz(1, 1, 2, 2, n=2), quiz(2, 1, 1.5, 3, n=3)]
    assert pool(results, 1).available == 3
    assert level_of(results).level is None
    assert level_of([quiz(1, 1, 2, 2, n=2)]).level is None


def test_level_2_by_quizzes_needs_both_difficulties():
    # d1: 8/10 = 80 %; d2: 6/10 = 60 %
    assert level_of([quiz(1, 1, 8, 10), quiz(1, 2, 6, 10)]).level == 2
    # d1 79 %: only level 1 (≥ 60 % on d1)
    assert level_of([quiz(1, 1, 7.9, 10), quiz(1, 2, 6, 10)]).level == 1


def test_level_2_by_a_course_completion_and_course_levels_are_capped_at_2():
    assert level_of(evidence=[ev("course_completion", 2)]).level == 2
    # a course that targets level 1 supports level 1 only
    assert level_of(evidence=[ev("course_completion", 1)]).level == 1


def test_level_3_needs_80_percent_on_difficulty_2_and_a_rating_or_service_results():
    results = [quiz(1, 2, 8, 10)]  # d2: 80 %
    assert level_of(results).level is None  # no d1 result, no rating: nothing
    assert level_of(results, [ev("rating", 3, rater="manager")]).level == 3
    outcome = level_of(results, [ev("service_quality", 3)])
    assert outcome.level == 3 and outcome.evidence[0].source == "service_quality"
    # a rating of 2 is not enough
    assert level_of(results, [ev("rating", 2, rater="manager", days_ago=20)]).level is None


def test_level_4_needs_70_percent_on_difficulty_3_and_a_rating_of_4():
    results = [quiz(1, 3, 7, 10), quiz(2, 2, 9, 10)]  # d3 70 %, d2 90 %
    assert level_of(results, [ev("rating", 4, rater="trainer", days_ago=30)]).level == 4
    # with a rating of 3 the best is level 3 (d2 ≥ 80 % and a rating ≥ 3)
    assert level_of(results, [ev("rating", 3, rater="trainer", days_ago=30)]).level == 3


def test_level_5_needs_a_rating_of_5_by_a_trainer_or_hr():
    assert level_of(evidence=[ev("rating", 5, rater="hr")]).level == 5
    assert level_of(evidence=[ev("rating", 5, rater="trainer")]).level == 5
    # a manager's 5 alone does not make an expert (and alone supports no quiz-based level)
    assert level_of(evidence=[ev("rating", 5, rater="manager")]).level is None


def test_a_newer_lower_rating_caps_the_level():
    results = [quiz(1, 1, 9, 10, days_ago=60), quiz(1, 2, 9, 10, days_ago=60)]
    support = ev("rating", 4, rater="trainer", days_ago=50, source_id=1)
    newer_low = ev("rating", 2, rater="manager", days_ago=5, source_id=2)
    outcome = level_of(results, [support, newer_low])
    # without the cap: d2 90 % + a rating ≥ 3 = level 3; the newest rating says 2
    assert outcome.uncapped == 3 and outcome.level == 2
    assert outcome.capped_by == newer_low and newer_low in outcome.evidence


def test_an_older_lower_rating_does_not_cap_newer_quiz_results():
    results = [quiz(1, 1, 9, 10, days_ago=5), quiz(1, 2, 7, 10, days_ago=5)]  # level 2
    old_rating = ev("rating", 1, rater="manager", days_ago=40)
    outcome = level_of(results, [old_rating])
    assert outcome.level == 2 and outcome.capped_by is None


def test_expired_evidence_no_longer_counts():
    # valid 100 days, observed 99 days ago: still valid; at 100 days it has expired
    fresh = quiz(1, 1, 9, 10, days_ago=99, valid_days=100)
    assert level_of([fresh]).level == 1
    assert level_of([fresh], now=NOW + DAY).level is None
    rating = ev("rating", 5, rater="hr", days_ago=10, valid_days=10)
    assert level_of(evidence=[rating]).level is None


def test_evidence_from_the_future_does_not_count_yet():
    assert level_of([quiz(1, 1, 9, 10, days_ago=-1)]).level is None


def test_the_highest_level_whose_condition_holds_wins_with_its_evidence():
    results = [quiz(1, 1, 10, 10), quiz(2, 2, 8, 10), quiz(3, 3, 2, 10)]
    outcome = level_of(results, [ev("rating", 3, rater="manager", days_ago=1, source_id=7)])
    assert outcome.level == 3
    # level 3 rests on the difficulty-2 result and the rating
    assert [r.attempt_id for r in outcome.quiz] == [2]
    assert [e.source_id for e in outcome.evidence] == [7]
