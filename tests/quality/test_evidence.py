"""Service results become competency evidence: an indicator at or better than target for two
consecutive months is ``service_quality`` evidence of level 3 for its strength-3 competencies;
a correction that breaks the condition withdraws it; the levels follow.

Hand-worked with the demo parameters of a counter clerk (CTR): K01 客户满意率 target 99 %
(higher is better), K07 重复来电率 target 5 % (lower is better); K01's strength-3 competencies
are CM1 and CM2.
"""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.competencies.models import Competency, Evidence
from app.quality import streaks
from app.quality.models import Score
from app.quality.scoring import Parameters
from tests.competencies.conftest import cm2_quiz, take_quiz  # noqa: F401  (fixtures)
from tests.quality.conftest import csv_bytes
from tests.quizzes.conftest import bank, make_quiz  # noqa: F401  (fixtures cm2_quiz needs)

K01 = Parameters("higher", 90, 99, 100, 25)
K07 = Parameters("lower", 0, 5, 15, 10)


def _obs(period, score_id, ok, user=1, indicator=1):
    return streaks.Observation(user, indicator, period, score_id, ok)


# --- the pure rule ---------------------------------------------------------------------------


def test_at_target_means_at_or_better_than_the_target_either_way():
    assert streaks.at_target(99.0, K01) and streaks.at_target(99.6, K01)
    assert not streaks.at_target(98.9, K01)
    assert streaks.at_target(5.0, K07) and streaks.at_target(2.9, K07)
    assert not streaks.at_target(5.1, K07)


def test_two_consecutive_months_at_target_make_one_streak_keyed_by_the_later_score():
    # Aug 99.2 ✓, Sep 98.5 ✗, Oct 99.0 ✓, Nov 99.6 ✓: only Oct–Nov is a streak
    found = streaks.streaks(
        [
            _obs("2026-08", 1, True),
            _obs("2026-09", 2, False),
            _obs("2026-10", 3, True),
            _obs("2026-11", 4, True),
        ]
    )
    assert found == [streaks.Streak(1, 1, "2026-10", "2026-11", 4)]


def test_a_month_without_a_value_in_between_is_not_consecutive():
    found = streaks.streaks([_obs("2026-08", 1, True), _obs("2026-10", 3, True)])
    assert found == []


def test_a_run_of_three_months_makes_two_streaks_and_may_be_limited_to_later_months():
    run = [_obs("2026-09", 2, True), _obs("2026-10", 3, True), _obs("2026-11", 4, True)]
    assert [s.score_id for s in streaks.streaks(run)] == [3, 4]
    assert [s.score_id for s in streaks.streaks(run, {"2026-11"})] == [4]


def test_a_value_without_parameters_never_counts():
    assert streaks.streaks([_obs("2026-10", 3, None), _obs("2026-11", 4, True)]) == []


def test_judge_reads_each_month_with_the_parameters_of_that_month_and_role():
    rows = [(10, 1, 7, "2026-10", 98.0, 5), (11, 1, 7, "2026-11", 98.0, 5)]
    stricter = Parameters("higher", 90, 98.5, 100, 25)
    in_force = {
        "2026-10": {5: {7: Parameters("higher", 90, 97, 100, 25)}},
        "2026-11": {5: {7: stricter}},
    }
    assert [o.is_at_target for o in streaks.judge(rows, in_force)] == [True, False]


# --- stored evidence -------------------------------------------------------------------------


@pytest.fixture
def clerk(make_user, indicators):
    """A counter clerk of the test hall."""
    return make_user(employee_no="A0001", name="王芳")


def _evidence(app, db, user_id):
    """{(code, score period): (withdrawn?, level, observed_at, valid_until)} of a person."""
    with app.app_context():
        rows = db.session.execute(
            select(Evidence, Competency.code, Score.period)
            .join(Competency, Competency.id == Evidence.competency_id)
            .outerjoin(Score, Score.id == Evidence.source_id)
            .where(Evidence.user_id == user_id, Evidence.source == "service_quality")
        ).all()
        return {
            (code, period): (e.withdrawn_at is not None, e.level, e.observed_at, e.valid_until)
            for e, code, period in rows
        }


def _score(app, db, user_id, period, code="K01"):
    from app.quality.models import Indicator

    with app.app_context():
        return db.session.scalar(
            select(Score)
            .join(Indicator, Indicator.id == Score.indicator_id)
            .where(Score.user_id == user_id, Score.period == period, Indicator.code == code)
        )


def _correct(app, db, score_id, value, reason="回访复核"):
    from app.quality import services

    with app.app_context():
        score = db.session.get(Score, score_id)
        services.correct_score(None, score, value, reason)


def _level(app, user_id, code):
    from app.competencies.services import current_levels

    with app.app_context():
        return current_levels([user_id]).get((user_id, code))


def test_at_target_twice_becomes_level_3_evidence_for_the_primary_competencies(
    app, db, clerk, import_scores
):
    import_scores("2026-10", csv_bytes("A0001,K01,99.0", "A0001,K07,4.0"))
    assert _evidence(app, db, clerk.id) == {}, "one month is not two"
    import_scores("2026-11", csv_bytes("A0001,K01,99.6", "A0001,K07,5.0"))
    found = _evidence(app, db, clerk.id)
    # K01: CM1 and CM2 (strength 3); K07: SV4 (strength 3)
    assert set(found) == {("CM1", "2026-11"), ("CM2", "2026-11"), ("SV4", "2026-11")}
    withdrawn, level, observed, valid_until = found[("CM2", "2026-11")]
    assert not withdrawn and level == 3
    # the end of November in Shanghai, valid for CM2's 24 months like any evidence
    assert observed == datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)
    assert valid_until == datetime(2028, 11, 30, 15, 59, 59, tzinfo=UTC)
    with app.app_context():
        source = db.session.scalar(
            select(Evidence.source_id)
            .join(Competency, Competency.id == Evidence.competency_id)
            .where(Evidence.user_id == clerk.id, Competency.code == "CM2")
        )
    assert source == _score(app, db, clerk.id, "2026-11").id


def test_a_correction_that_breaks_the_condition_withdraws_it_and_the_level_follows(
    app,
    db,
    clerk,
    import_scores,
    take_quiz,  # noqa: F811
):
    take_quiz(clerk, {1: 3, 2: 3})  # CM2: 100 % on difficulties 1 and 2
    assert _level(app, clerk.id, "CM2") == 2, "no support for level 3 yet"
    import_scores("2026-10", csv_bytes("A0001,K01,99.2"))
    import_scores("2026-11", csv_bytes("A0001,K01,99.6"))
    assert _level(app, clerk.id, "CM2") == 3
    october = _score(app, db, clerk.id, "2026-10")
    _correct(app, db, october.id, 98.4)  # October was below target after all
    found = _evidence(app, db, clerk.id)
    assert found[("CM2", "2026-11")][0] is True and found[("CM1", "2026-11")][0] is True
    assert _level(app, clerk.id, "CM2") == 2
    _correct(app, db, october.id, 99.1, "再次复核：评价器数据补录")
    assert _evidence(app, db, clerk.id)[("CM2", "2026-11")][0] is False, "restored"
    assert _level(app, clerk.id, "CM2") == 3


def test_a_gap_month_breaks_the_run_until_it_is_filled(app, db, clerk, import_scores):
    import_scores("2026-09", csv_bytes("A0001,K01,99.5"))
    import_scores("2026-11", csv_bytes("A0001,K01,99.5"))
    assert _evidence(app, db, clerk.id) == {}
    import_scores("2026-10", csv_bytes("A0001,K01,99.0"))
    found = _evidence(app, db, clerk.id)
    assert {key for key in found if key[0] == "CM2"} == {("CM2", "2026-10"), ("CM2", "2026-11")}


def test_a_value_removed_by_a_later_import_withdraws_its_evidence(
    app, db, clerk, make_user, import_scores
):
    make_user(employee_no="A0002")
    import_scores("2026-10", csv_bytes("A0001,K01,99.0"))
    import_scores("2026-11", csv_bytes("A0001,K01,99.3", "A0002,K01,97"))
    assert _evidence(app, db, clerk.id)[("CM2", "2026-11")][0] is False
    import_scores("2026-11", csv_bytes("A0002,K01,97"))  # A0001's November K01 is gone
    assert _evidence(app, db, clerk.id)[("CM2", None)][0] is True


def test_re_importing_the_same_months_adds_nothing(app, db, clerk, import_scores):
    import_scores("2026-10", csv_bytes("A0001,K01,99.0"))
    import_scores("2026-11", csv_bytes("A0001,K01,99.3"))
    before = _evidence(app, db, clerk.id)
    import_scores("2026-11", csv_bytes("A0001,K01,99.4"))
    import_scores("2026-10", csv_bytes("A0001,K01,99.1"))
    assert _evidence(app, db, clerk.id) == before
    with app.app_context():
        assert len(db.session.scalars(select(Evidence.id)).all()) == 2


def test_the_evidence_trail_names_the_indicator_and_months_and_links_the_scores(
    app, db, clerk, import_scores, client, login_as
):
    import_scores("2026-10", csv_bytes("A0001,K01,99.0"))
    import_scores("2026-11", csv_bytes("A0001,K01,99.3"))
    login_as("hr")
    page = client.get(f"/competencies/people/{clerk.id}/c/CM2").get_data(as_text=True)
    assert "Service results at target" in page
    assert "K01 Customer satisfaction rate at target in 2026-10 and 2026-11" in page
    assert f"/quality/people/{clerk.id}?period=2026-11" in page


def test_the_demo_step_is_idempotent(app, db, clerk, import_scores):
    from app.quality import follow

    import_scores("2026-10", csv_bytes("A0001,K01,99.0"))
    import_scores("2026-11", csv_bytes("A0001,K01,99.3"))
    with app.app_context():
        db.session.execute(Evidence.__table__.delete())
        db.session.commit()
        first = follow.seed_follow_ups()
        second = follow.seed_follow_ups()
    assert first.startswith("2 pieces of service evidence added")
    assert second.startswith("0 pieces of service evidence added, 0 withdrawn")
