"""Contests: a person contests one of their values with a comment; HR upholds it (the value is
corrected with the reason, the composite recomputed) or rejects it (kept, with the reason); the
person is told in the app and by email; both stay on record and in the audit."""

import pytest
from sqlalchemy import select

from app.core.models import AuditEvent
from app.notify.models import Notification
from app.quality.models import Score, ScoreBatch, ScoreContest
from tests.conftest import csrf_token_from
from tests.quality.conftest import PERIOD, csv_bytes


@pytest.fixture
def clerk(make_user, indicators, import_scores):
    """A counter clerk with November values: K01 95.58 % (score 62), K04 and K07 at target."""
    person = make_user(employee_no="A0001", name="王芳", email="wangfang@example.test")
    make_user(employee_no="A0002", name="李强")
    import_scores(
        PERIOD, csv_bytes("A0001,K01,95.58", "A0001,K04,90", "A0001,K07,5", "A0002,K01,99")
    )
    return person


def _score(app, db, user_id, code="K01"):
    from app.quality.models import Indicator

    with app.app_context():
        return db.session.scalar(
            select(Score)
            .join(Indicator, Indicator.id == Score.indicator_id)
            .where(Score.user_id == user_id, Indicator.code == code)
        )


def _contests(app, db):
    with app.app_context():
        return db.session.scalars(select(ScoreContest).order_by(ScoreContest.id)).all()


def _contest_as(client, score_id, comment):
    form = client.get(f"/quality/scores/{score_id}/contest")
    assert form.status_code == 200
    return client.post(
        f"/quality/scores/{score_id}/contest",
        data={"csrf_token": csrf_token_from(form.get_data(as_text=True)), "comment": comment},
    )


def _answer(client, contest_id, **data):
    page = client.get(f"/quality/contests/{contest_id}")
    assert page.status_code == 200
    return client.post(
        f"/quality/contests/{contest_id}",
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data},
    )


def _sign_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True


def test_a_person_contests_a_value_and_it_waits_for_hr_once(app, db, client, clerk):
    score = _score(app, db, clerk.id)
    _sign_in(client, clerk)
    response = _contest_as(client, score.id, "3 月 12 日的两条不满意评价是设备故障误触。")
    assert response.status_code == 302 and "/quality/my" in response.headers["Location"]
    (contest,) = _contests(app, db)
    assert (contest.status, contest.value, contest.period) == ("open", 95.58, PERIOD)
    page = client.get("/quality/my").get_data(as_text=True)
    assert 'data-testid="contest-open"' in page and "Waiting for HR" in page
    # a second contest of the same value waits for the first answer
    page = client.get(f"/quality/scores/{score.id}/contest").get_data(as_text=True)
    assert 'data-testid="already-contested"' in page
    with app.app_context():
        from app.quality import services

        with pytest.raises(services.ContestRefused, match="already contested"):
            services.open_contest(
                db.session.get(type(clerk), clerk.id), db.session.get(Score, score.id), "再说一次"
            )
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "service_score.contest")
        )
    assert event.actor_id == clerk.id and event.after["comment"].startswith("3 月 12 日")


def test_nobody_contests_someone_elses_value(app, db, client, clerk, login_as):
    score = _score(app, db, clerk.id)
    login_as("staff")
    assert client.get(f"/quality/scores/{score.id}/contest").status_code == 404
    login_as("hr")
    assert client.get(f"/quality/scores/{score.id}/contest").status_code == 404


def test_a_comment_is_required(app, db, client, clerk):
    score = _score(app, db, clerk.id)
    _sign_in(client, clerk)
    response = _contest_as(client, score.id, "   ")
    assert response.status_code == 200 and _contests(app, db) == []


def test_hr_upholds_a_contest_the_value_is_corrected_and_the_person_told(
    app, db, client, clerk, make_user
):
    from app.notify import services as notify

    score = _score(app, db, clerk.id)
    _sign_in(client, clerk)
    _contest_as(client, score.id, "两条不满意评价是设备故障误触。")
    before = client.get("/quality/my").get_data(as_text=True)
    # K01 62, K04 100, K07 100 with weights 25/15/10 -> (1550 + 1500 + 1000) / 50 = 81.00
    assert "81.00" in before
    hr = make_user(("hr",), employee_no="H0001", department=None, job_role=None)
    _sign_in(client, hr)
    waiting = client.get("/quality/contests").get_data(as_text=True)
    assert 'data-employee="A0001"' in waiting and "K01 Customer satisfaction rate" in waiting
    (contest,) = _contests(app, db)
    response = _answer(
        client, contest.id, outcome="upheld", value="99.2", reason="评价器故障已核实，剔除误触评价"
    )
    assert response.status_code == 302
    (contest,) = _contests(app, db)
    assert (contest.status, contest.corrected_value, contest.resolved_by_id) == (
        "upheld",
        99.2,
        hr.id,
    )
    assert _score(app, db, clerk.id).value == 99.2
    with app.app_context():
        batch = db.session.get(ScoreBatch, contest.batch_id)
        notice = db.session.scalar(select(Notification).where(Notification.user_id == clerk.id))
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert batch.source == "correction" and batch.note == "评价器故障已核实，剔除误触评价"
    assert "service_score.correct" in actions and actions[-1] == "service_score.contest_resolve"
    assert (
        notice.kind == "quality.contest_resolved" and notice.link == f"/quality/my?period={PERIOD}"
    )
    # the composite is recomputed: 100 everywhere
    _sign_in(client, clerk)
    page = client.get("/quality/my").get_data(as_text=True)
    assert "100.00" in page and "81.00" not in page
    assert 'data-status="upheld"' in page and "99.2 %" in page
    notices = client.get("/notifications").get_data(as_text=True)
    assert "Your contest of K01 Customer satisfaction rate 2026-11 was upheld" in notices
    # and by email, in her language (Chinese by default)
    with app.app_context():
        _made, emailed = notify.send_due()
    assert emailed >= 1
    outbox = app.extensions["mailman"].__dict__.setdefault("outbox", [])
    message = next(m for m in outbox if "wangfang@example.test" in m.to)
    assert "申诉已获支持" in message.subject
    assert "95.58 %" in message.body and "99.2 %" in message.body


def test_hr_rejects_a_contest_and_the_value_stays(app, db, client, clerk, make_user):
    score = _score(app, db, clerk.id)
    _sign_in(client, clerk)
    _contest_as(client, score.id, "我觉得评价太低。")
    hr = make_user(("hr",), employee_no="H0001", department=None, job_role=None)
    _sign_in(client, hr)
    (contest,) = _contests(app, db)
    response = _answer(client, contest.id, outcome="rejected", reason="回访录音确认客户不满意")
    assert response.status_code == 302
    (contest,) = _contests(app, db)
    assert contest.status == "rejected" and contest.resolution == "回访录音确认客户不满意"
    assert _score(app, db, clerk.id).value == 95.58
    # answered contests stay on record, and cannot be answered again
    page = client.get("/quality/contests").get_data(as_text=True)
    assert 'data-testid="no-waiting"' in page and "回访录音确认客户不满意" in page
    page = client.get(f"/quality/contests/{contest.id}").get_data(as_text=True)
    assert 'data-testid="resolve-form"' not in page
    _sign_in(client, clerk)
    notices = client.get("/notifications").get_data(as_text=True)
    assert "was rejected" in notices and "回访录音确认客户不满意" in notices


def test_an_answer_needs_a_reason_and_an_upheld_one_a_value(app, db, client, clerk, make_user):
    from app.quality import services

    score = _score(app, db, clerk.id)
    with app.app_context():
        person = db.session.get(type(clerk), clerk.id)
        contest = services.open_contest(person, db.session.get(Score, score.id), "评价有误")
        for outcome, reason, value, message in (
            ("upheld", " ", 99, "reason"),
            ("upheld", "核实", None, "corrected value"),
            ("maybe", "核实", 99, "Uphold or reject"),
            ("upheld", "核实", 95.58, "already"),  # the value would not change
        ):
            with pytest.raises((services.ContestRefused, services.ScoreRefused), match=message):
                services.resolve_contest(None, contest, outcome, reason, value)
        assert db.session.get(ScoreContest, contest.id).status == "open"


def test_a_value_removed_by_a_later_import_can_only_be_rejected(app, db, clerk, import_scores):
    from app.quality import services

    score = _score(app, db, clerk.id)
    with app.app_context():
        person = db.session.get(type(clerk), clerk.id)
        contest_id = services.open_contest(person, db.session.get(Score, score.id), "有误").id
    import_scores(PERIOD, csv_bytes("A0002,K01,99"))  # A0001's K01 is no longer sent
    with app.app_context():
        contest = db.session.get(ScoreContest, contest_id)
        assert contest.score_id is None and contest.value == 95.58
        with pytest.raises(services.ContestRefused, match="removed"):
            services.resolve_contest(None, contest, "upheld", "核实", 99)
        services.resolve_contest(None, contest, "rejected", "数据源已撤回该数值")
        assert db.session.get(ScoreContest, contest_id).status == "rejected"


def test_the_contests_page_runs_the_same_queries_whatever_the_number_of_contests(
    app, db, client, clerk, make_user, import_scores, login_as, count_queries
):
    from app.quality import services

    def contest_all(numbers, answer_every=2):
        with app.app_context():
            from app.org.models import User

            for n, number in enumerate(numbers):
                person = db.session.scalar(select(User).where(User.employee_no == number))
                score = db.session.scalar(select(Score).where(Score.user_id == person.id))
                contest = services.open_contest(person, score, "评价有误")
                if n % answer_every == 0:
                    services.resolve_contest(None, contest, "rejected", "回访确认")

    contest_all(["A0001", "A0002"])
    login_as("hr")
    client.get("/quality/contests")
    with count_queries() as few:
        assert client.get("/quality/contests").status_code == 200
    numbers = [f"B{n:04d}" for n in range(12)]
    for number in numbers:
        make_user(employee_no=number, department=f"测试公司/测试分中心/{number}班")
    import_scores("2026-10", csv_bytes(*(f"{n},K01,97" for n in numbers)))
    contest_all(numbers, answer_every=3)
    with count_queries() as many:
        page = client.get("/quality/contests").get_data(as_text=True)
    assert page.count('data-employee="B') == 8, "eight of twelve still wait"
    assert many.n == few.n, many.statements[few.n :]
