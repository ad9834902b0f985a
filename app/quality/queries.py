"""Read side of service quality: indicators and their names, parameter sets and the parameters in
force for a period, a period's score rows, batches and their audit, templates and exports.

Every query here runs a fixed number of statements whatever the data size; the computed side
(indicator scores, composites, ranks) is in ``results.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_app_context
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from app.competencies.files import Text
from app.core.i18n import select_locale
from app.core.models import AuditEvent
from app.core.permissions import sees_whole_company
from app.extensions import db
from app.org.models import Department, JobRole, User
from app.quality.files import IndicatorFile, IndicatorSpec, ParameterSetSpec, ParameterSpec
from app.quality.models import (
    Indicator,
    IndicatorCompetency,
    IndicatorParameter,
    ParameterSet,
    Score,
    ScoreBatch,
)
from app.quality.scoring import Parameters

_NAMES_KEY = "_indicator_names"


# --- indicators ------------------------------------------------------------------------------


def indicators() -> list[Indicator]:
    """Every indicator in order with its competency links (three queries)."""
    return list(
        db.session.scalars(
            select(Indicator)
            .order_by(Indicator.position, Indicator.code)
            .options(selectinload(Indicator.links).selectinload(IndicatorCompetency.competency))
        )
    )


def indicator_by_code(code: str) -> Indicator | None:
    """The indicator with this code, with its links, or None."""
    return db.session.scalar(
        select(Indicator)
        .where(Indicator.code == code)
        .options(selectinload(Indicator.links).selectinload(IndicatorCompetency.competency))
    )


def known_codes() -> list[str]:
    """Indicator codes in order (one query)."""
    return list(db.session.scalars(select(Indicator.code).order_by(Indicator.position)))


def _names() -> dict[str, tuple[str, str]]:
    cache = g.get(_NAMES_KEY) if has_app_context() else None
    if cache is not None:
        return cache
    names = {
        code: (zh, en)
        for code, zh, en in db.session.execute(
            select(Indicator.code, Indicator.name_zh, Indicator.name_en)
        )
    }
    if has_app_context():
        setattr(g, _NAMES_KEY, names)
    return names


def indicator_label(code: str | None, locale: str | None = None) -> str:
    """How users see an indicator everywhere: code and name, "K01 客户满意率"."""
    if not code:
        return ""
    zh, en = _names().get(code, ("", ""))
    locale = locale or select_locale()
    name = (zh or en) if str(locale).startswith("zh") else (en or zh)
    return f"{code} {name}" if name else code


def indicator_choices(blank: str | None = None) -> list[SelectChoice]:
    """Indicators as form choices, "K01 客户满意率", in order."""
    locale = select_locale()
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [SelectChoice(i.code, i.label(locale)) for i in indicators()]


def indicators_with_scores() -> set[int]:
    """Ids of the indicators that have scores (their unit and direction are fixed)."""
    return set(db.session.scalars(select(Score.indicator_id).distinct()))


# --- parameters ------------------------------------------------------------------------------


def parameter_sets_of(job_role_id: int) -> list[ParameterSet]:
    """Every parameter set of a job role, newest first, with parameters and author."""
    return list(
        db.session.scalars(
            select(ParameterSet)
            .where(ParameterSet.job_role_id == job_role_id)
            .order_by(ParameterSet.valid_from.desc())
            .options(
                selectinload(ParameterSet.parameters).selectinload(IndicatorParameter.indicator),
                selectinload(ParameterSet.author),
            )
        )
    )


def set_in_force(job_role_id: int, period: str) -> ParameterSet | None:
    """The parameter set of a job role in force in ``period`` (with its parameters), or None."""
    return db.session.scalars(
        select(ParameterSet)
        .where(ParameterSet.job_role_id == job_role_id, ParameterSet.valid_from <= period)
        .order_by(ParameterSet.valid_from.desc())
        .options(selectinload(ParameterSet.parameters).selectinload(IndicatorParameter.indicator))
        .limit(1)
    ).first()


def set_summaries(period: str) -> list[tuple[JobRole, ParameterSet | None, int]]:
    """Each job role with its set in force in ``period`` and how many sets it has had."""
    roles = list(db.session.scalars(select(JobRole).order_by(JobRole.id)))
    counts = dict(
        db.session.execute(
            select(ParameterSet.job_role_id, func.count(ParameterSet.id)).group_by(
                ParameterSet.job_role_id
            )
        ).all()
    )
    in_force = {
        s.job_role_id: s
        for s in db.session.scalars(
            select(ParameterSet)
            .where(ParameterSet.valid_from <= period)
            .order_by(ParameterSet.valid_from)
        )
    }
    return [(role, in_force.get(role.id), counts.get(role.id, 0)) for role in roles]


@dataclass(frozen=True)
class InForce:
    """An indicator's parameters in force for a job role and period, with the indicator's code."""

    indicator_id: int
    code: str
    parameters: Parameters


def parameters_in_force(period: str) -> dict[int, dict[int, InForce]]:
    """Job role id -> {indicator id: its parameters in force in ``period``} (one query)."""
    latest = (
        select(ParameterSet.job_role_id, func.max(ParameterSet.valid_from).label("valid_from"))
        .where(ParameterSet.valid_from <= period)
        .group_by(ParameterSet.job_role_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            ParameterSet.job_role_id,
            Indicator.id,
            Indicator.code,
            Indicator.direction,
            IndicatorParameter.floor,
            IndicatorParameter.target,
            IndicatorParameter.ceiling,
            IndicatorParameter.weight,
            IndicatorParameter.is_gate,
        )
        .join(
            latest,
            (latest.c.job_role_id == ParameterSet.job_role_id)
            & (latest.c.valid_from == ParameterSet.valid_from),
        )
        .join(IndicatorParameter, IndicatorParameter.set_id == ParameterSet.id)
        .join(Indicator, Indicator.id == IndicatorParameter.indicator_id)
    ).all()
    result: dict[int, dict[int, InForce]] = {}
    for role_id, indicator_id, code, direction, floor, target, ceiling, weight, gate in rows:
        result.setdefault(role_id, {})[indicator_id] = InForce(
            indicator_id,
            code,
            Parameters(direction, floor, target, ceiling, weight, bool(gate)),
        )
    return result


# --- scores ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One stored value of a period with its person, as the results need it."""

    score_id: int
    user_id: int
    employee_no: str
    name: str
    department_id: int | None
    job_role_id: int
    indicator_id: int
    value: float
    batch_id: int


def score_row_select(period: str) -> Select:
    """The values of ``period`` with their person, in ``ScoreRow``'s columns (no order)."""
    return (
        select(
            Score.id,
            Score.user_id,
            User.employee_no,
            User.name,
            Score.department_id,
            Score.job_role_id,
            Score.indicator_id,
            Score.value,
            Score.batch_id,
        )
        .join(User, User.id == Score.user_id)
        .where(Score.period == period)
    )


def score_rows(period: str, user_ids: list[int] | None = None) -> list[ScoreRow]:
    """Every value of ``period`` (of ``user_ids`` only, when given) with its person (one query
    per 900 people given, else one)."""
    query = score_row_select(period).order_by(User.employee_no, Score.indicator_id)
    if user_ids is None:
        return [ScoreRow(*row) for row in db.session.execute(query)]
    found = []
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        found += [
            ScoreRow(*row) for row in db.session.execute(query.where(Score.user_id.in_(chunk)))
        ]
    return sorted(found, key=lambda r: (r.employee_no, r.indicator_id))


def visible_user_ids(viewer) -> Select | None:
    """Ids of the people ``viewer`` sees, as a select (None: everyone, for HR and admins)."""
    if sees_whole_company(viewer):
        return None
    conditions = [User.id == viewer.id]
    managed = list(viewer.managed_departments)
    if managed:
        subtree = select(Department.id).where(
            or_(*(Department.path.startswith(d.path) for d in managed))
        )
        conditions.append(User.department_id.in_(subtree))
    return select(User.id).where(or_(*conditions))


def ids_of(query: Select | None) -> set[int] | None:
    """Run a select of ids (None stays None: no restriction)."""
    return None if query is None else set(db.session.scalars(query))


def subtree_ids(department: Department) -> set[int]:
    """Ids of a department and every department under it (one query)."""
    return set(db.session.scalars(department.subtree_ids()))


def periods_with_scores() -> list[str]:
    """The periods holding scores, newest first (one query)."""
    return list(db.session.scalars(select(Score.period).distinct().order_by(Score.period.desc())))


def departments_by_id(ids) -> dict[int, Department]:
    """Departments by id (one query)."""
    ids = sorted({i for i in ids if i is not None})
    if not ids:
        return {}
    return {d.id: d for d in db.session.scalars(select(Department).where(Department.id.in_(ids)))}


def job_roles_by_id() -> dict[int, JobRole]:
    """Every job role by id (one query)."""
    return {role.id: role for role in db.session.scalars(select(JobRole))}


def indicators_by_id() -> dict[int, Indicator]:
    """Every indicator by id, without links (one query)."""
    return {i.id: i for i in db.session.scalars(select(Indicator))}


def score_for_correction(score_id: int) -> Score | None:
    """A score with its person, indicator and batch, or None."""
    return db.session.scalar(
        select(Score)
        .where(Score.id == score_id)
        .options(joinedload(Score.user), joinedload(Score.indicator), joinedload(Score.batch))
    )


# --- batches ---------------------------------------------------------------------------------


def batches(period: str | None = None, limit: int = 200) -> list[ScoreBatch]:
    """The newest batches (of one period, when given) with their actors (one query)."""
    query = select(ScoreBatch).options(joinedload(ScoreBatch.actor))
    if period:
        query = query.where(ScoreBatch.period == period)
    return list(db.session.scalars(query.order_by(ScoreBatch.id.desc()).limit(limit)).unique())


def batch_by_id(batch_id: int) -> ScoreBatch | None:
    """A batch with its actor, or None."""
    return db.session.scalar(
        select(ScoreBatch).where(ScoreBatch.id == batch_id).options(joinedload(ScoreBatch.actor))
    )


def audit_of_batch(batch: ScoreBatch) -> list[AuditEvent]:
    """The audit rows of a batch, oldest first (one query)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type == "ScoreBatch", AuditEvent.target_id == str(batch.id))
            .order_by(AuditEvent.id)
        )
    )


def values_of_batch(batch: ScoreBatch, limit: int = 2000) -> list[tuple[str, str, str, float]]:
    """(employee no, name, indicator code, value) of the values a batch still holds."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(User.employee_no, User.name, Indicator.code, Score.value)
            .join(User, User.id == Score.user_id)
            .join(Indicator, Indicator.id == Score.indicator_id)
            .where(Score.batch_id == batch.id)
            .order_by(User.employee_no, Indicator.position)
            .limit(limit)
        )
    ]


# --- templates and exports -------------------------------------------------------------------


def template_rows(period: str) -> list[tuple[str, str]]:
    """(employee no, indicator code) of every active person with a job role and each indicator
    in force for their role in ``period``: the rows of a blank score template (two queries)."""
    in_force = parameters_in_force(period)
    people = db.session.execute(
        select(User.employee_no, User.job_role_id)
        .where(User.is_active.is_(True), User.job_role_id.is_not(None))
        .order_by(User.employee_no)
    ).all()
    rows = []
    for number, role_id in people:
        entries = sorted(in_force.get(role_id, {}).values(), key=lambda e: e.code)
        rows += [(number, entry.code) for entry in entries]
    return rows


def file_for_export() -> IndicatorFile:
    """Every indicator and every parameter set in the file's shape."""
    result = IndicatorFile()
    for position, indicator in enumerate(indicators()):
        result.indicators.append(
            IndicatorSpec(
                code=indicator.code,
                name=Text(indicator.name_zh, indicator.name_en),
                definition=Text(indicator.definition_zh, indicator.definition_en),
                unit=indicator.unit,
                direction=indicator.direction,
                source=Text(indicator.source_zh, indicator.source_en),
                competencies=dict(
                    sorted(indicator.strengths.items(), key=lambda item: (-item[1], item[0]))
                ),
                position=position,
            )
        )
    sets = db.session.scalars(
        select(ParameterSet)
        .join(JobRole, JobRole.id == ParameterSet.job_role_id)
        .order_by(JobRole.id, ParameterSet.valid_from)
        .options(
            selectinload(ParameterSet.parameters).selectinload(IndicatorParameter.indicator),
            selectinload(ParameterSet.job_role),
        )
    )
    for parameter_set in sets:
        parameters = sorted(
            parameter_set.parameters,
            key=lambda p: (p.is_gate, p.indicator.position, p.indicator.code),
        )
        result.parameter_sets.append(
            ParameterSetSpec(
                parameter_set.job_role.code,
                parameter_set.valid_from,
                {
                    p.indicator.code: ParameterSpec(
                        p.indicator.code, p.weight, p.floor, p.target, p.ceiling, p.is_gate
                    )
                    for p in parameters
                },
                parameter_set.note,
            )
        )
    return result
