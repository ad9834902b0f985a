"""Importing, exporting and editing indicators and their parameters: all or nothing, audited,
and never changing how a period that has scores is judged."""

import pytest
from sqlalchemy import func, select

from app.core.errors import ImportRejected
from app.core.models import AuditEvent
from app.org.models import JobRole
from app.quality import files, queries, results, services
from app.quality.files import ParameterSpec
from app.quality.models import Indicator, ParameterSet
from tests.quality.conftest import DEMO, NOW, csv_bytes


@pytest.fixture
def at_now(app):
    from app.core import clock

    clock.freeze(NOW)


def _counts(db):
    return (
        db.session.scalar(select(func.count()).select_from(Indicator)),
        db.session.scalar(select(func.count()).select_from(ParameterSet)),
    )


def test_the_demo_file_imports_once_and_again_changes_nothing(app, db, runner, at_now):
    first = runner.invoke(args=["quality", "import-indicators", str(DEMO)])
    assert first.exit_code == 0, first.output
    assert "23 change(s), 0 indicators unchanged, 0 parameter sets unchanged" in first.output
    again = runner.invoke(args=["quality", "import-indicators", str(DEMO)])
    assert "0 change(s), 17 indicators unchanged, 6 parameter sets unchanged" in again.output
    with app.app_context():
        assert _counts(db) == (17, 6)
        k01 = queries.indicator_by_code("K01")
        assert k01.strengths == {
            "CM1": 3, "CM2": 3, "SV2": 2, "SV1": 2, "BK1": 1, "BK2": 1, "BK3": 1, "BK4": 1
        }  # fmt: skip
        audit = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("indicator%"))
        )
        assert audit == 23


def test_a_dry_run_writes_nothing(app, db, runner, at_now):
    result = runner.invoke(args=["quality", "import-indicators", str(DEMO), "--dry-run"])
    assert result.exit_code == 0 and "dry run, nothing written: 23 change(s)" in result.output
    with app.app_context():
        assert _counts(db) == (0, 0)


def test_a_file_with_unknown_codes_changes_nothing_and_names_its_lines(app, db, runner, tmp_path):
    text = DEMO.read_text(encoding="utf-8")
    text = text.replace("{CM1: 3, CM2: 3, SV2: 2", "{CM1: 3, XX9: 3, SV2: 2", 1)
    text = text.replace("job_role: CC", "job_role: ZZ", 1)
    text = text.replace("      K17: {weight: 10, floor: 30", "      K99: {weight: 10, floor: 30", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["quality", "import-indicators", str(bad)])
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if line.startswith(str(bad))]
    assert any("K01: unknown competency XX9" in line for line in problems)
    assert any("unknown job role ZZ" in line for line in problems)
    assert any("unknown indicator K99" in line for line in problems)
    assert "nothing was imported" in result.output
    with app.app_context():
        assert _counts(db) == (0, 0)


def test_the_export_reads_back_to_the_demo_file(app, runner, tmp_path, demo_indicators, at_now):
    runner.invoke(args=["quality", "import-indicators", str(DEMO)])
    out = tmp_path / "out.yaml"
    result = runner.invoke(args=["quality", "export-indicators", str(out)])
    assert result.exit_code == 0 and "17 indicators, 6 parameter sets" in result.output
    again, problems = files.parse_yaml(out.read_text(encoding="utf-8"), str(out))
    assert problems == []
    for mine, theirs in zip(again.indicators, demo_indicators.indicators, strict=True):
        assert (mine.code, mine.name, mine.unit, mine.direction, mine.competencies) == (
            theirs.code, theirs.name, theirs.unit, theirs.direction, theirs.competencies
        )  # fmt: skip
    for mine, theirs in zip(again.parameter_sets, demo_indicators.parameter_sets, strict=True):
        assert (mine.job_role, mine.valid_from) == (theirs.job_role, theirs.valid_from)
        assert {c: p.values() for c, p in mine.parameters.items()} == {
            c: p.values() for c, p in theirs.parameters.items()
        }


def _ctr_file(valid_from: str, k01_target: float = 99) -> bytes:
    text = DEMO.read_text(encoding="utf-8")
    start = text.index("  - job_role: CTR")
    end = text.index("  - job_role: CC")
    block = text[start:end].replace("valid_from: 2025-12", f"valid_from: {valid_from}")
    block = block.replace("target: 99,", f"target: {k01_target},")
    return ("parameters:\n" + block).encode("utf-8")


def test_parameters_that_would_judge_scored_periods_anew_are_refused(
    app, db, runner, make_user, import_scores, at_now
):
    runner.invoke(args=["quality", "import-indicators", str(DEMO)])
    make_user(employee_no="C0001")
    import_scores("2026-06", csv_bytes("C0001,K01,97.5"))
    with app.app_context(), pytest.raises(ImportRejected) as rejected:
        services.import_file(None, _ctr_file("2026-03", 98), "later.yaml")
    message = str(rejected.value.problems[0])
    assert "already has scores judged by the parameters in force from 2026-03" in message
    assert "up to 2026-06" in message
    with app.app_context(), pytest.raises(ImportRejected):
        services.import_file(None, _ctr_file("2025-12", 98), "same.yaml")  # the set in force
    with app.app_context():
        report = services.import_file(None, _ctr_file("2026-07", 98), "later.yaml")
        assert report.sets_created == ["CTR 2026-07"]


def test_a_new_set_applies_from_its_period_and_past_scores_keep_theirs(
    app, db, runner, make_user, import_scores, at_now
):
    runner.invoke(args=["quality", "import-indicators", str(DEMO)])
    make_user(employee_no="C0002")
    import_scores("2026-10", csv_bytes("C0002,K01,98.1"))
    with app.app_context():
        services.import_file(None, _ctr_file("2026-11", 98.5), "new-target.yaml")
    import_scores("2026-11", csv_bytes("C0002,K01,98.1"))
    with app.app_context():
        october = results.period_results("2026-10")[0].indicator("K01")
        november = results.period_results("2026-11")[0].indicator("K01")
    assert october.score == pytest.approx((98.1 - 90) / 9 * 100)  # target 99
    assert november.score == pytest.approx((98.1 - 90) / 8.5 * 100)  # target 98.5


def test_hr_sets_parameters_from_a_period_with_an_audit_row(app, db, make_user, at_now, indicators):
    hr = make_user(("hr",), department=None, job_role=None)
    with app.app_context():
        role = db.session.scalar(select(JobRole).where(JobRole.code == "CTR"))
        chosen = {
            "K01": ParameterSpec("K01", 60, 90, 98, 100),
            "K04": ParameterSpec("K04", 40, 70, 90, 100),
            "K15": ParameterSpec("K15", None, 0, 0, 2, is_gate=True),
        }
        actor = db.session.get(type(hr), hr.id)
        services.set_parameters(actor, role, "2027-01", chosen, "fewer indicators")
        stored = queries.set_in_force(role.id, "2027-01")
        assert stored.valid_from == "2027-01" and len(stored.parameters) == 3
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "indicator_parameters.set")
        )
        assert event.actor_id == hr.id and event.after["parameters"]["K01"][0] == 60
        with pytest.raises(services.IndicatorError, match="Nothing changed"):
            services.set_parameters(actor, role, "2027-01", chosen, "again")
        wrong = {**chosen, "K04": ParameterSpec("K04", 30, 70, 90, 100)}
        with pytest.raises(services.IndicatorError, match="add up to 90"):
            services.set_parameters(actor, role, "2027-02", wrong)


def test_an_edit_is_a_new_version_and_the_unit_is_fixed_once_scored(
    app, db, make_user, import_scores, indicators
):
    hr = make_user(("hr",), department=None, job_role=None)
    make_user(employee_no="C0003")
    with app.app_context():
        actor = db.session.get(type(hr), hr.id)
        spec = next(i for i in indicators.indicators if i.code == "K07")
        changed = files.IndicatorSpec(
            **{**spec.__dict__, "name": files.Text("重复来电率", "Repeat call rate")}
        )
        item = services.save_indicator(actor, queries.indicator_by_code("K07"), changed)
        assert item.version == 2 and item.name_zh == "重复来电率"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "indicator.update"))
        assert event.before["name_zh"] == "重复来电/重复往返率"
    import_scores("2026-11", csv_bytes("C0003,K07,4.5"))
    with app.app_context():
        flipped = files.IndicatorSpec(**{**changed.__dict__, "direction": "higher"})
        with pytest.raises(services.IndicatorError, match="unit and direction cannot change"):
            services.save_indicator(actor, queries.indicator_by_code("K07"), flipped)
