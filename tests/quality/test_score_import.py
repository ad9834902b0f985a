"""Score imports from CSV and XLSX: every row or none, each bad row named by file and row,
replace semantics per indicator and period, the job role at the time, corrections with audit."""

import pytest
from sqlalchemy import func, select

from app.core.errors import ImportRejected
from app.core.models import AuditEvent
from app.quality import services
from app.quality.models import Score, ScoreBatch
from tests.quality.conftest import PERIOD, csv_bytes, xlsx_bytes


@pytest.fixture
def clerks(make_user, indicators):
    """Three counter clerks A0001–A0003 and a call-centre agent A0004."""
    people = [make_user(employee_no=f"A000{n}") for n in (1, 2, 3)]
    people.append(make_user(employee_no="A0004", job_role="CC"))
    return people


def _count(app, db, model=Score) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_csv_with_a_bom_creates_values_in_one_audited_batch(app, db, clerks, import_scores):
    report = import_scores(
        PERIOD, csv_bytes("A0001,K01,98.5", "A0002,K01,96", "A0001,K04,91.2", "A0004,K06,93")
    )
    assert (report.created, report.updated, report.deleted, report.unchanged) == (4, 0, 0, 0)
    assert report.by_indicator["K01"].created == 2 and not report.dry_run
    with app.app_context():
        batch = db.session.get(ScoreBatch, report.batch_id)
        assert (batch.source, batch.filename, batch.indicators) == (
            "page",
            "scores.csv",
            ["K01", "K04", "K06"],
        )
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.target_type == "ScoreBatch"))
        assert event.action == "service_scores.import" and event.before is None
        assert event.after["values"]["A0001 K01"] == 98.5 and event.after["created"] == 4


def test_an_xlsx_file_is_read_with_its_numbers(app, db, clerks, import_scores, stored):
    import_scores(PERIOD, xlsx_bytes(("A0001", "K01", 98.5), ("A0002", "K02", 1)), "s.xlsx")
    assert stored() == {("A0001", "K01"): 98.5, ("A0002", "K02"): 1.0}


def test_every_bad_row_is_named_and_nothing_is_written(app, db, clerks, make_user, import_scores):
    make_user(("hr",), employee_no="H0001", department=None, job_role=None)
    data = csv_bytes(
        "A0001,K01,98.5",  # row 2: fine
        "Z9999,K01,97",  # 3: unknown employee
        "A0002,K99,97",  # 4: unknown indicator
        "A0002,K04,abc",  # 5: not a number
        "A0003,K01,101",  # 6: a percentage over 100
        "A0003,K02,-1",  # 7: a negative count
        "A0002,K02,1.5",  # 8: a count that is not whole
        "A0001,K01,97",  # 9: repeats row 2
        "A0003,K04,",  # 10: no value
        "H0001,K01,99",  # 11: no job role
    )
    with pytest.raises(ImportRejected) as caught:
        import_scores(PERIOD, data, "bad.csv")
    problems = [str(p) for p in caught.value.problems]
    assert problems == [
        "bad.csv:3: unknown employee Z9999",
        "bad.csv:4: unknown indicator K99 (known: "
        + ", ".join(f"K{n:02d}" for n in range(1, 18))
        + ")",
        "bad.csv:5: abc is not a number",
        "bad.csv:6: K01: 101 is out of range (0 to 100)",
        "bad.csv:7: K02: -1 is out of range (at least 0)",
        "bad.csv:8: K02: 1.5 is not a whole number (a count)",
        "bad.csv:9: A0001 K01 repeats row 2",
        "bad.csv:10: value is missing",
        "bad.csv:11: H0001 has no job role",
    ]
    assert _count(app, db) == 0 and _count(app, db, ScoreBatch) == 0


def test_files_that_cannot_be_read_are_refused_whole(app, clerks, import_scores):
    with pytest.raises(ImportRejected) as caught:
        import_scores(PERIOD, csv_bytes("A0001,K01", header="employee_no,indicator"), "m.csv")
    assert str(caught.value.problems[0]) == "m.csv:1: Missing columns: value"
    with pytest.raises(ImportRejected) as caught:
        import_scores(
            PERIOD, csv_bytes("A0001,K01,98,x", header="employee_no,indicator,value,note")
        )
    assert "Unknown columns: note" in caught.value.problems[0].message
    gbk = "employee_no,indicator,value\nA0001,K01,98\n张三,K01,97\n".encode("gbk")
    with pytest.raises(ImportRejected) as caught:
        import_scores(PERIOD, gbk, "g.csv")
    assert caught.value.problems[0].line == 3 and "UTF-8" in caught.value.problems[0].message
    with pytest.raises(ImportRejected, match="Unsupported file type"):
        import_scores(PERIOD, b"x", "scores.txt")
    with pytest.raises(ImportRejected, match="no rows"):
        import_scores(PERIOD, csv_bytes(), "empty.csv")


def test_a_batch_replaces_the_month_of_each_of_its_indicators_only(
    app, db, clerks, import_scores, stored
):
    import_scores(PERIOD, csv_bytes("A0001,K01,98", "A0002,K01,97", "A0003,K01,96", "A0001,K04,88"))
    report = import_scores(PERIOD, csv_bytes("A0001,K01,98", "A0002,K01,99.1", "A0004,K01,95"))
    # A0001 unchanged, A0002 updated, A0004 created, A0003 left out: deleted; K04 untouched
    assert (report.created, report.updated, report.deleted, report.unchanged) == (1, 1, 1, 1)
    assert stored() == {
        ("A0001", "K01"): 98.0,
        ("A0002", "K01"): 99.1,
        ("A0004", "K01"): 95.0,
        ("A0001", "K04"): 88.0,
    }
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.target_type == "ScoreBatch").order_by(AuditEvent.id)
        ).all()[-1]
        assert event.before == {"values": {"A0002 K01": 97.0, "A0003 K01": 96.0}}
        assert event.after["values"] == {"A0002 K01": 99.1, "A0004 K01": 95.0}


def test_other_periods_are_left_alone(app, clerks, import_scores, stored):
    import_scores("2026-10", csv_bytes("A0001,K01,98", "A0002,K01,97"))
    import_scores(PERIOD, csv_bytes("A0001,K01,99"))
    assert stored("2026-10") == {("A0001", "K01"): 98.0, ("A0002", "K01"): 97.0}


def test_a_dry_run_reports_and_writes_nothing(app, db, clerks, import_scores):
    report = import_scores(PERIOD, csv_bytes("A0001,K01,98"), dry_run=True)
    assert report.dry_run and report.created == 1 and report.batch_id is None
    assert _count(app, db) == 0 and _count(app, db, ScoreBatch) == 0


def test_a_period_keeps_the_job_role_and_department_of_its_first_value(
    app, db, clerks, import_scores
):
    from app.org.models import JobRole, User

    import_scores(PERIOD, csv_bytes("A0001,K01,98"))
    with app.app_context():
        person = db.session.scalar(select(User).where(User.employee_no == "A0001"))
        person.job_role = db.session.scalar(select(JobRole).where(JobRole.code == "CC"))
        db.session.commit()
    import_scores(PERIOD, csv_bytes("A0001,K04,90"))
    import_scores("2026-10", csv_bytes("A0001,K04,90"))
    with app.app_context():
        roles = dict(
            db.session.execute(
                select(Score.period, JobRole.code)
                .join(JobRole, JobRole.id == Score.job_role_id)
                .distinct()
            ).all()
        )
    assert roles == {PERIOD: "CTR", "2026-10": "CC"}


def test_periods_must_be_months_that_have_begun(app, clerks, import_scores):
    with pytest.raises(services.ScoreRefused, match="not a period"):
        import_scores("2026-13", csv_bytes("A0001,K01,98"))
    with pytest.raises(services.ScoreRefused, match="has not begun"):
        import_scores("2027-01", csv_bytes("A0001,K01,98"))


def test_a_correction_changes_one_value_with_its_reason_and_audit(
    app, db, clerks, make_user, import_scores, stored
):
    hr = make_user(("hr",), department=None, job_role=None)
    import_scores(PERIOD, csv_bytes("A0001,K01,92", "A0002,K01,97"))
    fired = []
    with app.app_context():
        from app.core import hooks

        hooks.registry().connect("scores_changed", lambda p, ids: fired.append((p, ids)))
        score = db.session.scalar(select(Score).where(Score.value == 92))
        actor = db.session.get(type(hr), hr.id)
        with pytest.raises(services.ScoreRefused, match="reason"):
            services.correct_score(actor, score, 95, "  ")
        with pytest.raises(services.ScoreRefused, match="out of range"):
            services.correct_score(actor, score, 120, "typo")
        services.correct_score(actor, score, 95.5, "回访复核：评价器故障")
        batch = db.session.get(ScoreBatch, score.batch_id)
        assert (batch.source, batch.note, batch.n_updated) == (
            "correction",
            "回访复核：评价器故障",
            1,
        )
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "service_score.correct")
        )
        assert event.actor_id == hr.id
        assert event.before["values"] == {"A0001 K01": 92.0}
        assert event.after["values"] == {"A0001 K01": 95.5}
        assert event.after["reason"] == "回访复核：评价器故障"
    assert stored()[("A0001", "K01")] == 95.5 and stored()[("A0002", "K01")] == 97.0
    assert fired == [(PERIOD, [clerks[0].id])]


def test_imports_fire_scores_changed_with_the_people_touched(app, clerks, import_scores):
    fired = []
    with app.app_context():
        from app.core import hooks

        hooks.registry().connect("scores_changed", lambda p, ids: fired.append((p, ids)))
    import_scores(PERIOD, csv_bytes("A0001,K01,98", "A0002,K01,97"))
    import_scores(PERIOD, csv_bytes("A0001,K01,98"), dry_run=True)
    import_scores(PERIOD, csv_bytes("A0001,K01,98"))  # A0002 deleted, A0001 unchanged
    assert fired == [(PERIOD, sorted([clerks[0].id, clerks[1].id])), (PERIOD, [clerks[1].id])]


def test_the_cli_imports_a_period_and_names_bad_rows(app, db, clerks, runner, tmp_path, stored):
    path = tmp_path / "k01.csv"
    path.write_bytes(csv_bytes("A0001,K01,98.5", "A0002,K01,96"))
    result = runner.invoke(args=["quality", "import-scores", PERIOD, str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run, nothing written: 2026-11: 2 created, 0 updated, 0 deleted" in result.output
    assert stored() == {}
    result = runner.invoke(args=["quality", "import-scores", PERIOD, str(path)])
    assert result.exit_code == 0 and "K01: 2 created" in result.output
    assert len(stored()) == 2
    path.write_bytes(csv_bytes("A0001,K01,98.5", "A0002,K01,many"))
    result = runner.invoke(args=["quality", "import-scores", PERIOD, str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: many is not a number" in result.output
    assert "1 problem(s); nothing was imported" in result.output
    result = runner.invoke(args=["quality", "import-scores", "2026/11", str(path)])
    assert result.exit_code == 1 and "is not a period" in result.output
