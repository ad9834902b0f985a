"""Evidence keeps levels current: graded attempts, completed courses, ratings, expiry."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.competencies import evidence_read, queries, services
from app.competencies.models import CompetencyLevel, Evidence
from app.core import clock
from app.extensions import db as _db
from app.org.models import User


def _level(app, user, code="CM2"):
    with app.app_context():
        return services.current_levels([user.id]).get((user.id, code))


def test_a_graded_attempt_sets_the_level_when_it_is_submitted(app, make_user, take_quiz):
    clerk = make_user()
    assert _level(app, clerk) is None
    take_quiz(clerk, {1: 3, 2: 2})  # d1 3/3 = 100 %, d2 2/3 = 67 %: level 2
    assert _level(app, clerk) == 2


def test_results_pool_over_attempts(app, make_user, take_quiz):
    clerk = make_user()
    take_quiz(clerk, {1: 1})  # d1 1/3
    assert _level(app, clerk) is None
    take_quiz(clerk, {1: 3})  # d1 pooled 4/6 = 67 %: level 1
    assert _level(app, clerk) == 1


def test_a_rating_completes_level_3_and_a_newer_lower_one_caps_it(app, make_user, take_quiz):
    clerk = make_user()
    trainer = make_user(("trainer",), department=None, job_role=None)
    take_quiz(clerk, {1: 3, 2: 3})  # d2 100 %: level 2 until a rating ≥ 3
    assert _level(app, clerk) == 2
    with app.app_context():
        cm2 = queries.get_competency("CM2")
        person = _db.session.get(User, clerk.id)
        services.record_rating(_db.session.get(User, trainer.id), person, cm2, 3, "沟通到位")
    assert _level(app, clerk) == 3
    clock.freeze(clock.now() + timedelta(days=1))
    with app.app_context():
        services.record_rating(
            _db.session.get(User, trainer.id),
            _db.session.get(User, clerk.id),
            queries.get_competency("CM2"),
            1,
            "近期投诉较多",
        )
    assert _level(app, clerk) == 1


def test_staff_cannot_rate_and_nobody_rates_themselves(app, make_user):
    clerk = make_user()
    other = make_user()
    with app.app_context():
        cm2 = queries.get_competency("CM2")
        for actor in (other, clerk):
            try:
                services.record_rating(
                    _db.session.get(User, actor.id), _db.session.get(User, clerk.id), cm2, 3, ""
                )
            except services.RatingRefused:
                continue
            raise AssertionError("rating accepted")
        assert _db.session.scalar(select(Evidence.id)) is None


def test_expired_evidence_lowers_the_level_at_the_daily_refresh(app, make_user, take_quiz, runner):
    start = datetime(2026, 1, 10, 8, tzinfo=UTC)
    clock.freeze(start)
    clerk = make_user()
    take_quiz(clerk, {1: 3, 2: 2})
    assert _level(app, clerk) == 2
    with app.app_context():
        row = _db.session.scalar(select(CompetencyLevel).where(CompetencyLevel.user_id == clerk.id))
        assert row.next_change_at == datetime(2028, 1, 10, 8, tzinfo=UTC)  # 24 months
    clock.freeze(datetime(2028, 1, 11, tzinfo=UTC))
    assert _level(app, clerk) == 2  # stored until the refresh runs
    result = runner.invoke(args=["competencies", "refresh"])
    assert result.exit_code == 0 and "1 people" in result.output, result.output
    assert _level(app, clerk) is None
    again = runner.invoke(args=["competencies", "refresh"])
    assert "0 people" in again.output


def test_person_states_list_every_active_competency(app, make_user, take_quiz):
    clerk = make_user()
    take_quiz(clerk, {1: 3, 2: 2})
    with app.app_context():
        states = evidence_read.person_states(_db.session.get(User, clerk.id))
        assert len(states) == 27
        by_code = {s.competency.code: s for s in states}
        assert by_code["CM2"].current == 2 and by_code["CM2"].required == 4
        assert by_code["CM2"].gap == 2 and by_code["SV1"].current is None
        assert by_code["SV1"].gap == 4  # no evidence counts as the full requirement


def test_a_regrade_moves_the_level(app, make_user, take_quiz):
    from app.bank import services as bank_services
    from app.bank.models import Question
    from app.grading import services as grading
    from tests.competencies.conftest import CM2_BANK

    clerk = make_user()
    take_quiz(clerk, {1: 2, 2: 2})  # d1 2/3 = 67 % (< 80 %), d2 67 %: level 1
    assert _level(app, clerk) == 1
    # the key of one difficulty-1 question was wrong: "false" is right; the clerk answered
    # that question (the third) "false", so the regrade gives 3/3
    corrected = CM2_BANK.replace(
        "difficulty: 1\n    status: ready\n    correct: true\n  - id: cm2-2-0",
        "difficulty: 1\n    status: ready\n    correct: false\n  - id: cm2-2-0",
    )
    assert corrected != CM2_BANK
    with app.app_context():
        bank_services.import_questions(
            None, [bank_services.decode_source(corrected.encode(), "cm2.yaml")]
        )
        question = _db.session.scalar(select(Question).where(Question.key == "cm2-1-2"))
        assert grading.apply_regrade(None, question, "答案有误") == 1
    # d1 is now 3/3 = 100 % and d2 67 %: level 2, recomputed by the regrade's hook
    assert _level(app, clerk) == 2
