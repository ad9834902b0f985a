"""The demo scores: twelve months for every staff member, idempotent, with the planted structure
later features rely on (K01 rising with CM2 among counter clerks; S0008 and S0009 in the last
complete month; a few gate events)."""

import random
import statistics

import pytest
from sqlalchemy import func, select

from app.competencies.models import Competency, CompetencyLevel
from app.core import clock
from app.quality import demo, periods, results
from app.quality.models import Score, ScoreBatch
from tests.quality.conftest import NOW, PERIOD

HALL = "国网示范市供电公司/城区供电中心/中山路营业厅"


@pytest.fixture
def demo_staff(app, db, make_user, indicators):
    """S0001–S0040: counter clerks with CM2 levels 0–4 (S0008 weak, S0009 strong), field staff."""
    rng = random.Random(7)
    levels = {}
    for n in range(1, 41):
        number = f"S{n:04d}"
        role = "CTR" if n <= 30 else ("MI" if n <= 36 else "CC")
        user = make_user(employee_no=number, job_role=role, department=HALL)
        levels[user.id] = {"S0008": 2, "S0009": 4}.get(number, rng.choice([None, 1, 1, 2, 2, 3]))
    with app.app_context():
        cm2 = db.session.scalar(select(Competency.id).where(Competency.code == "CM2"))
        db.session.execute(
            CompetencyLevel.__table__.insert(),
            [
                {"user_id": uid, "competency_id": cm2, "level": level, "computed_at": NOW}
                for uid, level in levels.items()
                if level is not None
            ],
        )
        db.session.commit()
    return levels


def _seed(app):
    with app.app_context():
        clock.freeze(NOW)
        return demo.seed_scores()


def test_twelve_months_for_everyone_then_nothing_more(app, db, demo_staff):
    summary = _seed(app)
    assert "40 people over 12 months (2025-12 to 2026-11)" in summary
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(Score))
        months = db.session.scalars(select(Score.period).distinct().order_by(Score.period)).all()
        batches = db.session.scalar(select(func.count()).select_from(ScoreBatch))
    assert months == periods.ending(PERIOD, 12) and batches == 12
    assert n > 40 * 12 * 7
    assert _seed(app) == "already seeded"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Score)) == n


def test_the_planted_clerks_of_the_last_month(app, demo_staff):
    _seed(app)
    with app.app_context():
        found = {r.employee_no: r for r in results.period_results(PERIOD)}
    s0008, s0009 = found["S0008"], found["S0009"]
    assert 60 <= s0008.indicator("K01").score <= 64
    assert s0009.indicator("K01").score < 80
    for person in (s0008, s0009):
        others = [r for r in person.indicators if r.code != "K01"]
        assert len(others) >= 6
        assert all(r.score == 100 and not r.is_gate_event for r in others), person.employee_no


def test_k01_rises_with_cm2_among_counter_clerks(app, demo_staff):
    _seed(app)
    means = {}
    with app.app_context():
        for month in periods.ending(PERIOD, 6):
            for result in results.period_results(month):
                k01 = result.indicator("K01")
                if k01 is not None and result.user_id in demo_staff:
                    means.setdefault(result.user_id, []).append(k01.value)
        ctr = [uid for uid in means if len(means[uid]) >= 3]
    pairs = [(demo_staff[uid] or 0, statistics.mean(means[uid])) for uid in ctr]
    xs, ys = zip(*pairs, strict=True)
    assert statistics.correlation(_ranked(xs), _ranked(ys)) > 0.5


def _ranked(values):
    """Average ranks (Spearman's ranks: ties share the mean of their positions)."""
    order = sorted(values)
    return [order.index(v) + (order.count(v) - 1) / 2 + 1 for v in values]


def test_the_year_has_a_few_gate_events(app, db, demo_staff):
    _seed(app)
    with app.app_context():
        from app.quality.models import Indicator

        events = db.session.execute(
            select(Indicator.code, func.count())
            .join(Score, Score.indicator_id == Indicator.id)
            .where(Indicator.code.in_(["K15", "K16"]), Score.value > 0)
            .group_by(Indicator.code)
        ).all()
    counts = dict(events)
    assert 1 <= counts.get("K15", 0) <= 5 and 1 <= counts.get("K16", 0) <= 3


def test_the_follow_up_step_plants_a_waiting_and_a_rejected_contest_once(
    app, db, demo_staff, make_user
):
    from app.quality import follow
    from app.quality.models import Indicator, ScoreContest

    make_user(("hr",), employee_no="H001", department=None, job_role=None)
    _seed(app)
    with app.app_context():
        before = db.session.scalars(select(Score.value).order_by(Score.id)).all()
        assert follow.seed_follow_ups().endswith("; 2 contests")
        assert follow.seed_follow_ups().endswith("; contests already seeded")
        from app.org.models import User

        rows = db.session.execute(
            select(User.employee_no, Indicator.code, ScoreContest.status, ScoreContest.period)
            .join(User, User.id == ScoreContest.user_id)
            .join(Indicator, Indicator.id == ScoreContest.indicator_id)
            .order_by(User.employee_no)
        ).all()
        assert db.session.scalars(select(Score.value).order_by(Score.id)).all() == before
    (s0001, s0008) = rows
    assert s0008 == ("S0008", "K01", "open", PERIOD)
    assert s0001[0] == "S0001" and s0001[2:] == ("rejected", PERIOD)
