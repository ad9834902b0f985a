"""Gates open training: a gate violation (K15 安全违章, K16 服务红线事件) assigns the published
course that develops the gate's strength-3 competencies to that person, due in 30 days, with the
reason they read; re-importing the month never assigns twice; without a course HR sees the event
flagged; a correction that takes the violation away stops the assignment."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.courses.models import AssignmentRule, Enrolment
from app.notify.models import Notification
from app.quality.models import GateEvent
from app.quality.services.gates import choose_course
from tests.courses.conftest import make_course  # noqa: F401  (fixture)
from tests.quality.conftest import PERIOD, csv_bytes

FITTER = "测试公司/测试分中心/装表一班"


# --- choosing the course ---------------------------------------------------------------------


def test_the_course_covering_most_primary_competencies_is_chosen():
    coverage = [(1, "SF1", 3), (2, "SF1", 3), (2, "SF2", 3), (3, "SF2", 2)]
    assert choose_course(["SF1", "SF2"], coverage) == 2


def test_ties_go_to_the_higher_levels_then_the_oldest_course():
    assert choose_course(["SF1"], [(5, "SF1", 2), (7, "SF1", 3)]) == 7
    assert choose_course(["SF1"], [(7, "SF1", 3), (5, "SF1", 3)]) == 5


def test_no_course_covering_any_primary_competency_chooses_none():
    assert choose_course(["SV5"], [(1, "SF1", 3)]) is None
    assert choose_course([], []) is None


# --- assignments -----------------------------------------------------------------------------


@pytest.fixture
def fitter(make_user, indicators):
    """A meter installer (MI), Chinese-speaking by default."""
    return make_user(employee_no="B0001", name="张伟", job_role="MI", department=FITTER)


@pytest.fixture
def safety_course(make_course):  # noqa: F811
    """The published safety course (SF1, SF2 at level 3, SF3 at 2) and a narrower one."""
    make_course("安全帽佩戴", competencies={"SF1": 2})
    return make_course("低压现场作业安全（安规）", competencies={"SF1": 3, "SF2": 3, "SF3": 2})


def _rules(app, db, user_id):
    with app.app_context():
        return db.session.scalars(
            select(AssignmentRule).where(AssignmentRule.user_id == user_id)
        ).all()


def _events(app, db):
    with app.app_context():
        return db.session.scalars(select(GateEvent).order_by(GateEvent.id)).all()


def test_a_safety_violation_assigns_the_safety_course_with_a_due_date_and_the_reason(
    app, db, fitter, safety_course, import_scores
):
    import_scores(PERIOD, csv_bytes("B0001,K15,1", "B0001,K12,0.5"))
    (rule,) = _rules(app, db, fitter.id)
    assert rule.course_id == safety_course and rule.is_mandatory and rule.is_active
    assert rule.due_kind == "fixed" and rule.due_on == date(2027, 1, 3)  # 4 Dec + 30 days
    assert rule.reason == "K15 安全违章 2026-11：1 次"
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == fitter.id))
        notice = db.session.scalar(
            select(Notification).where(Notification.kind == "course.assigned")
        )
    assert enrolment.course_id == safety_course and enrolment.due_on == date(2027, 1, 3)
    assert notice.user_id == fitter.id and notice.params["reason"] == rule.reason
    (event,) = _events(app, db)
    assert (event.period, event.value, event.course_id, event.rule_id) == (
        PERIOD,
        1.0,
        safety_course,
        rule.id,
    )


def test_re_importing_the_month_never_assigns_twice(app, db, fitter, safety_course, import_scores):
    for value in (1, 1, 2):
        import_scores(PERIOD, csv_bytes(f"B0001,K15,{value}"))
    assert len(_rules(app, db, fitter.id)) == 1
    (event,) = _events(app, db)
    assert event.value == 2.0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_the_reason_is_in_the_persons_language(
    app, db, make_user, indicators, safety_course, import_scores
):
    person = make_user(employee_no="B0002", job_role="MI", department=FITTER, locale="en")
    import_scores(PERIOD, csv_bytes("B0002,K15,2"))
    (rule,) = _rules(app, db, person.id)
    assert rule.reason == "K15 Safety violations 2026-11: 2 time(s)"


def test_no_value_worse_than_the_target_assigns_nothing(
    app, db, fitter, safety_course, import_scores
):
    import_scores(PERIOD, csv_bytes("B0001,K15,0"))
    assert _rules(app, db, fitter.id) == [] and _events(app, db) == []


def test_without_a_course_the_event_is_flagged_for_hr_until_one_exists(
    app,
    db,
    make_user,
    indicators,
    make_course,  # noqa: F811
    import_scores,
    client,
    login_as,  # noqa: F811
):
    clerk = make_user(employee_no="A0001", name="王芳")
    import_scores(PERIOD, csv_bytes("A0001,K16,1"))  # SV5: no course develops it
    (event,) = _events(app, db)
    assert event.course_id is None and event.rule_id is None
    assert event.reason == "K16 服务红线事件 2026-11：1 次"
    login_as("hr")
    page = client.get("/quality/gate-events").get_data(as_text=True)
    assert 'data-testid="no-course"' in page and "K16 Service red-line breaches" in page
    page = client.get("/quality/gate-events?waiting=1").get_data(as_text=True)
    assert 'data-employee="A0001"' in page
    make_course("服务红线与十个不准", competencies={"SV5": 3, "SV1": 2})
    page = client.get("/quality/gate-events").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    response = client.post(
        "/quality/gate-events/assign", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    (rule,) = _rules(app, db, clerk.id)
    assert rule.reason == "K16 服务红线事件 2026-11：1 次"
    assert _events(app, db)[0].rule_id == rule.id


def test_a_correction_that_takes_the_violation_away_stops_the_assignment(
    app, db, fitter, safety_course, import_scores
):
    from app.quality import services
    from app.quality.models import Score

    import_scores(PERIOD, csv_bytes("B0001,K15,1"))
    with app.app_context():
        score = db.session.scalar(select(Score).where(Score.user_id == fitter.id))
        services.correct_score(None, score, 0, "安监复核：记录错误")
    (rule,) = _rules(app, db, fitter.id)
    assert not rule.is_active
    (event,) = _events(app, db)
    assert event.cleared_at is not None
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == fitter.id))
    assert enrolment.withdrawn_at is not None
    # the violation comes back: assigned again, once
    import_scores(PERIOD, csv_bytes("B0001,K15,1"))
    assert [r.is_active for r in _rules(app, db, fitter.id)] == [False, True]
    assert _events(app, db)[0].cleared_at is None


def test_only_gates_of_the_persons_role_count(
    app, db, make_user, indicators, safety_course, import_scores
):
    # K06 is not a gate for anyone; a K15 value of someone whose role has no parameters counts
    # for nothing
    make_user(employee_no="C0001", job_role="CC")
    import_scores(PERIOD, csv_bytes("C0001,K06,70"))
    assert _events(app, db) == []


def test_the_gate_events_page_runs_the_same_queries_whatever_the_number_of_events(
    app, db, client, make_user, indicators, safety_course, import_scores, login_as, count_queries
):
    make_user(employee_no="B0001", job_role="MI", department=FITTER)
    make_user(employee_no="A0001")  # K16: no course develops SV5, flagged
    import_scores(PERIOD, csv_bytes("B0001,K15,1", "A0001,K16,1"))
    login_as("hr")
    client.get("/quality/gate-events")
    with count_queries() as few:
        assert client.get("/quality/gate-events").status_code == 200
    numbers = [f"B{n:04d}" for n in range(2, 14)]
    for n, number in enumerate(numbers):
        make_user(employee_no=number, job_role="MI", department=f"{FITTER}{n}")
    import_scores("2026-10", csv_bytes(*(f"{n},K15,1" for n in numbers), "A0001,K16,2"))
    with count_queries() as many:
        page = client.get("/quality/gate-events").get_data(as_text=True)
    assert page.count('data-testid="course"') == 15 and page.count('data-testid="no-course"') == 2
    assert many.n == few.n, many.statements[few.n :]
