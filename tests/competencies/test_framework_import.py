"""Importing and exporting the framework: all of it or nothing, versions, profiles from a date."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.competencies import queries, services
from app.competencies.models import Competency, CompetencyVersion, RoleProfile
from app.core.models import AuditEvent
from tests.competencies.test_framework_file import DEMO

NEW_COMPETENCY = """\
domains:
  - code: SV
    name: {zh: 服务理念与规范礼仪, en: Service Ethos and Standard Etiquette}
    competencies:
      - code: SV9
        name: {zh: 新增能力, en: A new one}
        levels:
          1: {zh: 一}
          2: {zh: 二}
          3: {zh: 三}
          4: {zh: 四}
          5: {zh: 五}
"""


def _counts(db):
    return (
        db.session.scalar(select(func.count()).select_from(Competency)),
        db.session.scalar(select(func.count()).select_from(CompetencyVersion)),
        db.session.scalar(select(func.count()).select_from(RoleProfile)),
    )


def test_reimporting_the_demo_file_changes_nothing(app, db, runner):
    # the suite's framework has its profiles from 2000; the file adds those from 2025
    first = runner.invoke(args=["competencies", "import", str(DEMO)])
    assert first.exit_code == 0, first.output
    assert "6 change(s), 27 competencies unchanged" in first.output
    again = runner.invoke(args=["competencies", "import", str(DEMO)])
    assert "0 change(s), 27 competencies unchanged, 6 profiles unchanged" in again.output


def test_a_broken_file_changes_nothing_and_names_every_bad_line(app, db, runner, tmp_path):
    with app.app_context():
        before = _counts(db)
    bad = tmp_path / "bad.yaml"
    text = DEMO.read_text(encoding="utf-8")
    text = text.replace("- code: SV2", "- code: SV-2", 1).replace("job_role: CC", "job_role: XX", 1)
    bad.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["competencies", "import", str(bad)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(bad))]
    assert any("competency code 'SV-2'" in line for line in lines)
    assert "nothing was imported" in result.output
    with app.app_context():
        assert _counts(db) == before


def test_unknown_roles_and_missing_levels_are_located(app, db, tmp_path):
    text = DEMO.read_text(encoding="utf-8").replace("job_role: CC", "job_role: XX", 1)
    path = tmp_path / "f.yaml"
    with app.app_context(), pytest.raises(services.FrameworkRejected) as rejected:
        services.import_file(None, text.encode(), str(path))
    messages = [str(p) for p in rejected.value.problems]
    assert any("unknown job role XX" in m for m in messages)
    assert all(m.startswith(f"{path}:") for m in messages)


def test_a_new_wording_is_a_new_version_with_its_author_and_history(app, db, make_user):
    hr = make_user(("hr",), department=None, job_role=None)
    changed = DEMO.read_text(encoding="utf-8").replace(
        "服务意识与承诺践行", "服务意识与承诺履行", 1
    )
    with app.app_context():
        report = services.import_file(
            db.session.get(type(hr), hr.id), changed.encode(), "demo.yaml"
        )
        assert report.new_versions == ["SV1"] and len(report.unchanged) == 26
        sv1 = queries.get_competency("SV1")
        assert sv1.latest_number == 2 and sv1.name("zh_CN") == "服务意识与承诺履行"
        versions = queries.versions_of(sv1)
        assert [v.number for v in versions] == [2, 1]
        assert versions[0].author_id == hr.id and versions[1].name_zh == "服务意识与承诺践行"
        assert (
            db.session.scalar(select(func.count()).where(AuditEvent.action == "competency.version"))
            == 1
        )


def test_a_new_competency_gets_level_one_in_every_current_profile(app, db):
    with app.app_context():
        report = services.import_file(None, NEW_COMPETENCY.encode(), "new.yaml")
        assert report.created == ["SV9"]
        assert len(report.filled_with_level_one) == 6
        for levels in queries.required_levels().values():
            assert levels["SV9"] == 1


def test_a_profile_from_a_new_date_keeps_the_old_one(app, db):
    from app.org.models import JobRole

    with app.app_context():
        ctr = db.session.scalar(select(JobRole).where(JobRole.code == "CTR"))
        old = queries.profile_in_force(ctr.id).levels
        services.set_profile(None, ctr, date(2030, 1, 1), {**old, "CM2": 5}, "更高要求")
        profiles = queries.profiles_of(ctr.id)
        assert [p.valid_from for p in profiles] == [date(2030, 1, 1), date(2000, 1, 1)]
        assert profiles[0].levels["CM2"] == 5 and profiles[1].levels["CM2"] == 4
        assert queries.profile_in_force(ctr.id).levels["CM2"] == 4  # not yet in force
        assert queries.profile_in_force(ctr.id, date(2030, 2, 1)).levels["CM2"] == 5


def test_a_profile_in_force_cannot_be_rewritten(app, db):
    from app.org.models import JobRole

    with app.app_context():
        ctr = db.session.scalar(select(JobRole).where(JobRole.code == "CTR"))
        old = queries.profile_in_force(ctr.id)
        with pytest.raises(services.CompetencyError, match="already in force"):
            services.set_profile(None, ctr, old.valid_from, {**old.levels, "CM2": 5})


def test_a_profile_must_name_every_active_competency(app, db):
    from app.org.models import JobRole

    with app.app_context():
        ctr = db.session.scalar(select(JobRole).where(JobRole.code == "CTR"))
        with pytest.raises(services.CompetencyError, match="gives no level for .*SV2"):
            services.set_profile(None, ctr, date(2031, 1, 1), {"SV1": 3})


@pytest.mark.parametrize("suffix", ["yaml", "xlsx"])
def test_export_then_import_is_a_round_trip(app, db, runner, tmp_path, suffix):
    out = tmp_path / f"framework.{suffix}"
    result = runner.invoke(args=["competencies", "export", str(out)])
    assert result.exit_code == 0 and "27 competencies, 6 profiles" in result.output
    again = runner.invoke(args=["competencies", "import", str(out), "--dry-run"])
    assert again.exit_code == 0, again.output
    assert "dry run, nothing written: 0 change(s), 27 competencies unchanged" in again.output


def test_retired_competencies_leave_the_pickers_but_keep_their_names(app, db):
    with app.test_request_context():
        sv1 = queries.get_competency("SV1")
        services.retire_competency(None, sv1)
        queries.forget_names()
        assert "SV1" not in {c.value for c in queries.competency_choices()}
        assert "SV1" in {c.value for c in queries.competency_choices(keep=("SV1",))}
        assert queries.competency_label("SV1", "zh_CN") == "SV1 服务意识与承诺践行"
        assert "SV1" in queries.known_codes() and "SV1" not in queries.known_codes(active_only=True)
