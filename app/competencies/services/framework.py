"""Write use cases of the competency framework: import a framework file, edit a competency's
wording (a new version), retire and restore, set a role profile from a date on.

Every change writes an audit row in the same unit of work. An import plans everything first and
writes only when the whole file is valid against the database; a dry run plans and stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.competencies import files, files_xlsx
from app.competencies.files import CompetencySpec, Framework, ProfileSpec, Text
from app.competencies.models import (
    CODE_PATTERN,
    DEFAULT_VALIDITY_MONTHS,
    LEVELS,
    Competency,
    CompetencyDomain,
    CompetencyVersion,
    ProficiencyLevel,
    RoleProfile,
    RoleRequirement,
)
from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError
from app.core.problems import Problem
from app.core.uow import transaction
from app.extensions import db
from app.org.models import JobRole


class CompetencyError(DomainError):
    """A framework use case refused its input."""


class FrameworkRejected(DomainError):
    """A framework file has problems; nothing was written. ``problems`` name every line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class FrameworkReport:
    """What an import did, or would do on a dry run."""

    dry_run: bool = False
    domains_created: list[str] = field(default_factory=list)
    domains_changed: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    scale_changed: list[int] = field(default_factory=list)
    profiles_created: list[str] = field(default_factory=list)
    profiles_replaced: list[str] = field(default_factory=list)
    profiles_unchanged: list[str] = field(default_factory=list)
    #: "ROLE CODE" pairs given level 1 because a new competency had no level in a profile
    filled_with_level_one: list[str] = field(default_factory=list)

    @property
    def n_changes(self) -> int:
        """How many things the import changes."""
        return sum(
            len(part)
            for part in (
                self.domains_created,
                self.domains_changed,
                self.created,
                self.new_versions,
                self.retired,
                self.restored,
                self.scale_changed,
                self.profiles_created,
                self.profiles_replaced,
            )
        )


# --- reading the database into the file's shape -------------------------------------------


def _levels_json(levels: dict[int, Text]) -> dict:
    return {
        str(level): {"zh": levels[level].zh, "en": levels[level].en} for level in sorted(levels)
    }


def _wording(spec: CompetencySpec) -> dict:
    return {
        "name_zh": spec.name.zh,
        "name_en": spec.name.en,
        "description_zh": spec.description.zh,
        "description_en": spec.description.en,
        "levels": _levels_json(spec.levels),
    }


def _version_wording(version: CompetencyVersion | None) -> dict | None:
    if version is None:
        return None
    return {
        "name_zh": version.name_zh,
        "name_en": version.name_en,
        "description_zh": version.description_zh,
        "description_en": version.description_en,
        "levels": {
            k: {"zh": v.get("zh", ""), "en": v.get("en", "")}
            for k, v in sorted((version.levels or {}).items())
        },
    }


def _today() -> date:
    return clock.local_today()


# --- import --------------------------------------------------------------------------------


@dataclass
class _Plan:
    report: FrameworkReport
    framework: Framework
    domains: dict[str, CompetencyDomain]
    competencies: dict[str, Competency]
    roles: dict[str, JobRole]


def plan_import(framework: Framework, filename: str) -> _Plan:
    """Check ``framework`` against the database; raise FrameworkRejected naming every line."""
    problems: list[Problem] = []
    domains = {d.code: d for d in db.session.scalars(select(CompetencyDomain))}
    competencies = {c.code: c for c in db.session.scalars(select(Competency))}
    roles = {r.code: r for r in db.session.scalars(select(JobRole))}
    report = FrameworkReport()

    def problem(line: int, message: str) -> None:
        problems.append(Problem(line, message, filename))

    file_domains = {d.code for d in framework.domains}
    for spec in framework.competencies:
        if spec.domain not in file_domains and spec.domain not in domains:
            problem(spec.line, _("unknown domain %(code)s", code=spec.domain))
    # What will be active after the import: the database's, changed by the file.
    active = {code for code, c in competencies.items() if not c.is_retired}
    for spec in framework.competencies:
        (active.discard if spec.retired else active.add)(spec.code)
    known = set(competencies) | {spec.code for spec in framework.competencies}
    today = _today()
    for profile in framework.profiles:
        label = f"{profile.job_role} {profile.valid_from.isoformat()}"
        role = roles.get(profile.job_role)
        if role is None:
            problem(
                profile.line,
                _(
                    "unknown job role %(role)s (known: %(known)s)",
                    role=profile.job_role,
                    known=", ".join(sorted(roles)),
                ),
            )
            continue
        for code in profile.levels:
            if code not in known:
                problem(
                    profile.lines.get(code, profile.line),
                    _(
                        "unknown competency %(code)s in the profile of %(role)s",
                        code=code,
                        role=profile.job_role,
                    ),
                )
        missing = sorted(active - set(profile.levels))
        if missing:
            problem(
                profile.line,
                _(
                    "the profile of %(role)s from %(day)s gives no level for %(codes)s "
                    "(every active competency needs one; 1 where the role barely needs it)",
                    role=profile.job_role,
                    day=profile.valid_from.isoformat(),
                    codes=", ".join(missing),
                ),
            )
        existing = _profile_on(role.id, profile.valid_from, exact=True)
        if existing is None:
            report.profiles_created.append(label)
        elif existing.levels == profile.levels:
            report.profiles_unchanged.append(label)
        elif existing.valid_from <= today:
            problem(
                profile.line,
                _(
                    "the profile of %(role)s from %(day)s is already in force and cannot be "
                    "changed; give the change a new valid_from date",
                    role=profile.job_role,
                    day=profile.valid_from.isoformat(),
                ),
            )
        else:
            report.profiles_replaced.append(label)
    if problems:
        raise FrameworkRejected(sorted(problems, key=lambda p: p.line))
    for domain in framework.domains:
        current = domains.get(domain.code)
        if current is None:
            report.domains_created.append(domain.code)
        elif (current.name_zh, current.name_en, current.position) != (
            domain.name.zh,
            domain.name.en,
            domain.position,
        ):
            report.domains_changed.append(domain.code)
    for spec in framework.competencies:
        current = competencies.get(spec.code)
        if current is None:
            report.created.append(spec.code)
            continue
        if _version_wording(current.latest) != _wording(spec):
            report.new_versions.append(spec.code)
        else:
            report.unchanged.append(spec.code)
        if spec.retired and not current.is_retired:
            report.retired.append(spec.code)
        if not spec.retired and current.is_retired:
            report.restored.append(spec.code)
    scale = {row.level: row for row in db.session.scalars(select(ProficiencyLevel))}
    for spec in framework.scale:
        row = scale.get(spec.level)
        values = (spec.name.zh, spec.name.en, spec.description.zh, spec.description.en)
        if (
            row is None
            or (row.name_zh, row.name_en, row.description_zh, row.description_en) != values
        ):
            report.scale_changed.append(spec.level)
    return _Plan(report, framework, domains, competencies, roles)


def import_framework(
    actor, framework: Framework, *, filename: str, dry_run: bool = False
) -> FrameworkReport:
    """Import a parsed framework file: all of it or nothing; a dry run only plans."""
    if dry_run:
        report = plan_import(framework, filename).report
        report.dry_run = True
        return report
    return _apply_import(actor, framework, filename)


@transaction
def _apply_import(actor, framework: Framework, filename: str) -> FrameworkReport:
    plan = plan_import(framework, filename)
    note = _("import %(file)s", file=filename)
    for domain_spec in framework.domains:
        domain = plan.domains.get(domain_spec.code)
        if domain is None:
            domain = CompetencyDomain(code=domain_spec.code)
            db.session.add(domain)
            plan.domains[domain.code] = domain
        domain.name_zh, domain.name_en = domain_spec.name.zh, domain_spec.name.en
        domain.position = domain_spec.position
    db.session.flush()
    for spec in framework.competencies:
        competency = plan.competencies.get(spec.code)
        if competency is None:
            competency = _create(actor, plan.domains[spec.domain], spec, note)
            plan.competencies[spec.code] = competency
        else:
            competency.domain = plan.domains[spec.domain]
            competency.position = spec.position
            if spec.code in plan.report.new_versions:
                _new_version(actor, competency, _wording(spec), note)
        if spec.validity_months is not None:
            competency.validity_months = spec.validity_months
        if spec.retired and not competency.is_retired:
            competency.retired_at = clock.now()
            record_audit(actor, "competency.retire", competency, None, {"code": spec.code})
        elif not spec.retired and competency.is_retired:
            competency.retired_at = None
            record_audit(actor, "competency.restore", competency, None, {"code": spec.code})
    for spec in framework.scale:
        row = db.session.get(ProficiencyLevel, spec.level) or ProficiencyLevel(level=spec.level)
        before = None if row.name_zh is None else {"name_zh": row.name_zh, "name_en": row.name_en}
        row.name_zh, row.name_en = spec.name.zh, spec.name.en
        row.description_zh, row.description_en = spec.description.zh, spec.description.en
        db.session.add(row)
        if spec.level in plan.report.scale_changed:
            record_audit(
                actor,
                "competency.scale",
                row,
                before,
                {"name_zh": row.name_zh, "name_en": row.name_en},
            )
    db.session.flush()
    for profile in framework.profiles:
        _store_profile(actor, plan.roles[profile.job_role], profile, plan.competencies, note)
    db.session.flush()
    plan.report.filled_with_level_one = _fill_new_competencies(plan.report.created)
    return plan.report


def _create(actor, domain: CompetencyDomain, spec: CompetencySpec, note: str) -> Competency:
    competency = Competency(
        code=spec.code,
        domain=domain,
        position=spec.position,
        validity_months=spec.validity_months or DEFAULT_VALIDITY_MONTHS,
        latest_number=1,
    )
    db.session.add(competency)
    db.session.flush()
    version = CompetencyVersion(
        competency=competency,
        number=1,
        author_id=getattr(actor, "id", None),
        note=note,
        **_wording(spec),
    )
    db.session.add(version)
    record_audit(
        actor, "competency.create", competency, None, {"code": spec.code, **_wording(spec)}
    )
    return competency


def _new_version(actor, competency: Competency, wording: dict, note: str) -> CompetencyVersion:
    before = _version_wording(competency.latest)
    number = competency.latest_number + 1
    version = CompetencyVersion(
        competency=competency,
        number=number,
        author_id=getattr(actor, "id", None),
        note=note,
        **wording,
    )
    db.session.add(version)
    competency.latest_number = number
    db.session.flush()
    db.session.expire(competency, ["latest"])
    record_audit(actor, "competency.version", competency, before, {"number": number, **wording})
    return version


def _profile_on(job_role_id: int, on: date, *, exact: bool = False) -> RoleProfile | None:
    query = select(RoleProfile).where(RoleProfile.job_role_id == job_role_id)
    if exact:
        query = query.where(RoleProfile.valid_from == on)
    else:
        query = query.where(RoleProfile.valid_from <= on).order_by(RoleProfile.valid_from.desc())
    return db.session.scalars(query.limit(1)).first()


def _store_profile(actor, role: JobRole, spec: ProfileSpec, competencies: dict, note: str):
    existing = _profile_on(role.id, spec.valid_from, exact=True)
    if existing is not None and existing.levels == spec.levels:
        return existing
    before = existing.levels if existing is not None else None
    if existing is not None:
        for row in list(existing.requirements):
            db.session.delete(row)
        db.session.flush()
        profile = existing
    else:
        profile = RoleProfile(job_role_id=role.id, valid_from=spec.valid_from)
        db.session.add(profile)
    profile.author_id = getattr(actor, "id", None)
    profile.note = note
    for code, level in spec.levels.items():
        profile.requirements.append(RoleRequirement(competency=competencies[code], level=level))
    db.session.flush()
    record_audit(
        actor,
        "role_profile.set",
        profile,
        before,
        {"job_role": role.code, "valid_from": spec.valid_from.isoformat(), "levels": spec.levels},
    )
    return profile


def _fill_new_competencies(codes: list[str]) -> list[str]:
    """Give new competencies level 1 in every current and future profile that lacks them."""
    if not codes:
        return []
    today = _today()
    filled = []
    competencies = {
        c.code: c for c in db.session.scalars(select(Competency).where(Competency.code.in_(codes)))
    }
    for role in db.session.scalars(select(JobRole).order_by(JobRole.id)):
        current = _profile_on(role.id, today)
        profiles = list(
            db.session.scalars(
                select(RoleProfile).where(
                    RoleProfile.job_role_id == role.id, RoleProfile.valid_from > today
                )
            )
        )
        if current is not None:
            profiles.append(current)
        for profile in profiles:
            have = set(profile.levels)
            for code in codes:
                if code not in have and not competencies[code].is_retired:
                    profile.requirements.append(
                        RoleRequirement(competency=competencies[code], level=1)
                    )
                    filled.append(f"{role.code} {code}")
    db.session.flush()
    return sorted(set(filled))


# --- editing on the pages ------------------------------------------------------------------


def _check_wording(wording: dict) -> None:
    if not (wording.get("name_zh") or "").strip():
        raise CompetencyError(_("Give the competency a Chinese name."))
    levels = wording.get("levels") or {}
    missing = [str(n) for n in LEVELS if not (levels.get(str(n)) or {}).get("zh", "").strip()]
    if missing:
        raise CompetencyError(
            _("Describe every level in Chinese (missing: %(levels)s).", levels=", ".join(missing))
        )


@transaction
def create_competency(
    actor, *, code: str, domain: CompetencyDomain, wording: dict, validity_months: int
) -> Competency:
    """Add a competency to a domain; every role's current profile requires level 1 of it."""
    import re

    code = (code or "").strip().upper()
    if not re.match(CODE_PATTERN, code):
        raise CompetencyError(_("A code is 1 to 4 capital letters and 1 to 3 digits, e.g. SV6."))
    if db.session.scalar(select(Competency.id).where(Competency.code == code)) is not None:
        raise CompetencyError(_("The code %(code)s is taken (codes are never reused).", code=code))
    _check_wording(wording)
    position = len(domain.competencies)
    competency = Competency(
        code=code,
        domain=domain,
        position=position,
        validity_months=validity_months,
        latest_number=1,
    )
    db.session.add(competency)
    db.session.flush()
    db.session.add(
        CompetencyVersion(
            competency=competency, number=1, author_id=getattr(actor, "id", None), **wording
        )
    )
    record_audit(actor, "competency.create", competency, None, {"code": code, **wording})
    db.session.flush()
    _fill_new_competencies([code])
    return competency


@transaction
def edit_competency(
    actor, competency: Competency, *, wording: dict, validity_months: int, note: str = ""
) -> Competency:
    """Change a competency's wording (a new version, the old kept) or its evidence validity."""
    _check_wording(wording)
    if _version_wording(competency.latest) != wording:
        _new_version(actor, competency, wording, note)
    if validity_months != competency.validity_months:
        record_audit(
            actor,
            "competency.validity",
            competency,
            {"validity_months": competency.validity_months},
            {"validity_months": validity_months},
        )
        competency.validity_months = validity_months
    return competency


@transaction
def retire_competency(actor, competency: Competency) -> None:
    """Hide a competency from pickers and the matrix; its history and references stay."""
    if not competency.is_retired:
        competency.retired_at = clock.now()
        record_audit(actor, "competency.retire", competency, None, {"code": competency.code})


@transaction
def restore_competency(actor, competency: Competency) -> None:
    """Bring a retired competency back (every role's current profile needs a level for it)."""
    if competency.is_retired:
        competency.retired_at = None
        record_audit(actor, "competency.restore", competency, None, {"code": competency.code})
        db.session.flush()
        _fill_new_competencies([competency.code])


@transaction
def set_profile(actor, job_role: JobRole, valid_from: date, levels: dict[str, int], note: str = ""):
    """Set the levels ``job_role`` requires from ``valid_from`` on (earlier profiles are kept)."""
    spec = ProfileSpec(job_role.code, valid_from, dict(levels), 0, {})
    if any(level not in LEVELS for level in levels.values()):
        raise CompetencyError(_("A required level is 1 to 5."))
    try:
        plan = plan_import(Framework(profiles=[spec]), job_role.code)
    except FrameworkRejected as rejected:
        raise CompetencyError("; ".join(p.message for p in rejected.problems)) from None
    if not plan.report.profiles_created and not plan.report.profiles_replaced:
        raise CompetencyError(_("Nothing changed: the profile from that date is the same."))
    return _store_profile(actor, job_role, spec, plan.competencies, note)


@transaction
def bulk_load_framework(framework: Framework, *, valid_from: date | None = None) -> None:
    """Load a valid framework into an empty one in a few statements, without audit rows.

    For generated data (``flask bench data``) and the test suite, which load a framework
    thousands of times; people use ``import_framework``.
    """
    domain_table = CompetencyDomain.__table__
    competency_table = Competency.__table__
    db.session.execute(
        domain_table.insert(),
        [
            {"code": d.code, "name_zh": d.name.zh, "name_en": d.name.en, "position": d.position}
            for d in framework.domains
        ],
    )
    domain_ids = dict(db.session.execute(select(CompetencyDomain.code, CompetencyDomain.id)).all())
    now = clock.now()
    db.session.execute(
        competency_table.insert(),
        [
            {
                "code": c.code,
                "domain_id": domain_ids[c.domain],
                "position": c.position,
                "validity_months": c.validity_months or DEFAULT_VALIDITY_MONTHS,
                "latest_number": 1,
                "created_at": now,
                "retired_at": now if c.retired else None,
            }
            for c in framework.competencies
        ],
    )
    ids = dict(db.session.execute(select(Competency.code, Competency.id)).all())
    db.session.execute(
        CompetencyVersion.__table__.insert(),
        [
            {
                "competency_id": ids[c.code],
                "number": 1,
                "created_at": now,
                "note": "",
                **_wording(c),
            }
            for c in framework.competencies
        ],
    )
    if framework.scale:
        db.session.execute(
            ProficiencyLevel.__table__.insert(),
            [
                {
                    "level": s.level,
                    "name_zh": s.name.zh,
                    "name_en": s.name.en,
                    "description_zh": s.description.zh,
                    "description_en": s.description.en,
                }
                for s in framework.scale
            ],
        )
    roles = dict(db.session.execute(select(JobRole.code, JobRole.id)).all())
    for profile in framework.profiles:
        if profile.job_role not in roles:
            continue
        profile_id = db.session.execute(
            RoleProfile.__table__.insert().values(
                job_role_id=roles[profile.job_role],
                valid_from=valid_from or profile.valid_from,
                created_at=now,
                note="",
            )
        ).inserted_primary_key[0]
        db.session.execute(
            RoleRequirement.__table__.insert(),
            [
                {"profile_id": profile_id, "competency_id": ids[code], "level": level}
                for code, level in profile.levels.items()
            ],
        )


def parse_file(content: bytes, filename: str) -> tuple[Framework, list[Problem]]:
    """Read an uploaded framework file by its name: .yaml/.yml (UTF-8) or .xlsx."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return files_xlsx.parse_xlsx(content, filename)
    if lower.endswith((".yaml", ".yml")):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = content[: error.start].count(b"\n") + 1
            return Framework(), [Problem(line, _("the file is not UTF-8 text"), filename)]
        return files.parse_yaml(text, filename)
    return Framework(), [Problem(1, _("use a .yaml or .xlsx file"), filename)]


def import_file(actor, content: bytes, filename: str, *, dry_run: bool = False) -> FrameworkReport:
    """Parse and import a framework file; FrameworkRejected names every bad line."""
    framework, problems = parse_file(content, filename)
    if problems:
        raise FrameworkRejected(problems)
    return import_framework(actor, framework, filename=filename, dry_run=dry_run)
