"""Read side of the competency framework: the framework tree, names for display, pickers,
role profiles in force at a date, and the framework in the file's shape for export.

Every other feature asks here for competency codes and names (``known_codes``, ``labels``,
``competency_choices``): the framework table is the only list of competencies.
"""

from __future__ import annotations

from datetime import date

from flask import g, has_app_context
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from app.competencies.files import (
    CompetencySpec,
    DomainSpec,
    Framework,
    ProfileSpec,
    ScaleSpec,
    Text,
)
from app.competencies.models import (
    Competency,
    CompetencyDomain,
    CompetencyVersion,
    ProficiencyLevel,
    RoleProfile,
    RoleRequirement,
)
from app.core import clock
from app.core.i18n import select_locale
from app.extensions import db
from app.org.models import JobRole, User

_NAMES_KEY = "_competency_names"


def domains_with_competencies() -> list[CompetencyDomain]:
    """Every domain in order with its competencies and their current wording (three queries)."""
    return list(
        db.session.scalars(
            select(CompetencyDomain)
            .order_by(CompetencyDomain.position, CompetencyDomain.code)
            .options(selectinload(CompetencyDomain.competencies).selectinload(Competency.latest))
        )
    )


def active_competencies() -> list[Competency]:
    """Active competencies in framework order with their current wording (two queries)."""
    return list(
        db.session.scalars(
            select(Competency)
            .join(CompetencyDomain, CompetencyDomain.id == Competency.domain_id)
            .where(Competency.retired_at.is_(None))
            .order_by(CompetencyDomain.position, Competency.position, Competency.code)
            .options(selectinload(Competency.latest), selectinload(Competency.domain))
        )
    )


def get_competency(code: str) -> Competency | None:
    """The competency with this code (retired ones too), or None."""
    return db.session.scalar(
        select(Competency).where(Competency.code == code).options(selectinload(Competency.latest))
    )


def known_codes(*, active_only: bool = False) -> set[str]:
    """The codes of the framework (one query): what questions, courses and quizzes may use."""
    query = select(Competency.code)
    if active_only:
        query = query.where(Competency.retired_at.is_(None))
    return set(db.session.scalars(query))


def _names() -> dict[str, tuple[str, str]]:
    """Code -> (Chinese name, English name) of every competency, once per request."""
    cache = g.get(_NAMES_KEY) if has_app_context() else None
    if cache is not None:
        return cache
    rows = db.session.execute(
        select(Competency.code, CompetencyVersion.name_zh, CompetencyVersion.name_en).join(
            CompetencyVersion,
            (CompetencyVersion.competency_id == Competency.id)
            & (CompetencyVersion.number == Competency.latest_number),
        )
    ).all()
    names = {code: (zh, en) for code, zh, en in rows}
    if has_app_context():
        setattr(g, _NAMES_KEY, names)
    return names


def forget_names() -> None:
    """Drop this request's cached names (after an edit within the same request)."""
    if has_app_context():
        g.pop(_NAMES_KEY, None)


def competency_name(code: str, locale: str | None = None) -> str:
    """The current name of ``code`` in the user's language ("" for an unknown code)."""
    zh, en = _names().get(code, ("", ""))
    locale = locale or select_locale()
    return (zh or en) if str(locale).startswith("zh") else (en or zh)


def competency_label(code: str | None, locale: str | None = None) -> str:
    """How users see a competency everywhere: code and name, "SV1 服务意识与承诺践行"."""
    if not code:
        return ""
    name = competency_name(code, locale)
    return f"{code} {name}" if name else code


def names(locale: str | None = None) -> dict[str, str]:
    """Code -> current name in the user's language for every competency (one query per request)."""
    return {code: competency_name(code, locale) for code in _names()}


def labels(locale: str | None = None) -> dict[str, str]:
    """Code -> "CODE name" for every competency (one query per request)."""
    return {code: competency_label(code, locale) for code in _names()}


def competency_choices(
    blank: str | None = None, *, keep: tuple[str, ...] = ()
) -> list[SelectChoice]:
    """Active competencies as form choices "SV1 服务意识…", grouped by domain in framework order.

    ``keep`` adds codes in use by the record being edited even if retired since, so that an
    edit never silently drops them.
    """
    locale = select_locale()
    choices = [SelectChoice("", blank)] if blank is not None else []
    active = active_competencies()
    codes = {c.code for c in active}
    for competency in active:
        choices.append(
            SelectChoice(
                competency.code, competency.label(locale), optgroup=competency.domain.name(locale)
            )
        )
    for code in keep:
        if code and code not in codes:
            choices.append(SelectChoice(code, competency_label(code, locale)))
    return choices


def domain_choices() -> list[SelectChoice]:
    """Domains as form choices, "SV 服务理念与规范礼仪", in framework order."""
    locale = select_locale()
    domains = db.session.scalars(
        select(CompetencyDomain).order_by(CompetencyDomain.position, CompetencyDomain.code)
    )
    return [SelectChoice(d.id, f"{d.code} {d.name(locale)}") for d in domains]


def matrix_people(query: Select) -> Select:
    """The assessed people of ``query``: active, with a job role (its order kept)."""
    return query.where(User.is_active.is_(True), User.job_role_id.is_not(None))


def child_departments(viewer, root) -> list:
    """The rows of a rollup: ``root``'s child departments, or for no root the company's top
    departments (a manager: the departments they manage)."""
    from app.core.permissions import sees_whole_company
    from app.org.models import Department

    if root is not None:
        return list(
            db.session.scalars(
                select(Department).where(Department.parent_id == root.id).order_by(Department.name)
            )
        )
    if not sees_whole_company(viewer):
        return sorted(viewer.managed_departments, key=lambda d: d.path)
    top = db.session.scalars(select(Department).where(Department.parent_id.is_(None))).all()
    if len(top) == 1:  # one company: its branches are the interesting rows
        return child_departments(viewer, top[0])
    return sorted(top, key=lambda d: d.name)


def job_role_by_code(code: str) -> JobRole | None:
    """The job role with this code (CTR, CC, …), or None."""
    return db.session.scalar(select(JobRole).where(JobRole.code == code))


def scale() -> list[ProficiencyLevel]:
    """The 1–5 scale in order (one query)."""
    return list(db.session.scalars(select(ProficiencyLevel).order_by(ProficiencyLevel.level)))


def level_names(locale: str | None = None) -> dict[int, str]:
    """Level -> its name in the user's language (知晓 … 专家)."""
    locale = locale or select_locale()
    return {row.level: row.name(locale) for row in scale()}


def profile_in_force(job_role_id: int, on: date | None = None) -> RoleProfile | None:
    """The profile of a job role in force on ``on`` (default today), with its levels."""
    on = on or clock.local_today()
    return db.session.scalars(
        select(RoleProfile)
        .where(RoleProfile.job_role_id == job_role_id, RoleProfile.valid_from <= on)
        .order_by(RoleProfile.valid_from.desc())
        .options(selectinload(RoleProfile.requirements).selectinload(RoleRequirement.competency))
        .limit(1)
    ).first()


def profiles_of(job_role_id: int) -> list[RoleProfile]:
    """Every profile of a job role, newest first, with levels and authors (three queries)."""
    return list(
        db.session.scalars(
            select(RoleProfile)
            .where(RoleProfile.job_role_id == job_role_id)
            .order_by(RoleProfile.valid_from.desc())
            .options(
                selectinload(RoleProfile.requirements).selectinload(RoleRequirement.competency),
                selectinload(RoleProfile.author),
            )
        )
    )


def required_levels(on: date | None = None) -> dict[int, dict[str, int]]:
    """Job role id -> {code: required level} of the profiles in force on ``on`` (one query)."""
    on = on or clock.local_today()
    latest = (
        select(RoleProfile.job_role_id, func.max(RoleProfile.valid_from).label("valid_from"))
        .where(RoleProfile.valid_from <= on)
        .group_by(RoleProfile.job_role_id)
        .subquery()
    )
    rows = db.session.execute(
        select(RoleProfile.job_role_id, Competency.code, RoleRequirement.level)
        .join(
            latest,
            (latest.c.job_role_id == RoleProfile.job_role_id)
            & (latest.c.valid_from == RoleProfile.valid_from),
        )
        .join(RoleRequirement, RoleRequirement.profile_id == RoleProfile.id)
        .join(Competency, Competency.id == RoleRequirement.competency_id)
    ).all()
    result: dict[int, dict[str, int]] = {}
    for role_id, code, level in rows:
        result.setdefault(role_id, {})[code] = level
    return result


def profile_summaries() -> list[tuple[JobRole, RoleProfile | None, int]]:
    """Each job role with its profile in force and how many profiles it has had."""
    roles = list(db.session.scalars(select(JobRole).order_by(JobRole.id)))
    counts = dict(
        db.session.execute(
            select(RoleProfile.job_role_id, func.count(RoleProfile.id)).group_by(
                RoleProfile.job_role_id
            )
        ).all()
    )
    today = clock.local_today()
    in_force = {
        p.job_role_id: p
        for p in db.session.scalars(
            select(RoleProfile)
            .where(RoleProfile.valid_from <= today)
            .order_by(RoleProfile.valid_from)
        )
    }
    return [(role, in_force.get(role.id), counts.get(role.id, 0)) for role in roles]


def versions_of(competency: Competency) -> list[CompetencyVersion]:
    """Every version of a competency, newest first, with its author (two queries)."""
    return list(
        db.session.scalars(
            select(CompetencyVersion)
            .where(CompetencyVersion.competency_id == competency.id)
            .order_by(CompetencyVersion.number.desc())
            .options(selectinload(CompetencyVersion.author))
        )
    )


def requirements_of(competency: Competency, on: date | None = None) -> dict[int, int]:
    """Job role id -> the level its profile in force requires of ``competency``."""
    return {
        role_id: levels[competency.code]
        for role_id, levels in required_levels(on).items()
        if competency.code in levels
    }


def framework_for_export() -> Framework:
    """The whole framework (current wording, every profile) in the file's shape."""
    framework = Framework()
    framework.scale = [
        ScaleSpec(
            row.level,
            Text(row.name_zh, row.name_en),
            Text(row.description_zh, row.description_en),
        )
        for row in scale()
    ]
    domains = list(
        db.session.scalars(
            select(CompetencyDomain)
            .order_by(CompetencyDomain.position, CompetencyDomain.code)
            .options(selectinload(CompetencyDomain.competencies).selectinload(Competency.latest))
        )
    )
    for position, domain in enumerate(domains):
        framework.domains.append(
            DomainSpec(domain.code, Text(domain.name_zh, domain.name_en), position)
        )
        for competency in domain.competencies:
            version = competency.latest
            levels = {
                int(level): Text(entry.get("zh", ""), entry.get("en", ""))
                for level, entry in (version.levels or {}).items()
            }
            framework.competencies.append(
                CompetencySpec(
                    competency.code,
                    domain.code,
                    Text(version.name_zh, version.name_en),
                    Text(version.description_zh, version.description_en),
                    levels,
                    competency.validity_months,
                    competency.is_retired,
                    competency.position,
                )
            )
    profiles = db.session.scalars(
        select(RoleProfile)
        .join(JobRole, JobRole.id == RoleProfile.job_role_id)
        .order_by(JobRole.id, RoleProfile.valid_from)
        .options(
            selectinload(RoleProfile.requirements).selectinload(RoleRequirement.competency),
            selectinload(RoleProfile.job_role),
        )
    )
    order = {spec.code: index for index, spec in enumerate(framework.competencies)}
    for profile in profiles:
        levels = dict(
            sorted(profile.levels.items(), key=lambda item: order.get(item[0], len(order)))
        )
        framework.profiles.append(ProfileSpec(profile.job_role.code, profile.valid_from, levels))
    return framework
