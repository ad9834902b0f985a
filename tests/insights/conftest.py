"""Insight fixtures: counter clerks with a year of K01 values and a course some of them completed
(its effect planted), and clerks whose K01 rises with their CM2 quiz results (planted)."""

import random
from datetime import UTC, datetime

import pytest

from app.core import clock
from app.extensions import db as _db
from tests.api.conftest import api_as, service_token, user_token  # noqa: F401
from tests.competencies.conftest import cm2_quiz, take_quiz  # noqa: F401
from tests.quality.conftest import NOW, PERIOD, demo_indicators, indicators  # noqa: F401

HALL = "测试公司/城区供电中心/中山路营业厅"


@pytest.fixture
def company(app, make_user, indicators):  # noqa: F811 (fixture imported above)
    """``company(n_people, n_completers, effect)`` -> (course id, {completer id: month}).

    Counter clerks with twelve months of K01 (2025-12 … 2026-11): a person level plus monthly
    noise; completers learned the course's lessons (clock frozen at their month) between
    2026-03 and 2026-07, and their K01 is ``effect`` higher from the month after. A few call
    centre agents (another job role) have K01 too: never comparisons.
    """
    from sqlalchemy import select

    from app.core.uow import unit_of_work
    from app.courses import services as courses
    from app.org.models import JobRole, User
    from app.quality import periods
    from app.quality.models import Indicator, ScoreBatch
    from app.quality.services.scores import bulk_insert_scores

    def build(n_people=40, n_completers=15, effect=3.0, *, seed=5, completion_months=None):
        rng = random.Random(seed)
        months = periods.ending(PERIOD, 12)
        people = [make_user(job_role="CTR", department=HALL) for _ in range(n_people)]
        others = [make_user(job_role="CC", department=HALL) for _ in range(5)]
        choices = completion_months or ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]
        done = {p.id: rng.choice(choices) for p in people[:n_completers]}
        with app.app_context():
            course = courses.create_course(
                None, title="客户情绪安抚", competencies={"CM2": 3}, is_open=True
            )
            lesson = courses.add_activity(None, course, kind="lesson", title="第1课", body="正文")
            courses.publish_course(None, course)
            course_id, lesson_id = course.id, lesson.id
            for user_id, month in done.items():
                clock.freeze(datetime.fromisoformat(f"{month}-12T03:00:00").replace(tzinfo=UTC))
                person = _db.session.get(User, user_id)
                courses.self_enrol(person, _db.session.get(type(course), course_id))
                courses.mark_lesson_viewed(person, _db.session.get(type(lesson), lesson_id))
            clock.freeze(NOW)
            k01 = _db.session.scalar(select(Indicator.id).where(Indicator.code == "K01"))
            roles = {r.code: r.id for r in _db.session.scalars(select(JobRole))}
            with unit_of_work():
                for month in months:
                    rows = []
                    for person in people + others:
                        base = 94 + (person.id % 7) * 0.5
                        value = base + rng.gauss(0, 0.8)
                        if person.id in done and month > done[person.id]:
                            value += effect
                        role = "CTR" if person in people else "CC"
                        rows.append(
                            {
                                "user_id": person.id,
                                "indicator_id": k01,
                                "period": month,
                                "value": round(min(value, 100.0), 2),
                                "job_role_id": roles[role],
                                "department_id": None,
                            }
                        )
                    batch = ScoreBatch(period=month, source="cli", filename="k01.csv")
                    bulk_insert_scores(batch, rows)
        return course_id, done

    return build


@pytest.fixture
def skilled_clerks(app, make_user, indicators, take_quiz):  # noqa: F811
    """``skilled_clerks(n)`` -> {user id: skill 0–8}: counter clerks who took the CM2 quiz in
    October 2026 (skill = questions answered right, the easiest first), so their CM2 level and
    their mean result in the quiz's category come from real attempts; their K01 over 2026-06 …
    2026-11 rises with the skill (planted) and their K02 is 0 throughout (constant)."""
    from sqlalchemy import select

    from app.core.uow import unit_of_work
    from app.quality.models import Indicator, ScoreBatch
    from app.quality.services.scores import bulk_insert_scores

    def build(n=12, *, seed=4):
        rng = random.Random(seed)
        skills = {}
        clock.freeze(datetime(2026, 10, 15, 3, 0, tzinfo=UTC))
        for k in range(n):
            person = make_user(job_role="CTR", department=HALL)
            skill = 1 + k * 7 // max(n - 1, 1)
            right = {1: min(skill, 3), 2: min(max(skill - 3, 0), 3), 3: max(skill - 6, 0)}
            take_quiz(person, right)
            skills[person.id] = (person, skill)
        clock.freeze(NOW)
        with app.app_context():
            codes = dict(_db.session.execute(select(Indicator.code, Indicator.id)).all())
            role = next(iter(skills.values()))[0].job_role_id
            with unit_of_work():
                for month in ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"):
                    rows = []
                    for user_id, (_person, skill) in skills.items():
                        for code, value in (
                            ("K01", 93 + 0.6 * skill + rng.gauss(0, 0.5)),
                            ("K02", 0),
                        ):
                            rows.append(
                                {
                                    "user_id": user_id,
                                    "indicator_id": codes[code],
                                    "period": month,
                                    "value": round(value, 2),
                                    "job_role_id": role,
                                    "department_id": None,
                                }
                            )
                    bulk_insert_scores(ScoreBatch(period=month, source="cli"), rows)
        return {user_id: skill for user_id, (_p, skill) in skills.items()}

    return build
