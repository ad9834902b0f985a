"""Ratings into K01: satisfied ÷ all × 100 per person and month, as a value of a ``ratings``
batch; where the month also has an imported K01 the indicator's setting decides (keep the
imported value, or replace it); an import's replace semantics never lose the ratings' values;
a value HR corrected by hand stands."""

from app.extensions import db as _db
from tests.quality.conftest import csv_bytes, import_scores  # noqa: F401  (fixture)

MONTH = "2026-12"


def _rate(client, mint, txn, stars, employee_no="C001"):
    response = client.post(f"/rate/{mint(txn, employee_no)}", data={"stars": stars})
    assert response.status_code == 302


def _policy(app, value):
    from app.kiosk import services
    from app.kiosk.services.indicator import rated_indicator

    with app.app_context():
        services.set_indicator_policy(None, rated_indicator(), value)


def test_by_default_an_imported_value_is_kept(client, world, mint, k01, import_scores):  # noqa: F811
    import_scores(MONTH, csv_bytes("C001,K01,97.5"))
    _rate(client, mint, "T-1", 1)
    _rate(client, mint, "T-2", 2, "C002")
    assert k01("C001", MONTH) == (97.5, "page")
    assert k01("C002", MONTH) == (0.0, "ratings")


def test_an_import_that_leaves_a_rated_person_out_keeps_their_ratings_value(
    client,
    world,
    mint,
    k01,
    import_scores,  # noqa: F811
):
    _rate(client, mint, "T-1", 5)
    _rate(client, mint, "T-2", 4, "C002")
    # the evaluation system sends K01 of the month for C002 only: C001 would lose hers
    report = import_scores(MONTH, csv_bytes("C002,K01,96"))
    assert report.deleted == 1
    assert k01("C001", MONTH) == (100.0, "ratings")
    assert k01("C002", MONTH) == (96.0, "page")


def test_replace_puts_the_ratings_value_over_an_imported_one(
    app,
    client,
    world,
    mint,
    k01,
    import_scores,  # noqa: F811
):
    _policy(app, "replace")
    import_scores(MONTH, csv_bytes("C001,K01,97.5"))
    assert k01("C001", MONTH) == (97.5, "page")  # no ratings yet: nothing to replace it with
    _rate(client, mint, "T-1", 5)
    _rate(client, mint, "T-2", 3)
    assert k01("C001", MONTH) == (50.0, "ratings")
    # a later import of the month is overruled too, inside the same unit of work
    import_scores(MONTH, csv_bytes("C001,K01,99"))
    assert k01("C001", MONTH) == (50.0, "ratings")


def test_changing_the_setting_applies_to_a_month_through_the_command(
    app,
    client,
    runner,
    world,
    mint,
    k01,
    import_scores,  # noqa: F811
):
    import_scores(MONTH, csv_bytes("C001,K01,97.5"))
    _rate(client, mint, "T-1", 4)
    assert k01("C001", MONTH) == (97.5, "page")
    _policy(app, "replace")
    result = runner.invoke(args=["ratings", "sync-indicator", MONTH])
    assert result.exit_code == 0 and "1 people" in result.output
    assert k01("C001", MONTH) == (100.0, "ratings")


def test_a_value_hr_corrected_stands(app, client, world, mint, k01):
    from sqlalchemy import select

    from app.org.models import User
    from app.quality import services as quality
    from app.quality.models import Score

    _policy(app, "replace")
    _rate(client, mint, "T-1", 1)
    with app.app_context():
        score = _db.session.scalar(
            select(Score).join(User, User.id == Score.user_id).where(User.employee_no == "C001")
        )
        quality.correct_score(None, score, 100, "评价器误触，已核实")
    _rate(client, mint, "T-2", 1)
    assert k01("C001", MONTH) == (100.0, "correction")


def test_every_change_of_the_value_is_audited(app, client, world, mint):
    from sqlalchemy import select

    from app.core.models import AuditEvent

    _rate(client, mint, "T-1", 5)
    _rate(client, mint, "T-2", 1)
    with app.app_context():
        events = _db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "service_scores.ratings")
            .order_by(AuditEvent.id)
        ).all()
        assert [e.after["values"] for e in events] == [{"C001 K01": 100.0}, {"C001 K01": 50.0}]
        assert events[1].before == {"values": {"C001 K01": 100.0}}


def test_the_value_shows_on_the_clerks_service_quality_page(client, world, mint):
    _rate(client, mint, "T-1", 5)
    _rate(client, mint, "T-2", 5)
    _rate(client, mint, "T-3", 2)
    with client.session_transaction() as session:
        session["_user_id"] = world.clerk.session_token
    page = client.get(f"/quality/my?period={MONTH}").get_data(as_text=True)
    assert "66.67 %" in page
